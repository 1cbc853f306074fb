"""Benchmark: the interval engine of derivations/interval.py, mpmath ``iv`` vs python-flint ``arb``.

Encloses the gap of three scalar claims on 2000 boxes each and prints boxes per second for
both engines (median of ``--repeat`` runs).  python-flint is optional: without it only the
mpmath figure is printed.  Usage: ``python bench/bench_interval.py [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the checkout, uninstalled

import mpmath  # noqa: E402
import sympy as sp  # noqa: E402

from rnnproof.derivations.functions import sigmoid, unfold  # noqa: E402
from rnnproof.derivations.interval import _ctx, enclose  # noqa: E402

x = sp.Symbol("x", real=True)
CLAIMS = {  # gap >= 0 on the box [-3, 3]
    "sigmoid' <= 1/4": sp.Rational(1, 4) - unfold(sigmoid(x) * (1 - sigmoid(x))),
    "tanh' <= 1": 1 - (1 - sp.tanh(x) ** 2),
    "cos taylor": 1 - x ** 2 / 2 + x ** 4 / 24 - sp.cos(x),
}
BOXES = [(-3 + 6 * k / 2000, -3 + 6 * (k + 1) / 2000) for k in range(2000)]


def _mpmath(gap):
    iv = _ctx()
    t0 = time.perf_counter()
    for lo, hi in BOXES:
        enclose(gap, {x: (mpmath.mpf(lo), mpmath.mpf(hi))}, iv)
    return time.perf_counter() - t0


def _arb(gap):
    import flint
    f = sp.lambdify(x, gap, modules=[{"exp": lambda a: a.exp(), "cos": lambda a: a.cos(),
                                      "tanh": lambda a: a.tanh()}])
    t0 = time.perf_counter()
    for lo, hi in BOXES:
        f(flint.arb((lo + hi) / 2, (hi - lo) / 2))
    return time.perf_counter() - t0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    try:
        import flint  # noqa: F401
        have_flint = True
    except ImportError:
        have_flint = False
    for name, gap in CLAIMS.items():
        m = statistics.median(_mpmath(gap) for _ in range(args.repeat))
        line = f"{name:<18} mpmath iv: {len(BOXES) / m:8.0f} boxes/s"
        if have_flint:
            a = statistics.median(_arb(gap) for _ in range(args.repeat))
            line += f"   flint arb: {len(BOXES) / a:8.0f} boxes/s   ratio {m / a:5.1f}x"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
