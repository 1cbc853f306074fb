"""Every numeric check of a report as one CSV data file, ``rnnproof-evidence.csv``.

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

from .sections import row_numbers

__all__ = ["EVIDENCE_FILE", "EVIDENCE_COLUMNS", "evidence_csv"]

EVIDENCE_FILE = "rnnproof-evidence.csv"
EVIDENCE_COLUMNS = ("origin", "identity", "run", "checkpoint", "quantity", "method", "dtype", "shapes", "step",
                    "error", "tolerance", "passed", "max_abs_err", "max_rel_err", "worst_index", "derived",
                    "reference", "slack", "seed", "note")


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
