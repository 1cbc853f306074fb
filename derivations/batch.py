"""Derive many identities at once, on every core.

Identities are independent, so :func:`derive_many` spreads them over worker processes
(each imports the catalogue by id and returns the picklable, frozen
:class:`~derivations.model.DerivationResult`).  Seeds are per identity, so the verdicts are
the same whatever the number of workers.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Sequence

from .model import DerivationResult
from .registry import get

__all__ = ["derive_many", "default_jobs"]


def default_jobs() -> int:
    """Worker count: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def _derive(identity_id: str, seed: int) -> DerivationResult:
    return get(identity_id).derive(seed=seed)


def derive_many(ids: Sequence[str], *, seed: int = 0, jobs: int | None = None) -> list[DerivationResult]:
    """``get(i).derive(seed=seed)`` for every id, in order, using ``jobs`` processes.

    Parameters
    ----------
    ids : sequence of str
        Registered identity ids (validate them first with :func:`registry.resolve`).
    seed : int
    jobs : int, optional
        Worker processes (default: the usable cores); 1 derives in this process.
    """
    ids = list(ids)
    jobs = min(default_jobs() if jobs is None else max(1, int(jobs)), len(ids))
    if jobs <= 1:
        return [_derive(i, seed) for i in ids]
    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        return list(pool.map(_derive, ids, [seed] * len(ids), chunksize=1))
