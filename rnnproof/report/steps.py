r"""The derivation of an identity as the report prints it: aligned chains of steps, each tagged
with its number and verdict, long formulas broken across lines (never scaled below 85 %), and
the list of justifications with how each step was settled.

A step whose left side is the previous right side continues the chain (``&= ...``); a row too
wide for the line is stacked (left side alone, ``\\qquad = right side`` below) and broken at
the shallowest ``+``/``-`` (:func:`split_tex`).
"""

from __future__ import annotations

import re

import sympy as sp

from rnnproof.derivations.model import Verdict
from rnnproof.derivations.printing import claim_rows

from .lemmas import lemma_label, lemma_pointer
from .tex import escape_tex
from .prose import clean_meaning, how, identity_refs, math_span, mathify

__all__ = ["derivation_block", "justifications", "split_tex", "width", "WIDE", "verdict_tex"]


def verdict_tex(v: Verdict) -> str:
    return r"\textbf{%s}" % v.value if v is Verdict.REFUTED else v.value


WIDE = 74  # rough number of visible characters that fit a display line beside the tag (10 pt)


def width(tex: str) -> int:
    """A rough count of the characters a formula shows (commands count as one)."""
    s = re.sub(r"\\(left|right)\b", "", tex)
    s = re.sub(r"\\operatorname\{(\w+)\}", r"\1", s)
    s = re.sub(r"\\frac\{", "", s)
    s = re.sub(r"\\[A-Za-z]+", "x", s)
    small = sum(len(m) for m in re.findall(r"[_^]\{([^{}]*)\}", s))  # sub/superscripts: ~0.6 wide
    s = re.sub(r"[_^]\{[^{}]*\}", "", s)
    return len(re.sub(r"[{}\s_^]", "", s)) + int(0.6 * len(re.sub(r"\s", "", "x" * small)))


def _segments(identity, result):
    """Rows grouped into chains; each row is (step number, label, lhs, rel, rhs, verdict)."""
    segs, prev = [], None
    for k, (step, r) in enumerate(zip(identity.steps, result.results), 1):
        witness = step.justification.lower().startswith("witness") or (
            bool(identity.witnesses) and r.method == "exact computation")  # a fact about the witness, not a law
        kind = "row-vector form" if step.note == "row" else "for the witness" if witness else ""
        for label, lhs, rel, rhs in claim_rows(step.claim):
            grid = _block_grid(identity, step.claim, rhs)
            if grid:
                rhs, kind = grid, ", ".join(p for p in (kind, "blocks as in the statement") if p)
            label = ", ".join(p for p in (label, kind) if p)
            cont = bool(lhs) and lhs == prev and bool(segs)
            if not cont:
                segs.append([])
            segs[-1].append((k, label, "" if cont else lhs, rel, rhs, r.verdict))
            prev = rhs if lhs else None
    return segs


def _block_grid(identity, claim, rhs_tex: str) -> str:
    """A block-matrix right side too wide for a line, equal to the statement's right side, as
    the grid of the statement's block names :math:`B_{ij}` (the blocks are listed there)."""
    rhs, st_rhs = getattr(claim, "rhs", None), getattr(identity.statement, "rhs", None)
    if not isinstance(rhs, sp.BlockMatrix) or width(rhs_tex) <= 2 * WIDE or rhs != st_rhs:
        return ""
    rows, cols = rhs.blockshape
    return r"\begin{pmatrix} %s \end{pmatrix}" % r" \\ ".join(
        " & ".join(r"B_{%d%d}" % (a + 1, b + 1) for b in range(cols)) for a in range(rows))


def _tag(k, label, verdict) -> str:
    lab = f"{k}" + (f", {label}" if label else "")
    return r"\tag*{\footnotesize (%s) %s}" % (lab, verdict_tex(verdict))


def split_tex(tex: str, limit: int = WIDE - 8) -> list[str]:
    """A long formula as lines, broken before a ``+`` or ``-`` outside braces and outside
    ``\\left``/``\\right`` pairs -- at the shallowest parenthesis depth that makes every line
    fit -- each line at most about ``limit`` characters wide (a term wider than that stays
    whole; ``\\fitmath`` scales it, never below 85%)."""
    cuts, depth, lr, paren, i = [], 0, 0, 0, 0
    while i < len(tex):
        c = tex[i]
        if c == "\\":
            m = re.match(r"\\(left|right|[A-Za-z]+|.)", tex[i:])
            lr += {"left": 1, "right": -1}.get(m.group(1), 0)
            i += len(m.group(0))
            continue
        depth += {"{": 1, "}": -1}.get(c, 0)
        paren += {"(": 1, ")": -1}.get(c, 0)
        if depth == 0 and lr == 0 and tex[i:i + 3] in (" + ", " - ") and i > 0:
            cuts.append((i + 1, paren))
        i += 1
    options = []
    for level in range(0, 4):
        use = [0] + [pos for pos, d in cuts if d <= level]
        pieces = [tex[a:b].strip() for a, b in zip(use, use[1:] + [len(tex)])]
        lines: list[str] = []
        for p in pieces:
            if lines and width(lines[-1] + p) <= limit:
                lines[-1] += " " + p
            else:
                lines.append(p)
        options.append([ln for ln in lines if ln] or [tex])
    widest = [max(width(ln) for ln in o) for o in options]
    # the shallowest breaks whose lines fit, if need be once \fitmath scales them (never below
    # 85 %): no break inside a short parenthesis when a shallower one will do; else the narrowest
    for o, w in zip(options, widest):
        if w <= limit / 0.85:
            return o
    return options[widest.index(min(widest))]


def derivation_block(identity, result) -> str:
    """The derivation as ``align*`` chains: a step whose lhs is the previous rhs continues the
    chain (``&= ...``); every row is tagged with its step number and verdict.  A chain with a
    row too wide for the line is set stacked (lhs on its own line, ``\\qquad = rhs`` below),
    and a stacked formula still wider than the line is scaled down to fit (``\\fitmath``)."""
    out = [r"{\setlength{\abovedisplayskip}{3pt}\setlength{\belowdisplayskip}{3pt}%"]
    for seg in _segments(identity, result):
        stacked = any(width(lhs) + width(rhs) > WIDE for _, _, lhs, _, rhs, _ in seg)
        rows = []
        for k, label, lhs, rel, rhs, verdict in seg:
            tag = _tag(k, label, verdict)
            if not stacked:
                rows.append(r"%s &%s %s %s" % (lhs, rel, rhs, tag))
                continue
            if lhs:
                rows += [r"&%s\fitmath{%s} \notag" % ("" if j == 0 else r"\quad ", ln)
                         for j, ln in enumerate(split_tex(lhs))]
            lines = split_tex(rhs)
            for j, ln in enumerate(lines):
                lead = (r"\qquad %s " % rel if rel else "") if j == 0 else (r"\qquad\quad " if rel else r"\quad ")
                rows.append(r"&%s\fitmath{%s} %s" % (lead, ln, tag if j == len(lines) - 1 else r"\notag"))
        out.append("\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}")
    out.append("}")
    return "\n".join(out)


def _claim_symbols(claim) -> set:
    """Free scalar symbols of a claim's printed sides (an induction's base and step included)."""
    out: set = set()
    for part in (claim, getattr(claim, "base", None), getattr(claim, "step", None)):
        for side in ("lhs", "rhs"):
            expr = getattr(part, side, None)
            if isinstance(expr, sp.Basic):
                out |= {x for x in expr.free_symbols if isinstance(x, sp.Symbol)}
    return out


def _new_letters(identity, step) -> str:
    """A sentence introducing the letters of a step that the identity's symbol table does not
    list (an induction's auxiliary scalars): their meaning from the identity the justification
    cites, else said to be the induction's own."""
    from rnnproof.derivations import registry

    known = {str(s.symbol) for s in identity.symbols} | {str(s.symbol).split("[")[0] for s in identity.symbols}
    known |= {"t", "k", "i", "j", "n", "x", "m", "tau", "P", "h", "z", "J", "G"}  # indices, sizes, generic factors
    new = sorted({str(x) for x in _claim_symbols(step.claim)} - known)
    if not new or type(step.claim).__name__ != "Induction":
        return ""
    cited = [i for i in registry.IDS if re.search(r"\b%s\b" % i, step.justification)]
    meanings = {str(s.symbol): s.meaning for i in cited for s in registry.get(i).symbols}
    parts = [r"$%s$: %s" % (math_span(x), identity_refs(clean_meaning(meanings[x]))) if x in meanings else
             r"$%s$" % math_span(x) for x in new]
    return " Letters of the induction: %s%s." % ("; ".join(parts), "" if all(x in meanings for x in new) else
                                                " (auxiliary scalars introduced by the induction itself)")


def justifications(identity, result, *, short: bool = False) -> str:
    """The numbered list of the steps' reasons and verdicts, with how each was settled (the
    method, screens, sizes, lemma); ``short``: the reason and verdict only (the main document,
    whose appendix has the rest), a counterexample and a note are always shown."""
    items = []
    for k, (step, r) in enumerate(zip(identity.steps, result.results), 1):
        lemma = getattr(r, "lemma", "") if r.verdict is Verdict.BY_LEMMA else ""
        # a lemma's proof, scope and reference are said once, in the Lemmas section
        said = how(r.method) + "; " + lemma_pointer(lemma) if lemma else how(r.method, r.detail)
        if short:
            item = r"\item[(%d)] %s: \emph{%s}%s." % (k, identity_refs(step.justification), verdict_tex(r.verdict),
                                                     r" (lemma \hyperref[%s]{\texttt{%s}})" % (lemma_label(lemma), escape_tex(lemma)) if lemma else "")
        else:
            item = r"\item[(%d)] %s. \emph{%s}: %s." % (k, identity_refs(step.justification), verdict_tex(r.verdict),
                                                      said)
        if step.note and step.note != "row":
            item += " Note: %s." % identity_refs(step.note)
        item += _new_letters(identity, step)
        if r.counterexample:
            ce = ", ".join(f"{key} = {val}" for key, val in r.counterexample.items())
            item += r" \textbf{Counterexample:} %s." % mathify(ce)
        items.append(item)
    tight = r"\setlength{\itemsep}{0pt}\setlength{\parsep}{0pt}" if short else ""
    return "{\\small\\sloppy\n\\begin{itemize}%s\n" % tight + "\n".join(items) + "\n\\end{itemize}\n}"


