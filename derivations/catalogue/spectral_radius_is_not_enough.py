r"""``spectral_radius_is_not_enough``: the vanishing condition needs the largest *singular* value.

**Witness.**  :math:`W = \begin{pmatrix}1/2 & 3\\ 0 & 1/2\end{pmatrix}` has both eigenvalues
:math:`1/2` (spectral radius :math:`\rho(W) = 1/2 < 1 = 1/\gamma` for tanh), yet

.. math::
   W^2 = \begin{pmatrix}1/4 & 3\\ 0 & 1/4\end{pmatrix},\qquad
   \lVert W^2\rVert = \sqrt{\lambda_{\max}\big((W^2)^\top W^2\big)} \approx 3.02 > 1 .

In the linear regime (tanh network, :math:`h_{t-2} = 0`, zero input and bias, so :math:`h \equiv 0`
and :math:`\varphi' = 1`) the Jacobian is exactly :math:`\partial h_t/\partial h_{t-2} = W^2`, so
:math:`\lVert\partial h_t/\partial h_{t-2}\rVert > 1` although every eigenvalue is below 1.  The
bound with :math:`\lambda_1` holds (:math:`\lVert W^2\rVert \le \lambda_1^2`); the same bound with
:math:`\rho(W)` in place of :math:`\lambda_1` (:func:`radius_bound_claim`) is refuted.  Every step
is an exact SymPy computation.

Reference: IDENTITIES.md section D; Pascanu, Mikolov, Bengio (2013), sec. 2.1 (the condition is on
the largest singular value).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from ..matexpr import OrderedProduct, SpectralNorm, StateJacobian
from ..matrixclaims import Instance, MatrixRel
from ..model import Identity, Step, StepResult, SymbolSpec, Verdict
from ..symbols import W_hh, h, i, n, t
from ..claims import RELATIONS, Exact
from .jacobian_norm_bound import gamma, jacobian

__all__ = ["IDENTITY", "W", "SpectralRadius", "linear_regime_jacobian", "radius_bound_claim", "lhs", "radius_bound",
           "Disproved"]

#: the witness: spectral radius 1/2, ||W^2|| ~ 3.02
W = sp.ImmutableMatrix([[sp.Rational(1, 2), 3], [0, sp.Rational(1, 2)]])


class SpectralRadius(sp.Expr):
    r""":math:`\rho(A) = \max|\mathrm{eig}(A)|` of a square matrix expression (printing node)."""

    is_real = True
    is_nonnegative = True

    def __new__(cls, matrix):
        return super().__new__(cls, matrix)

    def _latex(self, printer):
        return r"\rho\left(%s\right)" % printer._print(self.args[0])

    def _sympystr(self, printer):
        return "rho(%s)" % printer._print(self.args[0])


def _radius(M):
    return sp.Max(*[sp.Abs(e) for e in M.eigenvals()])


def _norm(M):
    """Exact spectral norm: square root of the largest eigenvalue of ``M^T M``."""
    return sp.sqrt(sp.Max(*(M.T * M).eigenvals()))


def linear_regime_jacobian(M=W, lag: int = 2) -> sp.Matrix:
    """:math:`\\partial h_t/\\partial h_{t-lag}` of the tanh network with zero input and bias at
    :math:`h_{t-lag} = 0`, by SymPy differentiation of the forward map (exact)."""
    hs = sp.Matrix(sp.symbols(f"h1:{M.rows + 1}", real=True))
    f = hs
    for _ in range(lag):
        f = (M * f).applyfunc(sp.tanh)
    return f.jacobian(hs).subs({s: 0 for s in hs})


def _steps():
    g = gamma("tanh")
    W2 = W * W

    def radius():
        ev, r = W.eigenvals(), _radius(W)
        return bool(sp.Lt(r, 1 / g)), f"eigenvalues {ev} (value: multiplicity), spectral radius {r} < 1/gamma = {1 / g}"

    def linear():
        J = linear_regime_jacobian(W, 2)
        return J == W2, f"dh_t/dh_(t-2) at h = 0 equals W^2 = {W2.tolist()}: {J == W2}"

    def big():
        lam = sp.Max(*(W2.T * W2).eigenvals())
        return bool(sp.Gt(lam, 1)), f"||W^2||^2 = lambda_max((W^2)^T W^2) = {sp.nsimplify(lam)} ~ {sp.N(lam, 10)} > 1, ||W^2|| ~ {sp.N(sp.sqrt(lam), 10)}"

    def lam_bound():
        lhs, rhs = _norm(W2), (g * _norm(W)) ** 2
        return bool(sp.Le(lhs, rhs)), f"||W^2|| ~ {sp.N(lhs, 10)} <= (gamma lambda_1)^2 = {sp.N(rhs, 10)}"

    return (
        Step(Exact(r"\rho(W) = 1/2 < 1/\gamma", radius), "exact eigenvalues (SymPy eigenvals)"),
        Step(Exact(r"dh_t/dh_{t-2} = W^2 \text{ at } h = 0", linear),
             "chain rule in the linear regime: tanh'(0) = 1, differentiated exactly by SymPy"),
        Step(Exact(r"\lVert W^2 \rVert > 1", big), "exact singular values: eigenvalues of (W^2)^T W^2"),
        Step(Exact(r"\lVert W^2 \rVert \le (\gamma \lambda_1)^2", lam_bound),
             "the bound with the largest singular value holds (product_norm_bound), exactly"),
        *(Step(Disproved(radius_bound_claim(name)),
               f"the spectral radius in place of lambda_1 gives a false bound: it fails on the witness ({name}, z = 0)")
          for name in ("tanh", "sigmoid")),
    )


def _witness_instance(rng, size, values):
    """``explicit`` hook: the witness W in the linear regime (z = 0 at both steps, so J_i = phi'(0) W)."""
    zero = sp.zeros(2, 1)
    return Instance({"W_hh": W, "z": {3: zero, 4: zero}}, {t: 4},
                    substitute=lambda e: e.xreplace({SpectralRadius(W_hh): _radius(W)}))


def lhs(name="tanh"):
    r""":math:`\lVert J_t J_{t-1}\rVert = \lVert\partial h_t/\partial h_{t-2}\rVert`."""
    return SpectralNorm(OrderedProduct(jacobian(i, name), (i, t - 1, t)))


def radius_bound(name="tanh"):
    r"""The wrong bound :math:`(\gamma\rho(W_{hh}))^2` (spectral radius in place of :math:`\lambda_1`)."""
    return (gamma(name) * SpectralRadius(W_hh)) ** 2


def radius_bound_claim(name="tanh") -> MatrixRel:
    """The wrong bound ‖∂h_t/∂h_{t-2}‖ ≤ (γ ρ(W_hh))², evaluated on the witness (refuted there)."""
    return MatrixRel(lhs(name), "<=", radius_bound(name), explicit=_witness_instance, sizes=(2,), trials=1)


_NEGATION = {"<=": ">", "<": ">=", ">=": "<", ">": "<="}


@dataclass(frozen=True)
class Disproved:
    """The step "``claim`` is false": proved when the claim is refuted on its witness instance."""

    claim: Any

    lhs = property(lambda self: self.claim.lhs)
    rhs = property(lambda self: self.claim.rhs)
    rel = property(lambda self: _NEGATION[self.claim.rel])

    def relation(self):
        """The negated relation, e.g. ``lhs > rhs`` for a disproved ``lhs <= rhs``: what is printed is what holds."""
        return RELATIONS[self.rel](self.lhs, self.rhs, evaluate=False)

    def check(self, rng) -> StepResult:
        r = self.claim.check(rng)
        if r.verdict is Verdict.REFUTED and "reason" in (r.counterexample or {}):  # not evaluable: no counterexample
            return StepResult(Verdict.REFUTED, r.method, f"no counterexample: {r.detail}", counterexample=r.counterexample)
        if r.verdict is Verdict.REFUTED:
            return StepResult(Verdict.PROVED, f"counterexample ({r.method})", f"the claim fails: {r.detail}",
                              counterexample=None, max_discrepancy=r.max_discrepancy, dps=r.dps)
        return StepResult(Verdict.REFUTED, r.method, "the claimed counterexample does not refute the bound",
                          counterexample={"verdict": str(r.verdict)})


IDENTITY = Identity(
    id="spectral_radius_is_not_enough",
    title="The spectral radius is not enough: the condition needs the largest singular value",
    section="D",
    summary="W = [[1/2, 3], [0, 1/2]]: rho(W) = 1/2 < 1 but ||dh_t/dh_{t-2}|| = ||W^2|| ~ 3.02 > 1 (tanh, linear regime)",
    statement=sp.Gt(SpectralNorm(StateJacobian(h(t), h(t - 2))), 1, evaluate=False),
    steps=_steps(),
    symbols=(SymbolSpec(W_hh, "recurrent weight matrix (here the 2 x 2 witness W)", (n, n)),),
    derived={"lhs": lhs, "radius_bound": radius_bound},
    witnesses={"W": W, "h": sp.ImmutableMatrix.zeros(2, 1), "activation": "tanh", "lag": 2},
    sources=("IDENTITIES.md D", "Pascanu, Mikolov, Bengio 2013, sec. 2.1"),
)
