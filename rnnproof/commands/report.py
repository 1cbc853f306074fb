"""``rnnproof report [ID...] [--out DIR] [--pdf | --no-pdf] [--handout]``: the LaTeX report.

Derives the identities (all by default; a derivation cached for the running code is reused, see
:mod:`rnnproof.derivecache`), runs their numeric checks on the built-in
runs, and writes ``DIR/rnnproof.tex`` (``rnnproof-handout.tex`` with ``--handout``), one
standalone ``.tex`` per identity and the figure data files; compiles the main document with
latexmk when it is on PATH (or with ``--pdf``).  Exit 0 when everything holds, 1 when a step
is refuted, a numeric check failed or LaTeX failed (file:line and source line shown), 2 on
bad usage.
"""

from __future__ import annotations

import multiprocessing
import pathlib
import sys
import time

from rnnproof.derivations import Verdict, registry
from rnnproof.derivations.batch import default_jobs
from rnnproof.derivations.errors import RnnproofError

__all__ = ["add_parser", "run", "FIGURE_CHECKS"]

#: key of the series mapping under which the figures' own checks travel
FIGURE_CHECKS = "figure_checks"


def add_parser(sub):
    p = sub.add_parser("report", help="write the LaTeX report (and the PDF when latexmk is available)")
    p.add_argument("ids", nargs="*", metavar="ID", help="identity ids (default: the whole catalogue)")
    p.add_argument("--out", type=pathlib.Path, default=pathlib.Path("reports"),
                   help="output directory (default: ./reports)")
    pdf = p.add_mutually_exclusive_group()
    pdf.add_argument("--pdf", dest="pdf", action="store_true", default=None,
                     help="compile to PDF (error if latexmk is missing)")
    pdf.add_argument("--no-pdf", dest="pdf", action="store_false", help="write the .tex only")
    p.add_argument("--handout", action="store_true",
                   help="derivations, conventions and figures without the numeric tables")
    p.add_argument("--seed", type=int, default=0, help="seed of sampling and numeric checks (default 0)")
    p.add_argument("-j", "--jobs", type=int, default=default_jobs(),
                   help="processes for the derivations (default: the usable CPUs)")
    return p


def _numeric(ids, seed):
    """Numeric evidence and figure curves; a missing numeric half is an error, not a skip.

    The evidence includes the checks made for the figures (the comparison's confirmations) of
    the identities in ``ids``."""
    try:
        from rnnproof.numeric.checks import run_checks
    except ImportError as exc:
        raise RnnproofError(f"report: the numeric checks (rnnproof.numeric.checks) are not available ({exc}); "
                            "the report needs them for its evidence tables and figures") from None
    from rnnproof.report.series import figure_series_and_checks

    try:
        evidence = run_checks(ids, seed=seed)
        series, extra = figure_series_and_checks(seed=seed)
    except ModuleNotFoundError as exc:
        raise RnnproofError(f"report: a numeric check is not written yet ({exc.name}); the report needs the "
                            "numeric evidence of every identity it shows (pass the ids that have checks)") from None
    # checks made only for a figure travel with the series and are counted apart (they are not
    # checks of `rnnproof check`, so the two commands' counts agree)
    return list(evidence), {**series, FIGURE_CHECKS: [r for r in extra if r.identity in ids]}


def _derive_child(conn, ids, seed, jobs):
    """Child process: :func:`~rnnproof.derivecache.derive_cached` on ``jobs`` workers, the results sent back on ``conn``."""
    from rnnproof.derivecache import derive_cached

    try:
        msg = ("ok", derive_cached(ids, seed=seed, jobs=jobs))
    except BaseException as exc:  # noqa: BLE001 -- reported by the parent
        msg = ("error", f"{type(exc).__name__}: {exc}")
    try:
        conn.send(msg)
    finally:
        conn.close()


def _derive_and_check(ids, seed, jobs):
    """Derivation results (catalogue order) and the numeric evidence and series.

    With ``jobs`` > 1 a child process derives the identities with
    :func:`~rnnproof.derivations.batch.derive_many` on ``jobs`` workers while this process runs
    the numeric checks.  The child is forked before this process does any numeric work, and this
    process starts no thread, so neither the child nor its pool inherits a lock held elsewhere.  Every derivation is seeded, so the results do
    not depend on ``jobs``.
    """
    from rnnproof.derivecache import cached_results, derive_cached

    if len(cached_results(ids, seed=seed)) == len(ids):  # every derivation cached for this code: no child
        return (derive_cached(ids, seed=seed), *_numeric(ids, seed))
    if jobs <= 1 or len(ids) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        results = derive_cached(ids, seed=seed, jobs=jobs)
        return results, *_numeric(ids, seed)
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_derive_child, args=(send, list(ids), seed, jobs), name="rnnproof-derive")
    child.start()
    send.close()
    try:
        evidence, series = _numeric(ids, seed)
        try:
            status, payload = recv.recv()
        except EOFError:
            child.join()
            raise RnnproofError(f"report: the derivation process died (exit code {child.exitcode}) "
                                "before sending its results") from None
    except BaseException:
        child.terminate()
        raise
    finally:
        recv.close()
        child.join()
    if status != "ok":
        raise RnnproofError(f"report: deriving {len(ids)} identities failed: {payload}")
    return payload, evidence, series


def _log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(args) -> int:
    from rnnproof.report import CompileError, latexmk_path, write_report

    from rnnproof.resultcache import check_cache_root, validate_writable_dir

    start = time.perf_counter()
    idents = registry.resolve(args.ids)
    # bad paths are bad input: refused (exit 2) before any derivation or numeric work
    check_cache_root()
    validate_writable_dir(args.out, what="report --out")
    compile_pdf = args.pdf if args.pdf is not None else latexmk_path() is not None
    if args.pdf and latexmk_path() is None:
        raise RnnproofError("report: --pdf needs latexmk on PATH (TeX Live); install it or pass --no-pdf")
    ids = [i.id for i in idents]
    results, evidence, series = _derive_and_check(ids, args.seed, args.jobs)
    series = dict(series or {})
    figure_checks = list(series.pop(FIGURE_CHECKS, ()))
    for ident, res in zip(idents, results):
        _log(f"derived {ident.id}: {res.verdict}")
    t_numeric = time.perf_counter()
    _log(f"derivations and numeric checks: {sum(r.passed for r in evidence)}/{len(evidence)} checks passed (the "
         f"checks of `rnnproof check`), and {sum(r.passed for r in figure_checks)}/{len(figure_checks)} checks of "
         f"figure curves ({t_numeric - start:.1f} s)")
    try:
        files = write_report(idents, results, out=args.out, evidence=evidence, series=series,
                             handout=args.handout, pdf=compile_pdf, figure_checks=figure_checks)
    except CompileError as exc:
        print(f"rnnproof: error: {exc}", file=sys.stderr)
        return 1
    _log(f"report written{' and compiled' if files.pdf else ''} ({time.perf_counter() - t_numeric:.1f} s)")
    print(f"wrote {files.tex}{f', its appendix {files.appendix.name}' if files.appendix else ''} and "
          f"{len(files.standalone)} standalone .tex files")
    if files.pdf is not None:
        print(f"wrote {files.pdf}" + (f" and {files.appendix_pdf.name}" if files.appendix_pdf else ""))
    elif args.pdf is None:
        print("latexmk is not on PATH: the PDF was not built (install TeX Live with latexmk, then rerun)")
    refuted = sum(r.count(Verdict.REFUTED) for r in results)
    failed = sum(not r.passed for r in [*evidence, *figure_checks])
    print(f"{len(idents)} identities: {refuted} steps refuted, {failed} numeric checks failed "
          f"({time.perf_counter() - start:.1f} s)")
    return 1 if refuted or failed else 0
