"""Benchmark: derive the whole catalogue (every step checked), target <= 20 s on 2 cores.

Measured both serially (one process, per-identity split) and as the CLI runs it (one worker
process per core).

Prints the median of ``--repeat`` fresh-process runs (each run imports rnnproof anew, so
caches do not flatter the figure) and the per-identity split of one run, plus the ratio to
the 20 s target.  Usage: ``python bench/bench_derive.py [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

TARGET_S = 20.0

_PARALLEL = r"""
import json, time
t0 = time.perf_counter()
from rnnproof.derivations import registry
from rnnproof.derivations.batch import default_jobs, derive_many
derive_many(registry.all_ids(), seed=0)
print(json.dumps({"total": time.perf_counter() - t0, "jobs": default_jobs()}))
"""

_CHILD = r"""
import json, time
t0 = time.perf_counter()
from rnnproof.derivations import registry
t_import = time.perf_counter() - t0
split = {}
for ident in registry.all_identities():
    s = time.perf_counter(); ident.derive(seed=0); split[ident.id] = time.perf_counter() - s
print(json.dumps({"total": time.perf_counter() - t0, "cpu": time.process_time(), "import": t_import, "split": split}))
"""


def one_run(code: str = _CHILD) -> dict:
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args(argv)
    runs = [one_run() for _ in range(args.repeat)]
    totals = [r["total"] for r in runs]
    med = statistics.median(totals)
    print(f"derive whole catalogue ({len(runs[0]['split'])} identities), {args.repeat} fresh processes")
    cpu = statistics.median(r["cpu"] for r in runs)
    print(f"  median {med:.2f} s wall (min {min(totals):.2f}, max {max(totals):.2f}); {cpu:.2f} s CPU; "
          f"import {runs[0]['import']:.2f} s")
    print("  (on a shared machine the CPU time is the steadier figure: it is what a quiet machine would take)")
    print(f"  ratio to the {TARGET_S:.0f} s target: {med / TARGET_S:.2f}")
    for ident, s in sorted(runs[0]["split"].items(), key=lambda kv: -kv[1]):
        print(f"    {ident:<32} {s:6.2f} s")
    par = [one_run(_PARALLEL) for _ in range(args.repeat)]
    pmed = statistics.median(r["total"] for r in par)
    print(f"  as `rnnproof derive` runs it (derive_many, {par[0]['jobs']} worker processes): median {pmed:.2f} s wall; "
          f"ratio to the target {pmed / TARGET_S:.2f}")
    return 0 if min(med, pmed) <= TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
