"""Run a grading batch on a Dask distributed cluster (``rnnproof grade --dask`` / ``--scheduler``).

Optional: needs ``pip install 'rnnproof[dask]'`` (``dask[distributed]``); imported only when
asked for.  Each file is one task, :func:`rnnproof.grading.jobs.run_job`, so a Dask worker
grades exactly as a local worker does: in a forked child with hard limits.  Workers must be
able to import ``rnnproof`` (installed, or on their ``PYTHONPATH``), and with ``--report`` the
output directory must be on a filesystem the workers share.

When a worker dies, the scheduler gives its tasks to another worker; a file whose task killed
``distributed.scheduler.allowed-failures`` workers (default 3) ends as
``KilledWorker`` and gets an error row (``crashed``), as does any other task failure.  No
file is left without a row.

References
----------
Dask distributed: ``Client``, ``LocalCluster``, ``as_completed``,
https://distributed.dask.org/en/stable/resilience.html
"""

from __future__ import annotations

import contextlib

from rnnproof.derivations.errors import InputError

from .grader import error_result
from .jobs import run_job, warm_up

__all__ = ["run_dask", "dask_available", "MISSING"]

MISSING = "the Dask backend needs the optional extra: pip install 'rnnproof[dask]'"


def dask_available() -> bool:
    """True when ``dask.distributed`` can be imported."""
    try:
        import dask.distributed  # noqa: F401
    except ImportError:
        return False
    return True


@contextlib.contextmanager
def _client(address, workers):
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise InputError(MISSING) from None
    if address:
        try:
            client = Client(address)  # waits distributed.comm.timeouts.connect (default 30 s)
        except (OSError, TimeoutError) as exc:
            raise InputError(f"cannot connect to the Dask scheduler at {address!r}: {exc}") from None
        with client:
            yield client
        return
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            yield client


def run_dask(jobs, *, address: str | None = None, workers: int = 2, on_done, warm=None) -> str:
    """Grade ``jobs`` on the scheduler at ``address`` (else a ``LocalCluster`` of ``workers`` processes).

    ``on_done(job, result)`` is called in this process for every job, in completion order.
    ``warm``: ``(assignment text, path, seed, time limit)`` for :func:`.jobs.warm_up` on every
    worker first; returns the verdict it reports (``""`` when not run or it failed).
    """
    if not jobs:
        return ""
    with _client(address, workers) as client:
        from dask.distributed import as_completed

        verdict = ""
        if warm is not None:
            try:
                verdicts = set(client.run(warm_up, *warm).values())
                verdict = verdicts.pop() if len(verdicts) == 1 else ""
            except Exception:  # noqa: BLE001 - a warm-up is an optimisation; grading goes on without it
                verdict = ""

        futures = {client.submit(run_job, job, key=f"rnnproof-grade-{job.key[:24]}-{k}", pure=False): job
                   for k, job in enumerate(jobs)}
        for fut in as_completed(list(futures)):
            job = futures[fut]
            try:
                result = fut.result()
            except Exception as exc:  # noqa: BLE001 - KilledWorker, a lost connection...: a row, not an abort
                result = error_result("crashed", f"{job.file}: the Dask task failed ({type(exc).__name__}: "
                                                  f"{str(exc)[:200]})")
            on_done(job, result if isinstance(result, dict) else
                    error_result("crashed", f"{job.file}: the Dask task returned no result"))
    return verdict
