"""JAX CPU peer of wideflow's train(): full-batch gradient descent on the same networks.

Same architecture and conventions as ts/api/train.ts (docs/theory/training.md):
  z1 = b1 + W1 x,  z(l+1) = b(l+1) + W(l+1) sigma(z(l)),  W(l) ~ N(0, CW/n(l-1)),  b(l) ~ N(0, Cb)
  loss = 1/2 sum_{alpha in train} sum_i (z_{i;alpha} - y_{i;alpha})^2
  theta <- theta - eta * lambda * dloss/dtheta,  lambda = lambdaB on biases, lambdaW/n(l-1) on weights
float64 throughout (jax_enable_x64). Networks are trained in a jit-compiled lax.fori_loop, vmapped
over a batch of networks (each with its own weights), which is how one would write an ensemble
trainer in JAX.

Usage: python train_jax.py PROBLEM.json  -> prints one JSON line
PROBLEM: {widths, act, Cb, CW, lambdaB, lambdaW, eta, steps, samples, batch, X, y, Xt, reps,
          init?: {W: [[...]...], b: [...]}}   (init: check one network trained from given weights)
"""
import json
import sys
import time

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

ACTS = {
    "tanh": jnp.tanh,
    "relu": lambda x: jnp.maximum(x, 0.0),
    "gelu": lambda x: 0.5 * x * (1.0 + jax.scipy.special.erf(x / jnp.sqrt(2.0))),
    "erf": jax.scipy.special.erf,
    "linear": lambda x: x,
}


def main():
    p = json.load(open(sys.argv[1]))
    widths = p["widths"]
    L = len(widths) - 1
    sigma = ACTS[p["act"]]
    X = jnp.asarray(p["X"], dtype=jnp.float64)
    y = jnp.asarray(p["y"], dtype=jnp.float64)
    Xt = jnp.asarray(p["Xt"], dtype=jnp.float64)
    eta, steps = p["eta"], int(p["steps"])
    lr_w = [eta * p["lambdaW"][l] / widths[l] for l in range(L)]
    lr_b = [eta * p["lambdaB"][l] for l in range(L)]

    def forward(params, x):
        h = x
        for l, (W, b) in enumerate(params):
            z = h @ W.T + b
            h = sigma(z) if l < L - 1 else z
        return h

    def loss(params):
        e = forward(params, X) - y
        return 0.5 * jnp.sum(e * e)

    grad = jax.grad(loss)

    def train_one(params):
        def body(_, ps):
            g = grad(ps)
            return [(W - lw * gW, b - lb * gb) for (W, b), (gW, gb), lw, lb in zip(ps, g, lr_w, lr_b)]

        ps = jax.lax.fori_loop(0, steps, body, params)
        return forward(ps, X), forward(ps, Xt), loss(ps)

    train_batch = jax.jit(jax.vmap(train_one))

    def init(key, batch):
        params = []
        for l in range(L):
            key, kw, kb = jax.random.split(key, 3)
            W = jax.random.normal(kw, (batch, widths[l + 1], widths[l]), dtype=jnp.float64) * np.sqrt(p["CW"][l] / widths[l])
            b = jax.random.normal(kb, (batch, widths[l + 1]), dtype=jnp.float64) * np.sqrt(p["Cb"][l])
            params.append((W, b))
        return params

    out = {"jax": jax.__version__, "devices": str(jax.devices())}
    if "init" in p:
        # one network from given initial weights: the trained outputs must match wideflow's
        params = [(jnp.asarray(W)[None], jnp.asarray(b)[None]) for W, b in zip(p["init"]["W"], p["init"]["b"])]
        ztr, zte, ls = train_batch(params)
        out["check"] = {"zTrain": np.asarray(ztr[0]).ravel().tolist(), "zTest": np.asarray(zte[0]).ravel().tolist(), "loss": float(ls[0])}
    batch, samples = int(p["batch"]), int(p["samples"])
    key = jax.random.PRNGKey(0)
    params = init(key, batch)
    t0 = time.perf_counter()
    jax.block_until_ready(train_batch(params))  # compile + first run
    out["compileAndFirstSeconds"] = time.perf_counter() - t0
    times = []
    for r in range(int(p.get("reps", 3))):
        t0 = time.perf_counter()
        done = 0
        k = jax.random.PRNGKey(r + 1)
        while done < samples:
            k, sub = jax.random.split(k)
            jax.block_until_ready(train_batch(init(sub, batch)))
            done += batch
        times.append((time.perf_counter() - t0, done))
    sec, n = sorted(times)[len(times) // 2]
    out["networksPerSecond"] = n / sec
    out["seconds"] = sec
    out["networks"] = n
    print(json.dumps(out))


if __name__ == "__main__":
    main()
