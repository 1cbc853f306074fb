"""Calibration of the error model: tolerance / actual error of a correct float64 BPTT (issue 11, item 1).

For the anchors' problem (Elman tanh, squared loss, d = 4, m = 2) at n in {4, 16, 64, 256},
T in {1, 20, 100, 500} and the regimes of :data:`datasets.CALIBRATION_REGIMES`, the bound
:func:`errmodel.gradient_bound` of one float64 gradient computation is divided, entry by entry,
by the actual error of two correct float64 BPTTs (rnnproof's ``engine.bptt`` and a textbook one
with :math:`1 - h^2` and row-vector products, whichever is worse) against
:func:`errmodel.reference_gradient`: 40-digit mpmath (private context) when n^2 T <= 70,000,
else the same recursion in 80-bit long double (validated against mpmath in the first rows).

Columns: ``min`` = smallest entrywise ratio (must be >= 1: no false alarm), ``median`` entrywise,
``norm`` = largest over the five blocks of ||bound||_2 / ||actual error||_2 (must be <= 1000: no
blindness).  Run: ``python bench/bench_calibration.py [--quick]``.
"""

from __future__ import annotations

import argparse
import time

from _common import np

from rnnproof.numeric import datasets, engine, errmodel


def textbook_bptt(p, xs, o):
    """A correct float64 BPTT written as notes do: row-vector products, phi' = 1 - h^2, loops over t."""
    W, U, b, V, c = (p.arrays()[k] for k in engine.PARAM_NAMES)
    hs = [np.zeros(p.n)]
    for t in range(xs.shape[0]):
        hs.append(np.tanh(hs[-1] @ W.T + xs[t] @ U.T + b))
    g = {k: np.zeros_like(v) for k, v in p.arrays().items()}
    carry = np.zeros(p.n)
    for t in range(xs.shape[0], 0, -1):
        dy = V @ hs[t] + c - o[t - 1]
        g["W_yh"] += np.outer(dy, hs[t])
        g["b_y"] += dy
        r = (1 - hs[t] ** 2) * (V.T @ dy + carry)
        g["W_hh"] += np.outer(r, hs[t - 1])
        g["W_xh"] += np.outer(r, xs[t - 1])
        g["b_h"] += r
        carry = W.T @ r
    return np.concatenate([g[k].ravel() for k in engine.PARAM_NAMES])


def ratios(p, xs, o, *, precision="auto", seed=0):
    """``(min, median, norm, reference method, max |g|, max actual error)`` for one problem."""
    ref, how = errmodel.reference_gradient(p, xs, o, precision=precision)
    err = np.maximum(np.abs(engine.bptt(p, xs, o)[1].flat() - ref), np.abs(textbook_bptt(p, xs, o) - ref))
    bound = errmodel.gradient_bound(p, xs, o, seed=seed).bound
    nz = err > 0
    r = bound[nz] / err[nz] if nz.any() else np.array([np.inf])
    norm = max(np.linalg.norm(bound[s]) / np.linalg.norm(err[s]) for s in p.slices().values()
               if np.linalg.norm(err[s]) > 0)
    return float(r.min()), float(np.median(r)), float(norm), how, float(np.abs(ref).max()), float(err.max())


def validate_long_double(rows):
    print("| n | T | regime | max abs(long double - mpmath) / max abs(g) |\n| --- | --- | --- | --- |")
    for n, T, reg in rows:
        p, xs, o = datasets.calibration_problem(n, T, reg, rng=np.random.default_rng([n, T, 7]))
        a, _ = errmodel.reference_gradient(p, xs, o, precision="mpmath")
        b, _ = errmodel.reference_gradient(p, xs, o, precision="longdouble")
        print(f"| {n} | {T} | {reg} | {np.abs(a - b).max() / np.abs(a).max():.1e} |", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="n <= 64, T <= 100")
    args = ap.parse_args()
    ns, Ts = ((4, 16, 64), (1, 20, 100)) if args.quick else ((4, 16, 64, 256), (1, 20, 100, 500))
    validate_long_double([(16, 100, "sigma3"), (64, 20, "long"), (64, 20, "saturated")])
    print("\n| n | T | regime | reference | max abs(g) | max actual error | min | median | norm | s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    worst_min, worst_norm = np.inf, 0.0
    for n in ns:
        for T in Ts:
            for reg in datasets.CALIBRATION_REGIMES:
                p, xs, o = datasets.calibration_problem(n, T, reg, rng=np.random.default_rng([n, T, 7]))
                t0 = time.perf_counter()
                lo, med, norm, how, gmax, emax = ratios(p, xs, o)
                worst_min, worst_norm = min(worst_min, lo), max(worst_norm, norm)
                print(f"| {n} | {T} | {reg} | {how.split(' (')[0]} | {gmax:.2g} | {emax:.2g} | {lo:.3g} | {med:.3g} | "
                      f"{norm:.3g} | {time.perf_counter() - t0:.1f} |", flush=True)
    print(f"\nsmallest entrywise ratio {worst_min:.3g} (target >= 1); largest normwise ratio {worst_norm:.3g} "
          f"(target <= 1000)")


if __name__ == "__main__":
    main()
