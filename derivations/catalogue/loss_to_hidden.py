r"""``loss_to_hidden``: :math:`\frac{\partial\ell_i}{\partial h_j} = \frac{\partial\ell_i}{\partial h_i}\prod_{j<q\le i}J_q`, for ``j <= i``.

Row-gradient convention: :math:`\partial\ell_i/\partial h_j` is a ``1 x n`` row, and
:math:`\partial\ell_i/\partial h_i = \delta_i^\top W_{yh}` with :math:`\delta_i = W_{yh}h_i + b_y - o_i`.

Time symbols: ``i`` is the time of the loss term, ``j`` the time of the state (both free);
``q`` is the bound variable of the ordered product (latest factor on the left).

Proved by induction on ``j`` downwards from ``i`` (base: the empty product; step: one more
factor :math:`J_j` on the right by the chain rule, for generic non-commuting :math:`J`), and
checked on concrete networks by complex step.

Reference: IDENTITIES.md section C; Pascanu, Mikolov, Bengio (2013), eq. (5).
"""

from __future__ import annotations

import sympy as sp

from ..claims import Induction
from ..explicit import ExplicitElman
from ..matexpr import OrderedProduct, TimeIndexed
from ..matrixclaims import Instance, MatrixEq
from ..model import COLUMN, Identity, Notation, Step, SymbolSpec
from ..symbols import W_hh, W_yh, b_y, h, i, j, m, n, o
from .bptt_recursion import jacobian
from ..rewrite import RewriteEq, peel_lower
from .loss_gradients import delta

__all__ = ["IDENTITY", "q", "dl_dh", "induction", "network_check"]

#: bound variable of the ordered product; w >= 0 encodes j <= i in the inductive step
q = sp.Symbol("q", integer=True)
w = sp.Symbol("w", integer=True, nonnegative=True)
_c = sp.MatrixSymbol("c", 1, n)  # generic row dl_i/dh_i
_J = TimeIndexed("J", q, n, n)


def dl_dh(name="tanh", *, lower=1):
    """:math:`\\delta_i^\\top W_{yh}\\prod_{q=j+1}^{i}J_q` (1 x n); ``lower=0`` starts the product at q = j (mutation)."""
    return sp.Transpose(delta(i)) * W_yh * OrderedProduct(jacobian(q, name), (q, j + lower, i))


def induction(*, lower=1):
    """Base j = i: c ∏_{q=i+1}^{i} J_q = c; step: c ∏_{q=j}^{i} J_q = (c ∏_{q=j+1}^{i} J_q) J_j for j <= i."""
    base = RewriteEq(sp.MatMul(_c, OrderedProduct(_J, (q, i + lower, i))), _c, instances=[{i: 3}])
    step = RewriteEq(_c * OrderedProduct(_J, (q, j + lower - 1, i)),
                     _c * OrderedProduct(_J, (q, j + lower, i)) * _J.xreplace({q: j}),
                     instances=[{i: 3, j: 2}, {i: 4, j: 1}], lhs_rules=((peel_lower, q),), assume={i: j + w})
    return Induction(j, base, step, text=r"c\prod_{q=i+1}^{i}J_q = c,\quad c\prod_{q=j}^{i}J_q = \Big(c\prod_{q=j+1}^{i}J_q\Big)J_j")


def _reference(net, li, lj):
    """∂ℓ_i/∂h_j (1 x n) by complex step: perturb h_j, run forward to h_i, evaluate ℓ_i."""
    return net.loss_by_state(lj, terms=[li]).T


def network_check(expr=None, *, pairs=((3, 3), (3, 1), (4, 2)), sizes=(1, 2, 3), activation_name="tanh"):
    """``expr`` (default the derived row) against complex-step ∂ℓ_i/∂h_j on networks, for (i, j) in ``pairs``."""
    expr = dl_dh() if expr is None else expr

    def run(rng, size, inst):
        net = ExplicitElman(n=size, d=2, T=max(a for a, _ in pairs), m=2, rng=rng, activation=activation_name)
        env = net.env()
        return [Instance({**env, "dl/dh": {b: _reference(net, a, b)}}, {i: a, j: b}) for a, b in pairs]
    return MatrixEq(TimeIndexed("dl/dh", j, 1, n), expr, size=n, sizes=sizes, explicit=run,
                    why_not="a cross-check on networks: the proof for every j <= i is the induction of step 2")


def _last_step_check(rng, size, inst):
    """A concrete network; dl_2/dh_2 by complex step stands for the lhs at i = 2."""
    net = ExplicitElman(n=size, d=2, T=2, m=2, rng=rng)
    return Instance({**net.env(), "dl/dh": {2: _reference(net, 2, 2)}}, {i: 2})


_steps = (
    Step(MatrixEq(TimeIndexed("dl/dh", i, 1, n), sp.Transpose(delta(i)) * W_yh, size=n,
                  explicit=_last_step_check, sizes=(1, 2, 3),
                  why_not="checked on networks only: the loss is a sum over output units of symbolic size m"),
         "derivative of 1/2 ||W_yh h_i + b_y - o_i||^2 by h_i (row gradient); explicit network check"),
    Step(induction(), "induction on j downwards from i: empty product at j = i; chain rule "
                      "dl_i/dh_(j-1) = (dl_i/dh_j) J_j, peeling the earliest factor"),
    Step(network_check(), "explicit check on networks: complex step through the forward map, 80 digits"),
    Step(network_check(dl_dh("sigmoid"), pairs=((3, 3), (3, 1)), sizes=(1, 2), activation_name="sigmoid"),
         "the same on sigmoid networks, J_q = diag(sigma'(z_q)) W_hh"),
)

IDENTITY = Identity(
    id="loss_to_hidden",
    title="Gradient of a loss term by an earlier hidden state",
    section="C",
    summary="∂ℓ_i/∂h_j = (∂ℓ_i/∂h_i) ∏_{j<q≤i} J_q (row gradients), j ≤ i",
    statement=sp.Eq(TimeIndexed("dl/dh", j, 1, n), dl_dh(), evaluate=False),
    steps=_steps,
    symbols=(
        SymbolSpec(i, "time of the loss term ℓ_i (free)"),
        SymbolSpec(j, "time of the hidden state h_j, j ≤ i (free)"),
        SymbolSpec(q, "bound variable of the ordered product"),
        SymbolSpec(h(j), "hidden state", (n, 1), (-1.0, 1.0)),
        SymbolSpec(o(i), "target", (m, 1)),
        SymbolSpec(W_hh, "recurrent weights", (n, n)),
        SymbolSpec(W_yh, "output weights", (m, n)),
        SymbolSpec(b_y, "output bias", (m, 1)),
    ),
    derived={"dl_i_dh_j": lambda name: dl_dh(name)},
    notation=Notation(vectors=COLUMN + " states; gradients of scalars are 1 x n rows (row-gradient convention)"),
    sources=("IDENTITIES.md C", "Pascanu, Mikolov, Bengio 2013, eq. (5)"),
)
