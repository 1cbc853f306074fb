"""Explicit instances of a matrix claim from a derivation file, and its symbolic entries.

:func:`explicit_builder` gives the values of both sides of a claim on one explicit instance
(:mod:`.instances` chooses the instances: each dimension its own size, random and structured
matrices, scalars over their whole domain).  :func:`entry_difference` gives the ``(i, j)`` entry of
``lhs - rhs`` at symbolic size with summation dummies named canonically, so that two sides
that sum over the same index compare equal.
"""

from __future__ import annotations

import sympy as sp

from ..functions import unfold
from ..matexpr import SpectralNorm

__all__ = ["explicit_builder", "entry_difference"]


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


def _norm_explicit(M):
    """The spectral norm of an explicit matrix, as a formula SymPy can differentiate when it can.

    |m| for 1x1, the Euclidean length for a vector, else the unevaluated ``SpectralNorm``.
    """
    M = sp.ImmutableMatrix(M)
    if M.is_zero_matrix:
        return sp.Integer(0)
    if M.shape == (1, 1):
        return sp.Abs(M[0, 0])
    if 1 in M.shape:
        return sp.sqrt(sum(v ** 2 for v in M))
    return SpectralNorm(M)


def _explicit(e):  # noqa: C901 - one node type per branch
    """Evaluate an expression whose matrix leaves are explicit, bottom-up, node by node.

    Only the node types the parser builds occur; SymPy's generic ``as_explicit`` (entries
    through ``Sum``) is far slower on nested elementwise functions.  Sigmoids are unfolded to
    :math:`1/(1+e^{-u})` before anything is differentiated (the class has no derivative rule).
    """
    from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
    from .jacobian import Jacobian
    if isinstance(e, sp.MatrixBase):
        return sp.ImmutableMatrix(e)
    if not isinstance(e, sp.MatrixExpr):
        if not isinstance(e, sp.Basic):
            return e
        if e.has(SpectralNorm):
            e = e.xreplace({a: _norm_explicit(_explicit(a.matrix)) for a in e.atoms(SpectralNorm)})
        return unfold(e) if e.has(sp.Derivative) else e
    if isinstance(e, sp.MatMul):
        out = sp.Integer(1)
        for a in e.args:
            out = out * (_explicit(a) if isinstance(a, sp.MatrixExpr) else _explicit(a))
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
        F, v = _explicit(e.F).applyfunc(unfold), _explicit(e.v)
        return sp.ImmutableMatrix(sp.Matrix(F).reshape(len(F), 1).jacobian(sp.Matrix(v).reshape(len(v), 1)))
    return sp.ImmutableMatrix(e.as_explicit())


def _variables(lhs, rhs):
    """Leaves and scalars that something differentiates by: they stay symbols until after ``doit``."""
    from .jacobian import Jacobian
    out = set()
    for e in (lhs, rhs):
        if isinstance(e, sp.Basic):
            out |= {j.v for j in e.atoms(Jacobian)}
            out |= {v for d in e.atoms(sp.Derivative) for v in d.variables}
    return out


def explicit_builder(lhs, rhs, matrix_domains, scalar_domains):
    """``build(plan, rng) -> (lhs_value, rhs_value)`` for :class:`.instances.InstanceClaim`.

    Every dimension takes its size from the plan; each matrix leaf gets the plan's values (see
    :func:`.instances.leaf_values`); scalars get values over their whole domain.  Leaves and
    scalars that a ``jacobian``/``diff`` differentiates by become entry symbols first and get
    their values after differentiation.
    """
    from .instances import leaf_values, scalar_value
    leaves = _leaves(lhs, rhs)
    variables = _variables(lhs, rhs)
    if any(isinstance(e, sp.Basic) and e.has(SpectralNorm) for e in (lhs, rhs)):
        # a norm may divide: with entry symbols until the end, a zero vector gives 0/0 (undefined)
        # instead of SymPy dropping the scalar in front of a zero matrix
        variables |= set(leaves)
    free = (getattr(lhs, "free_symbols", set()) | getattr(rhs, "free_symbols", set()))
    scalars = sorted((s for s in free if isinstance(s, sp.Symbol) and not s.is_integer and s not in leaves), key=str)

    def build(plan, rng):
        bind, vals = {d: sp.Integer(v) for d, v in plan.sizes.items()}, {}
        for leaf in leaves:
            r, c = (int(sp.sympify(x).xreplace(bind)) for x in leaf.shape)
            num = leaf_values(plan, rng, r, c, matrix_domains.get(leaf.name))
            if leaf in variables:
                ent = sp.ImmutableMatrix(r, c, [sp.Symbol("%s[%d,%d]" % (leaf.name, a, b), real=True)
                                                for a in range(r) for b in range(c)])
                bind[leaf] = ent
                vals.update(zip(ent, num))
            else:
                bind[leaf] = num
        for s in scalars:
            v = scalar_value(s, scalar_domains.get(s), plan, rng)
            if s in variables:
                vals[s] = v
            else:
                bind[s] = v
        a, b = (_explicit(x.xreplace(bind)) for x in (lhs, rhs))
        return a.xreplace(vals), b.xreplace(vals)
    return build
