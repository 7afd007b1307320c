"""neural-tangents' kernel_fn vs wideflow kernels() at scale (issue 9 items 6, 7), for bench/suites/kernels.mjs.

Run in the throwaway venv of bench/peers/setup-venv.sh (numpy, jax[cpu], neural-tangents); never a
dependency of the package. Prints one JSON line on stdout (the last line); arrays go to --out as
little-endian float64 files.

  time:  K and Θ of the last layer of Dense–σ–…–Dense over N inputs with the path a user of NT picks:
         the closed forms stax.Erf(), stax.Relu(), stax.Gelu(approximate=False), and for tanh (no
         closed form in NT) stax.ElementwiseNumerical(jnp.tanh, deg), batched with nt.batch to bound
         memory. jit-compiled; the compile call is timed separately (first_call_ms).
  ref:   an outside high-precision reference of the same last-layer K and Θ:
         * erf, relu, gelu: the closed-form recursion evaluated in numpy long double (x87 80-bit,
           ε = 5.4e-20) with the textbook forms — arcsine kernel; arc-cosine kernel with π − acos(c)
           (fine at 64-bit mantissa for these inputs); the gelu form of docs/theory/kernels.md (checked
           against 2-D mpmath quadrature in bench/reference/kernel_pairs.py). Not wideflow code.
         * tanh: NT's own ElementwiseNumerical at degree --ref-deg on the block rows [0, B) × [B, 2B)
           (an entry depends only on its two inputs, so a block is exact); it is good to ~1e-12.
  param: the convention map (README "Conventions: wideflow ↔ neural-tangents"): Θ of NT's NTK and
         standard parameterizations on a small set, to be compared with wideflow's λ choices.

NTK parameterization with W_std = √C_W, b_std = √C_b is wideflow with λ_b = C_b, λ_W = C_W.
"""
import argparse
import json
import os
import sys
import time
import warnings

warnings.filterwarnings("ignore")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import neural_tangents as nt  # noqa: E402
from neural_tangents import stax  # noqa: E402

LD = np.longdouble
PI = LD("3.14159265358979323846264338327950288")


def act_layer(act, deg):
    if act == "erf":
        return stax.Erf()
    if act == "relu":
        return stax.Relu()
    if act == "gelu":
        return stax.Gelu(approximate=False)
    if act == "tanh":
        return stax.ElementwiseNumerical(jnp.tanh, deg)
    raise ValueError(act)


def mlp(layer, depth, w_std, b_std, parameterization="ntk", width=1):
    layers = []
    for l in range(depth):
        if l > 0:
            layers.append(layer)
        layers.append(stax.Dense(width, W_std=w_std, b_std=b_std, parameterization=parameterization))
    return stax.serial(*layers)


def pair_ld(act, k11, k12, k22):
    """⟨σσ⟩, ⟨σ′σ′⟩ in long double, textbook closed forms."""
    if act == "erf":
        p = (1 + 2 * k11) * (1 + 2 * k22)
        return 2 / PI * np.arcsin(2 * k12 / np.sqrt(p)), 4 / PI / np.sqrt(p - 4 * k12 * k12)
    if act == "relu":
        n = np.sqrt(k11 * k22)
        c = np.clip(k12 / n, -1, 1)
        t = np.arccos(c)
        return n * (np.sin(t) + (PI - t) * c) / (2 * PI), (PI - t) / (2 * PI)
    if act == "gelu":
        p1, p2 = 1 + k11, 1 + k22
        d = p1 * p2 - k12 * k12
        a = np.arcsin(k12 / np.sqrt(p1 * p2))
        m = k11 * k22 + k12 * k12 * (1 - k11 * k22) / (p1 * p2)
        s = k12 / 4 + k12 * a / (2 * PI) + m / (2 * PI * np.sqrt(d))
        dd = LD(0.25) + a / (2 * PI) + k12 * (1 + 2 * (1 - k11 * k22) / (p1 * p2)) / (2 * PI * np.sqrt(d)) + k12 * m / (2 * PI * d * np.sqrt(d))
        return s, dd
    raise ValueError(act)


def reference_ld(act, x, depth, cb, cw, lb, lw):
    xl = x.astype(LD)
    g = (xl @ xl.T) / LD(x.shape[1])
    K = LD(cb) + LD(cw) * g
    T = LD(lb) + LD(lw) * g
    for _ in range(1, depth):
        d = np.diag(K)
        s, dd = pair_ld(act, d[:, None], K, d[None, :])
        K, T = LD(cb) + LD(cw) * s, LD(lb) + LD(lw) * s + LD(cw) * T * dd
    return K, T


def timed(f, reps):
    ts = []
    out = None
    for _ in range(reps):
        t = time.perf_counter()
        out = f()
        jax.block_until_ready(out)
        ts.append(time.perf_counter() - t)
    ts.sort()
    return out, {"median_ms": ts[len(ts) // 2] * 1e3, "min_ms": ts[0] * 1e3, "reps": reps}


def cmd_time(a):
    x = np.fromfile(a.x, dtype="<f8").reshape(a.n, a.n0)
    _, _, kernel_fn = mlp(act_layer(a.act, a.deg), a.depth, np.sqrt(a.cw), np.sqrt(a.cb))
    if a.batch and a.batch < a.n:
        kf = nt.batch(kernel_fn, batch_size=a.batch, store_on_device=False)
    else:
        kf = jax.jit(kernel_fn, static_argnames="get")
    res = {"act": a.act, "n": a.n, "depth": a.depth, "deg": a.deg if a.act == "tanh" else None, "batch": a.batch,
           "jax": jax.__version__, "neural_tangents": nt.__version__}
    t = time.perf_counter()
    k = kf(x, None, ("nngp", "ntk"))
    jax.block_until_ready(k)
    res["first_call_ms"] = (time.perf_counter() - t) * 1e3
    if a.reps > 0:
        k, stats = timed(lambda: kf(x, None, ("nngp", "ntk")), a.reps)
        res.update(stats)
    else:
        res["median_ms"] = res["first_call_ms"]
    np.asarray(k[0], dtype="<f8").tofile(os.path.join(a.out, f"nt_{a.act}_{a.n}_K.f64"))
    np.asarray(k[1], dtype="<f8").tofile(os.path.join(a.out, f"nt_{a.act}_{a.n}_T.f64"))
    if a.ref:
        t = time.perf_counter()
        if a.act == "tanh":
            B = a.block
            _, _, kfn = mlp(stax.ElementwiseNumerical(jnp.tanh, a.ref_deg), a.depth, np.sqrt(a.cw), np.sqrt(a.cb))
            K, T = kfn(x[:B], x[B:2 * B], ("nngp", "ntk"))
            res["reference"] = f"NT ElementwiseNumerical(deg={a.ref_deg}) on rows [0,{B})×[{B},{2 * B})"
        else:
            K, T = reference_ld(a.act, x, a.depth, a.cb, a.cw, a.cb, a.cw)
            res["reference"] = "closed-form recursion in numpy long double (80-bit)"
        res["reference_ms"] = (time.perf_counter() - t) * 1e3
        np.asarray(K, dtype="<f8").tofile(os.path.join(a.out, f"ref_{a.act}_{a.n}_K.f64"))
        np.asarray(T, dtype="<f8").tofile(os.path.join(a.out, f"ref_{a.act}_{a.n}_T.f64"))
        # The reference rounded to double loses nothing that matters: keep its spread too.
        res["reference_shape"] = list(np.shape(K))
    print(json.dumps(res))


def cmd_param(a):
    """Θ (and K) of NT's two parameterizations for the convention test."""
    x = np.fromfile(a.x, dtype="<f8").reshape(a.n, a.n0)
    out = {}
    for par in ["ntk", "standard"]:
        _, _, kernel_fn = mlp(act_layer(a.act, a.deg), a.depth, np.sqrt(a.cw), np.sqrt(a.cb), par, a.width)
        K, T = kernel_fn(x, None, ("nngp", "ntk"))
        out[par] = {"K": np.asarray(K).ravel().tolist(), "Theta": np.asarray(T).ravel().tolist()}
    print(json.dumps(out))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ["time", "param"]:
        s = sub.add_parser(name)
        s.add_argument("--x", required=True)
        s.add_argument("--n", type=int, required=True)
        s.add_argument("--n0", type=int, required=True)
        s.add_argument("--depth", type=int, default=10)
        s.add_argument("--act", default="erf", choices=["erf", "relu", "gelu", "tanh"])
        s.add_argument("--cb", type=float, default=0.1)
        s.add_argument("--cw", type=float, default=1.0)
        s.add_argument("--deg", type=int, default=25)
        if name == "time":
            s.add_argument("--batch", type=int, default=0)
            s.add_argument("--reps", type=int, default=1)
            s.add_argument("--ref", action="store_true")
            s.add_argument("--ref-deg", type=int, default=300)
            s.add_argument("--block", type=int, default=64)
            s.add_argument("--out", required=True)
        else:
            s.add_argument("--width", type=int, default=1, help="the width NT's standard parameterization reads as n_ℓ")
    a = p.parse_args()
    cmd_time(a) if a.cmd == "time" else cmd_param(a)


if __name__ == "__main__":
    main()
