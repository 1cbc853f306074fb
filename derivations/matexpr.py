"""SymPy matrix-expression nodes for time-indexed quantities of a recurrent network.

SymPy's matrix expressions know ``MatMul``, ``Transpose``, ``DiagMatrix`` and Hadamard
products, but not the objects BPTT is written in: a state at a symbolic time ``h_{t-1}``,
an *ordered* product of Jacobians (latest on the left) and a sum over time.  This module
adds them as unevaluated :class:`sympy.MatrixExpr` nodes, so that statements print as the
textbook writes them and a concrete time range unrolls with ``doit()``.

References
----------
Pascanu, Mikolov, Bengio (2013), "On the difficulty of training recurrent neural networks",
eq. (3)-(5): :math:`\\partial h_t/\\partial h_k = \\prod_{i=k+1}^{t} \\partial h_i/\\partial h_{i-1}`.
"""

from __future__ import annotations

import functools

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixExpr

__all__ = [
    "TimeIndexed",
    "OrderedProduct",
    "TimeSum",
    "StateJacobian",
    "ImmediatePartial",
    "ones",
    "diag",
    "hadamard",
    "square",
]


def _name(name):
    return sp.Symbol(name) if isinstance(name, str) else name


class TimeIndexed(MatrixExpr):
    """A vector or matrix that depends on a time index, such as :math:`h_{t-1}`.

    Parameters
    ----------
    name : str
        Base name (``"h"``, ``"z"``, ``"x"``).
    time : sympy expression
        The time index, e.g. ``t - 1``.
    rows, cols : int or sympy expression
        The shape; ``cols`` defaults to 1 (a column vector).

    Examples
    --------
    >>> import sympy as sp
    >>> t, n = sp.symbols("t n", integer=True)
    >>> TimeIndexed("h", t - 1, n).shape
    (n, 1)
    """

    is_commutative = False

    def __new__(cls, name, time, rows, cols=1):
        return super().__new__(cls, _name(name), sp.sympify(time), sp.sympify(rows), sp.sympify(cols))

    name = property(lambda self: self.args[0])
    time = property(lambda self: self.args[1])
    shape = property(lambda self: (self.args[2], self.args[3]))

    def _entry(self, i, j, **kwargs):
        base = sp.IndexedBase(str(self.name))
        if self.args[3] == 1:
            return base[self.time, i]
        return base[self.time, i, j]

    def at(self, time) -> "TimeIndexed":
        """The same quantity at another time."""
        return TimeIndexed(self.name, time, *self.shape)

    def _latex(self, printer):
        return r"%s_{%s}" % (printer._print(self.name), printer._print(self.time))

    def _sympystr(self, printer):
        return "%s[%s]" % (self.name, printer._print(self.time))


class _TimeRange(MatrixExpr):
    """Shared machinery of :class:`OrderedProduct` and :class:`TimeSum`."""

    is_commutative = False

    def __new__(cls, term, limits):
        var, lo, hi = (sp.sympify(a) for a in limits)
        return super().__new__(cls, term, sp.Tuple(var, lo, hi))

    term = property(lambda self: self.args[0])
    var = property(lambda self: self.args[1][0])
    lower = property(lambda self: self.args[1][1])
    upper = property(lambda self: self.args[1][2])
    shape = property(lambda self: self.term.shape)

    @property
    def free_symbols(self):
        return (self.term.free_symbols - {self.var}) | self.lower.free_symbols | self.upper.free_symbols

    def factor_at(self, value):
        """The term with the bound variable set to ``value``."""
        return self.term.xreplace({self.var: sp.sympify(value)})

    def count(self):
        """Number of terms, as an int when the limits are concrete, else ``None``."""
        c = sp.simplify(self.upper - self.lower + 1)
        return int(c) if c.is_Integer else None

    def _xreplace(self, rule):
        # the bound variable must never be replaced from outside
        inner = {k: v for k, v in rule.items() if k != self.var}
        return super()._xreplace(inner)


class OrderedProduct(_TimeRange):
    r"""Ordered matrix product, latest factor on the left.

    .. math:: \prod_{i=k+1}^{t} J_i = J_t J_{t-1} \cdots J_{k+1}, \qquad
              \prod_{i=k+1}^{k} J_i = I.

    ``doit()`` unrolls the product when the number of factors is a concrete integer.

    Examples
    --------
    >>> import sympy as sp
    >>> i = sp.Symbol("i", integer=True)
    >>> A = TimeIndexed("A", i, 2, 2)
    >>> OrderedProduct(A, (i, 1, 3)).doit()
    A[3]*A[2]*A[1]
    """

    def doit(self, **hints):
        c = self.count()
        if c is None:
            return self
        n = self.shape[0]
        if c <= 0:
            return sp.Identity(n)
        factors = [self.factor_at(self.upper - m) for m in range(c)]
        if hints.get("deep", True):
            factors = [f.doit(**hints) for f in factors]
        return sp.MatMul(*factors).doit() if c > 1 else factors[0]

    def peel(self):
        """Split off the latest factor: :math:`\\prod_{lo}^{hi} = F_{hi}\\prod_{lo}^{hi-1}`."""
        return sp.MatMul(self.factor_at(self.upper), OrderedProduct(self.term, (self.var, self.lower, self.upper - 1)))

    def _latex(self, printer):
        return r"\prod_{%s=%s}^{%s}%s" % (
            printer._print(self.var), printer._print(self.lower), printer._print(self.upper),
            printer.parenthesize(self.term, 1000))

    def _sympystr(self, printer):
        return "OrderedProduct(%s, (%s, %s, %s))" % tuple(printer._print(a) for a in (self.term, self.var, self.lower, self.upper))


class TimeSum(_TimeRange):
    r"""Sum of matrices over a time range, :math:`\sum_{k=lo}^{hi} T_k`; empty sum is 0."""

    def doit(self, **hints):
        c = self.count()
        if c is None:
            return self
        if c <= 0:
            return sp.ZeroMatrix(*self.shape)
        terms = [self.factor_at(self.lower + m) for m in range(c)]
        if hints.get("deep", True):
            terms = [x.doit(**hints) for x in terms]
        return sp.MatAdd(*terms).doit() if c > 1 else terms[0]

    def _latex(self, printer):
        return r"\sum_{%s=%s}^{%s}%s" % (
            printer._print(self.var), printer._print(self.lower), printer._print(self.upper),
            printer.parenthesize(self.term, 1000))

    def _sympystr(self, printer):
        return "TimeSum(%s, (%s, %s, %s))" % tuple(printer._print(a) for a in (self.term, self.var, self.lower, self.upper))


class StateJacobian(MatrixExpr):
    r"""The total Jacobian :math:`\partial h_t/\partial h_k` of one state by an earlier one.

    It is a name for a quantity, defined by the network's forward map; the derivations prove
    what it equals.  Numerator layout: entry ``(a, b)`` is :math:`\partial h_{t,a}/\partial h_{k,b}`.
    """

    is_commutative = False

    def __new__(cls, state, earlier):
        return super().__new__(cls, state, earlier)

    state = property(lambda self: self.args[0])
    earlier = property(lambda self: self.args[1])
    shape = property(lambda self: (self.args[0].shape[0], self.args[1].shape[0]))

    def _latex(self, printer):
        return r"\frac{\partial %s}{\partial %s}" % (printer._print(self.state), printer._print(self.earlier))

    def _sympystr(self, printer):
        return "d%s/d%s" % (printer._print(self.state), printer._print(self.earlier))


class ImmediatePartial(MatrixExpr):
    r"""The immediate partial :math:`\partial^+ h_k/\partial\theta` (:math:`h_{k-1}` held fixed).

    ``theta`` is a symbol naming one scalar parameter entry; the node is an ``n x 1`` column.
    """

    is_commutative = False

    def __new__(cls, state, theta):
        return super().__new__(cls, state, theta)

    shape = property(lambda self: (self.args[0].shape[0], sp.Integer(1)))

    def _latex(self, printer):
        return r"\frac{\partial^{+} %s}{\partial %s}" % (printer._print(self.args[0]), printer._print(self.args[1]))


def ones(n):
    """The all-ones column vector :math:`\\mathbf 1_n`."""
    return sp.OneMatrix(n, 1)


def diag(v):
    """:math:`\\operatorname{diag}(v)` of a column vector expression."""
    return sp.DiagMatrix(v)


def hadamard(*args):
    """Elementwise product :math:`a \\odot b`."""
    return sp.HadamardProduct(*args)


def square(v):
    """Elementwise square :math:`v \\odot v`."""
    return sp.HadamardPower(v, 2)


class SpectralNorm(sp.Expr):
    r"""The spectral norm :math:`\lVert A\rVert_2 = \sigma_{\max}(A)` of a matrix expression.

    It stays unevaluated on symbolic matrices; on an explicit matrix ``evaluate(dps)`` returns
    the largest singular value computed by mpmath at ``dps`` digits.
    """

    is_real = True
    is_nonnegative = True

    def __new__(cls, matrix):
        return super().__new__(cls, matrix)

    matrix = property(lambda self: self.args[0])

    def evaluate(self, dps: int):
        return _spectral_norm(sp.ImmutableMatrix(self.matrix), dps)

    def _latex(self, printer):
        return r"\left\lVert %s \right\rVert" % printer._print(self.matrix)

    def _sympystr(self, printer):
        return "||%s||" % printer._print(self.matrix)


@functools.lru_cache(maxsize=4096)
def _spectral_norm(m: sp.ImmutableMatrix, dps: int):
    """The largest singular value of an explicit matrix at ``dps`` digits (private mpmath context);
    cached: the explicit instances of a derivation ask for the same norms many times."""
    from .mpctx import private_context

    ctx = private_context(dps)
    A = ctx.matrix([[ctx.mpmathify(str(sp.N(e, dps + 5))) for e in m.row(r)] for r in range(m.rows)])
    return max(abs(s) for s in ctx.svd_r(A, compute_uv=False)) if min(A.rows, A.cols) else ctx.mpf(0)


__all__ += ["SpectralNorm", "unroll"]


def unroll(expr, bindings):
    """``expr`` with integer ``bindings`` substituted and every scalar ``Sum``/``Product`` written out.

    Used for scalar bounds over a time range (products of norms, sums of bound terms) whose
    limits become concrete once ``t``, ``k``, ``tau`` are bound; an empty range gives 0 or 1.

    >>> t, k, i = sp.symbols("t k i", integer=True)
    >>> a = sp.IndexedBase("a")
    >>> unroll(sp.Product(a[i], (i, k + 1, t)), {t: 3, k: 1})
    a[2]*a[3]
    """
    bind = {sp.sympify(key): sp.sympify(v) for key, v in bindings.items()}
    e = sp.sympify(expr).xreplace(bind)

    def expand(s, op):
        var, lo, hi = s.limits[0]
        return op(*[s.function.xreplace({var: sp.Integer(v)}) for v in range(int(lo), int(hi) + 1)])
    e = e.replace(lambda q: isinstance(q, sp.Sum), lambda q: expand(q, sp.Add))
    return e.replace(lambda q: isinstance(q, sp.Product), lambda q: expand(q, sp.Mul))

