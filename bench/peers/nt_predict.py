"""Peer fixture for `predict()` (issue 13 item 2): neural-tangents' infinite-width predictions.

Writes test/fixtures/nt-predict.json (or --out): for a few networks and data sets, the joint NNGP K and
NTK Θ over [train; test] from neural-tangents' closed-form stax kernels, and

  nt.predict.gradient_descent_mse_ensemble(kernel_fn, x_train, y_train, learning_rate, diag_reg,
      diag_reg_absolute_scale=True)(t, x_test, get, compute_cov=True)   for finite t and t=None (∞),
  nt.predict.gp_inference(k_train_train, y_train, diag_reg, diag_reg_absolute_scale=True)(
      get, k_test_train, k_test_test)                                    (Bayesian NNGP, NTK at t = ∞),

with get = 'nngp' and 'ntk'. test/predict.test.ts compares wideflow's predict() (its own kernels)
and predictFromKernels() (on these K, Θ: the linear algebra alone) against them. Needs the
throwaway venv of bench/peers/setup-venv.sh; never part of CI:

  bash bench/peers/setup-venv.sh
  bench/.venv/bin/python bench/peers/nt_predict.py            # rewrites the fixture
  node bench/peers/predict-peer.mjs                           # prints wideflow − NT deviations

Conventions (docs/theory/training.md):
  - Dense(W_std=√C_W, b_std=√C_b) in NT's default NTK parameterization ↔ wideflow C_b, C_W with
    λ_b = C_b, λ_W = C_W (NT trains W, b ~ N(0, 1) with unit learning rate on each).
  - NT's loss is ½·mean over y_train.size = N·n_out and its time is t·learning_rate ↔ wideflow
    loss 'mean', t = learning_rate·t_NT (or loss 'sum', t = learning_rate·t_NT/(N·n_out)).
  - diag_reg with diag_reg_absolute_scale=True ↔ ridge.
"""
import argparse
import json
import os
import sys
import types
import warnings

warnings.filterwarnings("ignore")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# neural-tangents' package __init__ imports its `experimental` module, which needs tensorflow; the
# predict and stax modules do not. Without tensorflow installed, stand in an empty module.
try:
    import tensorflow  # noqa: F401
except ImportError:
    sys.modules["neural_tangents.experimental"] = types.ModuleType("neural_tangents.experimental")

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import neural_tangents as nt  # noqa: E402
from neural_tangents import stax  # noqa: E402

ACTS = {"erf": stax.Erf, "relu": stax.Relu}

# Each case: a network, a data set drawn from a seeded numpy generator, NT's learning rate and
# diag_reg, and the NT times t (None = ∞).
CASES = [
    dict(name="erf-d3-multi", act="erf", depth=3, cb=0.1, cw=1.5, n_train=5, n_test=3, n0=4, n_out=2,
         lr=1.0, diag_reg=0.0, times=[0.5, 3.0, 20.0, None], seed=1),
    dict(name="relu-d2-ridge", act="relu", depth=2, cb=0.05, cw=2.0, n_train=6, n_test=2, n0=3, n_out=1,
         lr=0.7, diag_reg=0.01, times=[1.0, 10.0, None], seed=2),
    dict(name="relu-d4-wide-spectrum", act="relu", depth=4, cb=0.0, cw=2.0, n_train=8, n_test=4, n0=5, n_out=3,
         lr=2.0, diag_reg=0.0, times=[0.25, 50.0, None], seed=3),
]


def versions():
    import jaxlib

    return {"python": sys.version.split()[0], "jax": jax.__version__, "jaxlib": jaxlib.__version__,
            "neural_tangents": nt.__version__, "numpy": np.__version__}


def mlp(act, depth, cb, cw):
    layers = []
    for l in range(depth):
        if l > 0:
            layers.append(ACTS[act]())
        layers.append(stax.Dense(1, W_std=float(np.sqrt(cw)), b_std=float(np.sqrt(cb))))
    return stax.serial(*layers)


def flat(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def run_case(c):
    rng = np.random.RandomState(c["seed"])
    x_train = rng.normal(size=(c["n_train"], c["n0"]))
    x_test = rng.normal(size=(c["n_test"], c["n0"]))
    y_train = rng.normal(size=(c["n_train"], c["n_out"]))
    _, _, kernel_fn = mlp(c["act"], c["depth"], c["cb"], c["cw"])
    x_all = np.concatenate([x_train, x_test])
    k_all = kernel_fn(x_all, None, ("nngp", "ntk"))
    out = dict(c)
    out.update(x_train=x_train.tolist(), x_test=x_test.tolist(), y_train=y_train.tolist(),
               K=flat(k_all.nngp), Theta=flat(k_all.ntk), results=[])
    predict_fn = nt.predict.gradient_descent_mse_ensemble(
        kernel_fn, x_train, y_train, learning_rate=c["lr"], diag_reg=c["diag_reg"], diag_reg_absolute_scale=True)
    for t in c["times"]:
        for get in ("nngp", "ntk"):
            g = predict_fn(t=t, x_test=x_test, get=get, compute_cov=True)
            out["results"].append(dict(fn="gradient_descent_mse_ensemble", get=get, t=t,
                                       mean=flat(g.mean), cov=flat(g.covariance)))
    k_dd = kernel_fn(x_train, None, ("nngp", "ntk"))
    k_td = kernel_fn(x_test, x_train, ("nngp", "ntk"))
    nngp_tt = kernel_fn(x_test, None, "nngp")
    gp = nt.predict.gp_inference(k_dd, y_train, diag_reg=c["diag_reg"], diag_reg_absolute_scale=True)
    for get in ("nngp", "ntk"):
        g = gp(get=get, k_test_train=k_td, k_test_test=nngp_tt)
        out["results"].append(dict(fn="gp_inference", get=get, t=None, mean=flat(g.mean), cov=flat(g.covariance)))
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser()
    p.add_argument("--out", default=os.path.join(here, "..", "..", "test", "fixtures", "nt-predict.json"))
    a = p.parse_args()
    fixture = {
        "about": "neural-tangents infinite-width predictions; written by bench/peers/nt_predict.py (do not edit by hand)",
        "versions": versions(),
        "cases": [run_case(c) for c in CASES],
    }
    with open(a.out, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print(json.dumps({"out": os.path.normpath(a.out), "cases": len(fixture["cases"]),
                      "results": sum(len(c["results"]) for c in fixture["cases"])}))


if __name__ == "__main__":
    main()
