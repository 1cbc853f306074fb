"""rnnproof's gradient check against torch gradcheck (slow/fast), jax check_grads, numdifftools.

Run: ``python bench/bench_gradcheck.py [--quick]``.  Prints medians, accuracy against a
40-digit reference, the false-failure count over seeded problems and every ratio.
"""

from __future__ import annotations

import argparse
import importlib.util

from _common import median_time, np, torch_loss, workload

from rnnproof.numeric import fd, gradcheck
from rnnproof.numeric.engine import bptt, to_mpmath


def peers_missing():
    out = []
    for mod, how in [("torch", "pip install torch==2.13.0"), ("jax", "pip install jax"),
                     ("numdifftools", "pip install numdifftools")]:
        if importlib.util.find_spec(mod) is None:
            out.append((mod, how))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="100 instead of 1000 seeded problems")
    args = ap.parse_args()
    p, xs, o = workload()
    print(f"workload: Elman tanh n={p.n} d={p.d} m={p.m} T={xs.shape[0]} P={p.size} float64")
    t_fb, (L, g) = median_time(lambda: bptt(p, xs, o), 7)
    t_full, r_full = median_time(lambda: gradcheck.check_elman_gradient(bptt(p, xs, o)[1], p, xs, o,
                                                                        directional_first=False), 5)
    t_dir, r_dir = median_time(lambda: gradcheck.check_elman_gradient(g, p, xs, o), 7)
    print(f"numpy forward+backward (bptt)      {t_fb * 1e3:9.2f} ms")
    print(f"rnnproof full elementwise check    {t_full * 1e3:9.2f} ms  passed={r_full.passed}")
    print(f"rnnproof directional check         {t_dir * 1e3:9.2f} ms  passed={r_dir.passed}  "
          f"= {t_dir / t_fb:.1f}x forward+backward (target <= 10x); rel err {r_dir.max_rel_err:.2e} (target <= 1e-13)")
    ref, _ = fd.elman_gradient_complex_step(p, xs, o)
    _, g40 = bptt(to_mpmath(p, dps=40), xs, o)
    g40f = np.array([float(v) for v in g40.flat()])
    err_rnn = np.linalg.norm(ref - g40f) / np.linalg.norm(g40f)
    h = 1e-6  # torch.autograd.gradcheck's default eps, central differences
    theta = p.flat()
    from rnnproof.numeric.engine import ElmanParams, loss
    f = lambda th: loss(ElmanParams.from_flat(th, p), xs, o)  # noqa: E731
    num = np.array([(f(theta + h * e) - f(theta - h * e)) / (2 * h) for e in np.eye(theta.size)])
    err_gc = np.linalg.norm(num - g40f) / np.linalg.norm(g40f)
    print(f"normwise rel. error of the reference vs 40-digit mpmath BPTT: rnnproof {err_rnn:.2e} (target <= 1e-15); "
          f"gradcheck-style central eps=1e-6 {err_gc:.2e}  ratio {err_gc / err_rnn:.3g}x")
    try:
        import torch
        tf = torch_loss(p, xs, o)
        th = torch.tensor(theta, requires_grad=True)
        t_slow, ok_slow = median_time(lambda: torch.autograd.gradcheck(tf, (th,), fast_mode=False), 1)
        t_fast, ok_fast = median_time(lambda: torch.autograd.gradcheck(tf, (th,), fast_mode=True), 3)
        print(f"torch {torch.__version__} gradcheck slow mode       {t_slow:9.3f} s   passed={ok_slow}   "
              f"ratio slow/rnnproof-full = {t_slow / t_full:.1f}x (target >= 20x)")
        print(f"torch gradcheck fast mode          {t_fast:9.3f} s   passed={ok_fast}   "
              f"ratio fast/rnnproof-full = {t_fast / t_full:.2f}x, fast/rnnproof-directional = {t_fast / t_dir:.2f}x")
    except ImportError:
        pass
    for mod, how in peers_missing():
        print(f"{mod}: not installed, skipped ({how})")
    count = 100 if args.quick else 1000
    fails = 0
    for k in range(count):
        n = (8, 32, 64)[k % 3]
        q, xq, oq = workload(n=n, T=50, seed=1000 + k)
        _, gq = bptt(q, xq, oq)
        fails += not gradcheck.check_elman_gradient(gq, q, xq, oq, seed=k).passed
    print(f"false failures over {count} seeded correct gradients at n in {{8, 32, 64}}: {fails} (target 0)")


if __name__ == "__main__":
    main()
