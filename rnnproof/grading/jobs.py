"""One grading job, run in a sandboxed child with hard limits; the same code on a Dask worker.

:func:`run_job` is what a local worker thread or a Dask task calls: it forks a child through
:func:`rnnproof.sandbox.run_limited` (wall clock, CPU and address-space limits enforced from
outside; a stuck file is killed, not waited on), grades the file there and turns the
:class:`~rnnproof.sandbox.Outcome` into a result dict.  A child that died (``crashed``, or
``memory``: killed by a signal or out of memory) is run once more, since a killed worker or a
transient memory squeeze is not the file's fault; a timeout is not retried.  :func:`run_job`
never raises.
"""

from __future__ import annotations

from dataclasses import dataclass

from .assignment import cached_assignment
from .grader import error_result, grade_text

__all__ = ["Job", "run_job", "cacheable", "warm_up", "RETRIED"]

#: outcome statuses that are retried once
RETRIED = ("crashed", "memory")


@dataclass(frozen=True)
class Job:
    """Everything a worker needs to grade one file (picklable; no SymPy objects)."""

    file: str
    text: str
    key: str
    assignment_text: str
    assignment_path: str
    seed: int = 0
    time_limit: float = 60.0
    memory_bytes: int | None = None
    report_dir: str | None = None


def warm_up(assignment_text: str, assignment_path: str, seed: int = 0, time_limit: float = 60.0) -> str:
    """Check the assignment's own claim in this process; returns its verdict (``""`` if it could not).

    Run in the parent before the children are forked (and on each Dask worker), it fills
    SymPy's caches with the expressions every submission shares, which the forked children
    inherit: measured 1.45x faster on the course's two-layer Jacobians.  It also tells the
    teacher whether the assigned claim itself holds.  The assignment is the teacher's file; the
    check runs under verify's per-step time limit when this is the main thread.
    """
    from rnnproof.derivations.errors import RnnproofError
    from rnnproof.derivations.userfile import verify

    try:
        asg = cached_assignment(assignment_text, assignment_path)
        return str(verify(asg.file, seed=seed, time_limit=time_limit).verdict)
    except (RnnproofError, RecursionError, MemoryError):
        return ""


def _grade_in_child(job: Job) -> dict:
    asg = cached_assignment(job.assignment_text, job.assignment_path)
    # the sandbox enforces the file's wall-clock limit; verify's own per-step alarm is set just
    # above it so that the sandbox (which knows the phase) is the one that reports the timeout
    return grade_text(asg, job.text, job.file, seed=job.seed, time_limit=job.time_limit + 1,
                      report_dir=job.report_dir)


def _once(job: Job):
    from rnnproof.sandbox import Limits, run_limited

    return run_limited(_grade_in_child, job, limits=Limits(wall_seconds=job.time_limit,
                                                           memory_bytes=job.memory_bytes))


def _result(outcome) -> dict:
    if outcome.status == "ok" and isinstance(outcome.value, dict):
        out = dict(outcome.value)
        out["seconds"] = round(outcome.wall_seconds, 3)
        return out
    kind = outcome.status if outcome.status != "ok" else "crashed"
    return error_result(kind, outcome.message or kind, seconds=outcome.wall_seconds)


def run_job(job: Job) -> dict:
    """Grade ``job`` in a sandboxed child (retrying a dead child once); always returns a result dict."""
    try:
        first = _once(job)
        if first.status not in RETRIED:
            return _result(first)
        second = _once(job)
        if second.status not in RETRIED:
            return _result(second)
        out = _result(second)
        out["error"] = f"{first.message}; retried once: {second.message}"
        return out
    except Exception as exc:  # noqa: BLE001 - fork failed, ...: the file gets a row, the batch goes on
        return error_result("crashed", f"could not start a grading process ({type(exc).__name__}: {exc})")


def cacheable(result: dict) -> bool:
    """Results that depend only on the inputs (not on load or luck) may be cached.

    Grades, and the errors the parser or checker derives from the text (malformed, over a
    safety cap, uncheckable); never a timeout, a memory kill, a crash or an interruption.
    """
    return result.get("grade") in ("pass", "fail") or result.get("error_kind") in ("malformed", "limit", "uncheckable")
