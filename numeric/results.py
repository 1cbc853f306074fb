"""The frozen result record of a numeric check, and the thin wrapper that raises.

Every numeric comparison in rnnproof -- an identity checked on a run, a user's gradient
checked against rnnproof's reference -- returns a :class:`CheckResult`; :func:`assert_passed`
turns a failed one into a :class:`~rnnproof.derivations.errors.CheckFailure` whose message
needs no debugger (STYLE.md 4-5).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from rnnproof.derivations.errors import CheckFailure

__all__ = ["CheckResult", "assert_passed", "format_failure", "VERDICTS"]

VERDICTS = ("passed", "failed", "undecided")


@dataclass(frozen=True)
class CheckResult:
    """One numeric comparison of a derived quantity with a reference.

    Attributes
    ----------
    identity, run, checkpoint : str
        What was checked, on which run and checkpoint (``""`` when not from a run).
    quantity : str
        The compared quantity, e.g. ``"J_t (t=17)"`` or ``"dL/dW_hh"``.
    shapes : tuple
        Shapes of the compared arrays.
    dtype : str
    method : str
        Reference method: ``"central"``, ``"complex-step"``, ``"mpmath"``, ``"directional"``,
        ``"bound"`` (a norm bound: ``slack`` is bound / actual), ``"exact"``.
    step : float
        Finite-difference step (``nan`` when not applicable).
    max_abs_err, max_rel_err : float
    worst_index : tuple
        Index of the worst entry; ``derived`` and ``reference`` are its two values.
    error_estimate : float
        The reference's own estimated error (truncation + rounding).
    tolerance : float
        Allowed absolute error, from the error model (never a bare constant).
    seed : int
    passed : bool
    slack : float
        For bounds, bound / actual (>= 1 when the bound holds); ``nan`` otherwise.
    note : str
        Anything a reader needs (which comparison decided, fallbacks taken).
    verdict : str
        ``"passed"``, ``"failed"`` or ``"undecided"`` (the reference or the error model is too
        inaccurate to judge: ``passed`` is then ``False`` and ``note`` gives the reason).  Filled
        from ``passed`` when not given.
    """

    identity: str
    run: str
    checkpoint: str
    quantity: str
    shapes: tuple
    dtype: str
    method: str
    step: float
    max_abs_err: float
    max_rel_err: float
    worst_index: tuple
    derived: float
    reference: float
    error_estimate: float
    tolerance: float
    seed: int
    passed: bool
    slack: float = math.nan
    note: str = ""
    verdict: str = ""

    def __post_init__(self):
        if self.verdict not in VERDICTS + ("",):
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")
        if not self.verdict or (self.verdict == "passed") != bool(self.passed):
            if self.verdict == "undecided" and not self.passed:
                return
            object.__setattr__(self, "verdict", "passed" if self.passed else "failed")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (tuples become lists, nan becomes None)."""
        d = asdict(self)
        for k, v in d.items():
            if isinstance(v, float) and not math.isfinite(v):
                d[k] = None if math.isnan(v) else str(v)
            elif isinstance(v, tuple):
                d[k] = [list(x) if isinstance(x, tuple) else x for x in v]
        return d


def format_failure(r: CheckResult) -> str:
    """The one-line message of STYLE.md 5 for a result."""
    where = f" on run {r.run}/{r.checkpoint}" if r.run else ""
    shapes = "x".join(str(s) for s in r.shapes[0]) if r.shapes and isinstance(r.shapes[0], tuple) else str(r.shapes)
    if r.method == "bound":
        return (f"{r.identity}: {r.quantity} bound violated{where} ({shapes}, {r.dtype}): actual={r.reference:.6g} "
                f"bound={r.derived:.6g}, slack={r.slack:.4g} < 1 (tol={r.tolerance:.2g}, seed={r.seed})")
    idx = ", ".join(str(i) for i in r.worst_index)
    if r.method == "shape":
        return f"{r.identity}: {r.quantity} has the wrong shape{where}: {r.note} (seed={r.seed})"
    gap = abs(r.derived - r.reference)  # the error of the entry named, which the tolerance belongs to
    if r.verdict == "undecided":
        return (f"{r.identity}: {r.quantity} cannot be decided{where} ({shapes}, {r.dtype}): {r.note.split('; ')[0]} "
                f"(worst entry ({idx}) derived={r.derived:.10g} reference={r.reference:.10g}, |err|={gap:.2g}, "
                f"tol={r.tolerance:.2g}, seed={r.seed})")
    where_entry = f"worst entry ({idx})" if r.worst_index else "worst projection"
    return (f"{r.identity}: {r.quantity} mismatch{where} ({shapes}, {r.dtype}): {where_entry} "
            f"derived={r.derived:.10g} reference={r.reference:.10g}, |err|={gap:.2g} > tol={r.tolerance:.2g} "
            f"({r.method}, h={r.step:.2g}, seed={r.seed})")


def assert_passed(result: CheckResult) -> CheckResult:
    """Return ``result`` if it passed, else raise :class:`CheckFailure` with its message."""
    if not result.passed:
        raise CheckFailure(format_failure(result))
    return result
