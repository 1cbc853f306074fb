"""Explicit instances of a matrix claim from a derivation file, and its symbolic entries.

:func:`explicit_hook` gives the ``explicit(rng, n, values)`` hook of
:class:`~derivations.matrixclaims.MatrixEq` / ``MatrixRel``: every matrix leaf becomes an
explicit matrix of entry symbols (so that ``jacobian`` can differentiate them), the main
dimension is ``n`` and any other dimension ``n + 1`` (so a transposed rectangular matrix can
never fit by accident), then random rational values are substituted.  Scalars get random
rationals from their domains.  :func:`entry_difference` gives the ``(i, j)`` entry of
``lhs - rhs`` at symbolic size with summation dummies named canonically, so that two sides
that sum over the same index compare equal.
"""

from __future__ import annotations

import sympy as sp

from .. import sampling
from ..matexpr import SpectralNorm

__all__ = ["explicit_hook", "entry_difference"]


def _canonical(e, keep):
    ds = sorted(e.atoms(sp.Dummy) - set(keep), key=lambda d: (d.name, d.dummy_index))
    return e.xreplace({d: sp.Symbol("q_%s_%d" % (d.name, k), **d.assumptions0) for k, d in enumerate(ds)})


def entry_difference(lhs, rhs):
    """``entry(i, j)`` of ``lhs - rhs`` for :class:`MatrixEq` (dummies renamed canonically)."""
    def entry(i, j):
        a, b = lhs[i, j].doit(), rhs[i, j].doit()
        return _canonical(a, (i, j)) - _canonical(b, (i, j))
    return entry


def _leaves(*exprs):
    found = set()
    for e in exprs:
        if isinstance(e, sp.Basic):
            found |= e.atoms(sp.MatrixSymbol)
    return sorted(found, key=lambda s: s.name)


def _explicit(e):
    """Evaluate an expression whose matrix leaves are explicit, bottom-up, node by node.

    Only the node types the parser builds occur; SymPy's generic ``as_explicit`` (entries
    through ``Sum``) is far slower on nested elementwise functions.
    """
    from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
    from .jacobian import Jacobian
    if isinstance(e, sp.MatrixBase):
        return sp.ImmutableMatrix(e)
    if not isinstance(e, sp.MatrixExpr):
        if not isinstance(e, sp.Basic) or not e.has(SpectralNorm):
            return e.doit() if isinstance(e, sp.Basic) and e.has(sp.Derivative) else e
        return e.xreplace({a: SpectralNorm(_explicit(a.matrix)) for a in e.atoms(SpectralNorm)})
    if isinstance(e, sp.MatMul):
        out = sp.Integer(1)
        for a in e.args:
            out = out * (_explicit(a) if isinstance(a, sp.MatrixExpr) else a)
        return sp.ImmutableMatrix(out)
    if isinstance(e, sp.MatAdd):
        out = _explicit(e.args[0])
        for a in e.args[1:]:
            out = out + _explicit(a)
        return sp.ImmutableMatrix(out)
    if isinstance(e, sp.HadamardProduct):
        out = _explicit(e.args[0])
        for a in e.args[1:]:
            out = out.multiply_elementwise(_explicit(a))
        return sp.ImmutableMatrix(out)
    if isinstance(e, sp.HadamardPower):
        return _explicit(e.base).applyfunc(lambda v: v ** e.exp)
    if isinstance(e, ElementwiseApplyFunction):
        return _explicit(e.expr).applyfunc(e.function)
    if isinstance(e, sp.DiagMatrix):
        v = _explicit(e.args[0])
        return sp.ImmutableMatrix(sp.diag(*list(v)))
    if isinstance(e, sp.Transpose):
        return _explicit(e.arg).T
    if isinstance(e, Jacobian):
        F, v = _explicit(e.F), _explicit(e.v)
        return sp.ImmutableMatrix(sp.Matrix(F).reshape(len(F), 1).jacobian(sp.Matrix(v).reshape(len(v), 1)))
    return sp.ImmutableMatrix(e.as_explicit())


def explicit_hook(lhs, rhs, dims, matrix_domains, scalar_domains):
    """The ``explicit(rng, n, values)`` hook for a claim ``lhs ? rhs`` (see the module docstring).

    Only the vectors that a ``jacobian`` differentiates by get entry symbols; every other leaf
    is replaced by its rational values at once, which keeps the explicit expressions small.
    """
    from .jacobian import Jacobian
    leaves = _leaves(lhs, rhs)
    variables = {j.v for e in (lhs, rhs) if isinstance(e, sp.Basic) for j in e.atoms(Jacobian)}
    scalars = sorted(((getattr(lhs, "free_symbols", set()) | getattr(rhs, "free_symbols", set()))
                      - set(dims)) - set(leaves), key=str)
    scalars = [s for s in scalars if isinstance(s, sp.Symbol)]

    def hook(rng, n, values):
        size = {d: (n if k == 0 else n + 1) for k, d in enumerate(dims)}
        bind, vals = dict(size), {}
        for leaf in leaves:
            r, c = (int(sp.sympify(x).xreplace(size)) for x in leaf.shape)
            ent = sp.ImmutableMatrix(r, c, [sp.Symbol("%s[%d,%d]" % (leaf.name, a, b), real=True)
                                            for a in range(r) for b in range(c)])
            num = sampling.rational_matrix(rng, r, c, matrix_domains.get(leaf.name, (-1.0, 1.0)))
            if leaf in variables:
                bind[leaf] = ent
                vals.update(zip(ent, num))
            else:
                bind[leaf] = num
        for s in scalars:  # wide default domains are narrowed: explicit entries stay moderate
            dom = scalar_domains.get(s) or sampling.default_domain(s)
            dom = (max(dom[0], -4.0), min(dom[1], 4.0)) if dom[1] - dom[0] > 8 else dom
            vals[s] = sampling.rational_matrix(rng, 1, 1, dom)[0, 0]
        bind.update({s: vals.pop(s) for s in scalars})
        a, b = (_explicit(x.xreplace(bind)) for x in (lhs, rhs))
        return a.xreplace(vals), b.xreplace(vals)
    return hook
