"""Text and LaTeX for identities, claims and steps.

:func:`latex` is SymPy's LaTeX printer taught the notation of the field: ``diag`` (not
``\\operatorname{DiagMatrix}``), ordered products with their indices, norms, transposes,
:math:`\\partial^+` for immediate partials and :math:`h_t\\odot h_t`.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

__all__ = ["latex", "text", "claim_latex", "claim_text", "latex_statement"]


class RnnLatexPrinter(LatexPrinter):
    """LaTeX in textbook notation for the matrix expressions of BPTT."""

    def _print_DiagMatrix(self, expr):
        return r"\operatorname{diag}\left(%s\right)" % self._print(expr.args[0])

    def _print_OneMatrix(self, expr):
        return r"\mathbf{1}"

    def _print_HadamardPower(self, expr):
        if expr.exp == 2:
            b = self.parenthesize(expr.base, 1000)
            return r"%s \odot %s" % (b, b)
        return super()._print_HadamardPower(expr)

    def _print_Transpose(self, expr):
        return r"%s^{\top}" % self.parenthesize(expr.arg, 1000)

    def _print_MatrixSymbol(self, expr):
        name = str(expr.name)
        if "_" in name:
            base, sub = name.split("_", 1)
            return r"%s_{%s}" % (base, sub)
        return name

    def _print_ElementwiseApplyFunction(self, expr):
        from sympy import Dummy
        u = Dummy("u")
        body = expr.function(u)
        if isinstance(body, sp.Expr) and body.has(sp.tanh) and sp.simplify(body - (1 - sp.tanh(u) ** 2)) == 0:
            return r"\varphi'\left(%s\right)" % self._print(expr.expr)
        return r"\varphi'\left(%s\right)" % self._print(expr.expr) if body.has(sp.exp) or body.has(sp.tanh) else \
            r"\left(%s\right)\left(%s\right)" % (self._print(expr.function), self._print(expr.expr))


class RnnStrPrinter(StrPrinter):
    """One-line plain text in the same notation (for the terminal)."""

    def _print_DiagMatrix(self, expr):
        return "diag(%s)" % self._print(expr.args[0])

    def _print_OneMatrix(self, expr):
        return "1"

    def _print_HadamardPower(self, expr):
        if expr.exp == 2:
            b = self.parenthesize(expr.base, 1000)
            return "%s*%s" % (b, b)
        return "%s.^%s" % (self.parenthesize(expr.base, 1000), self._print(expr.exp))

    def _print_HadamardProduct(self, expr):
        return " (.) ".join(self.parenthesize(a, 1000) for a in expr.args)

    def _print_Transpose(self, expr):
        return "%s^T" % self.parenthesize(expr.arg, 1000)

    def _print_ElementwiseApplyFunction(self, expr):
        return "phi'(%s)" % self._print(expr.expr)


def latex(expr) -> str:
    """LaTeX for a SymPy expression in rnnproof's notation."""
    return RnnLatexPrinter().doprint(expr)


def text(expr) -> str:
    """One-line plain text for a SymPy expression."""
    return RnnStrPrinter().doprint(expr)


_REL = {"=": ("=", "="), "<=": (r"\le", "<="), "<": ("<", "<"), ">=": (r"\ge", ">="), ">": (">", ">")}


def _sides(claim):
    if hasattr(claim, "lhs") and hasattr(claim, "rhs"):
        return claim.lhs, getattr(claim, "rel", "="), claim.rhs
    if hasattr(claim, "relation"):
        r = claim.relation()
        return r.lhs, "=", r.rhs
    return None


def claim_latex(claim) -> str:
    """LaTeX of what a step claims."""
    sides = _sides(claim)
    if sides is None:
        return getattr(claim, "text", "") or type(claim).__name__
    lhs, rel, rhs = sides
    return "%s %s %s" % (latex(lhs), _REL[rel][0], latex(rhs))


def claim_text(claim) -> str:
    """Plain text of what a step claims."""
    sides = _sides(claim)
    if sides is None:
        return getattr(claim, "plain", None) or getattr(claim, "text", "") or type(claim).__name__
    lhs, rel, rhs = sides
    return "%s %s %s" % (text(lhs), _REL[rel][1], text(rhs))


def latex_statement(identity) -> str:
    """LaTeX of an identity's statement."""
    st = identity.statement
    if isinstance(st, sp.Basic):
        return latex(st)
    return claim_latex(st)
