"""``rnnproof verify FILE...``: check a derivation a person wrote (``.rnnp``), step by step.

Each step gets a verdict: *proved* (SymPy decided it), *numerically confirmed* (with the
number of points, the digits and the largest discrepancy) or *refuted* (with a
counterexample: the values of the free symbols and of both sides).  The first failing step
is marked ``>>``.  Exit 0 when every step is proved or confirmed, 1 when any step is
refuted or undecided, 2 when a file is malformed (``rnnproof: error: FILE:LINE:COL: message``).
"""

from __future__ import annotations

import json
import sys

from rnnproof.derivations.model import Verdict
from rnnproof.derivations.userfile import DerivationFileError, parse_file, verify

__all__ = ["add_parser", "run", "format_result", "result_record"]

_MARK = {Verdict.PROVED: "proved", Verdict.CONFIRMED: "numerically confirmed", Verdict.REFUTED: "REFUTED"}


def add_parser(sub):
    p = sub.add_parser("verify", help="check a derivation written in a .rnnp file, step by step",
                       description="Check every step of derivation files (format: docs/derivation-format.md).")
    p.add_argument("files", nargs="+", metavar="FILE", help="derivation files (.rnnp)")
    p.add_argument("--json", action="store_true", help="machine-readable verdicts")
    p.add_argument("--report", metavar="DIR", help="also write a LaTeX report per file into DIR (PDF when latexmk is present)")
    p.add_argument("--seed", type=int, default=0, help="seed of the sample points and explicit matrices (default 0)")
    p.add_argument("--time-limit", type=float, default=60.0, metavar="S",
                   help="seconds allowed per step before giving up (default 60)")
    return p


def _how(r) -> str:
    if r.verdict is Verdict.PROVED:
        return f"proved ({r.method})"
    if r.verdict.is_proof:
        return f"{r.verdict} ({r.method}; {r.detail})"
    if r.verdict is Verdict.UNDECIDED:
        return f"UNDECIDED ({r.method}; {r.detail})"
    if r.verdict is Verdict.CONFIRMED:
        disc = f", largest discrepancy {r.max_discrepancy:.2g}" if r.max_discrepancy is not None else ""
        pts = f"{r.points} points" if r.points else "explicit instances"
        return f"numerically confirmed ({r.method}; {pts}, {r.dps or 40} digits{disc}; {r.detail})"
    return f"REFUTED ({r.method}; {r.detail})"


def format_result(res) -> list[str]:
    """The text a student sees for one file."""
    df = res.file
    first = res.first_failure
    lines = [f"{df.path}: {df.title or '(untitled)'}"]
    if df.claim is not None:
        cl, rel, cr = df.claim
        lines.append(f"  claim (line {df.claim_line}): {cl.source} {rel} {cr.source}")
    for k, s in enumerate(res.steps):
        mark = ">>" if k == first else "  "
        label = f"{s.number:>2}." if s.kind == "step" else " *"
        where = f"line {s.line}"
        text = f"{s.lhs.source} {s.rel} {s.rhs.source}"
        lines.append(f"{mark}{label} [{where}] {text}")
        if s.justification:
            lines.append(f"       by: {s.justification}")
        lines.append(f"       {_how(s.result)}")
        if s.result.counterexample:
            lines.append("       counterexample: " + ", ".join(f"{a} = {v}" for a, v in s.result.counterexample.items()))
        if k == first:
            lines.append(f"       ^ first failing step (line {s.line})")
    counts = (f"{res.count(Verdict.PROVED)} proved, {res.count(Verdict.CONFIRMED)} numerically confirmed, "
              f"{res.count(Verdict.REFUTED)} refuted")
    extra = [f"{res.count(v)} {v}" for v in (Verdict.PROVED_INTERVAL, Verdict.BY_LEMMA, Verdict.UNDECIDED) if res.count(v)]
    counts += "".join(", " + e for e in extra)
    lines.append(f"  => {res.verdict}: {counts}")
    return lines


def result_record(res) -> dict:
    """A JSON-ready record of one file's verdicts."""
    return {"file": res.file.path, "title": res.file.title, "verdict": str(res.verdict), "seed": res.seed,
            "first_failure": None if res.first_failure is None else res.steps[res.first_failure].number,
            "steps": [{"number": s.number, "kind": s.kind, "line": s.line, "lhs": s.lhs.source, "rel": s.rel,
                       "rhs": s.rhs.source, "justification": s.justification, "verdict": str(s.result.verdict),
                       "method": s.result.method, "detail": s.result.detail, "points": s.result.points,
                       "digits": s.result.dps, "max_discrepancy": s.result.max_discrepancy,
                       "counterexample": dict(s.result.counterexample or {})} for s in res.steps]}


def run(args) -> int:
    results, malformed = [], False
    for path in args.files:
        try:
            res = verify(parse_file(path), seed=args.seed, time_limit=args.time_limit)
        except DerivationFileError as exc:
            print(f"rnnproof: error: {exc}", file=sys.stderr)
            malformed = True
            continue
        results.append(res)
        if not args.json:
            print("\n".join(format_result(res)), flush=True)
            print()
        if args.report:
            from rnnproof.teaching_report import write_report
            out = write_report(res, args.report)
            if not args.json:
                print(f"  report: {out}")
    if args.json:
        print(json.dumps([result_record(r) for r in results], indent=2))
    if malformed:
        return 2
    return 1 if any(not r.ok for r in results) else 0
