"""High-precision reference values of ⟨σσ⟩ and ⟨σ′σ′⟩ for smooth σ without a closed form (tanh, sigmoid,
softplus, swish) — the pairs kernels() sums as Mehler series (test/kernels-mehler.test.ts reads the JSON):

  S = ⟨σ(z₁)σ(z₂)⟩,  D = ⟨σ′(z₁)σ′(z₂)⟩,  (z₁, z₂) ~ N(0, [[k11, k12], [k12, k22]]),  k12 = c√(k11 k22).

The 2-D integral itself, by mpmath's tanh-sinh quadrature at 25 digits in Cholesky coordinates
z₁ = √k11 x₁, z₂ = l21 x₁ + l22 x₂, the inner integral split at z₂ = 0 (plain Python, no wideflow code,
no series). The points are given as (k11, c, k22) decimal strings; the test rebuilds k12 in double from
them, so inputs are exact up to that rounding (≤ 1 ulp of c, which moves S by ≤ 2e-16 relative).
Cost: 20–90 s per value on one core.

  python3 bench/reference/kernel_pairs_smooth.py > test/fixtures/kernel-pairs-smooth.json

The fixture was made in two runs (the second, for the points at |c| ≥ 0.97, after the breakpoint fix
below); the first run's values at |c| ≤ 0.9 come from the same integrals, the breakpoint lying inside
the bulk there.
"""
import json
import sys

import mpmath as mp

mp.mp.dps = 25


def sgm(z):
    return 1 / (1 + mp.e ** (-z))


ACTS = {
    'tanh': (mp.tanh, lambda z: 1 / mp.cosh(z) ** 2),
    'sigmoid': (sgm, lambda z: sgm(z) * (1 - sgm(z))),
    'softplus': (lambda z: mp.log(1 + mp.e ** z), sgm),
    'swish': (lambda z: z * sgm(z), lambda z: sgm(z) + z * sgm(z) * (1 - sgm(z))),
}

POINTS = [
    ('tanh', '0.3', '-0.99999', '0.3'), ('tanh', '0.3', '0.3', '0.3'), ('tanh', '0.3', '0.97', '0.3'),
    ('tanh', '0.3', '0.99999', '0.3'), ('tanh', '0.5', '-0.5', '1.6'), ('tanh', '0.5', '0.999', '1.6'),
    ('tanh', '2', '0.9', '3'), ('tanh', '6', '0.2', '0.05'),
    ('sigmoid', '0.5', '-0.5', '1.6'), ('softplus', '1', '0.8', '2'), ('swish', '0.5', '-0.5', '1.6'),
]


def pair(f, k11, c, k22):
    k11, k22, c = mp.mpf(k11), mp.mpf(k22), mp.mpf(c)
    l11 = mp.sqrt(k11)
    l21 = c * mp.sqrt(k22)
    l22 = mp.sqrt(k22) * mp.sqrt(1 - c * c)
    phi = lambda x: mp.e ** (-x * x / 2) / mp.sqrt(2 * mp.pi)
    # Split the inner integral where z₂ = 0 (σ's steepest point) when that lies in the Gaussian's bulk; a
    # far-out breakpoint (nearly parallel pairs: l22 → 0) spoils tanh-sinh on the half-infinite pieces
    # (it returned −0.0068 for −0.1973 at c = −0.99999 in a first version).
    def inner(x1):
        root = -l21 * x1 / l22
        pts = [-mp.inf, root, mp.inf] if abs(root) < 8 else [-mp.inf, 0, mp.inf]
        return mp.quad(lambda x2: phi(x2) * f(l21 * x1 + l22 * x2), pts)
    return mp.quad(lambda x1: phi(x1) * f(l11 * x1) * inner(x1), [-mp.inf, 0, mp.inf])


# `python3 kernel_pairs_smooth.py 0 3 5` recomputes only those points (indices into POINTS).
only = [int(a) for a in sys.argv[1:]]
cases = []
for i, (name, k11, c, k22) in enumerate(POINTS):
    if only and i not in only:
        continue
    f, df = ACTS[name]
    cases.append({'act': name, 'k11': k11, 'c': c, 'k22': k22,
                  'S': mp.nstr(pair(f, k11, c, k22), 20), 'D': mp.nstr(pair(df, k11, c, k22), 20)})
print(json.dumps({'doc': 'bench/reference/kernel_pairs_smooth.py: mpmath tanh-sinh 2-D quadrature at 25 digits', 'digits': 25, 'cases': cases}, indent=1))
