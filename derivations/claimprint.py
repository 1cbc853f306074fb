r"""Claims, statements and checked derivations printed as LaTeX and as one-line text.

:func:`claim_latex` and :func:`claim_text` print any claim of :mod:`derivations.claims` /
:mod:`derivations.matrixclaims`, including those without sides (``CriticalPoints``,
``LimitIs``, ``Exact``, ``Induction``); :func:`claim_rows` gives a claim as display rows
``(label, lhs, rel, rhs)``; :func:`derivation_latex` prints a whole checked derivation (for
``_repr_latex_`` in notebooks).  Expressions go through :func:`derivations.printing.latex`
and :func:`derivations.printing.text`; every public name here is re-exported by
:mod:`derivations.printing`.

References
----------
SymPy's :class:`~sympy.printing.latex.LatexPrinter`; IDENTITIES.md, "Conventions".
"""

from __future__ import annotations

import re

import sympy as sp

__all__ = ["REL_LATEX", "claim_latex", "claim_text", "claim_sides", "claim_rows", "latex_statement",
           "derivation_latex"]

#: LaTeX of the relations a claim may assert
REL_LATEX = {"=": "=", "<=": r"\le", "<": "<", ">=": r"\ge", ">": ">"}
_REL_TEXT = {"=": "=", "<=": "<=", "<": "<", ">=": ">=", ">": ">"}


def _plain(tex: str) -> str:
    """A rough ASCII reading of a LaTeX claim text (for claims that carry only LaTeX)."""
    s = tex
    for a, b in ((r"\left", ""), (r"\right", ""), (r"\lVert", "||"), (r"\rVert", "||"), (r"\top", "T"),
                 (r"\le", "<="), (r"\ge", ">="), (r"\approx", "~"), (r"\cdot", "*"), (r"\odot", "(.)"),
                 (r"\{", "{"), (r"\}", "}"), (r"\,", " "), (r"\;", " "), (r"\quad", " ")):
        s = s.replace(a, b)
    s = re.sub(r"\\(?:operatorname|mathrm|text|mathbf)\{([^{}]*)\}", r"\1", s)
    s = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"(\1)/(\2)", s)
    s = re.sub(r"\\([A-Za-z]+)", r"\1", s)
    s = re.sub(r"\|\|\s*(.*?)\s*\|\|", r"||\1||", s)
    return re.sub(r"\s+", " ", s).strip()


def claim_sides(claim):
    """``(lhs, rel, rhs)`` of a claim with two sides (SymPy objects), else ``None``.

    ``LimitIs`` has sides through its ``relation()``: :math:`\\lim_{x\\to a} f = v`.
    """
    if hasattr(claim, "lhs") and hasattr(claim, "rhs"):
        return claim.lhs, getattr(claim, "rel", "="), claim.rhs
    if type(claim).__name__ != "Induction" and hasattr(claim, "relation"):
        r = claim.relation()
        return r.lhs, "=", r.rhs
    return None


def _critical_latex(claim) -> str:
    x = latex(claim.x)
    pts = ", ".join(latex(p) for p in claim.points)
    dom = "" if claim.interval == sp.S.Reals else r" \in %s" % latex(claim.interval)
    return r"\frac{d}{d%s}\left(%s\right) = 0 \iff %s \in \left\{%s\right\}%s" % (
        x, latex(claim.f), x, pts, (r" \quad (%s%s)" % (x, dom)) if dom else "")


def _condition(claim) -> str:
    """``\\quad (x \\in (0, \\infty))`` when a scalar claim is stated on part of the line only."""
    x, interval = getattr(claim, "variable", None), getattr(claim, "interval", sp.S.Reals)
    if x is None or interval == sp.S.Reals:
        return ""
    return r" \quad \text{for } %s \in %s" % (latex(x), latex(interval))


def claim_rows(claim) -> list[tuple[str, str, str, str]]:
    """The claim as display rows ``(label, lhs, rel, rhs)`` in LaTeX.

    One row for most claims; an :class:`Induction` gives a ``base`` and a ``step`` row, and a
    claim without sides (``CriticalPoints``, ``Exact``) a row with an empty lhs and rel.
    """
    kind = type(claim).__name__
    if kind == "Induction":
        rows = []
        for label, part in (("base", claim.base), ("step", claim.step)):
            rows += [(label if r[0] == "" else r[0], *r[1:]) for r in claim_rows(part)]
        return rows
    sides = claim_sides(claim)
    if sides is not None:
        lhs, rel, rhs = sides
        return [("", latex(lhs), REL_LATEX[rel], latex(rhs) + _condition(claim))]
    if kind == "CriticalPoints":
        return [("", "", "", _critical_latex(claim))]
    return [("", "", "", _sci(getattr(claim, "text", "")) or r"\text{%s}" % kind)]


def _sci(tex: str) -> str:
    """``4.54e-05`` in a claim's LaTeX as :math:`4.54\\times 10^{-5}` (never a Python float)."""
    return re.sub(r"(?<![\\A-Za-z])(\d+(?:\.\d+)?)[eE]([-+]?\d+)",
                  lambda m: r"%s \times 10^{%d}" % (m.group(1), int(m.group(2))), tex)


def claim_latex(claim) -> str:
    """LaTeX (math mode) of what a step claims, on one line."""
    if type(claim).__name__ == "Induction":
        return r"\text{base: } %s;\quad \text{step: } %s" % (claim_latex(claim.base), claim_latex(claim.step))
    return " ".join(p for p in claim_rows(claim)[0][1:] if p)


def claim_text(claim) -> str:
    """One line of ASCII text of what a step claims."""
    kind = type(claim).__name__
    if kind == "Induction":
        return "induction on %s: base: %s; step: %s" % (text(claim.variable), claim_text(claim.base),
                                                        claim_text(claim.step))
    sides = claim_sides(claim)
    if sides is not None:
        lhs, rel, rhs = sides
        return "%s %s %s" % (text(lhs), _REL_TEXT[rel], text(rhs))
    if kind == "CriticalPoints":
        pts = ", ".join(text(p) for p in claim.points)
        return "d/d%s %s = 0 exactly at %s in {%s}" % (text(claim.x), text(claim.f), text(claim.x), pts)
    return _plain(getattr(claim, "text", "") or kind)


def latex_statement(identity) -> str:
    """LaTeX (math mode) of an identity's statement."""
    st = identity.statement
    if isinstance(st, sp.Basic):
        return latex(st)
    return claim_latex(st)


def _verdict_latex(verdict) -> str:
    """A verdict as LaTeX text (every :class:`~derivations.model.Verdict`; refuted in bold)."""
    text = str(verdict)
    return r"\textbf{%s}" % text if text == "refuted" else r"\text{%s}" % text


def derivation_latex(identity, result) -> str:
    r"""A checked derivation as display LaTeX: the statement, then every step with its verdict.

    Used for ``DerivationResult._repr_latex_`` (Jupyter): an ``aligned`` block in ``$$...$$``
    whose rows are the step claims, each tagged with its verdict.
    """
    rows = [r"&%s && \text{%s}" % (latex_statement(identity), "statement")]
    for k, (step, r) in enumerate(zip(identity.steps, result.results), 1):
        for label, lhs, rel, rhs in claim_rows(step.claim):
            tag = r"\text{(%d%s) }%s" % (k, ", " + label if label else "", _verdict_latex(r.verdict))
            rows.append(r"%s &%s %s && %s" % (lhs, rel, rhs, tag))
    return "$$\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}$$"


# Imported last: printing.py re-exports this module's names at its end, so either module may be
# imported first (the names each needs exist before the other one asks for them).
from .printing import latex, text  # noqa: E402
