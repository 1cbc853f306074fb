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
from ..functions import activation, activation_derivative
from ..matexpr import SpectralNorm, StateJacobian, diag, ones, square
from ..lemmas import ByLemma
from ..matrixclaims import EntryModel, Instance, MatrixEq, MatrixRel
from ..model import COLUMN, ROW, Identity, Notation, Step, SymbolSpec
from ..symbols import W_hh, W_xh, b_h, h, n, t, x, z, x_scalar

__all__ = ["IDENTITY", "jacobian", "jacobian_row", "general_jacobian", "explicit_jacobian_check", "elman_entries"]


def jacobian(time=t):
    """:math:`\\operatorname{diag}(1 - h_{time}\\odot h_{time})\\,W_{hh}` (column notation)."""
    return diag(ones(n) - square(h(time))) * W_hh


def jacobian_row(time=t):
    """:math:`\\operatorname{diag}(1 - h_{time}\\odot h_{time})\\,W_{hh}^\\top` (row notation)."""
    return diag(ones(n) - square(h(time))) * W_hh.T


def phi_prime(time=t, name="tanh"):
    """:math:`\\varphi'(z_{time})` elementwise, with :math:`\\varphi'` derived by SymPy."""
    return ElementwiseApplyFunction(activation_derivative(name), z(time))


def explicit_jacobian_check(*, row=False, activation_name="tanh", lag=1):
    """An ``explicit`` hook: a concrete network whose exact dh_T/dh_{T-lag} stands for the claim's lhs.

    It returns an :class:`Instance`; the claim evaluates its own printed sides on it.
    """
    def run(rng, size, inst):
        T = 4
        net = ExplicitElman(n=size, d=2, T=T, rng=rng, activation=activation_name, row=row)
        return Instance(net.env(), {**inst, t: T},
                        defined={StateJacobian(h(t), h(t - lag)): net.state_jacobian(T, T - lag)})
    return run


def elman_entries(kind="column", name="tanh"):
    r"""The :class:`EntryModel` of one Elman step at symbolic n.

    The defined quantity :math:`\partial h_t/\partial h_{t-1}` has entry ``(a, b)`` =
    SymPy's derivative of the forward map :math:`\varphi(\sum_q (W_{hh})_{aq} h_{t-1,q} + u_a)`
    by :math:`h_{t-1,b}` (row notation: :math:`\sum_q h_{t-1,q}(W_{hh})_{qa}`); in the claim's
    sides :math:`h_{t,a}` stands for :math:`\varphi(z_{t,a})` and :math:`z_{t,a}` for that sum.
    """
    H, Z, U = sp.IndexedBase("h"), sp.IndexedBase("z"), sp.IndexedBase("u")
    phi, q = activation(name), sp.Dummy("q", integer=True)  # one bound index: equal sums compare equal

    def z_of(a):
        if kind == "row":
            return sp.Sum(H[t - 1, q] * W_hh[q, a], (q, 0, n - 1)) + U[a]
        return sp.Sum(W_hh[a, q] * H[t - 1, q], (q, 0, n - 1)) + U[a]

    def at_t(base):
        return lambda x: isinstance(x, sp.Indexed) and x.base == base and x.indices[0] == t

    def leaves(e):
        e = e.replace(at_t(H), lambda x: phi(z_of(x.indices[1])))
        return e.replace(at_t(Z), lambda x: z_of(x.indices[1]))
    return EntryModel({StateJacobian(h(t), h(t - 1)): lambda a, b: sp.diff(phi(z_of(a)), H[t - 1, b])}, leaves)


_J = StateJacobian(h(t), h(t - 1))


def general_jacobian(name="tanh"):
    """:math:`\\operatorname{diag}(\\varphi'(z_t))\\,W_{hh}` with :math:`\\varphi'` derived for activation ``name``."""
    return diag(phi_prime(name=name)) * W_hh


_gen = general_jacobian("tanh")
_dz = StateJacobian(z(t), h(t - 1))

_steps = (
    Step(MatrixEq(_J, _gen, size=n, explicit=explicit_jacobian_check(), entry=elman_entries()),
         "chain rule: h_t = phi(z_t) elementwise, z_t = W_hh h_{t-1} + W_xh x_t + b_h is linear in h_{t-1}"),
    Step(MatrixEq(_J, general_jacobian("sigmoid"), size=n,
                  explicit=explicit_jacobian_check(activation_name="sigmoid"),
                  entry=elman_entries(name="sigmoid")),
         "chain rule, the same for phi = sigma: h_t = sigma(z_t) elementwise"),
    Step(Rel(activation_derivative("tanh")(x_scalar), "=", 1 - sp.tanh(x_scalar) ** 2),
         "tanh' = 1 - tanh^2 (tanh_derivative)"),
    Step(MatrixEq(_J, jacobian(), size=n, explicit=explicit_jacobian_check(), entry=elman_entries()),
         "h_t = tanh(z_t), so phi'(z_t) = 1 - h_t (.) h_t"),
    Step(MatrixEq(_J, jacobian_row(), size=n, explicit=explicit_jacobian_check(row=True),
                  entry=elman_entries("row")),
         "row-vector notation: h_t = phi(x_t W_xh + h_{t-1} W_hh + b), so dh_{t,j}/dh_{t-1,i} = W_ij (1 - h_{t,j}^2)",
         note="row"),
    Step(MatrixEq(sp.Transpose(jacobian()), W_hh.T * diag(ones(n) - square(h(t))), size=n),
         "transpose of a product; diag is symmetric"),
    Step(ByLemma("transpose_norm", MatrixRel(SpectralNorm(W_hh.T * diag(ones(n) - square(h(t)))), "=",
                                             SpectralNorm(jacobian()), size=n, domains={"h": (-1.0, 1.0)})),
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
