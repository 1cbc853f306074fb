r"""The Jacobian of a vector expression by a vector symbol, as an unevaluated matrix node.

Numerator layout, whatever the vector notation: :math:`(\partial F/\partial v)_{ij} = \partial F_i/\partial v_j`,
with row vectors flattened like columns.  At symbolic size the ``(i, j)`` entry is SymPy's
derivative of the entry :math:`F_i` (a ``Sum`` over the inner index) by the entry :math:`v_j`; on
explicit matrices ``doit`` differentiates the explicit entries.  Nothing is assumed about
the form of the answer (no rule such as "the Jacobian of tanh is diag(1 - tanh^2)").
"""

from __future__ import annotations

import sympy as sp

__all__ = ["Jacobian"]


def _flat(M, k):
    return M[k, 0] if M.shape[1] == 1 else M[0, k]


class Jacobian(sp.MatrixExpr):
    """:math:`\\partial F/\\partial v` for a vector expression ``F`` and a vector leaf ``v``."""

    is_commutative = False

    def __new__(cls, F, v):
        return super().__new__(cls, F, v)

    F = property(lambda self: self.args[0])
    v = property(lambda self: self.args[1])

    @property
    def shape(self):
        (a, b), (c, d) = self.F.shape, self.v.shape
        return (a * b, c * d)

    def _entry(self, i, j, **kwargs):
        return sp.diff(_flat(self.F, i), _flat(self.v, j))

    def doit(self, **hints):
        F, v = self.F.doit(**hints), self.v
        if isinstance(v, sp.MatrixBase) and not F.has(sp.MatrixSymbol):
            Fx = sp.Matrix(F.as_explicit()).reshape(F.shape[0] * F.shape[1], 1)
            vx = sp.Matrix(v).reshape(v.shape[0] * v.shape[1], 1)
            return sp.ImmutableMatrix(Fx.jacobian(vx))
        return Jacobian(F, v)

    def _latex(self, printer):
        return r"\frac{\partial %s}{\partial %s}" % (printer.parenthesize(self.F, 1000), printer._print(self.v))

    def _sympystr(self, printer):
        return "jacobian(%s, %s)" % (printer._print(self.F), printer._print(self.v))
