"""What a matrix claim is checked on: explicit instances and entry models that read the claim's own sides.

A claim about a quantity the forward map defines (a state Jacobian, a parameter Jacobian, a loss
gradient) cannot evaluate that quantity from its formula.  Its hook therefore returns an
:class:`Instance`, giving the network's values and the defined quantities, and the claim evaluates
its *own printed sides* on it.  For the entrywise proof at symbolic size an :class:`EntryModel`
gives the defined quantity's entries and the leaves' forward-map symbols, and the claim's sides are
expanded entry by entry by SymPy.  A hook can add evidence; it can never replace the claim.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from .evaluate import evaluate

__all__ = ["Instance", "EntryModel", "SumRanges"]


@dataclass(frozen=True)
class Instance:
    """One explicit instance of a claim: the values its leaves take, and the forward-map quantities.

    A hook returns instances, never the values of the claim's sides: the claim evaluates its own
    printed ``lhs`` and ``rhs`` with :meth:`value`, so what is printed is what is checked.

    Parameters
    ----------
    env : mapping
        Leaf values for :func:`derivations.evaluate.evaluate` (``W_hh``, ``{"h": {t: h_t}}``, ...).
    bindings : mapping
        Concrete integers (times ``t``, ``k``; sizes) and scalar values.
    defined : mapping
        Quantities the forward map defines (a :class:`StateJacobian` node, an immediate partial,
        a loss gradient) mapped to their exact explicit values; they are substituted before the
        rest of the side is evaluated.
    """

    env: Mapping
    bindings: Mapping = field(default_factory=dict)
    defined: Mapping = field(default_factory=dict)
    substitute: Callable | None = None

    def value(self, expr):
        """The explicit value of ``expr`` (a side of the claim) on this instance.

        ``substitute`` (optional) replaces forward-map quantities found in ``expr`` by their
        explicit values, for quantities whose value depends on the times they are taken at.
        """
        e = sp.sympify(expr)
        if self.substitute is not None:
            e = self.substitute(e)
            if isinstance(e, sp.MatrixBase):
                return e
        if self.defined:
            e = e.xreplace({k: (sp.ImmutableMatrix(v) if isinstance(v, sp.MatrixBase) else v)
                            for k, v in self.defined.items()})
        return evaluate(e, self.env, self.bindings, backend="sympy")


@dataclass(frozen=True)
class EntryModel:
    r"""How the entries of a claim read at symbolic size, for the entrywise proof.

    ``defined`` maps each quantity the forward map defines (a :class:`StateJacobian` node) to
    ``entry(a, b)``: its ``(a, b)`` entry, SymPy's derivative of the forward map written with
    ``Indexed`` symbols at symbolic ``n``.  Every entry of the claim is *derived from the claim's
    own sides* (SymPy's entry expansion of ``MatMul``, ``Transpose``, ``DiagMatrix``, Hadamard
    products), with each defined node standing for its forward-map entries, and then passed
    through ``leaves``, which writes leaf entries in the forward map's symbols (e.g.
    :math:`h_{t,a} \to \tanh(z_{t,a})`).  The printed sides are therefore never typed again,
    and a side that is not what the forward map gives cannot reduce to zero.
    """

    defined: Mapping = field(default_factory=dict)
    leaves: Callable = staticmethod(lambda e: e)

    def difference(self, lhs, rhs, i, j):
        """``(lhs - rhs)[i, j]`` in the forward map's symbols."""
        holders = {node: sp.MatrixSymbol(f"_defined{k}", *node.shape) for k, node in enumerate(self.defined)}
        fns = {holders[node]: fn for node, fn in self.defined.items()}

        def entry(side):
            e = side.xreplace(holders)[i, j]
            e = e.replace(lambda x: isinstance(x, MatrixElement) and x.parent in fns,
                          lambda x: fns[x.parent](x.i, x.j))
            return self.leaves(e)
        return entry(lhs) - entry(rhs)


@dataclass(frozen=True)
class SumRanges(EntryModel):
    r"""Entries of a claim between sums of *one* term over different ranges, at symbolic size and limits.

    Both sides must be signed combinations of :class:`~derivations.matexpr.TimeSum` nodes that share
    their term and summation variable (read from the sides, never typed again); entry ``(i, j)`` of
    the term is then an opaque :math:`X_{k,i,j}` (sound: an identity between sums of an arbitrary
    sequence holds for this one), and the difference is reduced by SymPy's ``sum_simplify`` with the
    limits' hypothesis ``assume`` (e.g. :math:`t = \tau + s`, :math:`s \ge 0`: both ranges proper).
    Sides of any other form raise ``NotImplementedError`` (not proved; the explicit instances decide).
    """

    assume: Mapping = field(default_factory=dict)

    def difference(self, lhs, rhs, i, j):
        from sympy.simplify.simplify import sum_simplify
        from .matexpr import TimeSum
        terms: list = []
        _linear(lhs, 1, terms)
        _linear(rhs, -1, terms)
        if not terms or len({(s.term, s.var) for _, s in terms}) != 1:
            raise NotImplementedError("not sums of one common term")
        X = sp.IndexedBase("X")
        e = sum(c * sp.Sum(X[s.var, i, j], (s.var, s.lower, s.upper)) for c, s in terms)
        return sum_simplify(sp.expand(e.xreplace(dict(self.assume))))


def _linear(e, c, out) -> None:
    """Append ``(coefficient, TimeSum)`` for each sum in the signed combination ``c * e``."""
    from .matexpr import TimeSum
    if isinstance(e, TimeSum):
        out.append((c, e))
    elif isinstance(e, sp.MatAdd):
        for a in e.args:
            _linear(a, c, out)
    elif isinstance(e, sp.MatMul) and len(e.args) == 2 and e.args[0].is_Number:
        _linear(e.args[1], c * e.args[0], out)
    else:
        raise NotImplementedError(f"not a signed sum of TimeSums: {type(e).__name__}")
