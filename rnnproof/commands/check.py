"""``rnnproof check [ID...] [--run NAME...] [--json]``: every identity against finite
differences on the built-in real runs; a table of error against tolerance, exit 1 on any
failure."""

from __future__ import annotations

import json
import math
import sys
import time

from .torch_check import add_torch_arguments, run_torch

__all__ = ["add_parser", "run", "summarize"]


def add_parser(sub):
    p = sub.add_parser("check", help="check derived expressions numerically on real RNN runs")
    p.add_argument("ids", nargs="*", metavar="ID", help="identity ids (default: the whole catalogue)")
    p.add_argument("--run", dest="runs", action="append", metavar="NAME",
                   help="built-in run to use (repeatable; default: each identity's own runs)")
    p.add_argument("--json", action="store_true", help="print a JSON list of results")
    p.add_argument("--seed", type=int, default=0, help="seed of random projections and sampled times (default 0)")
    p.add_argument("--all", action="store_true", help="print every result, not one row per identity/run/checkpoint")
    add_torch_arguments(p)
    return p


def _worst_gap(r) -> float:
    """|derived - reference| at the worst entry (the one the tolerance belongs to)."""
    return abs(r.derived - r.reference)


def _ratio(r) -> float:
    if r.method == "bound":
        return 0.0 if r.passed else math.inf
    gap = _worst_gap(r)
    return gap / r.tolerance if r.tolerance > 0 else (0.0 if gap == 0 else math.inf)


def summarize(results):
    """One row per (identity, run, checkpoint): the worst result by error/tolerance, and the count."""
    groups: dict = {}
    for r in results:
        groups.setdefault((r.identity, r.run, r.checkpoint), []).append(r)
    rows = []
    for (ident, run_name, cp), rs in groups.items():
        worst = max(rs, key=lambda r: (not r.passed, _ratio(r)))
        rows.append((ident, run_name, cp, len(rs), all(r.passed for r in rs), worst))
    return rows


def _fmt_row(ident, run_name, cp, count, ok, r) -> str:
    if r.method == "bound":
        err = f"slack {r.slack:.3g}" if math.isfinite(r.slack) else "slack inf"
    else:
        gap = _worst_gap(r)
        err = f"{gap:.2e} {'<=' if gap <= r.tolerance else '>'} {r.tolerance:.2e}"
    return f"{ident:<30} {run_name:<17} {cp:<10} {count:>3} {r.method:<14} {err:<26} {'pass' if ok else 'FAIL'}"


def run(args) -> int:
    if getattr(args, "torch_model", None):
        return run_torch(args)
    from rnnproof.numeric.checks import run_checks
    from rnnproof.numeric.results import format_failure
    from rnnproof.resultcache import check_cache_root

    check_cache_root()  # the runs are cached there: an unusable directory is bad input, refused first

    t0 = time.monotonic()

    def progress(msg):
        if not args.json:
            print(f"[{time.monotonic() - t0:5.1f}s] {msg}", file=sys.stderr, flush=True)

    results = run_checks(args.ids, args.runs, seed=args.seed, progress=progress)
    failed = [r for r in results if not r.passed]
    if args.json:
        print(json.dumps([r.to_dict() for r in results], indent=2))
        return 1 if failed else 0
    print(f"{'identity':<30} {'run':<17} {'checkpoint':<10} {'n':>3} {'method':<14} {'worst-entry error vs tol':<26} verdict")
    if args.all:
        for r in results:
            print(_fmt_row(r.identity, r.run, r.checkpoint, 1, r.passed, r))
    else:
        for row in summarize(results):
            print(_fmt_row(*row))
    for r in failed[:20]:
        print("FAIL " + format_failure(r))
    ids = {r.identity for r in results}
    print(f"{len(results)} checks of {len(ids)} identities: {len(results) - len(failed)} passed, {len(failed)} failed"
          f" ({time.monotonic() - t0:.1f}s)")
    return 1 if failed else 0
