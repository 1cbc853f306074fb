"""``rnnproof verify FILE...``: check a derivation a person wrote (``.rnnp``), step by step.

Each step gets a verdict: *proved* (SymPy decided it), *numerically confirmed* (with the
number of points, the digits and the largest discrepancy) or *refuted* (with a
counterexample: the values of the free symbols and of both sides).  The first failing step
is marked ``>>``.  Exit 0 when every step is proved or confirmed, 1 when any step is
refuted, 2 when a file is malformed or over its budget (``rnnproof: error: FILE:LINE:COL:
message``), 3 only for a bug in rnnproof.

Files are untrusted.  Each one is verified in a child process with one budget for all of
its work -- reading, building, SymPy, sampling and the report -- enforced from outside
(:func:`rnnproof.sandbox.run_limited`): ``--time-limit`` seconds of wall clock (then the
child and its LaTeX run are killed) and ``--memory-limit`` of address space.  A file over
budget gets an error naming the phase and the line, exit 2.
"""

from __future__ import annotations

import json
import math
import os
import pathlib
import re
import sys

from rnnproof.derivations.errors import InputError
from rnnproof.derivations.model import Verdict
from rnnproof.derivations.userfile import parse_file, verify
from rnnproof.sandbox import Limits, run_limited, set_phase

__all__ = ["add_parser", "run", "format_result", "result_record", "parse_time_limit", "parse_memory_limit",
           "check_report_dir", "verify_one", "TIME_LIMIT", "MEMORY_LIMIT"]

_MARK = {Verdict.PROVED: "proved", Verdict.CONFIRMED: "numerically confirmed", Verdict.REFUTED: "REFUTED"}
#: default budget of one file: wall-clock seconds and address-space bytes
TIME_LIMIT, MEMORY_LIMIT = 60.0, 2 * 1024 ** 3
_TIME_RANGE = (0.5, 86400.0)
_MEMORY_RANGE = (512 * 1024 ** 2, 1024 ** 4)
_UNITS = {"": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3, "t": 1024 ** 4}


def add_parser(sub):
    p = sub.add_parser("verify", help="check a derivation written in a .rnnp file, step by step",
                       description="Check every step of derivation files (format: docs/derivation-format.md). "
                                   "Each file runs in a child process under one time and memory budget.")
    p.add_argument("files", nargs="+", metavar="FILE", help="derivation files (.rnnp)")
    p.add_argument("--json", action="store_true", help="machine-readable verdicts")
    p.add_argument("--report", metavar="DIR", help="also write a LaTeX report per file into DIR (PDF when latexmk is present)")
    p.add_argument("--seed", type=int, default=0, help="seed of the sample points and explicit matrices (default 0)")
    p.add_argument("--time-limit", default=str(TIME_LIMIT), metavar="S",
                   help=f"wall-clock seconds for each file: reading, building, checking and its report "
                        f"(the work is killed after them; {_TIME_RANGE[0]:g} to {_TIME_RANGE[1]:g}, default {TIME_LIMIT:g})")
    p.add_argument("--memory-limit", default="2G", metavar="SIZE",
                   help="address space of each file's worker, e.g. 2G or 1500M (512M to 1T, default 2G)")
    return p


def parse_time_limit(text: str) -> float:
    """Seconds from ``--time-limit``; a finite number within range, else InputError."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        value = math.nan
    if not (math.isfinite(value) and _TIME_RANGE[0] <= value <= _TIME_RANGE[1]):
        raise InputError(f"--time-limit must be a number of seconds from {_TIME_RANGE[0]:g} to {_TIME_RANGE[1]:g}, "
                         f"not {text!r}")
    return value


def parse_memory_limit(text: str) -> int:
    """Bytes from ``--memory-limit`` (``2G``, ``1500M``, ``2GiB``, plain bytes); else InputError."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(?:i?[bB])?\s*", str(text))
    value = float(m.group(1)) * _UNITS[m.group(2).lower()] if m else math.nan
    if not (math.isfinite(value) and _MEMORY_RANGE[0] <= value <= _MEMORY_RANGE[1]):
        raise InputError(f"--memory-limit must be a size from 512M to 1T (e.g. 2G, 1500M), not {text!r}")
    return int(value)


def check_report_dir(text: str) -> pathlib.Path:
    """The absolute, existing, writable directory for ``--report`` (created if missing).

    A relative path is taken from the current directory once, here; an existing file, a
    device, a dangling symlink, a symlink loop or a path under a non-directory is refused.
    """
    if not text or "\x00" in text:
        raise InputError("--report needs a directory name")
    p = pathlib.Path(os.path.abspath(text))

    def bad(why):
        raise InputError(f"--report {text}: {why}")

    if p.is_symlink():
        try:
            p.resolve(strict=True)
        except FileNotFoundError:
            bad("a symbolic link to nothing (dangling)")
        except (RuntimeError, OSError) as exc:
            bad("a symbolic link loop" if "loop" in str(exc).lower() or isinstance(exc, RuntimeError)
                else f"cannot follow the link ({exc.strerror or exc})")
    if os.path.lexists(p) and not p.is_dir():
        bad("exists and is not a directory")
    try:
        p.mkdir(parents=True, exist_ok=True)
        real = p.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        bad(f"cannot create the directory ({getattr(exc, 'strerror', None) or exc})")
    if not real.is_dir():
        bad("is not a directory")
    if not os.access(real, os.W_OK | os.X_OK):
        bad("the directory is not writable")
    return real


def _how(r) -> str:
    if r.verdict is Verdict.PROVED:
        return f"proved ({r.method})"
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
                       "counterexample": dict(s.result.counterexample or {})}
                      for s in res.steps]}


def verify_one(path: str, *, seed: int, time_limit: float, report: str | None) -> dict:
    """All the work for one file (run inside the sandbox child): plain data back to the parent."""
    set_phase("reading the file")
    res = verify(parse_file(path), seed=seed, time_limit=time_limit)
    out = {"lines": format_result(res), "record": result_record(res), "ok": res.ok, "report": None,
           "report_error": None}
    if report is not None:
        set_phase("writing the report")
        from rnnproof.report.compile import CompileError
        from rnnproof.teaching_report import write_report
        try:
            out["report"] = str(write_report(res, report))
        except CompileError as exc:
            out["report_error"] = str(exc)
    return out


def run(args) -> int:
    time_limit = parse_time_limit(args.time_limit)
    limits = Limits(wall_seconds=time_limit, memory_bytes=parse_memory_limit(args.memory_limit))
    report = str(check_report_dir(args.report)) if args.report else None
    if report is not None:
        import rnnproof.teaching_report  # noqa: F401 - imported once here, so every forked child starts warm
    records, code = [], 0
    for path in args.files:
        out = run_limited(verify_one, path, seed=args.seed, time_limit=time_limit, report=report, limits=limits)
        if out.status == "ok":
            records.append(out.value["record"])
            code = max(code, 0 if out.value["ok"] else 1)
            if not args.json:
                print("\n".join(out.value["lines"]), flush=True)
            if out.value["report_error"]:
                first = out.value["report_error"].splitlines()
                print(f"rnnproof: error: {path}: report: " + "\n  ".join(first[:8]), file=sys.stderr)
                code = max(code, 2)
            elif out.value["report"] and not args.json:
                why = " (no PDF: latexmk is not on PATH)" if out.value["report"].endswith(".tex") else ""
                print(f"  report: {out.value['report']}{why}")
            if not args.json:
                print()
        elif out.status == "crashed":
            print(f"rnnproof: internal error: {path}: {out.message}\n"
                  "  (a bug in rnnproof; rerun with RNNPROOF_DEBUG=1 for the traceback and please report it)",
                  file=sys.stderr)
            code = 3
        else:
            msg = out.message if out.status == "error" else f"{path}: {out.message}"
            print(f"rnnproof: error: {msg}", file=sys.stderr, flush=True)
            code = max(code, 2)
    if args.json:
        print(json.dumps(records, indent=2))
    return code
