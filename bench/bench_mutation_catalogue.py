"""Mutation analysis of the catalogue: mutants tried, refuted and surviving per identity, with CPU time.

Every printed side of every step gets the mutations of :mod:`derivations.mutations`; a mutant is
*caught* when its step's check refutes it.  Survivors are printed with their verdict; the
equivalent ones (still true claims) are listed in ``tests/test_catalogue_mutations.py``.
Usage: ``python bench/bench_mutation_catalogue.py [ID ...]`` (default: the whole catalogue).
"""

from __future__ import annotations

import sys
import time

import os

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the checkout, uninstalled
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from rnnproof.derivations import registry  # noqa: E402
from rnnproof.derivations.model import Verdict  # noqa: E402
from rnnproof.derivations.mutations import mutants  # noqa: E402

__all__ = ["scan"]


def scan(identity_id: str) -> tuple[int, int, list[str], float]:
    """``(tried, refuted, survivors, cpu seconds)`` for one identity."""
    t0 = time.process_time()
    tried, caught, survivors = 0, 0, []
    for k, step in enumerate(registry.get(identity_id).steps, 1):
        for name, claim in mutants(step.claim):
            tried += 1
            r = claim.check(np.random.default_rng(k))
            if r.verdict is Verdict.REFUTED:
                caught += 1
            else:
                survivors.append(f"step {k} {name}: {r.verdict}")
    return tried, caught, survivors, time.process_time() - t0


def main(argv=None) -> int:
    ids = (argv if argv is not None else sys.argv[1:]) or registry.all_ids()
    total = [0, 0, 0.0]
    for iid in ids:
        tried, caught, survivors, cpu = scan(iid)
        total[0] += tried
        total[1] += caught
        total[2] += cpu
        print(f"{iid:32} {caught:4d}/{tried:<4d} refuted  {cpu:6.1f} s CPU", flush=True)
        for s in survivors:
            print(f"    not refuted: {s}")
    print(f"{'total':32} {total[1]:4d}/{total[0]:<4d} refuted  {total[2]:6.1f} s CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
