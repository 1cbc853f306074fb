"""Is a submission about the assigned claim?  Declarations, claim and required lines, compared soundly.

Three questions, each answered with the checker itself, never by comparing text:

1. **Declarations.** Every ``let`` of the assignment must be declared in the submission with
   the same kind, shape, assumptions and sampling domain (the SymPy symbols must be equal),
   under the same vector notation.  A ``def`` of the assignment need not be defined (the
   comparisons below expand every ``def``), but a name the assignment defines with ``def`` must
   not be declared with ``let``.  Extra declarations are allowed.
2. **Claim.** The relations must agree (``a >= b`` is ``b <= a``; ``=`` may be written either
   way round) and each side must equal the assigned side: identical SymPy trees after the
   ``def`` s are expanded, or else the equality ``submitted side = assigned side`` is checked by
   :func:`rnnproof.derivations.userfile.verify` in the submission's declarations (entrywise at
   symbolic size, explicit matrices, sampling) and must not be refuted or undecided.
3. **Required lines.** "The chain passes through E" is a statement about form: every line of a
   correct ``=`` chain *equals* every other, so mathematical equality cannot tell them apart.
   A chain line matches when its SymPy tree is E's, after SymPy's automatic normalisation
   (order of terms and factors, folded numbers), either as written (``display``: user
   function names kept) or with every ``def`` expanded (``semantic``).
"""

from __future__ import annotations

import dataclasses
import re

from rnnproof.derivations.model import Verdict
from rnnproof.derivations.userfile import DerivationFileError, parse_text, verify

__all__ = ["declaration_problems", "symbols_agree", "claim_problems", "missing_required", "def_differences"]

_REVERSED = {">=": "<=", ">": "<"}


def _describe(decl) -> str:
    sym = decl.symbol
    if decl.kind == "dim":
        text = "dim"
    elif decl.kind == "matrix":
        text = "matrix(%s, %s)" % tuple(sym.shape)
    elif decl.kind == "scalar":
        text = next((k for k in ("positive", "negative", "nonnegative") if getattr(sym, f"is_{k}")), "real")
    else:
        text = "def"
    return text + (f" in {decl.domain}" if decl.domain else "")


def declaration_problems(asg, df) -> list[str]:
    """What the submission ``df`` declares differently from the assignment (empty when all agree)."""
    out = []
    if df.notation != asg.file.notation:
        out.append(f"notation: the assignment uses {asg.file.notation} vectors, this file {df.notation} vectors")
    mine = {d.name: d for d in df.declarations}
    for d in asg.file.declarations:
        got = mine.get(d.name)
        if got is None:
            if d.kind != "def":  # a def may be written out instead: the claim comparison expands defs
                out.append(f"{d.name} is not declared (assignment line {d.line}: {_line(asg.text, d.line)})")
        elif d.kind == "def" or got.kind == "def":
            if got.kind != d.kind:
                out.append(f"{d.name} (line {got.line}) must be {'defined with def' if d.kind == 'def' else 'declared with let'}"
                           f" as in the assignment (line {d.line}: {_line(asg.text, d.line)})")
        elif got.kind != d.kind or got.symbol != d.symbol or got.domain != d.domain:
            out.append(f"{d.name} is declared as {_describe(got)} (line {got.line}); the assignment declares "
                       f"{_describe(d)} (line {d.line})")
    return out


def symbols_agree(asg, df) -> bool:
    """True when every ``let`` of the assignment is declared in ``df`` with the very same SymPy symbol.

    Only then do the two files' expressions live over the same symbols and can be compared
    (``x`` real and ``x`` positive are different symbols with the same name).
    """
    mine = {d.name: d.symbol for d in df.declarations if d.kind != "def"}
    return df.notation == asg.file.notation and all(
        d.name in mine and mine[d.name] == d.symbol for d in asg.file.declarations if d.kind != "def")


def _line(text: str, no: int) -> str:
    lines = text.splitlines()
    return lines[no - 1].strip() if 0 < no <= len(lines) else ""


def _equal(df, submitted, assigned, *, seed, time_limit):
    """``(True, "")`` when ``submitted = assigned`` holds in ``df``'s declarations, else ``(False, why)``."""
    if submitted.shape != assigned.shape:
        return False, f"shapes differ ({_shape(submitted)} vs {_shape(assigned)})"
    if submitted.semantic == assigned.semantic:
        return True, ""
    probe = dataclasses.replace(df, claim=(submitted, "=", assigned), start=None, steps=())
    try:
        res = verify(probe, seed=seed, time_limit=time_limit)
    except DerivationFileError as exc:
        return False, f"could not be compared ({exc.message})"
    r = res.steps[0].result
    if r.verdict is Verdict.REFUTED:
        ce = ", ".join(f"{k} = {v}" for k, v in (r.counterexample or {}).items())
        return False, f"not equal ({r.detail}{'; ' + ce if ce else ''})"
    if r.verdict is Verdict.UNDECIDED:
        return False, "could not be shown equal (undecided)"
    return True, ""


def _shape(e) -> str:
    return "scalar" if e.shape is None else "%s x %s" % tuple(e.shape)


def _normal(claim):
    lhs, rel, rhs = claim
    return (rhs, _REVERSED[rel], lhs) if rel in _REVERSED else (lhs, rel, rhs)


def claim_problems(asg, df, *, seed: int = 0, time_limit: float = 60.0) -> list[str]:
    """Why the claim of ``df`` is not the assigned one (empty when it is)."""
    if df.claim is None:
        return ["no claim: line (the assignment's claim must be stated)"]
    al, arel, ar = _normal(asg.file.claim)
    sl, srel, sr = _normal(df.claim)
    where = f"the claim (line {df.claim_line})"
    if srel != arel:
        return [f"{where} uses '{df.claim[1]}', the assignment's claim uses '{asg.file.claim[1]}'"]
    orders = [(sl, sr)] + ([(sr, sl)] if arel == "=" else [])
    first = None
    for left, right in orders:
        ok_l, why_l = _equal(df, left, al, seed=seed, time_limit=time_limit)
        ok_r, why_r = (_equal(df, right, ar, seed=seed, time_limit=time_limit) if ok_l else (False, ""))
        if ok_l and ok_r:
            return []
        if first is None:
            first = (f"{where} is not the assigned one: its left side {why_l}" if not ok_l
                     else f"{where} is not the assigned one: its right side {why_r}")
    return [first + f"; assigned: {_claim_text(asg.file.claim)}"]


def _claim_text(claim) -> str:
    lhs, rel, rhs = claim
    return f"{lhs.source} {rel} {rhs.source}"


def missing_required(asg, df) -> list[str]:
    """The required lines of the assignment that no line of the chain matches (see module docstring)."""
    lines = ([df.start] if df.start is not None else []) + [s.expr for s in df.steps]
    out = []
    for req in asg.required:
        e = req.expr
        if not any(x.shape == e.shape and (x.semantic == e.semantic or x.display == e.display) for x in lines):
            out.append(f"missing required step: {req.source} (assignment line {req.line})")
    return out


def _value(text, name, path):
    """The expanded value of ``name`` in the declarations of ``text`` (claim and proof dropped)."""
    keep = []
    for raw in text.splitlines():
        s = raw.strip()
        if re.match(r"proof\b\s*:?", s):
            break
        keep.append("" if re.match(r"(claim|assignment|accept|require)\b\s*:", s) else raw)
    df = parse_text("\n".join(keep) + f"\nclaim: {name} = {name}\n", path=path)
    return df, df.claim[0]


def def_differences(asg, df, text: str, *, seed: int = 0, time_limit: float = 60.0) -> list[str]:
    """The assignment's value ``def`` s (not functions) that ``df`` defines differently.

    Only used to explain a claim that differs: it names the definition behind the difference.
    """
    out = []
    mine = {d.name: d for d in df.declarations if d.kind == "def"}
    for d in asg.file.declarations:
        src = _line(asg.text, d.line)
        if d.kind != "def" or d.name not in mine or re.match(r"def\s+\w+\s*\(", src):
            continue
        try:
            _, want = _value(asg.text, d.name, asg.path)
            sub_df, got = _value(text, d.name, df.path)
        except DerivationFileError:
            continue
        ok, why = _equal(sub_df, got, want, seed=seed, time_limit=time_limit)
        if not ok:
            out.append(f"{d.name} (line {mine[d.name].line}) is not the assignment's {d.name}: {why} "
                       f"(assignment line {d.line}: {src})")
    return out
