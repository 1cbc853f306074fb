"""rnnproof's gradient check against torch gradcheck (slow/fast), jax check_grads, numdifftools.

Run: ``python bench/bench_gradcheck.py [--quick]``.  Prints medians, accuracy against a
40-digit reference, the false-failure count over seeded problems and every ratio.
"""

from __future__ import annotations

import argparse
import importlib.util
import time

from _common import jax_loss, median_time, np, torch_loss, workload

from rnnproof.numeric import fd, gradcheck
from rnnproof.numeric.engine import ElmanParams, bptt, loss, to_mpmath

PEERS = [("torch", "pip install torch==2.13.0"), ("jax", "pip install jax jaxlib"),
         ("numdifftools", "pip install numdifftools")]


def have(mod):
    return importlib.util.find_spec(mod) is not None


def rnnproof_rows(p, xs, o):
    t_fb, (_, g) = median_time(lambda: bptt(p, xs, o), 9)
    t_full, r_full = median_time(lambda: gradcheck.check_elman_gradient(bptt(p, xs, o)[1], p, xs, o,
                                                                        directional_first=False), 5)
    t_dir, r_dir = median_time(lambda: gradcheck.check_elman_gradient(g, p, xs, o, mode="projections"), 9)
    t_fb2, _ = median_time(lambda: bptt(p, xs, o), 9)  # again: the machine is shared, bracket the check
    t_fb = min(t_fb, t_fb2)
    print(f"numpy forward+backward (bptt)      {t_fb * 1e3:9.2f} ms  (median of 9, best of two batches)")
    print(f"rnnproof full elementwise check    {t_full * 1e3:9.2f} ms  passed={r_full.passed}  (target <= 500 ms)")
    print(f"rnnproof projections per block     {t_dir * 1e3:9.2f} ms  passed={r_dir.passed}  "
          f"= {t_dir / t_fb:.1f}x forward+backward (target <= 10x); rel err {r_dir.max_rel_err:.2e} (target <= 1e-13)")
    return t_fb, t_full, t_dir, g


def accuracy_rows(p, xs, o, nd_coords):
    ref, _ = fd.elman_gradient_complex_step(p, xs, o)
    t = time.perf_counter()
    _, g40 = bptt(to_mpmath(p, dps=40), xs, o)
    g40f = np.array([float(v) for v in g40.flat()])
    print(f"(40-digit mpmath BPTT reference: {time.perf_counter() - t:.1f} s)")
    err_rnn = np.linalg.norm(ref - g40f) / np.linalg.norm(g40f)
    h, theta = 1e-6, p.flat()  # torch.autograd.gradcheck's default eps, central differences
    f = lambda th: loss(ElmanParams.from_flat(th, p), xs, o)  # noqa: E731
    num = np.array([(f(theta + h * e) - f(theta - h * e)) / (2 * h) for e in np.eye(theta.size)])
    err_gc = np.linalg.norm(num - g40f) / np.linalg.norm(g40f)
    print(f"normwise rel. error of the reference vs 40-digit mpmath BPTT: rnnproof {err_rnn:.2e} (target <= 1e-15); "
          f"gradcheck-style central eps=1e-6 {err_gc:.2e}  ratio {err_gc / err_rnn:.3g}x")
    return g40f, f, theta


def torch_rows(p, xs, o, t_full, t_dir):
    import torch
    tf = torch_loss(p, xs, o)
    th = torch.tensor(p.flat(), requires_grad=True)
    t_slow, ok_slow = median_time(lambda: torch.autograd.gradcheck(tf, (th,), fast_mode=False), 1)
    t_fast, ok_fast = median_time(lambda: torch.autograd.gradcheck(tf, (th,), fast_mode=True), 3)
    print(f"torch {torch.__version__} gradcheck slow mode       {t_slow:9.3f} s   passed={ok_slow}   "
          f"ratio slow/rnnproof-full = {t_slow / t_full:.1f}x (target >= 20x)")
    print(f"torch gradcheck fast mode          {t_fast:9.3f} s   passed={ok_fast}   "
          f"ratio fast/rnnproof-full = {t_fast / t_full:.2f}x, fast/rnnproof-directional = {t_fast / t_dir:.2f}x")


def jax_rows(p, xs, o, t_full, t_dir):
    import jax
    from jax.test_util import check_grads
    f = jax_loss(p, xs, o)
    th = jax.numpy.asarray(p.flat())
    t0 = time.perf_counter()
    check_grads(f, (th,), order=1)  # first call compiles
    t_first = time.perf_counter() - t0
    t_cg, _ = median_time(lambda: check_grads(f, (th,), order=1), 5)
    print(f"jax {jax.__version__} check_grads (fwd+rev)    {t_cg * 1e3:9.2f} ms  (first call with compilation "
          f"{t_first:.2f} s)  ratio jax/rnnproof-directional = {t_cg / t_dir:.2f}x, jax/rnnproof-full = "
          f"{t_cg / t_full:.2f}x")


def numdifftools_rows(f, theta, g40f, t_full, coords):
    import numdifftools as nd
    idx = np.linspace(0, theta.size - 1, coords).astype(int)

    def sub(s):
        y = theta.copy()
        y[idx] = s
        return f(y)
    t0 = time.perf_counter()
    G = nd.Gradient(sub)(theta[idx])
    dt = time.perf_counter() - t0
    err = np.linalg.norm(G - g40f[idx]) / np.linalg.norm(g40f[idx])
    est = dt * theta.size / coords
    print(f"numdifftools {nd.__version__} Gradient         {est:9.1f} s   (extrapolated from {coords} evenly spaced "
          f"of {theta.size} coordinates: {dt:.1f} s)  ratio nd/rnnproof-full = {est / t_full:.0f}x; "
          f"normwise rel. error on those coordinates {err:.2e}")


def false_failures(count, use_jax):
    if use_jax:
        from jax.test_util import check_grads
    fails, jax_fails, t0 = 0, 0, time.perf_counter()
    for k in range(count):
        n = (8, 32, 64)[k % 3]
        q, xq, oq = workload(n=n, T=50, seed=1000 + k)
        _, gq = bptt(q, xq, oq)
        r = gradcheck.check_elman_gradient(gq, q, xq, oq, seed=k)
        if not r.passed:
            fails += 1
            print(f"  FALSE FAILURE seed={1000 + k} n={n}: {r}")
        if use_jax:
            try:
                check_grads(jax_loss(q, xq, oq), (np.asarray(q.flat()),), order=1)
            except AssertionError:
                jax_fails += 1
        if (k + 1) % 100 == 0:
            print(f"  ... {k + 1}/{count} problems, {fails} rnnproof false failures"
                  + (f", {jax_fails} jax check_grads false failures" if use_jax else "")
                  + f" ({time.perf_counter() - t0:.0f} s)", flush=True)
    return fails, jax_fails


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="100 instead of 1000 seeded problems")
    ap.add_argument("--nd-coords", type=int, default=100, help="coordinates numdifftools differentiates")
    args = ap.parse_args()
    p, xs, o = workload()
    print(f"workload: Elman tanh n={p.n} d={p.d} m={p.m} T={xs.shape[0]} P={p.size} float64", flush=True)
    t_fb, t_full, t_dir, _ = rnnproof_rows(p, xs, o)
    g40f, f, theta = accuracy_rows(p, xs, o, args.nd_coords)
    for mod, how in PEERS:
        if not have(mod):
            print(f"{mod}: not installed, skipped ({how})")
    if have("torch"):
        torch_rows(p, xs, o, t_full, t_dir)
    if have("jax"):
        jax_rows(p, xs, o, t_full, t_dir)
    if have("numdifftools"):
        numdifftools_rows(f, theta, g40f, t_full, args.nd_coords)
    count = 100 if args.quick else 1000
    fails, jax_fails = false_failures(count, have("jax"))
    print(f"false failures over {count} seeded correct gradients at n in {{8, 32, 64}}, T=50: rnnproof {fails} "
          f"(target 0)" + (f"; jax check_grads {jax_fails} ({100 * jax_fails / count:.1f}%)" if have("jax") else ""))


if __name__ == "__main__":
    main()
