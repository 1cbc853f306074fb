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
from ..instantiation import Instantiation
from ..matrixclaims import MatrixEq
from ..model import COLUMN, Identity, Notation, Step, SymbolSpec
from ..symbols import W_hh, W_xh, b_h, h, i, k, n, t
from ..rewrite import RewriteEq, peel_upper, split_last
from .bptt_recursion import PARAMS, TotalDerivative, immediate, jacobian, network_check

__all__ = ["IDENTITY", "sum_of_products", "induction", "statement_induction", "unrolled_check", "P", "tau", "V", "INDUCTIONS"]

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
    why = ("a cross-check on networks; step 1 proves that the sum of products solves the recursion for generic "
           "J_i, G_k, but an induction about the identity for this θ needs the immediate partial diag(phi') (I (x) v^T) "
           "entrywise at symbolic n, which is not modelled yet (bptt_recursion steps 1-2, 4-5)")
    return MatrixEq(TotalDerivative(h(t), PARAMS[param]), expr, size=n, sizes=sizes,
                    explicit=network_check(T=T, activation_name=name),
                    why_not=why if param != "b_h" else "a cross-check on networks; the proof is the induction of steps 2-3")


#: the variable of the inductions about the identity itself: a time v >= 0
V = sp.Symbol("v", integer=True, nonnegative=True)
_T_NONNEG = {t: sp.Symbol("s_0", integer=True, nonnegative=True)}


def _empty_sum_entry(lhs, rhs):
    """Entry of ``dh_0/db_h - (empty sum)``: h_0 is a given constant (SymPy: d h_{0,r}/d b_c = 0), the empty
    sum is 0 by its definition (``doit`` of the printed side)."""
    H0, B = sp.IndexedBase("h_0"), sp.IndexedBase("b")

    def entry(r, c):
        return sp.diff(H0[r], B[c]) - rhs.doit()[r, c]
    return entry


def statement_induction(name="tanh"):
    r"""Induction on ``v`` about the identity itself for θ = b_h: :math:`P(v)`: :math:`dh_v/db_h = \sum_{k=1}^{v}
    (\prod_{i=k+1}^{v}J_i)\,\partial^+h_k/\partial b_h`.

    Base :math:`P(0)` (h_0 does not depend on b_h; the empty sum); step: the recursion at v + 1 (bptt_recursion,
    entrywise), the immediate partial :math:`\operatorname{diag}(\varphi'(z_{v+1}))` (entrywise), the hypothesis
    :math:`P(v)`, then split the last term and peel :math:`J_{v+1}` (rewrite rules).
    """
    from .bptt_recursion import immediate_entry, recursion_entry
    from .hidden_state_chain import Conjunction
    P_lhs, P_rhs = TotalDerivative(h(V), b_h), total("b_h", name).xreplace({t: V})
    at = lambda e, val: e.xreplace({V: val})  # noqa: E731
    hook = network_check(T=3, times=(2,), activation_name=name)
    b_lhs, b_rhs = at(P_lhs, 0), at(P_rhs, 0)
    base = MatrixEq(b_lhs, b_rhs, size=n, explicit=hook, sizes=(1, 2), entry=_empty_sum_entry(b_lhs, b_rhs),
                    entry_for=(b_lhs, b_rhs))
    J_next, now = jacobian(V + 1, name), at(P_lhs, V + 1)
    rec_rhs = sp.MatAdd(TotalDerivative(h(V + 1), b_h, True), J_next * P_lhs)
    recursion = MatrixEq(now, rec_rhs, size=n, entry=recursion_entry, entry_for=(now, rec_rhs), explicit=hook,
                         instances=({V: 1},), sizes=(1, 2))
    imm_rhs = sp.MatAdd(immediate("b_h", V + 1, name), J_next * P_lhs)
    partial = MatrixEq(rec_rhs, imm_rhs, size=n, entry=lambda a, b: immediate_entry(a, b, name), entry_for=(rec_rhs, imm_rhs),
                       explicit=hook, instances=({V: 1},), sizes=(1, 2))
    peel = RewriteEq(sp.MatAdd(immediate("b_h", V + 1, name), J_next * P_rhs), at(P_rhs, V + 1), sizes=(1, 2),
                     instances=[{V: 2}], rhs_rules=((split_last, k), (peel_upper, i)))
    step = Conjunction((recursion, partial, peel),
                       text=r"dh_{v+1}/db_h = \partial^+ h_{v+1}/\partial b_h + J_{v+1}\, dh_v/db_h"
                            r" = \operatorname{diag}(\varphi'(z_{v+1})) + J_{v+1}\, dh_v/db_h"
                            r" = \operatorname{diag}(\varphi'(z_{v+1})) + J_{v+1} S_v = S_{v+1}")
    return Induction(V, base, step, text=r"dh_v/db_h = S_v = \sum_{k=1}^{v} (\prod_{i=k+1}^{v} J_i)\, "
                                         r"\partial^+ h_k/\partial b_h \quad (v \ge 0)",
                     statement=(P_lhs, P_rhs), start=0)


#: the inductions about the identity (θ = b_h), one per activation; truncated_bptt cites them
INDUCTIONS = {name: statement_induction(name) for name in ("tanh", "sigmoid")}


def _steps():
    inductions = INDUCTIONS
    steps = [Step(induction(), "induction on t from bptt_recursion with dh_0/dθ = 0 (h_0 does not depend on θ); "
                               "split the last term of the sum, peel J_(t+1) off the ordered product")]
    for name in ("tanh", "sigmoid"):
        steps.append(Step(inductions[name], f"induction on v >= 0 about the identity for θ = b_h ({name}): base v = 0 "
                                            "(h_0 is given, the empty sum is 0); step: bptt_recursion at v + 1, the "
                                            "immediate partial, the hypothesis, split the last term and peel J_(v+1)"))
    sizes = {"W_hh": (1, 2, 3), "W_xh": (1, 2, 3), "b_h": (1, 2, 3, 4)}
    for name, T_, why in (("tanh", 5, "explicit unrolled check for t = 1..5 on concrete networks"),
                          ("sigmoid", 3, "the same on sigmoid networks for t = 1..3")):
        for p in PARAMS:  # the sigmoid forms are those the numeric side evaluates on sigmoid runs
            claim = unrolled_check(p, total(p, name), T=T_, name=name, sizes=sizes[p] if name == "tanh" else (1, 2))
            if p == "b_h":  # an instance of the induction about the identity (steps 2-3)
                claim = Instantiation(inductions[name], {V: t}, claim, given=_T_NONNEG, condition="t >= 0")
            steps.append(Step(claim, f"{why} (theta = {p}" + (", complex step, 80 digits)" if name == "tanh" else ")")
                              + (f"; the statement of step {2 if name == 'tanh' else 3} at v = t" if p == "b_h" else "")))
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
