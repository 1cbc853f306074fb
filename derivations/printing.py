r"""Text and LaTeX for identities, claims, steps and derivations, in textbook notation.

:func:`latex` is SymPy's LaTeX printer taught the notation of the field (IDENTITIES.md,
"Conventions"):

* :math:`\operatorname{diag}(1 - h_t\odot h_t)\,W_{hh}` -- ``diag`` (not
  ``\operatorname{DiagMatrix}``), the ones vector first, positive terms before negative ones;
* ordered products and sums over time with their indices, :math:`\prod_{i=k+1}^{t} J_i`;
* spectral norms :math:`\lVert A\rVert`, transposes :math:`W_{hh}^{\top}`;
* :math:`\partial h_t/\partial h_k` for state Jacobians, :math:`\partial^{+}` for immediate partials;
* :math:`\sigma` for the logistic function, :math:`\sigma'(x)` for its derivative and
  :math:`\varphi'(z_t)` for an elementwise activation derivative;
* factors written as a textbook does, :math:`\sigma(x)(1-\sigma(x))`.

:func:`text` is the one-line ASCII counterpart for terminals.  The printing of claims, statements
and derivations (:func:`claim_latex`, :func:`claim_text`, :func:`claim_rows`,
:func:`claim_sides`, :func:`latex_statement`, :func:`derivation_latex`, :data:`REL_LATEX`)
lives in :mod:`derivations.claimprint` and is re-exported here.

References
----------
SymPy's :class:`~sympy.printing.latex.LatexPrinter`; Pascanu, Mikolov, Bengio (2013), eq. (3)-(7).
"""

from __future__ import annotations

import contextlib
import functools
import re

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

__all__ = [
    "latex", "text", "claim_latex", "claim_text", "claim_sides", "claim_rows", "latex_statement",
    "derivation_latex", "RnnLatexPrinter", "RnnStrPrinter", "REL_LATEX",
]

_ATOMIC = ("MatrixSymbol", "TimeIndexed", "Symbol", "Dummy", "Integer", "OneMatrix", "Identity",
           "ZeroMatrix", "DiagMatrix", "SpectralNorm", "StateJacobian", "ImmediatePartial", "Indexed",
           "MatrixSlice")


def _negative(term) -> bool:
    """True for a term printed with a leading minus (``-A``, ``-2 B``)."""
    coeff = term.args[0] if isinstance(term, (sp.MatMul, sp.Mul)) and term.args else None
    return bool(coeff is not None and coeff.is_number and coeff.is_negative)


def _add_order(terms):
    """Textbook order of a sum: constants and the ones vector first, negative terms last."""
    def key(a):
        one_like = isinstance(a, (sp.OneMatrix, sp.Identity)) or (a.is_number if hasattr(a, "is_number") else False)
        return (_negative(a), not one_like)
    return sorted(terms, key=key)


def _textbook_add(expr):
    """A sum in the order a textbook writes it.

    A sum written unevaluated (a classroom step, ``1 + e^{-x} - 1``) keeps its order; an
    evaluated one takes SymPy's order with the positive terms first: ``t - k``, ``1 - \\sigma``,
    ``\\hat y - y`` (not ``-k + t``).
    """
    if sp.Add(*expr.args).args != expr.args:
        return expr
    terms = sorted(expr.as_ordered_terms(), key=lambda a: bool(a.could_extract_minus_sign()))
    return sp.Add(*terms, evaluate=False)


@contextlib.contextmanager
def _order(printer, order):
    """Print with another term order for the duration (the factor order of a product)."""
    old = printer._settings.get("order")
    printer._settings["order"] = order
    try:
        yield
    finally:
        printer._settings["order"] = old


def _textbook_mul(expr):
    """``sigma(x)(1 - sigma(x))``: numbers, then plain factors, then parenthesised sums."""
    args = list(expr.args)
    if isinstance(expr, sp.Mul) and expr.is_commutative and any(isinstance(a, sp.Add) for a in args):
        args.sort(key=lambda a: (not a.is_number, isinstance(a, sp.Add)))
        return sp.Mul(*args, evaluate=False)
    return expr


@functools.lru_cache(maxsize=None)
def _activation_lambdas():
    from .functions import ACTIVATIONS, activation_derivative

    return {name: (ACTIVATIONS[name], activation_derivative(name)) for name in ACTIVATIONS}


def _classify_function(lam):
    """``("phi", name)``, ``("phi'", name)`` or ``None`` for an elementwise function."""
    if not isinstance(lam, sp.Lambda) or len(lam.variables) != 1:
        return None
    for name, (phi, dphi) in _activation_lambdas().items():
        body = lam.expr.xreplace({lam.variables[0]: phi.variables[0]})
        if body == phi.expr:
            return ("phi", name)
        if body == dphi.expr:
            return ("phi'", name)
    for name, (phi, dphi) in _activation_lambdas().items():
        body = lam.expr.xreplace({lam.variables[0]: phi.variables[0]})
        try:
            if sp.simplify((body - dphi.expr).rewrite(sp.exp)) == 0:
                return ("phi'", name)
        except (TypeError, ValueError, NotImplementedError):
            continue
    return None


_TALL = re.compile(r"\\(frac|prod|sum|int|lim|begin|dfrac|binom)(?![A-Za-z])")


def _delim(content: str, left: str = "(", right: str = ")") -> str:
    """Delimiters that grow only around tall content: ``\\sigma'(x)``, not ``\\sigma'\\left(x\\right)``."""
    if _TALL.search(content):
        return r"\left%s %s \right%s" % (left, content, right)
    big = {"(": "(", ")": ")", r"\lVert": r"\lVert", r"\rVert": r"\rVert"}
    sep = " " if left.startswith("\\") else ""
    return "%s%s%s%s%s" % (big[left], sep, content, sep, big[right])


class _OwnFirst:
    """Use this printer's own ``_print_<Class>`` before the object's ``_latex``/``_sympystr``.

    SymPy lets an object print itself first; the nodes of :mod:`derivations.matexpr` print
    plainly (``\\left(h_t\\right)``), so the printer overrides them here by exact class name.
    """

    #: classes printed by this printer even though they know how to print themselves
    _own = frozenset({"TimeIndexed", "OrderedProduct", "TimeSum", "StateJacobian", "ImmediatePartial",
                      "SpectralNorm", "sigmoid", "Derivative"})

    def _print(self, expr, **kwargs):
        method = getattr(type(self), "_print_" + type(expr).__name__, None)
        if method is not None and type(expr).__name__ in self._own:
            return method(self, expr, **kwargs)
        return super()._print(expr, **kwargs)

    def _wrap(self, expr, *, products=False):
        """Print ``expr``, in parentheses when it is a sum (or a product, when ``products``)."""
        s = self._print(expr)
        if isinstance(expr, (sp.MatAdd, sp.Add)) or (products and isinstance(expr, (sp.MatMul, sp.Mul))):
            return self._paren(s)
        return s


#: state names printed with a tilde (the candidate states of the gated cells); section H: the layer-2
#: state of a stacked RNN (h2, printed h^2) and the backward chain of a bidirectional RNN (hb)
_TILDE = {"hc": r"\tilde{h}", "ltmc": r"\widetilde{\mathit{ltm}}", "h_{2}": r"h^{2}", "hb": r"\overleftarrow{h}"}


class RnnLatexPrinter(_OwnFirst, LatexPrinter):
    """LaTeX in textbook notation for the matrix expressions of BPTT."""

    def _print_Add(self, expr, order=None):
        return LatexPrinter._print_Add(self, _textbook_add(expr), order="none")

    @staticmethod
    def _paren(s):
        return _delim(s)

    def _print_TimeIndexed(self, expr):
        name = self._print(expr.name)
        m = re.fullmatch(r"d(\w+?)_\{?d(\w+?)\}?", str(expr.name))
        if m:  # dl_dh at time i is the row gradient dl_i/dh_i: a fraction, never "dl_{dh}"
            top, bottom = (r"\ell" if g == "l" else g for g in m.groups())
            time = self._print(expr.time)
            return r"\frac{\partial %s_{%s}}{\partial %s_{%s}}" % (top, time, bottom, time)
        if name in _TILDE:  # hc_t is the GRU's candidate state: h-tilde, as the sources write it
            name = _TILDE[name]
        elif name.isalpha() and len(name) > 1 and name.isascii():  # rem_t, ltm_t: one word, not r*e*m
            name = r"\mathit{%s}" % name
        if "_" in name or "^" in name:  # dl_dh at time i: {dl_{dh}}_{i}, not a double subscript
            name = "{%s}" % name
        return r"%s_{%s}" % (name, self._print(expr.time))

    def _print_Symbol(self, expr, style="plain"):
        r"""A scalar named like a formula -- ``cos(g_hat, g)``, ``g_hat`` -- in notation:
        :math:`\cos(\hat g, g)`, never ``cos(g_{hat,g})``."""
        name = expr.name
        m = re.fullmatch(r"([A-Za-z]+)\((.+)\)", name)
        if m:
            fn = "\\" + m.group(1) if m.group(1) in ("cos", "sin", "tanh", "exp", "log") else \
                r"\operatorname{%s}" % m.group(1)
            return r"%s(%s)" % (fn, ", ".join(self._print(sp.Symbol(a.strip())) for a in m.group(2).split(",")))
        m = re.fullmatch(r"([A-Za-z])_hat", name)
        if m:
            return r"\hat{%s}" % m.group(1)
        return LatexPrinter._print_Symbol(self, expr, style=style)

    def _print_OrderedProduct(self, expr):
        return r"\prod_{%s=%s}^{%s} %s" % (self._print(expr.var), self._print(expr.lower),
                                           self._print(expr.upper), self._wrap(expr.term, products=True))

    def _print_TimeSum(self, expr):
        return r"\sum_{%s=%s}^{%s} %s" % (self._print(expr.var), self._print(expr.lower),
                                          self._print(expr.upper), self._wrap(expr.term))

    def _print_StateJacobian(self, expr):
        return r"\frac{\partial %s}{\partial %s}" % (self._print(expr.state), self._print(expr.earlier))

    def _print_ImmediatePartial(self, expr):
        return r"\frac{\partial^{+} %s}{\partial %s}" % (self._print(expr.args[0]), self._print(expr.args[1]))

    def _print_SpectralNorm(self, expr, exp=None):
        s = _delim(self._print(expr.matrix), r"\lVert", r"\rVert")
        return s if exp is None else r"%s^{%s}" % (s, exp)

    def _print_sigmoid(self, expr, exp=None):
        s = r"\sigma%s" % _delim(self._print(expr.args[0]))
        return s if exp is None else r"%s^{%s}" % (s, exp)

    def _print_Derivative(self, expr):
        f, ((x, count),) = expr.expr, expr.variable_count if len(expr.variable_count) == 1 else ((None, 0),)
        if x is not None and isinstance(f, sp.Function) and f.args == (x,):
            name = r"\sigma" if type(f).__name__ == "sigmoid" else (
                "\\" + type(f).__name__ if type(f).__name__ in ("tanh", "exp", "log", "sin", "cos") else
                self._print(type(f)))
            primes = "'" * int(count) if count <= 3 else "^{(%s)}" % count
            return r"%s%s%s" % (name, primes, _delim(self._print(x)))
        if isinstance(expr.expr, (sp.Add, sp.Mul)) and len(expr.variable_count) == 1:
            x, count = expr.variable_count[0]
            d = "d" if count == 1 else "d^{%s}" % self._print(count)
            dx = "d%s" % self._print(x) if count == 1 else "d%s^{%s}" % (self._print(x), self._print(count))
            return r"\frac{%s}{%s}%s" % (d, dx, self._paren(self._print(expr.expr)))
        return LatexPrinter._print_Derivative(self, expr)

    def _print_Mul(self, expr):
        # sigma(x)(1 - sigma(x)): plain factors before parenthesised sums
        with _order(self, "none"):
            return LatexPrinter._print_Mul(self, _textbook_mul(expr))

    def _print_MatAdd(self, expr):
        out = []
        for term in _add_order(expr.args):
            neg = _negative(term)
            s = self._print(-term if neg else term)
            out.append(("- " if neg else "+ ") + s if out else ("-" + s if neg else s))
        return " ".join(out)

    def _print_MatMul(self, expr):
        coeff, factors = (expr.args[0], expr.args[1:]) if expr.args and expr.args[0].is_number else (1, expr.args)
        body = " ".join((r"\cdot " if isinstance(f, sp.ZeroMatrix) and k else "") +
                        (self._paren(self._print(f)) if isinstance(f, sp.KroneckerProduct) else self._wrap(f))
                        for k, f in enumerate(factors))  # J_1 \cdot 0, never "J_1 0" (read as J_10)
        if coeff == 1:
            return body
        if coeff == -1:
            return "-" + body
        return "%s %s" % (self._print(coeff), body)

    def _print_DiagMatrix(self, expr):
        return r"\operatorname{diag}%s" % _delim(self._print(expr.args[0]))

    def _print_MatrixSlice(self, expr):
        """Rows/columns of a matrix in 1-based index notation: ``A_{1\bullet}`` is the first row
        (never Python's ``A[:1, :]``)."""
        def part(sl, size):
            start, stop, step = sl
            if start == 0 and stop == size and step == 1:
                return r"\bullet"
            if step == 1 and stop - start == 1:
                return self._print(start + 1)
            return r"%s{:}%s" % (self._print(start + 1), self._print(stop))
        parent = expr.parent
        rows, cols = part(expr.rowslice, parent.shape[0]), part(expr.colslice, parent.shape[1])
        sep = "" if r"\bullet" in (rows, cols) else ","
        return r"%s_{%s%s%s}" % (self._print(parent), rows, sep, cols)

    def _print_OneMatrix(self, expr):
        return r"\mathbf{1}"

    def _print_ZeroMatrix(self, expr):
        return r"\mathbf{0}"

    def _print_Identity(self, expr):
        return "I"

    def _print_HadamardPower(self, expr):
        b = self._wrap(expr.base, products=True)
        if expr.exp == 2:
            return r"%s \odot %s" % (b, b)
        return r"%s^{\circ %s}" % (b, self._print(expr.exp))

    def _print_HadamardProduct(self, expr):
        return r" \odot ".join(self._wrap(a, products=True) for a in expr.args)

    def _print_Transpose(self, expr):
        arg = expr.arg
        s = self._print(arg)
        if type(arg).__name__ not in _ATOMIC:
            s = self._paren(s)
        return r"%s^{\top}" % s

    def _print_ElementwiseApplyFunction(self, expr):
        kind = _classify_function(expr.function)
        arg = self._print(expr.expr)
        if kind == ("phi", "sigmoid"):
            return r"\sigma%s" % _delim(arg)
        if kind is not None and kind[0] == "phi":
            return r"\%s%s" % (kind[1], _delim(arg))
        if kind is not None:  # the activation the claim was checked with: tanh'(z_t) or sigma'(z_t), so the
            # tanh and the sigmoid forms of one step never print identically
            return r"%s'%s" % (r"\sigma" if kind[1] == "sigmoid" else "\\" + kind[1], _delim(arg))
        return r"%s%s" % (self._paren(self._print(expr.function)), _delim(arg))


class RnnStrPrinter(_OwnFirst, StrPrinter):
    """One-line ASCII text in the same notation (for the terminal)."""

    def _print_Add(self, expr, order=None):
        return StrPrinter._print_Add(self, _textbook_add(expr), order="none")

    def _print_Mul(self, expr):
        with _order(self, "none"):
            return StrPrinter._print_Mul(self, _textbook_mul(expr))

    @staticmethod
    def _paren(s):
        return "(%s)" % s

    def _time(self, time):
        s = self._print(time).replace(" ", "")
        return s if len(s) == 1 else "{%s}" % s

    def _print_TimeIndexed(self, expr):
        return "%s_%s" % (self._print(expr.name), self._time(expr.time))

    def _print_OrderedProduct(self, expr):
        return "prod_{%s=%s}^{%s} %s" % (self._print(expr.var), self._print(expr.lower),
                                        self._print(expr.upper), self._wrap(expr.term, products=True))

    def _print_TimeSum(self, expr):
        return "sum_{%s=%s}^{%s} %s" % (self._print(expr.var), self._print(expr.lower),
                                       self._print(expr.upper), self._wrap(expr.term))

    def _print_StateJacobian(self, expr):
        return "d%s/d%s" % (self._print(expr.state), self._print(expr.earlier))

    def _print_ImmediatePartial(self, expr):
        return "d+%s/d%s" % (self._print(expr.args[0]), self._print(expr.args[1]))

    def _print_SpectralNorm(self, expr):
        return "||%s||" % self._print(expr.matrix)

    def _print_sigmoid(self, expr):
        return "sigma(%s)" % self._print(expr.args[0])

    def _print_Derivative(self, expr):
        f = expr.expr
        if len(expr.variable_count) == 1:
            x, count = expr.variable_count[0]
            if isinstance(f, sp.Function) and f.args == (x,) and count <= 3:
                name = "sigma" if type(f).__name__ == "sigmoid" else type(f).__name__
                return "%s%s(%s)" % (name, "'" * int(count), self._print(x))
        return StrPrinter._print_Derivative(self, expr)

    def _print_MatAdd(self, expr):
        out = []
        for term in _add_order(expr.args):
            neg = _negative(term)
            s = self._print(-term if neg else term)
            out.append(("- " if neg else "+ ") + s if out else ("-" + s if neg else s))
        return " ".join(out)

    def _print_MatMul(self, expr):
        coeff, factors = (expr.args[0], expr.args[1:]) if expr.args and expr.args[0].is_number else (1, expr.args)
        body = " ".join(self._wrap(f) for f in factors)
        return body if coeff == 1 else ("-" + body if coeff == -1 else "%s*%s" % (self._print(coeff), body))

    def _print_DiagMatrix(self, expr):
        return "diag(%s)" % self._print(expr.args[0])

    def _print_Relational(self, expr):
        op = {"==": "=", "!=": "!="}.get(expr.rel_op, expr.rel_op)
        return "%s %s %s" % (self._print(expr.lhs), op, self._print(expr.rhs))

    def _print_BlockMatrix(self, expr):
        b = expr.blocks
        return "[%s]" % "; ".join(", ".join(self._print(b[r, c]) for c in range(b.cols)) for r in range(b.rows))

    def _print_MatrixBase(self, expr):
        return "[%s]" % "; ".join(", ".join(self._print(expr[r, c]) for c in range(expr.cols))
                                  for r in range(expr.rows))

    def _print_OneMatrix(self, expr):
        return "1"

    def _print_Identity(self, expr):
        return "I"

    def _print_HadamardPower(self, expr):
        b = self._wrap(expr.base, products=True)
        return "%s (.) %s" % (b, b) if expr.exp == 2 else "%s.^%s" % (b, self._print(expr.exp))

    def _print_HadamardProduct(self, expr):
        return " (.) ".join(self._wrap(a, products=True) for a in expr.args)

    def _print_Transpose(self, expr):
        s = self._print(expr.arg)
        return "%s^T" % (s if type(expr.arg).__name__ in _ATOMIC else "(%s)" % s)

    def _print_ElementwiseApplyFunction(self, expr):
        kind = _classify_function(expr.function)
        arg = self._print(expr.expr)
        if kind is not None and kind[0] == "phi":
            return "%s(%s)" % ("sigma" if kind[1] == "sigmoid" else kind[1], arg)
        if kind is not None:
            return "phi'(%s)" % arg
        return "(%s)(%s)" % (self._print(expr.function), arg)


def latex(expr) -> str:
    r"""LaTeX for a SymPy expression in rnnproof's notation.

    Examples
    --------
    >>> from rnnproof.derivations.symbols import h, t, n, W_hh
    >>> from rnnproof.derivations.matexpr import diag, ones, square
    >>> latex(diag(ones(n) - square(h(t))) * W_hh)
    '\\operatorname{diag}(\\mathbf{1} - h_{t} \\odot h_{t}) W_{hh}'
    """
    return RnnLatexPrinter().doprint(expr)


def text(expr) -> str:
    """One-line ASCII text for a SymPy expression, e.g. ``diag(1 - h_t (.) h_t) W_hh``."""
    return RnnStrPrinter().doprint(expr)


# The claim printing lives in claimprint.py; re-exported so ``from .printing import claim_rows``
# keeps working.  Imported last: claimprint needs latex() and text() from this module.
from .claimprint import (REL_LATEX, claim_latex, claim_rows, claim_sides, claim_text,  # noqa: E402
                         derivation_latex, latex_statement)
