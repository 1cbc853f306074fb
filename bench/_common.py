"""Shared workload for the benchmarks (Elman tanh; issue 3, items 6-7)."""

from __future__ import annotations

import os
import statistics
import sys
import time

# numpy's BLAS threads thrash on a busy 2-core machine; one thread is faster here and steadier.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from rnnproof.numeric.engine import ElmanParams  # noqa: E402

__all__ = ["workload", "median_time", "torch_loss", "jax_loss"]


def workload(n=64, d=4, m=2, T=100, seed=0, act="tanh"):
    """Elman network, inputs and targets; P = n^2 + nd + n + mn + m (4546 at the defaults)."""
    rng = np.random.default_rng(seed)
    p = ElmanParams(rng.normal(0, 1 / np.sqrt(n), (n, n)), rng.normal(0, 0.5, (n, d)), rng.normal(0, 0.1, n),
                    rng.normal(0, 1 / np.sqrt(n), (m, n)), rng.normal(0, 0.1, m), act)
    return p, rng.normal(size=(T, d)), rng.normal(size=(T, m))


def median_time(fn, repeat=5):
    """Median wall time of ``fn()`` over ``repeat`` calls, and the last result."""
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def torch_loss(p, xs, o):
    """The same loss in torch, as a function of the flat parameter vector (float64)."""
    import torch
    n, d, m = p.n, p.d, p.m
    X, O = torch.tensor(xs), torch.tensor(o)

    def f(theta):
        i = 0
        parts = []
        for shape in [(n, n), (n, d), (n,), (m, n), (m,)]:
            size = int(np.prod(shape))
            parts.append(theta[i:i + size].reshape(shape))
            i += size
        W, U, b, V, c = parts
        h = torch.zeros(n, dtype=theta.dtype)
        L = theta.new_zeros(())
        for t in range(X.shape[0]):
            h = torch.tanh(W @ h + U @ X[t] + b)
            r = V @ h + c - O[t]
            L = L + 0.5 * (r * r).sum()
        return L
    return f


def jax_loss(p, xs, o):
    """The same loss in jax (float64, ``jax_enable_x64``), as a function of the flat parameters.

    The jitted core takes the sequences as arguments and is cached per ``(n, d, m)``, so seeded
    problems of one size share one compilation.
    """
    X, O = np.asarray(xs), np.asarray(o)
    core = _jax_core(p.n, p.d, p.m)
    return lambda theta: core(theta, X, O)


_JAX_CORES: dict = {}


def _jax_core(n, d, m):
    if (n, d, m) in _JAX_CORES:
        return _JAX_CORES[n, d, m]
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)
    cuts = np.cumsum([n * n, n * d, n, m * n, m])[:-1].tolist()

    @jax.jit
    def core(theta, X, O):
        W, U, b, V, c = jnp.split(theta, cuts)
        W, U, V = W.reshape(n, n), U.reshape(n, d), V.reshape(m, n)

        def step(h, xo):
            x, target = xo
            h = jnp.tanh(W @ h + U @ x + b)
            r = V @ h + c - target
            return h, 0.5 * jnp.sum(r * r)
        _, parts = jax.lax.scan(step, jnp.zeros(n, dtype=theta.dtype), (X, O))
        return jnp.sum(parts)
    _JAX_CORES[n, d, m] = core
    return core
