"""Evaluate a derived SymPy matrix expression on explicit values.

This is the single bridge from a derivation to numbers: the derivation's own expression tree
(``MatMul``, ``MatAdd``, ``Transpose``, ``DiagMatrix``, Hadamard products and powers,
``KroneckerProduct``, ``BlockMatrix``,
elementwise functions, :class:`~derivations.matexpr.OrderedProduct`,
:class:`~derivations.matexpr.TimeSum`, time-indexed leaves) is walked node by node, so a
wrong derivation gives a wrong number.  Scalar sub-expressions go through
:func:`sympy.lambdify`.  Backends: ``"numpy"`` (float64 or complex128 arrays, shape
``(rows, cols)``), ``"mpmath"`` (mpmath matrices in a private context) and ``"sympy"``
(exact explicit matrices).

Examples
--------
>>> import numpy as np, sympy as sp
>>> from derivations.matexpr import TimeIndexed, diag, ones, square
>>> n, t = sp.symbols("n t", integer=True)
>>> J = diag(ones(n) - square(TimeIndexed("h", t, n))) * sp.MatrixSymbol("W", n, n)
>>> env = {"W": np.eye(2), "h": {3: np.array([[0.5], [0.0]])}}
>>> evaluate(J, env, {t: 3}).tolist()
[[0.75, 0.0], [0.0, 1.0]]
"""

from __future__ import annotations

import functools
from typing import Any, Mapping

import numpy as np
import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from .errors import InputError, ShapeError
from .functions import unfold
from .matexpr import OrderedProduct, SpectralNorm, TimeIndexed, TimeSum
from .singular import MinSingular

__all__ = ["evaluate", "scalar_function"]


@functools.lru_cache(maxsize=512)
def scalar_function(expr: sp.Expr, args: tuple, module: str = "numpy"):
    """Cached :func:`sympy.lambdify` of a scalar expression (vectorised for NumPy)."""
    return sp.lambdify(args, unfold(expr), modules=module)


class _NumPy:
    def __init__(self, dtype):
        self.dtype = dtype

    def leaf(self, v):
        a = np.asarray(v)
        return a.reshape(-1, 1) if a.ndim == 1 else a

    matmul = staticmethod(lambda a, b: a @ b)
    add = staticmethod(lambda a, b: a + b)
    transpose = staticmethod(lambda a: a.T)
    diag = staticmethod(lambda v: np.diag(np.ravel(v)))
    hadamard = staticmethod(lambda a, b: a * b)
    power = staticmethod(lambda a, p: a ** p)
    scale = staticmethod(lambda c, a: c * a)
    kron = staticmethod(lambda a, b: np.kron(a, b))
    block = staticmethod(lambda rows: np.block(rows))

    def ones(self, r, c):
        return np.ones((r, c), dtype=self.dtype)

    def eye(self, n):
        return np.eye(n, dtype=self.dtype)

    def zeros(self, r, c):
        return np.zeros((r, c), dtype=self.dtype)

    def apply(self, lam, a):
        return scalar_function(lam.expr, tuple(lam.variables), "numpy")(a)

    def norm(self, a):
        return np.linalg.norm(a, 2)

    def scalar(self, expr, bindings):
        syms = tuple(sorted(expr.free_symbols, key=str))
        return scalar_function(expr, syms, "numpy")(*[bindings[s] for s in syms]) if syms else complex(expr).real


class _SymPy:
    leaf = staticmethod(lambda v: sp.Matrix(v))
    matmul = staticmethod(lambda a, b: a * b)
    add = staticmethod(lambda a, b: a + b)
    transpose = staticmethod(lambda a: a.T)
    diag = staticmethod(lambda v: sp.diag(*list(v)))
    hadamard = staticmethod(lambda a, b: a.multiply_elementwise(b))
    power = staticmethod(lambda a, p: a.applyfunc(lambda e: e ** p))
    scale = staticmethod(lambda c, a: c * a)
    kron = staticmethod(lambda a, b: sp.kronecker_product(a, b))
    block = staticmethod(lambda rows: sp.Matrix(sp.BlockMatrix(rows).as_explicit()))
    ones = staticmethod(lambda r, c: sp.ones(r, c))
    eye = staticmethod(lambda n: sp.eye(n))
    zeros = staticmethod(lambda r, c: sp.zeros(r, c))

    @staticmethod
    def apply(lam, a):
        return a.applyfunc(lambda e: lam(e))

    @staticmethod
    def norm(a):
        return SpectralNorm(sp.ImmutableMatrix(a))

    @staticmethod
    def scalar(expr, bindings):
        return expr.xreplace({k: sp.sympify(v) for k, v in bindings.items()})


def _int(v, what, node):
    v = sp.sympify(v)
    if not v.is_Integer:  # message built only on failure: printing SymPy trees is slow
        raise InputError(f"cannot evaluate: {what} of {node} = {v} is not a concrete integer (bind it in `bindings`)")
    return int(v)


def evaluate(expr, env: Mapping[str, Any], bindings: Mapping | None = None, *, backend: str = "numpy", dtype=float):
    """Evaluate a matrix (or scalar) expression of a derivation on explicit values.

    Parameters
    ----------
    expr : sympy expression
        A derived expression (matrix or scalar).
    env : mapping
        ``name -> array`` for ``MatrixSymbol`` leaves; ``name -> {time: array}`` (or a
        callable ``time -> array``) for :class:`TimeIndexed` leaves.
    bindings : mapping, optional
        Values of integer symbols (``n``, ``t``, ``k``) and scalar symbols.
    backend : {"numpy", "sympy"}
    dtype : numpy dtype for the ``numpy`` backend (``float`` or ``complex``).

    Returns
    -------
    numpy.ndarray or sympy.Matrix or scalar

    Raises
    ------
    InputError
        A leaf missing from ``env`` or an unbound integer symbol.
    ShapeError
        A leaf whose array shape disagrees with the expression's declared shape.
    """
    ops = _SymPy() if backend == "sympy" else _NumPy(dtype)
    expr = sp.sympify(expr)
    by_name = {str(s): s for s in expr.free_symbols}
    # string keys name the expression's own symbols (which carry assumptions, e.g. integer=True)
    bind = {(by_name.get(k, sp.Symbol(k)) if isinstance(k, str) else sp.sympify(k)): v
            for k, v in (bindings or {}).items()}
    _infer_dimensions(expr, env, bind)
    return _Walker(ops, env, bind).walk(expr)


def _infer_dimensions(expr, env, bind):
    """Bind symbolic dimensions (``n``, ``d``) from the shapes of the arrays in ``env``."""
    for leaf in sorted(expr.atoms(sp.MatrixSymbol, TimeIndexed), key=sp.default_sort_key):
        name = str(leaf.args[0])
        if name not in env:
            continue
        v = env[name]
        if isinstance(leaf, TimeIndexed):
            if callable(v) or len(v) == 0:
                continue
            v = v[next(iter(v))] if isinstance(v, Mapping) else v[0]
        shape = np.shape(v) if not isinstance(v, sp.MatrixBase) else v.shape
        shape = tuple(shape) + (1,) * (2 - len(shape))
        for dim, size in zip(leaf.shape, shape):
            dim = sp.sympify(dim)
            if isinstance(dim, sp.Symbol) and dim not in bind:
                bind[dim] = sp.Integer(size)


class _Walker:
    def __init__(self, ops, env, bindings):
        self.ops, self.env, self.bind = ops, env, bindings

    def shape(self, e):
        return tuple(_int(sp.sympify(s).xreplace(self.bind), "dimension", e) for s in e.shape)

    def lookup(self, name, e, time=None):
        if name not in self.env:
            raise InputError(f"cannot evaluate {e}: no value for {name!r} (have {sorted(self.env)})")
        v = self.env[name]
        if time is not None:
            try:
                v = v(time) if callable(v) else v[time]
            except (KeyError, IndexError):
                have = "" if callable(v) else (f" (have times {sorted(v)[:8]})" if isinstance(v, Mapping)
                                               else f" (have times 0..{len(v) - 1})")
                raise InputError(f"cannot evaluate {e}: no value of {name!r} at time {time}{have}") from None
        a = self.ops.leaf(v)
        want = self.shape(e)
        if tuple(a.shape) != want:
            raise ShapeError(f"{e}: expected shape {want}, got {tuple(a.shape)}")
        return a

    def walk(self, e):
        ops = self.ops
        if isinstance(e, TimeIndexed):
            return self.lookup(str(e.name), e, _int(e.time.xreplace(self.bind), "time", e))
        if isinstance(e, sp.MatrixSymbol):
            return self.lookup(str(e.name), e)
        if isinstance(e, (OrderedProduct, TimeSum)):
            lo = _int(e.lower.xreplace(self.bind), "lower limit", e)
            hi = _int(e.upper.xreplace(self.bind), "upper limit", e)
            r, c = self.shape(e)
            if isinstance(e, OrderedProduct):
                acc = ops.eye(r)
                for i in range(lo, hi + 1):  # latest factor ends up on the left
                    acc = ops.matmul(self.sub(e.var, i).walk(e.term), acc)
                return acc
            acc = ops.zeros(r, c)
            for i in range(lo, hi + 1):
                acc = ops.add(acc, self.sub(e.var, i).walk(e.term))
            return acc
        if isinstance(e, sp.MatMul):
            scal = [a for a in e.args if not a.is_Matrix]
            mats = [self.walk(a) for a in e.args if a.is_Matrix]
            acc = functools.reduce(ops.matmul, mats)
            for s in scal:
                acc = ops.scale(self.walk(s), acc)
            return acc
        if isinstance(e, sp.MatAdd):
            return functools.reduce(ops.add, [self.walk(a) for a in e.args])
        if isinstance(e, sp.Transpose):
            return ops.transpose(self.walk(e.arg))
        if isinstance(e, sp.MatrixSlice):  # a row or block of a matrix (A[0, :] in deep_linear_gradient)
            a = self.walk(e.parent)
            rs, cs = ([_int(v.xreplace(self.bind), "slice bound", e) for v in sl] for sl in (e.rowslice, e.colslice))
            return a[rs[0]:rs[1]:rs[2], cs[0]:cs[1]:cs[2]]
        if isinstance(e, sp.DiagMatrix):
            return ops.diag(self.walk(e.args[0]))
        if isinstance(e, sp.HadamardProduct):
            return functools.reduce(ops.hadamard, [self.walk(a) for a in e.args])
        if isinstance(e, sp.BlockMatrix):
            rows = [[self.walk(b) for b in e.blocks.row(r)] for r in range(e.blocks.rows)]
            return ops.block(rows)
        if isinstance(e, sp.KroneckerProduct):
            return functools.reduce(ops.kron, [self.walk(a) for a in e.args])
        if isinstance(e, sp.HadamardPower):
            return ops.power(self.walk(e.base), self.walk(e.exp))
        if isinstance(e, ElementwiseApplyFunction):
            return ops.apply(e.function, self.walk(e.expr))
        if isinstance(e, sp.OneMatrix):
            return ops.ones(*self.shape(e))
        if isinstance(e, sp.Identity):
            return ops.eye(self.shape(e)[0])
        if isinstance(e, sp.ZeroMatrix):
            return ops.zeros(*self.shape(e))
        if isinstance(e, sp.MatrixBase):
            return self.ops.leaf(e.xreplace(self.bind)) if isinstance(ops, _SymPy) else np.array(
                e.xreplace(self.bind).evalf(), dtype=ops.dtype)
        if isinstance(e, SpectralNorm):
            return ops.norm(self.walk(e.matrix))
        if isinstance(e, MinSingular):  # sigma_min (residual_jacobian's floor)
            a = self.walk(e.matrix)
            return MinSingular(sp.ImmutableMatrix(a)) if isinstance(self.ops, _SymPy) else \
                float(np.linalg.svd(a, compute_uv=False).min())
        if isinstance(e, (sp.Product, sp.Sum)) and e.has(sp.MatrixExpr, TimeIndexed, SpectralNorm, MinSingular):
            # scalar product / sum of norms over a time range (product_norm_bound, truncated_bptt)
            (var, lo, hi), = e.limits
            lo, hi = _int(lo.xreplace(self.bind), "lower limit", e), _int(hi.xreplace(self.bind), "upper limit", e)
            terms = [self.sub(var, q).walk(e.function) for q in range(lo, hi + 1)]
            if isinstance(e, sp.Sum):
                return functools.reduce(lambda a, b: a + b, terms, 0)
            return functools.reduce(lambda a, b: a * b, terms, 1)
        if isinstance(e, (sp.Min, sp.Max)) and e.has(sp.MatrixExpr, TimeIndexed, SpectralNorm, MinSingular):
            parts = [self.walk(a) for a in e.args]  # e.g. min(1, tau/||g||) in gradient_clipping
            return e.func(*parts) if isinstance(self.ops, _SymPy) else (min if isinstance(e, sp.Min) else max)(parts)
        if isinstance(e, sp.Expr) and not e.is_Matrix:
            if e.has(sp.MatrixExpr, TimeIndexed, SpectralNorm, MinSingular) and isinstance(e, (sp.Add, sp.Mul, sp.Pow)):
                parts = [self.walk(a) for a in e.args]
                if isinstance(e, sp.Add):
                    return functools.reduce(lambda a, b: a + b, parts)
                if isinstance(e, sp.Mul):
                    return functools.reduce(lambda a, b: a * b, parts)
                return parts[0] ** parts[1]
            return ops.scalar(e, self.bind)
        raise InputError(f"cannot evaluate a {type(e).__name__} node: {e}")

    def sub(self, var, value):
        return _Walker(self.ops, self.env, {**self.bind, var: sp.Integer(value)})
