#!/usr/bin/env python3
"""
Independent high-precision reference for wideflow's criticality module (issue 11).

Writes test/fixtures/critical_ref.json. Everything here is computed with mpmath at 40 significant
digits from the definitions (PDLT §5), with no code shared with the library:

  <f>_K       = ∫ dx φ(x) f(√K x)            (mpmath tanh-sinh quadrature, split at 0 and ±6)
  χ∥(K; C_W)  = C_W <σ²(z² − K)>_K / (2K²)  (the *cancelling* He₂ form: at 40 digits the loss of
                                             ~log10(1/K) digits is harmless, so it checks the
                                             library's Stein form independently)
  χ⊥(K; C_W)  = C_W <σ′²>_K
  K>0 critical point: root of <σσ″>_K = 0 (a different, equivalent condition than the library's
                      χ∥ − χ⊥ = 0), then C_W = 1/<σ′²>, C_b = K* − C_W <σ²>
  b, c3       = ½ dχ∥/dK and ⅙ d²χ∥/dK² at K* (mpmath numerical derivatives of the He₂ form):
                ΔK' = ΔK + b ΔK² + c3 ΔK³ + …
  fixed points of K' = C_b + C_W <σ²>_K by findroot from given starting guesses.

Derivatives of σ are written out by hand below. Run:  python3 bench/reference/critical_ref.py
"""
import json
import os
from mpmath import mp, mpf, quad, exp, sqrt, pi, erf, tanh, sin, cos, findroot, diff, inf

mp.dps = 40

SQ2PI = sqrt(2 * pi)


def phi(x):
    return exp(-x * x / 2) / SQ2PI


def Phi(x):
    return (1 + erf(x / sqrt(2))) / 2


def sig(x):
    return 1 / (1 + exp(-x))


# (σ, σ′, σ″) of each activation, written from the formulas (not from the library)
ACTS = {
    'tanh': (lambda x: tanh(x), lambda x: 1 - tanh(x) ** 2, lambda x: -2 * tanh(x) * (1 - tanh(x) ** 2)),
    'sin': (lambda x: sin(x), lambda x: cos(x), lambda x: -sin(x)),
    'erf': (lambda x: erf(x), lambda x: 2 / sqrt(pi) * exp(-x * x), lambda x: -4 * x / sqrt(pi) * exp(-x * x)),
    'gelu': (lambda x: x * Phi(x), lambda x: Phi(x) + x * phi(x), lambda x: phi(x) * (2 - x * x)),
    'swish': (
        lambda x: x * sig(x),
        lambda x: sig(x) + x * sig(x) * (1 - sig(x)),
        lambda x: 2 * sig(x) * (1 - sig(x)) + x * sig(x) * (1 - sig(x)) * (1 - 2 * sig(x)),
    ),
    'sigmoid': (lambda x: sig(x), lambda x: sig(x) * (1 - sig(x)), lambda x: sig(x) * (1 - sig(x)) * (1 - 2 * sig(x))),
    'softplus': (lambda x: mp.log(1 + exp(x)), lambda x: sig(x), lambda x: sig(x) * (1 - sig(x))),
    'elu': (
        lambda x: x if x >= 0 else exp(x) - 1,
        lambda x: mpf(1) if x >= 0 else exp(x),
        lambda x: mpf(0) if x >= 0 else exp(x),
    ),
}


def E(f, K):
    s = sqrt(K)
    return quad(lambda x: phi(x) * f(s * x), [-inf, -6, 0, 6, inf])


def moments(name, K):
    f, d1, _ = ACTS[name]
    s2 = E(lambda z: f(z) ** 2, K)
    d2 = E(lambda z: d1(z) ** 2, K)
    he2 = E(lambda z: f(z) ** 2 * (z * z - K), K)
    return s2, d2, he2


def chis(name, K, CW=1):
    K = mpf(K)
    _, d2, he2 = moments(name, K)
    return CW * he2 / (2 * K * K), CW * d2


def ssdd(name, K):
    f, _, d2f = ACTS[name]
    return E(lambda z: f(z) * d2f(z), K)


def critical_pos(name, guess):
    Kstar = findroot(lambda K: ssdd(name, K), mpf(guess), tol=mpf(10) ** -32)
    s2, d2, he2 = moments(name, Kstar)
    CW = 1 / d2
    Cb = Kstar - CW * s2
    chi_par = lambda K: CW * moments(name, K)[2] / (2 * K * K)
    b = diff(chi_par, Kstar) / 2
    c3 = diff(chi_par, Kstar, 2) / 6
    cp, cq = chis(name, Kstar, CW)
    return {
        'Kstar': Kstar, 'CW': CW, 'Cb': Cb, 'b': b, 'c3': c3, 'chiParallel': cp, 'chiPerp': cq,
    }


def fixed_point(name, Cb, CW, guess):
    Cb, CW = mpf(Cb), mpf(CW)
    K = findroot(lambda K: Cb + CW * moments(name, K)[0] - K, mpf(guess), tol=mpf(10) ** -32)
    cp, cq = chis(name, K, CW)
    return {'Cb': Cb, 'CW': CW, 'K': K, 'chiParallel': cp, 'chiPerp': cq}


def s(x):
    return mp.nstr(x, 25)


def main():
    out = {
        'generator': 'bench/reference/critical_ref.py (mpmath %s, %d digits)' % (mp.__version__ if hasattr(mp, '__version__') else '', mp.dps),
        'note': 'independent reference: definitions of PDLT §5 evaluated with mpmath; see the script docstring',
        'critical': {},
        'susceptibilities': [],
        'fixedPoints': [],
    }
    import mpmath
    out['generator'] = 'bench/reference/critical_ref.py (mpmath %s, %d digits)' % (mpmath.__version__, mp.dps)
    for name, guess in [('gelu', 3.9), ('swish', 14.5)]:
        r = critical_pos(name, guess)
        out['critical'][name] = {k: s(v) for k, v in r.items()}
        print(name, {k: mp.nstr(v, 18) for k, v in r.items()}, flush=True)
    for name, K, CW in [
        ('tanh', '1e-8', 1), ('tanh', '1e-4', 1), ('tanh', '0.7', 1), ('tanh', '25', 1),
        ('gelu', '1e-6', 1), ('gelu', '2.5', 1.3), ('swish', '0.01', 1), ('swish', '40', 1),
        ('erf', '0.3', 1), ('sin', '2', 1), ('sigmoid', '1.5', 1), ('softplus', '3', 1), ('elu', '0.5', 1), ('elu', '1e-6', 1),
    ]:
        cp, cq = chis(name, mpf(K), CW)
        row = {'activation': name, 'K': K, 'CW': CW, 'chiParallel': s(cp), 'chiPerp': s(cq)}
        out['susceptibilities'].append(row)
        print(row, flush=True)
    for name, Cb, CW, guess in [('tanh', 0, 2, 1.0), ('tanh', '0.3', '1.5', 1.0), ('gelu', '0.1', '1.5', 0.2), ('swish', '0.2', '1.9', 0.3), ('erf', '0.05', 1, 0.5)]:
        r = fixed_point(name, Cb, CW, guess)
        row = {'activation': name, **{k: s(v) for k, v in r.items()}}
        out['fixedPoints'].append(row)
        print(row, flush=True)
    path = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'critical_ref.json')
    with open(path, 'w') as fh:
        json.dump(out, fh, indent=1)
        fh.write('\n')
    print('wrote', os.path.normpath(path))


if __name__ == '__main__':
    main()
