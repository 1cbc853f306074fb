r"""The smallest singular value :math:`\sigma_{\min}(A)` as an unevaluated SymPy node.

:math:`\sigma_{\min}(A) = \min_{\lVert x\rVert = 1}\lVert Ax\rVert` (square ``A``): the factor by
which ``A`` shrinks the vector it shrinks most.  A lower bound on :math:`\sigma_{\min}` of a
product of Jacobians is a *floor* under the gradient: no direction of :math:`\partial h_t/\partial h_k`
vanishes faster than it (``residual_jacobian``).

The node stays unevaluated on symbolic matrices (it prints as :math:`\sigma_{\min}(\cdot)`); on an
explicit matrix :meth:`MinSingular.evaluate` returns the smallest singular value computed by mpmath
at ``dps`` digits in a private context, and ``evalf`` uses it, so the claim machinery of
:mod:`derivations.matrixclaims` evaluates it like :class:`~derivations.matexpr.SpectralNorm`.
:func:`derivations.evaluate.evaluate` walks it (NumPy: ``numpy.linalg.svd``).

Reference: Horn & Johnson, *Matrix Analysis*, 2nd ed. (2013), §7.3 (singular values) and
Thm 3.3.16 (Weyl's inequalities for singular values).
"""

from __future__ import annotations

import sympy as sp

__all__ = ["MinSingular"]


class MinSingular(sp.Expr):
    r""":math:`\sigma_{\min}(A)`, the smallest singular value of a square matrix expression.

    >>> import sympy as sp
    >>> float(MinSingular(sp.ImmutableMatrix([[2, 0], [0, 3]])).evaluate(30))
    2.0
    """

    is_real = True
    is_nonnegative = True

    def __new__(cls, matrix):
        return super().__new__(cls, matrix)

    matrix = property(lambda self: self.args[0])

    def evaluate(self, dps: int):
        """The smallest singular value of the explicit matrix at ``dps`` digits (private mpmath context)."""
        from .mpctx import private_context

        m = sp.Matrix(self.matrix)
        ctx = private_context(dps)
        A = ctx.matrix([[ctx.mpmathify(str(sp.N(e, dps + 5))) for e in m.row(r)] for r in range(m.rows)])
        return min(abs(s) for s in ctx.svd_r(A, compute_uv=False)) if min(A.rows, A.cols) else ctx.mpf(0)

    def _eval_evalf(self, prec):
        if not isinstance(self.matrix, sp.MatrixBase) or self.matrix.free_symbols:
            return None
        dps = max(15, int(prec * 0.30103) + 5)
        return sp.Float(str(self.evaluate(dps)), dps)

    def _latex(self, printer):
        return r"\sigma_{\min}\!\left(%s\right)" % printer._print(self.matrix)

    def _sympystr(self, printer):
        return "sigma_min(%s)" % printer._print(self.matrix)
