r"""``bptt_sum_of_products``: :math:`\frac{dh_t}{d\theta} = \sum_{k=1}^{t}\Big(\prod_{i=k+1}^{t}J_i\Big)\frac{\partial^+h_k}{\partial\theta}`.

Proved for every ``t`` by induction from ``bptt_recursion`` (with :math:`dh_0/d\theta = 0`), for
*arbitrary* non-commuting sequences :math:`J_i` (``n x n``) and :math:`G_k` (``n x P``):

* base: :math:`G_1 + J_1\cdot 0 = \sum_{k=1}^{1}(\prod_{i=k+1}^{1}J_i)G_k`;
* step: :math:`G_{t+1} + J_{t+1}S_t = S_{t+1}` where :math:`S_t` is the sum of products.

Each is proved by :class:`RewriteEq`: sound rewrite rules (split a finite sum at an end, peel
one factor off an ordered product, exchange a triangular double sum), each with its side
condition (the range is non-empty) decided by SymPy's assumptions, then linearity/associativity
to a normal form and structural comparison -- always cross-checked with explicit random
matrices n = 1..4.  The statement is then unrolled on concrete networks for t <= 5.

Reference: IDENTITIES.md section C; Pascanu, Mikolov, Bengio (2013), eq. (4)-(5).
"""

from __future__ import annotations

import sympy as sp

from ..claims import Induction
from ..matexpr import OrderedProduct, TimeIndexed, TimeSum
from ..matrixclaims import MatrixEq
from ..model import COLUMN, Identity, Notation, Step, SymbolSpec
from ..symbols import W_hh, W_xh, b_h, h, i, k, n, t
from ..rewrite import RewriteEq, peel_upper, split_last
from .bptt_recursion import PARAMS, TotalDerivative, immediate, jacobian, network_check

__all__ = ["IDENTITY", "sum_of_products", "induction", "unrolled_check", "P", "tau"]

#: generic column count of G_k in the induction (any P works; explicit checks use P = 2)
P = sp.Symbol("P", integer=True, positive=True)
#: the induction variable: a positive integer time (the step goes from tau to tau + 1)
tau = sp.Symbol("t", integer=True, positive=True)
_J = TimeIndexed("J", i, n, n)


def sum_of_products(time=t, *, G=None, start=1):
    """:math:`S_{time} = \\sum_{k=1}^{time}(\\prod_{i=k+start}^{time}J_i)G_k` (``start=0`` is the classic mutation)."""
    G = G if G is not None else TimeIndexed("G", k, n, P)
    return TimeSum(OrderedProduct(_J, (i, k + start, time)) * G, (k, 1, time))


def induction(*, start=1, drop_immediate=False):
    """The induction on ``t``: base case at t = 1 and step t -> t + 1, for generic J_i, G_k."""
    G = TimeIndexed("G", k, n, P)
    first = sp.MatAdd(G.at(1), sp.MatMul(_J.xreplace({i: 1}), sp.ZeroMatrix(n, P)))  # unevaluated, as stated
    base = RewriteEq(first, sum_of_products(1, start=start), instances=[{P: 2}])
    nxt = _J.xreplace({i: tau + 1}) * sum_of_products(tau, start=start)
    lhs = nxt if drop_immediate else sp.MatAdd(G.at(tau + 1), nxt)
    step = RewriteEq(lhs, sum_of_products(tau + 1, start=start), instances=[{tau: 1, P: 2}, {tau: 3, P: 2}],
                     rhs_rules=((split_last, k), (peel_upper, i)))
    return Induction(tau, base, step, text=r"S_1 = G_1 + J_1 \cdot 0,\quad G_{t+1} + J_{t+1} S_t = S_{t+1}")


def total(param, name="tanh", *, start=1, lag=1):
    """:math:`\\sum_{k=1}^{t}(\\prod_{i=k+1}^{t}J_i)\\,\\partial^+h_k/\\partial\\theta` with the network's J and partials."""
    return TimeSum(OrderedProduct(jacobian(i, name), (i, k + start, t)) * immediate(param, k, name, lag=lag), (k, 1, t))


def unrolled_check(param, expr, *, T=5, name="tanh", sizes=(1, 2, 3)):
    """Explicit check: complex-step dh_t/dθ of concrete networks against ``expr`` for t = 1..T."""
    return MatrixEq(TotalDerivative(h(t), PARAMS[param]), expr, size=n, sizes=sizes,
                    explicit=network_check(T=T, activation_name=name),
                    why_not="a cross-check on t = 1..5: the proof for every t is the induction of step 1")


def _steps():
    steps = [Step(induction(), "induction on t from bptt_recursion with dh_0/dθ = 0 (h_0 does not depend on θ); "
                               "split the last term of the sum, peel J_(t+1) off the ordered product")]
    sizes = {"W_hh": (1, 2, 3), "W_xh": (1, 2, 3), "b_h": (1, 2, 3, 4)}
    for p in PARAMS:
        steps.append(Step(unrolled_check(p, total(p), sizes=sizes[p]),
                          f"explicit unrolled check for t = 1..5 on concrete networks (theta = {p}, complex step, 80 digits)"))
    for p in PARAMS:  # the sigmoid forms the numeric side evaluates on sigmoid runs
        steps.append(Step(unrolled_check(p, total(p, "sigmoid"), T=3, name="sigmoid", sizes=(1, 2)),
                          f"the same on sigmoid networks for t = 1..3 (theta = {p})"))
    return tuple(steps)


IDENTITY = Identity(
    id="bptt_sum_of_products",
    title="BPTT as a sum over time of products of Jacobians",
    section="C",
    summary="dh_t/dθ = Σ_{k=1}^{t} (∏_{i=k+1}^{t} J_i) ∂⁺h_k/∂θ",
    statement=sp.Eq(TotalDerivative(h(t), W_hh), total("W_hh"), evaluate=False),
    steps=_steps(),
    symbols=(
        SymbolSpec(h(t), "hidden state at time t", (n, 1), (-1.0, 1.0)),
        SymbolSpec(_J, "one-step Jacobian J_i = diag(phi'(z_i)) W_hh (generic in the induction)", (n, n)),
        SymbolSpec(TimeIndexed("G", k, n, P), "immediate partial dh_k/dθ (generic in the induction)", (n, P)),
        SymbolSpec(W_hh, "recurrent weights", (n, n)),
        SymbolSpec(W_xh, "input weights", (n, sp.Symbol("d"))),
        SymbolSpec(b_h, "hidden bias", (n, 1)),
    ),
    derived={f"total_{p}": (lambda name, p=p: total(p, name)) for p in PARAMS},
    notation=Notation(vectors=COLUMN + "; vec(θ) row-major (numpy ravel order); products latest on the left"),
    sources=("IDENTITIES.md C", "Pascanu, Mikolov, Bengio 2013, eq. (4)-(5)", "Werbos 1990"),
)
