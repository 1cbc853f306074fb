"""Grade one submission's text against an assignment: a gradebook row and the student's feedback.

:func:`grade_text` runs inside a sandboxed child (:func:`rnnproof.sandbox.run_limited`) or a
Dask worker's child; it returns plain JSON-ready data so that the result can be pickled,
cached and written without SymPy objects.  The grade is

- ``pass``: the claim is the assigned one (:mod:`.compare`), the declarations agree, there is
  a proof, every step (and every closing check of the chain) has a verdict the assignment
  accepts, and every required line is in the chain;
- ``fail``: the file was checked and at least one of those does not hold (the feedback lists
  each, the first failing step with its line);
- ``error``: the file could not be checked (malformed, over a safety cap, too slow, ...): the
  row says why and where.
"""

from __future__ import annotations

from rnnproof.derivations.model import Verdict
from rnnproof.derivations.userfile import DerivationFileError, parse_text, verify

from .assignment import Assignment
from .compare import claim_problems, declaration_problems, def_differences, missing_required, symbols_agree

__all__ = ["grade_text", "error_result", "VERDICT_COLUMNS"]

#: gradebook column of each verdict's count
VERDICT_COLUMNS = {Verdict.PROVED: "proved", Verdict.PROVED_INTERVAL: "proved_interval",
                   Verdict.BY_LEMMA: "proved_by_lemma", Verdict.CONFIRMED: "confirmed",
                   Verdict.UNDECIDED: "undecided", Verdict.REFUTED: "refuted"}


def _phase(text: str) -> None:
    from rnnproof.sandbox import set_phase

    set_phase(text)


def error_result(kind: str, message: str, *, line: int | None = None, seconds: float = 0.0) -> dict:
    """The result of a file that could not be graded (``kind``: malformed, timeout, memory, ...)."""
    counts = {c: 0 for c in VERDICT_COLUMNS.values()}
    return {"grade": "error", "verdict": "", **counts, "steps": 0, "first_failing_step": None,
            "first_failing_line": line, "claim": "", "problems": [], "error_kind": kind, "error": message,
            "seconds": round(seconds, 3), "feedback": ""}


def _first_failing(res, accept):
    k = res.first_failure
    if k is None:
        k = next((i for i, s in enumerate(res.steps) if s.result.verdict not in accept), None)
    return None if k is None else res.steps[k]


def _step_problems(res, accept, accept_text) -> list[str]:
    out = []
    for s in res.steps:
        v = s.result.verdict
        label = f"step {s.number}" if s.kind == "step" else "the closing check"
        if v is Verdict.REFUTED:
            out.append(f"{label} (line {s.line}) is refuted: {s.result.detail}")
        elif v not in accept:
            out.append(f"{label} (line {s.line}) is only {v}; this assignment accepts: {accept_text}")
    return out


def grade_text(asg: Assignment, text: str, name: str, *, seed: int = 0, time_limit: float = 60.0,
               report_dir: str | None = None) -> dict:
    """Grade the submission ``text`` (file name ``name``) against ``asg``; never raises for bad input.

    Returns
    -------
    dict
        The gradebook fields of :func:`error_result` plus ``feedback``, the text the student gets.
    """
    _phase("parsing")
    try:
        df = parse_text(text, path=name)
    except DerivationFileError as exc:
        return _malformed(exc)
    problems = declaration_problems(asg, df)
    if df.claim is None:
        problems.append("no claim: line (state the assigned claim before the proof)")
    if not df.steps:
        problems.append("no proof: the file states a claim but has no proof: steps")
    _phase(f"checking the chain ({len(df.steps)} steps)")
    try:
        res = verify(df, seed=seed, time_limit=time_limit)
    except DerivationFileError as exc:
        return _malformed(exc)
    claim_state = ""
    if df.claim is not None and symbols_agree(asg, df):  # else "" : not compared (the symbols differ)
        _phase("comparing the claim with the assigned one")
        diff = claim_problems(asg, df, seed=seed, time_limit=time_limit)
        claim_state = "different" if diff else "assigned"
        if diff:
            _phase("comparing the definitions with the assignment's")
            diff += def_differences(asg, df, text, seed=seed, time_limit=time_limit)
        problems += diff
    problems += _step_problems(res, asg.accept, asg.accept_text())
    if df.steps:
        problems += missing_required(asg, df)
    out = _counts(res)
    bad = _first_failing(res, asg.accept)
    out.update(grade="fail" if problems else "pass", claim=claim_state, problems=problems,
               first_failing_step=bad.number if bad else None, first_failing_line=bad.line if bad else None)
    out["feedback"] = _feedback_text(res)
    if report_dir is not None:
        _phase("writing the LaTeX report")
        from rnnproof.teaching_report import write_report

        out["report"] = str(write_report(res, report_dir))
    return out


def _malformed(exc: DerivationFileError) -> dict:
    kind = {"LimitExceededError": "limit", "UncheckableStepError": "uncheckable"}.get(type(exc).__name__, "malformed")
    if kind == "limit" and "took longer than" in exc.message:  # verify's per-step alarm: load-dependent
        kind = "timeout"
    return error_result(kind, str(exc), line=exc.line)


def _counts(res) -> dict:
    out = error_result("", "")
    out.update({col: res.count(v) for v, col in VERDICT_COLUMNS.items()}, verdict=str(res.verdict),
               steps=len(res.steps))
    return out


def _feedback_text(res) -> str:
    from rnnproof.commands.verify import format_result

    return "\n".join(format_result(res))
