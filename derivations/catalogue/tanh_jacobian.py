r"""``tanh_jacobian``: :math:`J_t = \partial h_t/\partial h_{t-1} = \operatorname{diag}(1-h_t\odot h_t)\,W_{hh}`.

For a general activation :math:`J_t = \operatorname{diag}(\varphi'(z_t))W_{hh}`; in row-vector
notation (:math:`h_t = \varphi(x_tW_{xh} + h_{t-1}W_{hh} + b)`) the numerator-layout Jacobian is
:math:`\operatorname{diag}(1-h_t^2)W_{hh}^\top`.  :math:`W_{hh}^\top\operatorname{diag}(\varphi'(z_t))`
(Pascanu et al. 2013, eq. 7) is the transpose: equal in norm, not as a Jacobian.

Reference: IDENTITIES.md section B; Pascanu, Mikolov, Bengio (2013), sec. 2.
"""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from ..claims import Rel
from ..explicit import ExplicitElman
from ..evaluate import evaluate
from ..functions import activation, activation_derivative
from ..matexpr import SpectralNorm, StateJacobian, diag, ones, square
from ..matrixclaims import MatrixEq, MatrixRel
from ..model import COLUMN, ROW, Identity, Notation, Step, SymbolSpec
from ..symbols import W_hh, W_xh, b_h, h, n, t, x, z, x_scalar

__all__ = ["IDENTITY", "jacobian", "jacobian_row", "general_jacobian", "explicit_jacobian_check"]


def jacobian(time=t):
    """:math:`\\operatorname{diag}(1 - h_{time}\\odot h_{time})\\,W_{hh}` (column notation)."""
    return diag(ones(n) - square(h(time))) * W_hh


def jacobian_row(time=t):
    """:math:`\\operatorname{diag}(1 - h_{time}\\odot h_{time})\\,W_{hh}^\\top` (row notation)."""
    return diag(ones(n) - square(h(time))) * W_hh.T


def phi_prime(time=t, name="tanh"):
    """:math:`\\varphi'(z_{time})` elementwise, with :math:`\\varphi'` derived by SymPy."""
    return ElementwiseApplyFunction(activation_derivative(name), z(time))


def explicit_jacobian_check(rhs, *, row=False, activation_name="tanh", lag=1):
    """An ``explicit`` hook: exact ∂h_t/∂h_{t-lag} of a concrete network against ``rhs``."""
    def run(rng, size, inst):
        T = 4
        net = ExplicitElman(n=size, d=2, T=T, rng=rng, activation=activation_name, row=row)
        return net.state_jacobian(T, T - lag), evaluate(rhs, net.env(), {**inst, t: T}, backend="sympy")
    return run


def indexed_entry(kind="column", name="tanh"):
    r"""``entry(i, j)`` of ``lhs - rhs`` at symbolic n, written with ``Indexed`` symbols.

    The lhs entry is SymPy's derivative of the forward map itself, e.g. for the column form
    :math:`\partial/\partial h_{t-1,j}\,\varphi(\sum_q W_{iq}h_{t-1,q} + u_i)`.
    """
    Wi, hp, u = sp.IndexedBase("W"), sp.IndexedBase("hprev"), sp.IndexedBase("u")
    q = sp.Dummy("q", integer=True)
    phi, dphi = activation(name), activation_derivative(name)

    def entry(i, j):
        if kind == "row":  # z_i = sum_q hprev_q W_{q i} + u_i
            zi = sp.Sum(hp[q] * Wi[q, i], (q, 0, n - 1)) + u[i]
            return sp.diff(phi(zi), hp[j]) - (1 - sp.tanh(zi) ** 2) * Wi[j, i]
        zi = sp.Sum(Wi[i, q] * hp[q], (q, 0, n - 1)) + u[i]
        if kind == "general":
            return sp.diff(phi(zi), hp[j]) - dphi(zi) * Wi[i, j]
        return sp.diff(phi(zi), hp[j]) - (1 - sp.tanh(zi) ** 2) * Wi[i, j]
    return entry


_J = StateJacobian(h(t), h(t - 1))


def general_jacobian(name="tanh"):
    """:math:`\\operatorname{diag}(\\varphi'(z_t))\\,W_{hh}` with :math:`\\varphi'` derived for activation ``name``."""
    return diag(phi_prime(name=name)) * W_hh


_gen = general_jacobian("tanh")
_dz = StateJacobian(z(t), h(t - 1))

_steps = (
    Step(MatrixEq(_J, _gen, size=n, explicit=explicit_jacobian_check(_gen),
                  entry=indexed_entry("general")),
         "chain rule: h_t = phi(z_t) elementwise, z_t = W_hh h_{t-1} + W_xh x_t + b_h is linear in h_{t-1}"),
    Step(MatrixEq(_J, general_jacobian("sigmoid"), size=n,
                  explicit=explicit_jacobian_check(general_jacobian("sigmoid"), activation_name="sigmoid"),
                  entry=indexed_entry("general", "sigmoid")),
         "chain rule, the same for phi = sigma: h_t = sigma(z_t) elementwise"),
    Step(Rel(activation_derivative("tanh")(x_scalar), "=", 1 - sp.tanh(x_scalar) ** 2),
         "tanh' = 1 - tanh^2 (tanh_derivative)"),
    Step(MatrixEq(_J, jacobian(), size=n, explicit=explicit_jacobian_check(jacobian()), entry=indexed_entry()),
         "h_t = tanh(z_t), so phi'(z_t) = 1 - h_t (.) h_t"),
    Step(MatrixEq(_J, jacobian_row(), size=n, explicit=explicit_jacobian_check(jacobian_row(), row=True),
                  entry=indexed_entry("row")),
         "row-vector notation: h_t = phi(x_t W_xh + h_{t-1} W_hh + b), so dh_{t,j}/dh_{t-1,i} = W_ij (1 - h_{t,j}^2)",
         note="row"),
    Step(MatrixEq(sp.Transpose(jacobian()), W_hh.T * diag(ones(n) - square(h(t))), size=n),
         "transpose of a product; diag is symmetric"),
    Step(MatrixRel(SpectralNorm(W_hh.T * diag(ones(n) - square(h(t)))), "=", SpectralNorm(jacobian()), size=n,
                   domains={"h": (-1.0, 1.0)}),
         "||A^T|| = ||A||: the Pascanu et al. eq. 7 form is equal in norm, not as a Jacobian"),
)

IDENTITY = Identity(
    id="tanh_jacobian",
    title="The one-step Jacobian of a tanh RNN",
    section="B",
    summary="J_t = dh_t/dh_{t-1} = diag(1 - h_t * h_t) W_hh  (row notation: diag(1 - h_t^2) W_hh^T)",
    statement=sp.Eq(_J, jacobian(), evaluate=False),
    steps=_steps,
    symbols=(
        SymbolSpec(h(t), "hidden state at time t, entries in (-1, 1)", (n, 1), (-1.0, 1.0)),
        SymbolSpec(z(t), "pre-activation at time t", (n, 1), (-3.0, 3.0)),
        SymbolSpec(W_hh, "recurrent weight matrix", (n, n)),
        SymbolSpec(W_xh, "input weight matrix", (n, sp.Symbol("d"))),
        SymbolSpec(b_h, "hidden bias", (n, 1)),
        SymbolSpec(x(t), "input at time t", (sp.Symbol("d"), 1)),
    ),
    derived={"J": jacobian(), "J_general": general_jacobian, "J_row": jacobian_row(), "J_transposed_wrong": W_hh.T * diag(ones(n) - square(h(t)))},
    notation=Notation(vectors=COLUMN + " (row-vector form also derived)"),
    sources=("IDENTITIES.md B", "Pascanu, Mikolov, Bengio 2013, sec. 2, eq. (7) (printed transposed)"),
)
