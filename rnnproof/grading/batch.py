"""Grade every file of a submissions directory: read safely, reuse the cache, run in parallel, write all.

Every entry of the directory (except hidden names) gets exactly one gradebook row: a file that
cannot be read (a symbolic link, a directory, a FIFO, over 64 KiB, not UTF-8) gets an error
row without starting a worker; the others are graded by :func:`.jobs.run_job`, locally on a
thread pool (each thread forks one sandboxed child per file) or on Dask
(:mod:`.dask_backend`).  Each result is stored in the content-keyed verdict cache
(:class:`rnnproof.resultcache.ResultCache`, namespace ``grade``) and its feedback file is
written the moment it arrives, so an interrupted batch resumes from what was graded, and a
regrade after a few resubmissions only checks what changed.  The cache key is the file's
text, the assignment's text, :func:`rnnproof.resultcache.code_versions`, the seed and the time
limit.
"""

from __future__ import annotations

import os
import pathlib
import stat
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

from rnnproof.derivations.errors import InputError
from rnnproof.derivations.userfile.parser import MAX_BYTES
from rnnproof.resultcache import ResultCache, code_versions, content_key

from .gradebook import feedback_names, feedback_text, make_row, summary, write_gradebook, write_text_atomic
from .grader import error_result
from .jobs import Job, cacheable, run_job, warm_up

__all__ = ["BatchOptions", "BatchResult", "grade_batch", "discover", "read_submission", "run_local"]

_KEY_VERSION = "rnnproof-grade-1"


@dataclass(frozen=True)
class BatchOptions:
    """How to run a batch (the ``rnnproof grade`` options)."""

    jobs: int = 0                      # local workers; 0 = one per core
    time_limit: float = 60.0           # seconds per file (wall clock, enforced by the sandbox)
    memory_bytes: int | None = None    # address space per grading process (None: sandbox default)
    seed: int = 0
    report: bool = False
    cache_dir: str | None = None       # None: $RNNPROOF_CACHE or ~/.cache/rnnproof
    dask: bool = False
    scheduler: str | None = None       # a Dask scheduler address; implies dask


@dataclass
class BatchResult:
    """What a batch produced: one row per file, the paths written, the time and cache use."""

    rows: list
    csv_path: pathlib.Path
    json_path: pathlib.Path
    seconds: float
    graded: int
    cached: int
    counts: dict = field(default_factory=dict)
    claim_verdict: str = ""            # the assignment's own claim, checked before grading ("" if not)


def discover(directory: pathlib.Path, *, exclude: pathlib.Path | None = None) -> list[str]:
    """The non-hidden entry names of ``directory``, sorted (``exclude``: the output folder, if inside)."""
    try:
        names = sorted(os.listdir(directory))
    except OSError as exc:
        raise InputError(f"submissions directory {str(directory)!r}: {exc.strerror or exc}") from None
    skip = exclude.resolve() if exclude is not None else None
    return [n for n in names if not n.startswith(".") and (skip is None or (directory / n).resolve() != skip)]


def read_submission(path: pathlib.Path):
    """``(text, None)`` or ``(None, error result)``; never follows a link, never blocks on a FIFO."""
    name = path.name
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if path.is_symlink():
            return None, error_result("unreadable", f"{name}: a symbolic link, not graded (submit the file itself)")
        return None, error_result("unreadable", f"{name}: cannot read: {exc.strerror or exc}")
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"
            return None, error_result("unreadable", f"{name}: {kind}, not graded (submit one .rnnp file)")
        if st.st_size > MAX_BYTES:
            return None, error_result("limit", f"{name}: file larger than {MAX_BYTES} bytes ({st.st_size})")
        data = b""
        while len(data) <= MAX_BYTES and (chunk := os.read(fd, MAX_BYTES + 1 - len(data))):
            data += chunk
    except OSError as exc:
        return None, error_result("unreadable", f"{name}: cannot read: {exc.strerror or exc}")
    finally:
        os.close(fd)
    if len(data) > MAX_BYTES:
        return None, error_result("limit", f"{name}: file larger than {MAX_BYTES} bytes")
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return None, error_result("malformed", f"{name}:1:1: not UTF-8 text (byte {exc.start})", line=1)


def run_local(jobs, *, workers: int, on_done) -> None:
    """Grade ``jobs`` on ``workers`` threads, each forking one sandboxed child per file."""
    if not jobs:
        return
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(jobs))), thread_name_prefix="grade") as pool:
        futures = {pool.submit(run_job, job): job for job in jobs}
        try:
            for fut in as_completed(futures):
                on_done(futures[fut], fut.result())
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _key(job_text: str, asg_text: str, opts: BatchOptions) -> str:
    return content_key(_KEY_VERSION, job_text, asg_text, *code_versions(), opts.seed, repr(float(opts.time_limit)))


def grade_batch(assignment, submissions, out_dir, opts: BatchOptions = BatchOptions(), *, progress=None) -> BatchResult:
    """Grade every file in ``submissions`` against ``assignment``; write the gradebook and feedback.

    Parameters
    ----------
    assignment : Assignment
        From :func:`.assignment.load_assignment`.
    submissions, out_dir : path
        The directory of student files; where ``gradebook.csv``/``.json``, ``feedback/`` and
        (with ``opts.report``) ``reports/`` go.
    progress : callable, optional
        ``progress(done, total, row)`` after each file.

    Raises
    ------
    InputError
        The submissions directory or the output or cache directory cannot be used.
    """
    start = time.perf_counter()
    sub_dir, out = pathlib.Path(submissions), pathlib.Path(out_dir)
    _check_dirs(sub_dir, out)
    cache = ResultCache("grade", opts.cache_dir).validate()
    names = discover(sub_dir, exclude=out)
    stems = feedback_names(names)
    reports = out / "reports" if opts.report else None
    rows, todo, state = {}, [], {"done": 0, "cached": 0}

    def finish(name, result, *, cached):
        row = make_row(name, result, cached=cached)
        rows[name] = row
        write_text_atomic(out / "feedback" / f"{stems[name]}.txt",
                          feedback_text(assignment, row, result.get("feedback", "")))
        state["done"] += 1
        if progress is not None:
            progress(state["done"], len(names), row)

    for name in names:
        text, err = read_submission(sub_dir / name)
        if err is not None:
            finish(name, err, cached=False)
            continue
        key = _key(text, assignment.text, opts)
        hit = cache.get(key)
        if isinstance(hit, dict) and (reports is None or _report_here(hit, reports)):
            state["cached"] += 1
            finish(name, hit, cached=True)
            continue
        todo.append(Job(name, text, key, assignment.text, assignment.path, opts.seed, opts.time_limit,
                        opts.memory_bytes, str(reports.resolve()) if reports else None))

    def on_done(job, result):
        if cacheable(result):
            cache.put(job.key, result)
        finish(job.file, result, cached=False)

    try:
        claim_verdict = _execute(todo, opts, on_done, assignment)
    finally:  # interrupted or not: every file gets a row, and the gradebook is written
        gone = error_result("interrupted", "not graded: the batch was interrupted")
        ordered = [rows.get(n) or make_row(n, gone, cached=False) for n in names]
        csv_path, json_path = write_gradebook(out, ordered, assignment=assignment,
                                              run={"checked": len(todo), "cached": state["cached"]})
    return BatchResult(ordered, csv_path, json_path, time.perf_counter() - start, len(todo), state["cached"],
                       summary(ordered), claim_verdict)


def _check_dirs(sub_dir: pathlib.Path, out: pathlib.Path) -> None:
    """The submissions directory must exist; the output directory must be (made) writable."""
    from rnnproof.resultcache import validate_cache_dir

    if not sub_dir.is_dir():
        raise InputError(f"submissions directory {str(sub_dir)!r}: not a directory")
    try:
        validate_cache_dir(out)
    except InputError as exc:
        raise InputError(str(exc).replace("cache directory", "output directory", 1)) from None


def _report_here(hit: dict, reports: pathlib.Path) -> bool:
    """A cached result serves a ``--report`` run only if its report is in this run's report folder."""
    path = pathlib.Path(hit.get("report") or "")
    return path.is_file() and path.parent == reports.resolve()


def _execute(todo, opts: BatchOptions, on_done, assignment) -> str:
    """Run the jobs; returns the verdict of the assignment's own claim (``""`` when not checked)."""
    if opts.dask or opts.scheduler:
        from .dask_backend import run_dask

        return run_dask(todo, address=opts.scheduler, workers=opts.jobs or _cores(), on_done=on_done,
                        warm=(assignment.text, assignment.path, opts.seed, opts.time_limit))
    verdict = warm_up(assignment.text, assignment.path, opts.seed, opts.time_limit) if todo else ""
    run_local(todo, workers=opts.jobs or _cores(), on_done=on_done)
    return verdict


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)
