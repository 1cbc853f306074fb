"""The built-in functions of the derivation-file math, each building SymPy objects directly.

``exp log tanh sinh cosh sin cos sqrt abs sigmoid`` (entrywise on matrices), ``diff(f, x[, k])``,
``jacobian(F, v)``, ``diag(v)``, ``T(M)``/``transpose(M)``, ``norm(M)`` (spectral norm; absolute
value of a scalar), ``min``/``max`` (of scalars, or entrywise), ``ones(n[, m])`` and ``eye(n)``.
"""

from __future__ import annotations

import ast

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from ..matexpr import SpectralNorm
from .errors import FileSyntaxError, LimitExceededError, ShapeMismatchError, UnknownNameError
from .jacobian import Jacobian

__all__ = ["builtin_call", "applyfunc", "MAX_SIZE"]

#: largest literal size in ``ones``/``eye``/shapes
MAX_SIZE = 16
_U = sp.Dummy("u", real=True)


def _is_vector(shape):
    return shape is not None and (shape[1] == 1 or shape[0] == 1)


def builtin_call(b, name, node):
    """Build ``name(args)`` for the builder ``b`` (see :mod:`.expr`)."""
    from .expr import _ELEMENTWISE
    if name in _ELEMENTWISE:
        return _elementwise(b, _ELEMENTWISE[name], node)
    return globals()["_" + {"T": "transpose", "min": "minmax", "max": "minmax"}.get(name, name)](b, name, node)


def applyfunc(lam, expr):
    r"""``lam`` entrywise on the matrix ``expr``.

    SymPy's ``ElementwiseApplyFunction`` applies the function to a 1x1 matrix *as a matrix*
    (``Abs(M)`` becomes :math:`\sqrt{M^T \bar M}`-like products that drop the sign); a 1x1
    matrix is built as an entrywise node like any other.
    """
    if tuple(expr.shape) == (1, 1):
        return sp.MatrixExpr.__new__(ElementwiseApplyFunction, lam, expr)
    return ElementwiseApplyFunction(lam, expr)


def _elementwise(b, fn, node):
    from .expr import Val
    a = b.build(node.args[0])
    if a.shape is None:
        return Val(fn(a.disp, evaluate=False), fn(a.sem))
    lam = sp.Lambda(_U, fn(_U))
    return Val(applyfunc(lam, a.disp), applyfunc(lam, a.sem), a.shape)


def _leaf_name(b, arg, want):
    if not isinstance(arg, ast.Name) or arg.id not in b.scope.leaves:
        b.fail(FileSyntaxError, arg, f"the variable of {want} must be a declared symbol (let ...), not an expression")
    return b.scope.leaves[arg.id]


def _diff(b, name, node):
    from .expr import Val
    f = b.build(node.args[0])
    x = _leaf_name(b, node.args[1], "diff")
    if not isinstance(x, sp.Symbol) or f.shape is not None:
        b.fail(ShapeMismatchError, node, "diff(f, x) needs a scalar f and a scalar x; use jacobian(F, v) for vectors")
    k = 1
    if len(node.args) == 3:
        arg = node.args[2]
        if not (isinstance(arg, ast.Constant) and type(arg.value) is int and 1 <= arg.value <= 4):
            b.fail(LimitExceededError, arg, "the order of diff must be a whole number from 1 to 4")
        k = arg.value
    return Val(sp.Derivative(f.disp, (x, k)), sp.Derivative(f.sem, (x, k)))


def _jacobian(b, name, node):
    from .expr import Val
    F = b.build(node.args[0])
    v = _leaf_name(b, node.args[1], "jacobian")
    if not _is_vector(F.shape) or not isinstance(v, sp.MatrixSymbol) or not _is_vector(v.shape):
        b.fail(ShapeMismatchError, node, "jacobian(F, v) needs a vector expression F and a declared vector v")
    return Val(Jacobian(F.disp, v), Jacobian(F.sem, v), Jacobian(F.sem, v).shape)


def _diag(b, name, node):
    from .expr import Val
    a = b.build(node.args[0])
    if not _is_vector(a.shape):
        b.fail(ShapeMismatchError, node, "diag(v) needs a vector")
    size = a.shape[0] * a.shape[1]
    return Val(sp.DiagMatrix(a.disp), sp.DiagMatrix(a.sem), (size, size))


def _transpose(b, name, node):
    from .expr import Val
    a = b.build(node.args[0])
    if a.shape is None:
        return a
    return Val(sp.Transpose(a.disp), sp.Transpose(a.sem), (a.shape[1], a.shape[0]))


def _norm(b, name, node):
    from .expr import Val
    a = b.build(node.args[0])
    if a.shape is None:
        return Val(sp.Abs(a.disp, evaluate=False), sp.Abs(a.sem))
    return Val(SpectralNorm(a.disp), SpectralNorm(a.sem))


def _minmax(b, name, node):
    r"""``max``/``min`` of scalars, or entrywise when an argument is a matrix (``max(z, 0)`` is ReLU).

    Entrywise, :math:`\max(a, b) = (a + b + |a - b|)/2` and :math:`\min(a, b) = (a + b - |a - b|)/2`,
    built with the matrix operations the rest of the format uses (scalars broadcast).
    """
    from .expr import Val
    args = [b.build(a) for a in node.args]
    if all(a.shape is None for a in args):
        fn = sp.Min if name == "min" else sp.Max
        return Val(fn(*[a.disp for a in args], evaluate=False), fn(*[a.sem for a in args]))
    sign = 1 if name == "max" else -1
    out = args[0]
    for nxt in args[1:]:
        total = b._add(out, nxt, node)
        gap = b._sub(out, nxt, node)
        lam = sp.Lambda(_U, sp.Abs(_U))
        shape = total.shape
        absgap = Val(applyfunc(lam, gap.disp), applyfunc(lam, gap.sem), shape)
        both = b._add(total, absgap, node) if sign > 0 else b._sub(total, absgap, node)
        out = Val(sp.MatMul(sp.Rational(1, 2), both.disp), sp.MatMul(sp.Rational(1, 2), both.sem), shape)
    return out


def size_arg(b, arg):
    """A size: a whole number 1..MAX_SIZE or a declared (or new) dimension name."""
    if isinstance(arg, ast.Constant) and type(arg.value) is int:
        if not 1 <= arg.value <= MAX_SIZE:
            b.fail(LimitExceededError, arg, f"sizes must be between 1 and {MAX_SIZE}")
        return sp.Integer(arg.value)
    if isinstance(arg, ast.Name) and arg.id in b.scope.leaves and getattr(b.scope.leaves[arg.id], "is_integer", False):
        return b.scope.leaves[arg.id]
    b.fail(UnknownNameError, arg, "a size must be a whole number or a dimension declared with 'let n: dim'")


def _ones(b, name, node):
    from .expr import Val
    sizes = [size_arg(b, a) for a in node.args]
    shape = tuple(sizes) if len(sizes) == 2 else b.scope.vector_shape(sizes[0])
    return Val(sp.OneMatrix(*shape), sp.OneMatrix(*shape), shape)


def _eye(b, name, node):
    from .expr import Val
    s = size_arg(b, node.args[0])
    return Val(sp.Identity(s), sp.Identity(s), (s, s))
