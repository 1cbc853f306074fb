"""The numeric evidence of a report: the compact table of each section (one row per run, the
check closest to its tolerance) and every check as one CSV data file, ``rnnproof-evidence.csv``.

The report shows a compact summary per identity (the worst check of each run); the full
evidence -- one row per check, with the error and tolerance a reader compares -- is this
file, written next to the ``.tex``.  ``origin`` is ``check`` for the checks of ``rnnproof
check`` and ``figure`` for checks made only while computing a figure.
"""

from __future__ import annotations

import csv
import io
import math
from typing import Any, Sequence

from .prose import quantity
from .tex import breakable, escape_tex, fmt_sci, table

__all__ = ["EVIDENCE_FILE", "EVIDENCE_COLUMNS", "evidence_csv", "evidence_section", "evidence_summary",
           "evidence_groups", "row_numbers"]

EVIDENCE_FILE = "rnnproof-evidence.csv"
EVIDENCE_COLUMNS = ("origin", "identity", "run", "checkpoint", "quantity", "method", "dtype", "shapes", "step",
                    "error", "tolerance", "passed", "max_abs_err", "max_rel_err", "worst_index", "derived",
                    "reference", "slack", "seed", "note")


_METHODS = {"directional": "projections", "complex-step": "complex step", "bound": "norm bound", "exact": "exact",
            "bptt": "BPTT", "numpy.tanh": "NumPy tanh", "central": "central", "mpmath": "mpmath"}


def _bound_excess(r) -> float:
    """How far the measured side of a norm bound exceeds the bound (``<= 0`` when it holds).

    A bound record carries the two sides as ``derived``/``reference`` and ``slack`` =
    bound / measured; the side whose ratio matches the slack is the bound."""
    s = r.slack
    if isinstance(s, float) and math.isinf(s) and s > 0:
        return 0.0
    for measured, bound in ((r.reference, r.derived), (r.derived, r.reference)):
        if measured and math.isfinite(s) and math.isclose(bound / measured, s, rel_tol=1e-9, abs_tol=0.0):
            return measured - bound
    return math.nan


def row_numbers(r) -> tuple[float, float]:
    """``(error, tolerance)`` a reader sees for one check; it passes exactly when error <= tolerance.

    For a comparison the error is the absolute difference at the worst entry (the entry the
    tolerance belongs to); for a norm bound it is the measured norm's excess over the bound,
    clipped at 0, against the rounding allowance."""
    if r.method == "bound":
        excess = _bound_excess(r)
        return (max(0.0, excess) if not math.isnan(excess) else math.nan), r.tolerance
    return abs(r.derived - r.reference), r.tolerance


def _ratio(r) -> float:
    """How close a check came to failing: error / tolerance (0 when the error is 0)."""
    err, tol = row_numbers(r)
    if math.isnan(err) or math.isnan(tol):
        return math.inf if not r.passed else 0.0
    if err == 0:
        return 0.0
    return err / tol if tol > 0 else math.inf


def evidence_groups(evidence, *, by=("run",)):
    """Checks grouped by the fields ``by`` in first-seen order, each with its worst check: a
    failed one first, else the one with the largest error / tolerance."""
    groups: dict[tuple, list] = {}
    for r in evidence:
        groups.setdefault(tuple(getattr(r, f) for f in by), []).append(r)
    return [(key, rs, max(rs, key=lambda r: (not r.passed, _ratio(r)))) for key, rs in groups.items()]


def evidence_section(evidence, figure_checks=()) -> str:
    """A compact summary: one row per run (all its checkpoints and methods), the worst check's
    error and tolerance; every single check is in the evidence data file."""
    if not evidence:
        return r"\paragraph{Numeric evidence.} No numeric check of this identity was run."
    rows = []
    for (run,), rs, w in evidence_groups(evidence):
        failed = sum(not r.passed for r in rs)
        err, tol = row_numbers(w)
        ok = (r"\textbf{FAIL} %d/%d" % (failed, len(rs))) if failed else "pass %d/%d" % (len(rs), len(rs))
        if not math.isnan(err) and (err <= tol) != w.passed:  # a checker bug: said, never hidden
            ok += r" \textbf{(verdict disagrees with its numbers)}"
        cps = len({r.checkpoint for r in rs})
        methods = ", ".join(dict.fromkeys(_METHODS.get(r.method, r.method) for r in rs))
        ratio = _ratio(w)
        rows.append([breakable(run, limit=80, run=6, chunk=6) or "--", str(cps), escape_tex(methods), quantity(w.quantity),
                     "$%s$" % fmt_sci(err, digits=1), "$%s$" % fmt_sci(tol, digits=1),
                     "$%s$" % ("0" if ratio == 0 else fmt_sci(ratio, digits=1)), ok])
    head = ["Run", "Ckpts", "Methods", "Worst check", "Error", "Tolerance", r"Error $\div$ tol.", "Verdict"]
    rag = r">{\raggedright\arraybackslash}p{%s}"
    spec = rag % "1.7cm" + "c" + rag % "2.1cm" + rag % "3.6cm" + "rrr" + "l"
    seeds = sorted({r.seed for r in evidence})
    extra = ""
    if figure_checks:
        ok = sum(r.passed for r in figure_checks)
        extra = (" In addition, %d check%s of a figure's curve (%d passed) %s reported in the figure's caption."
                 % (len(figure_checks), "s" if len(figure_checks) > 1 else "", ok,
                    "are" if len(figure_checks) > 1 else "is"))
    return ("\\paragraph{Numeric evidence.} %d checks of the derived expressions on the built-in runs (those of "
            "\\texttt{rnnproof check}, seed%s %s); per run, the check that came closest to its tolerance (a failed "
            "one first); a row passes exactly when its error is at most its tolerance.%s\n"
            % (len(evidence), "s" if len(seeds) > 1 else "", ", ".join(map(str, seeds)), extra) +
            table(spec, head, rows, size=r"\footnotesize\setlength{\tabcolsep}{3pt}"))


def evidence_summary(evidence, figure_checks=(), *, where: str = "") -> str:
    """One paragraph for the main document: how many checks passed on which runs, and the check
    that came closest to its tolerance (a failed one first) with its error next to its tolerance;
    ``where`` says where the per-run table is (the appendix)."""
    if not evidence:
        return r"\paragraph{Numeric evidence.} No numeric check of this identity was run."
    (_, _, w), = evidence_groups(evidence, by=())
    runs = list(dict.fromkeys(r.run for r in evidence))
    failed = sum(not r.passed for r in evidence)
    err, tol = row_numbers(w)
    ratio = _ratio(w)
    head = (r"\textbf{%d of %d checks failed}" % (failed, len(evidence)) if failed else
            "%d/%d checks passed" % (len(evidence), len(evidence)))
    extra = ""
    if figure_checks:
        extra = " %d more check%s of a figure's curve (%d passed) %s in the figure's caption." % (
            len(figure_checks), "s" if len(figure_checks) > 1 else "", sum(r.passed for r in figure_checks),
            "are" if len(figure_checks) > 1 else "is")
    return (r"\paragraph{Numeric evidence.} %s on the run%s %s. %s: %s on %s, error $%s$, tolerance $%s$ "
            r"(error $\div$ tolerance $%s$)."
            r"%s%s" % (head, "s" if len(runs) > 1 else "", ", ".join(breakable(r, limit=80, run=6, chunk=6)
                                                                   for r in runs),
                        "The failed check" if not w.passed else "Closest to its tolerance",
                        quantity(w.quantity), breakable(w.run, limit=80, run=6, chunk=6),
                        fmt_sci(err, digits=1), fmt_sci(tol, digits=1), "0" if ratio == 0 else fmt_sci(ratio, digits=1),
                        extra, (" " + where) if where else ""))


def _num(v) -> str:
    if v is None:
        return ""
    v = float(v)
    if math.isnan(v):
        return ""
    return repr(v) if math.isinf(v) else f"{v:.6e}"


def evidence_csv(evidence: Sequence[Any], figure_checks: Sequence[Any] = ()) -> str:
    """CSV text (header + one row per check; ``error <= tolerance`` exactly when passed)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(EVIDENCE_COLUMNS)
    for origin, rows in (("check", evidence), ("figure", figure_checks)):
        for r in rows:
            err, tol = row_numbers(r)
            w.writerow([origin, r.identity, r.run, r.checkpoint, r.quantity, r.method, r.dtype,
                        "x".join(map(str, r.shapes[0])) if r.shapes and isinstance(r.shapes[0], tuple) else str(r.shapes),
                        _num(r.step), _num(err), _num(tol), "yes" if r.passed else "no", _num(r.max_abs_err),
                        _num(r.max_rel_err), " ".join(map(str, r.worst_index)), _num(r.derived), _num(r.reference),
                        _num(r.slack), r.seed, r.note])
    return buf.getvalue()
