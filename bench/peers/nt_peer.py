"""Peer measurements with google/neural-tangents (JAX, CPU, float64) for `npm run bench` (item 5).

Run by bench/suites/peers.mjs with the throwaway virtualenv of bench/peers/setup-venv.sh; never a
dependency of the package. Prints one JSON line on stdout (the last line); arrays go to files.

  kernels: K and Θ of the last layer of Dense–σ–Dense–σ–…–Dense (NTK parameterization, so that
           Θ⁽¹⁾ = K⁽¹⁾, i.e. λ_b = C_b, λ_W = C_W in wideflow) over N inputs, with
           stax.ElementwiseNumerical(σ, deg) for each requested degree (jit-compiled; the compile
           call is excluded from the timing), plus a reference: the closed-form stax.Erf for erf, or
           ElementwiseNumerical at a high degree (computed in blocks to bound memory) for others.
  mc:      networks per second of nt.monte_carlo_kernel_fn (empirical NNGP + NTK averaged over an
           ensemble of finite networks) for one input.
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

ACTS = {"tanh": jnp.tanh, "erf": jax.scipy.special.erf}


def versions():
    import jaxlib
    import scipy

    return {
        "python": sys.version.split()[0],
        "jax": jax.__version__,
        "jaxlib": jaxlib.__version__,
        "neural_tangents": nt.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "devices": [str(d) for d in jax.devices()],
    }


def mlp(act_layer, depth, w_std, b_std, width=1):
    layers = []
    for l in range(depth):
        if l > 0:
            layers.append(act_layer)
        layers.append(stax.Dense(width, W_std=w_std, b_std=b_std))
    return stax.serial(*layers)


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


def kernels(a):
    x = np.fromfile(a.x, dtype="<f8").reshape(a.n, a.n0)
    w_std, b_std = np.sqrt(a.cw), np.sqrt(a.cb)
    fn = ACTS[a.act]
    res = {"versions": versions(), "act": a.act, "n": a.n, "n0": a.n0, "depth": a.depth, "degrees": {}}
    for deg in [int(d) for d in a.deg.split(",")]:
        _, _, kernel_fn = mlp(stax.ElementwiseNumerical(fn, deg), a.depth, w_std, b_std)
        kf = jax.jit(kernel_fn, static_argnames="get")
        t = time.perf_counter()
        k = kf(x, None, ("nngp", "ntk"))
        jax.block_until_ready(k)
        first = (time.perf_counter() - t) * 1e3
        k, stats = timed(lambda: kf(x, None, ("nngp", "ntk")), a.reps)
        stats["first_call_ms"] = first
        np.asarray(k[0], dtype="<f8").tofile(os.path.join(a.out, f"nt_{a.act}_{deg}_K.f64"))
        np.asarray(k[1], dtype="<f8").tofile(os.path.join(a.out, f"nt_{a.act}_{deg}_T.f64"))
        res["degrees"][deg] = stats
    if a.no_ref:
        print(json.dumps(res))
        return
    # Reference.
    t = time.perf_counter()
    if a.act == "erf":
        _, _, kernel_fn = mlp(stax.Erf(), a.depth, w_std, b_std)
        K, T = kernel_fn(x, None, ("nngp", "ntk"))
        res["reference"] = "stax.Erf (closed form, arcsine kernel)"
    else:
        _, _, kernel_fn = mlp(stax.ElementwiseNumerical(fn, a.ref_deg), a.depth, w_std, b_std)
        kf = jax.jit(kernel_fn, static_argnames="get")
        K = np.zeros((a.n, a.n))
        T = np.zeros((a.n, a.n))
        B = a.block
        for i in range(0, a.n, B):
            for j in range(i, a.n, B):
                k, th = kf(x[i:i + B], x[j:j + B], ("nngp", "ntk"))
                K[i:i + B, j:j + B] = k
                T[i:i + B, j:j + B] = th
                K[j:j + B, i:i + B] = np.asarray(k).T
                T[j:j + B, i:i + B] = np.asarray(th).T
        res["reference"] = f"stax.ElementwiseNumerical(deg={a.ref_deg}), blocks of {B}"
    res["reference_ms"] = (time.perf_counter() - t) * 1e3
    np.asarray(K, dtype="<f8").tofile(os.path.join(a.out, f"ref_{a.act}_K.f64"))
    np.asarray(T, dtype="<f8").tofile(os.path.join(a.out, f"ref_{a.act}_T.f64"))
    print(json.dumps(res))


def mc(a):
    fn = ACTS[a.act]
    layers = []
    for l in range(a.depth):
        if l > 0:
            layers.append(stax.Elementwise(fn=fn) if a.act != "erf" else stax.Erf())
        width = a.out_width if l == a.depth - 1 else a.width
        layers.append(stax.Dense(width, W_std=np.sqrt(a.cw), b_std=np.sqrt(a.cb)))
    init_fn, apply_fn, _ = stax.serial(*layers)
    x = np.ones((1, a.n0))
    key = jax.random.PRNGKey(0)
    res = {"versions": versions(), "width": a.width, "depth": a.depth, "n0": a.n0, "out_width": a.out_width, "runs": {}}
    for n in [int(s) for s in a.samples.split(",")]:
        kernel_fn = nt.monte_carlo_kernel_fn(init_fn, apply_fn, key, n_samples=n, batch_size=0, device_count=0,
                                             trace_axes=(), store_on_device=True, implementation=a.impl)
        # First call compiles; time the second.
        t = time.perf_counter()
        jax.block_until_ready(kernel_fn(x, None, ("nngp", "ntk")))
        first = time.perf_counter() - t
        _, stats = timed(lambda: kernel_fn(x, None, ("nngp", "ntk")), a.reps)
        stats["first_call_ms"] = first * 1e3
        stats["networks_per_s"] = n / (stats["median_ms"] / 1e3)
        res["runs"][n] = stats
    print(json.dumps(res))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    k = sub.add_parser("kernels")
    k.add_argument("--x", required=True)
    k.add_argument("--n", type=int, required=True)
    k.add_argument("--n0", type=int, required=True)
    k.add_argument("--depth", type=int, default=3)
    k.add_argument("--act", default="tanh", choices=list(ACTS))
    k.add_argument("--cb", type=float, default=0.1)
    k.add_argument("--cw", type=float, default=1.0)
    k.add_argument("--deg", default="25")
    k.add_argument("--ref-deg", type=int, default=200)
    k.add_argument("--block", type=int, default=32)
    k.add_argument("--reps", type=int, default=3)
    k.add_argument("--no-ref", action="store_true", help="time only (no reference arrays)")
    k.add_argument("--out", required=True)
    m = sub.add_parser("mc")
    m.add_argument("--act", default="tanh", choices=list(ACTS))
    m.add_argument("--width", type=int, default=256)
    m.add_argument("--depth", type=int, default=4)
    m.add_argument("--n0", type=int, default=256)
    m.add_argument("--out-width", type=int, default=8)
    m.add_argument("--cb", type=float, default=0.1)
    m.add_argument("--cw", type=float, default=1.0)
    m.add_argument("--samples", default="64")
    m.add_argument("--impl", type=int, default=1, help="nt.NtkImplementation: 1 Jacobian contraction, 2 NTK-vector products, 3 structured derivatives")
    m.add_argument("--reps", type=int, default=3)
    a = p.parse_args()
    kernels(a) if a.cmd == "kernels" else mc(a)


if __name__ == "__main__":
    main()
