"""High-precision reference values of the two-input Gaussian expectations behind kernels()
(test/kernel-closed-forms.test.ts reads the JSON this writes; rerun to regenerate):

  S = ⟨σ(z₁)σ(z₂)⟩,  D = ⟨σ′(z₁)σ′(z₂)⟩,  (z₁, z₂) ~ N(0, [[k11, k12], [k12, k22]]),

for relu, leaky relu (a = 0.1), erf, gelu (exact, zΦ(z)) and sin at many angles, including cosines
±0.9999 and −0.99992 (the relu cancellation of issue 9 item 6).

Two independent routes, both in mpmath (plain Python, no wideflow code):
  * "closed": the closed forms evaluated at 40 digits — arc-cosine kernels (Cho & Saul 2009) for
    relu/leaky relu, the arcsine kernel (Williams 1997) for erf, e^{−(k11+k22)/2}·sinh/cosh(k12) for
    sin, and for gelu the form derived in docs/theory/kernels.md. At 40 digits no cancellation of
    double precision survives, so these test the floating-point care of the double code.
  * "quad": for gelu at a subset of points, the 2-D integral itself by mpmath's tanh-sinh
    quadrature in Cholesky coordinates at 25 digits (error estimate < 1e-30; at 20 digits it was off
    by 1e-13 at c = −0.9999): this checks the closed
    forms themselves (the gelu one is derived here, not looked up). The script asserts that both
    routes agree to 1e-16 relative.

  python3 bench/reference/kernel_pairs.py [--no-quad] > test/fixtures/kernel-pairs.json
"""
import json
import sys

import mpmath as mp

COSINES = ["-1", "-0.99999999", "-0.9999", "-0.99992", "-0.999", "-0.97", "-0.9", "-0.7", "-0.5", "-0.2", "-0.01", "0",
           "0.01", "0.3", "0.6", "0.9", "0.97", "0.999", "0.9999", "0.99999999", "1"]
# (|x₁|²/n₀, |x₂|²/n₀) before rounding the inputs to the dyadic grid below.
VARIANCES = [("1", "1"), ("0.3", "2.5"), ("4", "0.05"), ("1e-3", "7")]
# Inputs x₁ = (a, 0), x₂ = (b, d) in R² on the grid 2⁻²⁰, so that the Gram matrix K⁽¹⁾ = x·x/2 that
# kernels() forms from them (C_b = 0, C_W = 1) is exact in double: the test then measures the pair
# rules alone, not the rounding of their inputs.
GRID = 2 ** 20


def dyadic(v):
    return mp.mpf(int(mp.nint(v * GRID))) / GRID


# The subset checked by 2-D quadrature (slow: ~4 min per integral on a loaded core). Only gelu: its
# closed form is derived here; erf's arcsine kernel is textbook (Williams 1997).
QUAD = [("1", "1", "-0.9999"), ("0.3", "2.5", "-0.99992"), ("0.3", "2.5", "0.97")]


def relu_closed(a, k11, k12, k22):
    n = mp.sqrt(k11 * k22)
    c = k12 / n
    t = mp.acos(c)
    j1 = n * (mp.sin(t) + (mp.pi - t) * c) / (2 * mp.pi)
    j0 = (mp.pi - t) / (2 * mp.pi)
    b = (1 - a) ** 2
    return a * k12 + b * j1, a + b * j0


def erf_closed(k11, k12, k22):
    p = (1 + 2 * k11) * (1 + 2 * k22)
    return 2 / mp.pi * mp.asin(2 * k12 / mp.sqrt(p)), 4 / mp.pi / mp.sqrt(p - 4 * k12 ** 2)


def sin_closed(k11, k12, k22):
    e = mp.exp(-(k11 + k22) / 2)
    return e * mp.sinh(k12), e * mp.cosh(k12)


def gelu_closed(k11, k12, k22):
    p1, p2 = 1 + k11, 1 + k22
    d = p1 * p2 - k12 ** 2
    asn = mp.asin(k12 / mp.sqrt(p1 * p2))
    num = k11 * k22 + k12 ** 2 * (1 - k11 * k22) / (p1 * p2)
    s = k12 / 4 + k12 * asn / (2 * mp.pi) + num / (2 * mp.pi * mp.sqrt(d))
    dd = (mp.mpf(1) / 4 + asn / (2 * mp.pi) + (k12 + 2 * k12 * (1 - k11 * k22) / (p1 * p2)) / (2 * mp.pi * mp.sqrt(d))
          + k12 * num / (2 * mp.pi * d ** mp.mpf(1.5)))
    return s, dd


FUNCS = {
    "gelu": (lambda z: z * mp.ncdf(z), lambda z: mp.ncdf(z) + z * mp.npdf(z)),
}


def quad_pair(f, k11, k12, k22):
    l11 = mp.sqrt(k11)
    l21 = k12 / l11
    l22 = mp.sqrt(max(k22 - l21 ** 2, 0))
    g = lambda x1, x2: f(l11 * x1) * f(l21 * x1 + l22 * x2) * mp.npdf(x1) * mp.npdf(x2)
    v, err = mp.quad(g, [-mp.inf, 0, mp.inf], [-mp.inf, 0, mp.inf], error=True)
    return v, err


def main():
    quad = "--no-quad" not in sys.argv
    out = {"doc": __doc__.strip().splitlines()[0], "digits": 40, "cases": []}
    mp.mp.dps = 40
    for v1, v2 in VARIANCES:
        for cs in COSINES:
            c = mp.mpf(cs)
            r1, r2 = mp.sqrt(2 * mp.mpf(v1)), mp.sqrt(2 * mp.mpf(v2))
            a, b, d = dyadic(r1), dyadic(r2 * c), dyadic(r2 * mp.sqrt(1 - c * c))
            k11, k12, k22 = a * a / 2, a * b / 2, (b * b + d * d) / 2
            assert all(mp.mpf(float(k)) == k for k in (k11, k12, k22))
            case = {"x1": [float(a), 0.0], "x2": [float(b), float(d)], "k11": float(k11), "k12": float(k12), "k22": float(k22),
                    "cosine": mp.nstr(k12 / mp.sqrt(k11 * k22), 12)}
            for name, fn in [("relu", lambda p, q, r: relu_closed(0, p, q, r)), ("leaky_relu_0.1", lambda p, q, r: relu_closed(mp.mpf("0.1"), p, q, r)),
                             ("erf", erf_closed), ("gelu", gelu_closed), ("sin", sin_closed)]:
                s, dd = fn(k11, k12, k22)
                s1, d1 = fn(k11, k11, k11)
                s2, d2 = fn(k22, k22, k22)
                # [⟨σσ⟩₁₂, ⟨σ′σ′⟩₁₂, ⟨σ²⟩₁, ⟨σ′²⟩₁, ⟨σ²⟩₂, ⟨σ′²⟩₂]; exact zeros (relu at c = −1) as 0.
                case[name] = [mp.nstr(v, 25) if abs(v) > mp.mpf("1e-30") else "0" for v in (s, dd, s1, d1, s2, d2)]
            out["cases"].append(case)
    if quad:
        out["quadrature"] = []
        for v1, v2, cs in QUAD:
            mp.mp.dps = 40
            k11, k22 = mp.mpf(v1), mp.mpf(v2)
            k12d = mp.mpf(float(mp.mpf(cs) * mp.sqrt(k11 * k22)))
            row = {"k11": float(k11), "k12": float(k12d), "k22": float(k22), "cosine": cs}
            for name, (f, df) in FUNCS.items():
                closed = gelu_closed(k11, k12d, k22) if name == "gelu" else erf_closed(k11, k12d, k22)
                mp.mp.dps = 25
                s, es = quad_pair(f, k11, k12d, k22)
                d, ed = quad_pair(df, k11, k12d, k22)
                mp.mp.dps = 40
                for q, e, c_ in [(s, es, closed[0]), (d, ed, closed[1])]:
                    rel = abs(q - c_) / abs(c_)
                    assert rel < mp.mpf("1e-16"), (name, v1, v2, cs, q, c_)
                row[name] = {"quad": [mp.nstr(s, 20), mp.nstr(d, 20)], "quad_error_estimate": [mp.nstr(es, 3), mp.nstr(ed, 3)],
                             "closed_minus_quad_rel": [mp.nstr(abs(s - closed[0]) / abs(closed[0]), 3), mp.nstr(abs(d - closed[1]) / abs(closed[1]), 3)]}
            out["quadrature"].append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
