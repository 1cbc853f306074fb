r"""``bidirectional_gradient``: the input gradient of a bidirectional RNN is a sum of two products.

A forward chain (the catalogue's Elman layer) and a backward chain over reversed time, with a linear
read-out on both states (column vectors, numerator layout; Schuster & Paliwal 1997):

.. math::
   h_t = \tanh(W_{hh}h_{t-1} + W_{xh}x_t + b_h),\quad
   \overleftarrow h_t = \tanh(W_b\overleftarrow h_{t+1} + U_b x_t + b_b)\ (\overleftarrow h_{T+1} = 0),\quad
   y_t = V_f h_t + V_b\overleftarrow h_t + c,

:math:`L = \sum_{t=1}^{T}\ell_t(y_t)`, :math:`\delta_t = \partial\ell_t/\partial y_t` (a column).  With
:math:`A_i = \operatorname{diag}(1-h_i\odot h_i)W_{hh}` and
:math:`\overleftarrow A_i = \partial\overleftarrow h_i/\partial\overleftarrow h_{i+1} =
\operatorname{diag}(1-\overleftarrow h_i\odot\overleftarrow h_i)W_b`, the row gradient (1 x d) is

.. math::
   \frac{\partial L}{\partial x_k} = \sum_{t=k}^{T}\delta_t^\top V_f\Big(\prod_{i=k+1}^{t}A_i\Big)
     \operatorname{diag}(1-h_k^{2})W_{xh}
   + \sum_{t=1}^{k}\delta_t^\top V_b\,\overleftarrow A_t\overleftarrow A_{t+1}\cdots\overleftarrow A_{k-1}
     \operatorname{diag}(1-\overleftarrow h_k^{2})U_b,

the backward product written as :math:`\prod_{j=t}^{k-1}\overleftarrow A_{t+k-1-j}` (latest factor on
the left means *earliest time* on the left here).  Each direction has its own vanishing bound:
:math:`\lVert\text{forward part}\rVert \le \sum_{t\ge k}\lVert\delta_t\rVert\lVert V_f\rVert(\gamma\lambda_f)^{t-k}\gamma\lVert W_{xh}\rVert`
with :math:`\lambda_f = \lVert W_{hh}\rVert`, and the same for the backward part with
:math:`\lambda_b = \lVert W_b\rVert` and :math:`(\gamma\lambda_b)^{k-t}`.

Grading: the three one-step Jacobians are proved entrywise at symbolic ``n`` (and ``d``); the backward
chain's product is proved by induction on :math:`k - t` generated from its statement (chain rule at
symbolic ``n``, the hypothesis, a structural peel with an index shift); the split of
:math:`\partial L/\partial x_k` into the two chains' parts and each part's sum of products are
*numerically confirmed* on explicit bidirectional networks (complex step of the actual loss at 80
digits, each chain's copy of :math:`x_k` perturbed on its own); the norm steps are the triangle lemma,
and termwise bounds (confirmed: no termwise-sum lemma).

Reference: Schuster & Paliwal (1997), IEEE Trans. Signal Processing 45(11); Graves & Schmidhuber
(2005); Pascanu, Mikolov, Bengio (2013), sec. 2.1.
"""

from __future__ import annotations

import sympy as sp

from ..explicit_stacked import ExplicitBidirectional
from ..functions import activation
from ..lemmas import ByLemma
from ..matexpr import OrderedProduct, SpectralNorm, StateJacobian, TimeIndexed, TimeSum, diag, ones, square
from ..matrixclaims import EntryModel, Instance, MatrixEq, MatrixRel
from ..model import COLUMN, Identity, Notation, Step, SymbolSpec
from ..claims import Induction
from ..stackproof import ShiftPeel, chain_rule_entry, indexed, mm, random_leaves_hook, unroll_sum
from .hidden_state_chain import Conjunction
from ..symbols import T, W_hh, W_xh, b_h, d, h, i, j, k, m, n, t, x
from .hidden_state_chain import tanh_factor

__all__ = ["IDENTITY", "hb", "W_b", "U_b", "V_f", "V_b", "A_back", "forward_part", "backward_part", "gradient",
           "forward_bound", "backward_bound", "network_hook"]

W_b, U_b, b_b = sp.MatrixSymbol("W_b", n, n), sp.MatrixSymbol("U_b", n, d), sp.MatrixSymbol("b_b", n, 1)
V_f, V_b, c = sp.MatrixSymbol("V_f", m, n), sp.MatrixSymbol("V_b", m, n), sp.MatrixSymbol("c", m, 1)
_TAU = sp.Symbol("tau", integer=True)
#: explicit sizes of the cross-checks: a scalar network and one where the factors do not commute
_SIZES = (1, 3)
#: sizes of the norm claims (random leaves in two tight regions): the equality case n = 1 and a matrix case
_NORM_SIZES = (1, 2)
_one = ones(n)


def hb(time):
    """Backward-chain state :math:`\\overleftarrow h_{time}` (n x 1)."""
    return TimeIndexed("hb", time, n)


def delta(time):
    """:math:`\\delta_{time} = \\partial\\ell_{time}/\\partial y_{time}` (m x 1)."""
    return TimeIndexed("delta", time, m)


_DB = diag(_one - square(hb(_TAU)))
_DF = diag(_one - square(h(_TAU)))


def A_back(time):
    """:math:`\\overleftarrow A_{time} = \\operatorname{diag}(1-\\overleftarrow h\\odot\\overleftarrow h)W_b`."""
    return mm(_DB, W_b).xreplace({_TAU: sp.sympify(time)})


def _in_forward(time):
    return mm(_DF, W_xh).xreplace({_TAU: sp.sympify(time)})


def _in_backward(time):
    return mm(_DB, U_b).xreplace({_TAU: sp.sympify(time)})


def _forward_product():
    return OrderedProduct(tanh_factor(i), (i, k + 1, t))


def _backward_product():
    return OrderedProduct(A_back(t + k - 1 - j), (j, t, k - 1))


def forward_part():
    """:math:`\\sum_{t=k}^{T}\\delta_t^\\top V_f(\\prod_{i=k+1}^{t}A_i)\\operatorname{diag}(1-h_k^2)W_{xh}` (1 x d)."""
    return TimeSum(mm(delta(t).T, V_f, _forward_product(), _in_forward(k)), (t, k, T))


def backward_part():
    """:math:`\\sum_{t=1}^{k}\\delta_t^\\top V_b(\\prod_{j=t}^{k-1}\\overleftarrow A_{t+k-1-j})\\operatorname{diag}(1-\\overleftarrow h_k^2)U_b`."""
    return TimeSum(mm(delta(t).T, V_b, _backward_product(), _in_backward(k)), (t, 1, k))


def gradient():
    """The sum of the two parts."""
    return sp.MatAdd(forward_part(), backward_part())


def _bound(part):
    """Termwise: :math:`\\lVert\\delta_t\\rVert\\lVert V\\rVert(\\gamma\\lambda)^{gap}\\gamma\\lVert U\\rVert` (tanh: gamma = 1)."""
    if part == "forward":
        return sp.Sum(SpectralNorm(delta(t)) * SpectralNorm(V_f) * SpectralNorm(W_hh) ** (t - k) * SpectralNorm(W_xh),
                      (t, k, T))
    return sp.Sum(SpectralNorm(delta(t)) * SpectralNorm(V_b) * SpectralNorm(W_b) ** (k - t) * SpectralNorm(U_b), (t, 1, k))


def _norm_terms(part):
    """Triangle and submultiplicativity: :math:`\\sum_t\\lVert\\delta_t^\\top\\rVert\\lVert V\\rVert\\lVert\\prod\\rVert\\lVert\\operatorname{diag}\\rVert\\lVert U\\rVert`."""
    if part == "forward":
        factors, lo, hi = (delta(t).T, V_f, _forward_product(), _DF.xreplace({_TAU: k}), W_xh), k, T
    else:
        factors, lo, hi = (delta(t).T, V_b, _backward_product(), _DB.xreplace({_TAU: k}), U_b), 1, k
    return sp.Sum(sp.Mul(*[SpectralNorm(f) for f in factors]), (t, lo, hi))


def forward_bound():
    """The forward direction's vanishing bound (only :math:`W_{hh}` enters)."""
    return _bound("forward")


def backward_bound():
    """The backward direction's vanishing bound (only :math:`W_b` enters)."""
    return _bound("backward")


# ------------------------------------------------------------------ explicit networks
#: names of the defined quantities: dL/dx_k through the forward / backward chain's copy of x_k, and in total
_L = TimeIndexed("L", T, 1)
X_F, X_B = TimeIndexed("x_f", k, d), TimeIndexed("x_b", k, d)


def network_hook(T_len=4):
    """``explicit`` hook: a concrete bidirectional network; every defined node of a side (a state Jacobian,
    a loss gradient) is replaced by the complex-step derivative of its forward map or loss."""
    last = {}

    def run(rng, size, inst):
        if last.get("key") != (id(rng), size):
            net = ExplicitBidirectional(n=size, d=2, T=T_len, rng=rng)
            last.update(key=(id(rng), size), net=net, env=net.env())
        net, env = last["net"], last["env"]
        bind = {sp.sympify(a): sp.Integer(v) for a, v in inst.items()}
        bind[T] = sp.Integer(T_len)

        def value(node):
            a, b = (int(v.time.xreplace(bind)) for v in (node.state, node.earlier))
            st, er = str(node.state.name), str(node.earlier.name)
            if st == "L":
                return net.input_gradient(b, chain={"x": "both", "x_f": "forward", "x_b": "backward"}[er])
            if er == "x":
                return net.input_jacobian("forward" if st == "h" else "backward", b)
            return net.backward_jacobian(a, b)

        def substitute(e):
            e = e.xreplace(bind).replace(lambda a: isinstance(a, TimeSum), unroll_sum)
            return e.xreplace({nd: sp.ImmutableMatrix(value(nd)) for nd in e.atoms(StateJacobian)})
        return Instance(env, bind, substitute=substitute)
    return run


# ------------------------------------------------------------------ one-step Jacobians at symbolic n
def _input_entry(lhs, rhs, chain):
    r"""Entry of :math:`\partial h_k/\partial x_k - \operatorname{diag}(1-h_k^2)W_{xh}` (or the backward chain's),
    from the forward map :math:`\tanh(\sum_p U_{ap}x_{k,p} + u_a)` (the recurrent term and the bias, free of
    :math:`x_k`, are the arbitrary :math:`u_a`); the input size is written
    :math:`d = j + 1 + m_d` (index in range), as :mod:`derivations.matrixclaims` writes ``n``."""
    X, Uu = sp.IndexedBase("x"), sp.IndexedBase("u")
    Ui, state = (W_xh, "h") if chain == "forward" else (U_b, "hb")
    phi, p = activation("tanh"), sp.Dummy("p", integer=True)
    H = sp.IndexedBase(state)

    def z_of(a):  # the recurrent term and the bias do not depend on x_k: they are the arbitrary u_a
        return sp.Sum(Ui[a, p] * X[k, p], (p, 0, d - 1)) + Uu[a]

    def leaves(e):
        return e.replace(lambda v: isinstance(v, sp.Indexed) and v.base == H and v.indices[0] == k,
                         lambda v: phi(z_of(v.indices[1])))
    model = EntryModel({lhs: lambda a, b: sp.diff(phi(z_of(a)), X[k, b])}, leaves)
    md = sp.Dummy("md", integer=True, nonnegative=True)
    return lambda r, col: model.difference(lhs, rhs, r, col).xreplace({d: col + 1 + md})


def _back_step_entries():
    """:math:`\\overleftarrow h_{t,a} = \\tanh(\\sum_q (W_b)_{aq}\\overleftarrow h_{t+1,q} + u_a)` by :math:`\\overleftarrow h_{t+1}`."""
    HB, Uu = sp.IndexedBase("hb"), sp.IndexedBase("u")
    phi, q = activation("tanh"), sp.Dummy("q", integer=True)

    def z_of(a):
        return sp.Sum(W_b[a, q] * HB[t + 1, q], (q, 0, n - 1)) + Uu[a]

    def leaves(e):
        return e.replace(lambda v: isinstance(v, sp.Indexed) and v.base == HB and v.indices[0] == t,
                         lambda v: phi(z_of(v.indices[1])))
    return EntryModel({StateJacobian(hb(t), hb(t + 1)): lambda a, b: sp.diff(phi(z_of(a)), HB[t + 1, b])}, leaves)


GAP = sp.Symbol("g", integer=True, nonnegative=True)  # induction variable k - t of the backward chain


def _backward_induction():
    r"""Induction on :math:`g = k - t`: :math:`P(g)`: :math:`\partial\overleftarrow h_{k-g}/\partial\overleftarrow h_k =
    \prod_{j=k-g}^{k-1}\overleftarrow A_{2k-g-1-j}` (earliest time on the left), generated from its statement."""
    P_l, P_r = StateJacobian(hb(k - GAP), hb(k)), _backward_product().xreplace({t: k - GAP})
    at = lambda e, v: e.xreplace({GAP: v})  # noqa: E731
    hook = network_hook()
    b_l, b_r = at(P_l, 0), at(P_r, 0)
    model = EntryModel({b_l: lambda a, b: sp.KroneckerDelta(a, b)})
    base = MatrixEq(b_l, b_r, size=n, entry=lambda r, col: indexed(model.difference(b_l, b_r.doit(), r, col)), entry_for=(b_l, b_r),
                    explicit=hook, instances=({k: 2},), sizes=_SIZES)
    earlier = k - GAP - 1
    c_l, c_r = at(P_l, GAP + 1), mm(A_back(earlier), P_l)
    chain = MatrixEq(c_l, c_r, size=n, explicit=hook, instances=({GAP: 1, k: 3}, {GAP: 0, k: 2}), sizes=_SIZES,
                     entry_for=(c_l, c_r), entry=chain_rule_entry(c_l, c_r, weights=(W_b,), deps=(P_l,), leaf=hb(earlier), n=n))
    p_l, p_r = mm(A_back(earlier), P_r), at(P_r, GAP + 1)
    peel = ShiftPeel(p_l, p_r, GAP, lambda a, b_: MatrixEq(a, b_, size=n, instances=({GAP: 2, k: 4}, {GAP: 0, k: 1}),
                                                           sizes=_SIZES, domains={"hb": (-1.0, 1.0)}))
    step = Conjunction((chain, peel), text=r"\partial\overleftarrow h_{t-1}/\partial\overleftarrow h_k = \overleftarrow A_{t-1}"
                       r"\,\partial\overleftarrow h_t/\partial\overleftarrow h_k = \overleftarrow A_{t-1}\overleftarrow A_t\cdots"
                       r"\overleftarrow A_{k-1}\quad(t = k - g)",
                       plain="chain rule through hb_{t-1} = tanh(W_b hb_t + ...), the hypothesis, then peel and shift the index")
    return Induction(GAP, base, step, text=r"\partial\overleftarrow h_t/\partial\overleftarrow h_k = \overleftarrow A_t"
                     r"\cdots\overleftarrow A_{k-1}\ \text{for all } t = k - g,\ g \ge 0", statement=(P_l, P_r), start=0)


def _input_step(chain):
    lhs = StateJacobian(h(k) if chain == "forward" else hb(k), x(k))
    rhs = _in_forward(k) if chain == "forward" else _in_backward(k)
    return MatrixEq(lhs, rhs, size=n, entry=_input_entry(lhs, rhs, chain), entry_for=(lhs, rhs), explicit=network_hook(),
                    instances=({k: 2},), sizes=_SIZES)




#: one instance with several terms and one with a single term (where the triangle step is an equality)
_FWD = ({k: 2, T: 4, d: 2, m: 2}, {k: 4, T: 4, d: 2, m: 2})
_BWD = ({k: 3, T: 4, d: 2, m: 2}, {k: 1, T: 4, d: 2, m: 2})


def _rel(left, right, inst, why=""):
    return MatrixRel(left, "<=", right, size=n, explicit=random_leaves_hook(), instances=inst,
                     trials=1, sizes=_NORM_SIZES, why_not=why)


_WHY_TERMWISE = ("termwise: ||prod A|| <= (gamma lambda)^(gap) (product_norm_bound), ||diag(1 - h^2)|| <= gamma = 1 "
                 "(jacobian_norm_bound), ||delta^T|| = ||delta|| (transpose_norm); summing termwise bounds needs a "
                 "sum-monotonicity lemma that derivations.lemmas does not have")
_WHY_SPLIT = "x_k has two copies (the inputs of the two chains); chain rule for a shared input, checked on explicit networks"


def _steps():
    hook = network_hook()
    bind = ({k: 2, T: 4}, {k: 4, T: 4})
    dLdx, dLdxf, dLdxb = StateJacobian(_L, x(k)), StateJacobian(_L, X_F), StateJacobian(_L, X_B)
    return (
        Step(_input_step("forward"), "the input enters the forward chain once: h_k = tanh(W_hh h_{k-1} + W_xh x_k + b_h)"),
        Step(_input_step("backward"), "and the backward chain once: hb_k = tanh(W_b hb_{k+1} + U_b x_k + b_b)"),
        Step(MatrixEq(StateJacobian(hb(t), hb(t + 1)), A_back(t), size=n, entry=_back_step_entries(), explicit=hook,
                      instances=({t: 2},), sizes=_SIZES),
             "one backward step: chain rule through hb_t = tanh(W_b hb_{t+1} + ...), tanh' = 1 - tanh^2"),
        Step(_backward_induction(),
             "backward chain: dhb_t/dhb_k = A<-_t A<-_{t+1} ... A<-_{k-1} for t <= k (earliest time on the left); induction "
             "on g = k - t: base the empty product; step: chain rule, hypothesis, peel and index shift"),
        Step(MatrixEq(dLdx, sp.MatAdd(dLdxf, dLdxb), size=n, explicit=hook, instances=bind, sizes=_SIZES, why_not=_WHY_SPLIT),
             "x_k reaches L through exactly two paths: h_k (then h_t, t >= k) and hb_k (then hb_t, t <= k)"),
        Step(MatrixEq(dLdxf, forward_part(), size=n, explicit=hook, instances=bind, sizes=_SIZES,
                      why_not="sum over the outputs t >= k of the chain rule with hidden_state_chain; assembled on explicit networks"),
             "forward part: L depends on h_k through y_t = V_f h_t + ..., t >= k, and dh_t/dh_k = prod A_i (hidden_state_chain)"),
        Step(MatrixEq(dLdxb, backward_part(), size=n, explicit=hook, instances=bind, sizes=_SIZES,
                      why_not="sum over the outputs t <= k of the chain rule with the backward chain; assembled on explicit networks"),
             "backward part: L depends on hb_k through y_t = ... + V_b hb_t, t <= k, and the backward chain's product"),
        Step(MatrixEq(dLdx, gradient(), size=n, explicit=hook, instances=bind, sizes=_SIZES,
                      why_not="the three steps above, assembled; a cross-check on explicit networks"),
             "the gradient with respect to x_k is the sum of two products, one from each direction"),
        Step(ByLemma("triangle", _rel(SpectralNorm(forward_part()), _norm_terms("forward"), _FWD)),
             "triangle inequality over t, submultiplicativity in each term (forward part)"),
        Step(_rel(_norm_terms("forward"), forward_bound(), _FWD, _WHY_TERMWISE),
             "forward direction's vanishing bound: only ||W_hh|| enters, powers t - k"),
        Step(ByLemma("triangle", _rel(SpectralNorm(backward_part()), _norm_terms("backward"), _BWD)),
             "triangle inequality over t, submultiplicativity in each term (backward part)"),
        Step(_rel(_norm_terms("backward"), backward_bound(), _BWD, _WHY_TERMWISE),
             "backward direction's vanishing bound: only ||W_b|| enters, powers k - t"),
    )


IDENTITY = Identity(
    id="bidirectional_gradient",
    title="Bidirectional RNN: the input gradient is a sum of two products, one per direction",
    section="H",
    summary="dL/dx_k = sum_{t>=k} delta_t^T V_f (prod_{i=k+1}^{t} A_i) diag(1-h_k^2) W_xh "
            "+ sum_{t<=k} delta_t^T V_b (B_t ... B_{k-1}) diag(1-hb_k^2) U_b with the backward chain's Jacobians "
            "B_j = diag(1-hb_j^2) W_b; each part has its own bound "
            "sum ||delta_t|| ||V|| (gamma lambda)^gap gamma ||U|| (lambda_f = ||W_hh||, lambda_b = ||W_b||)",
    statement=sp.Eq(StateJacobian(_L, x(k)), gradient(), evaluate=False),
    steps=_steps(),
    symbols=(
        SymbolSpec(h(t), "forward state h_t (the Elman chain)", (n, 1), (-1.0, 1.0)),
        SymbolSpec(hb(t), "backward state hb_t (runs from T down to 1, hb_{T+1} = 0)", (n, 1), (-1.0, 1.0)),
        SymbolSpec(x(k), "input x_k, read by both chains", (d, 1)),
        SymbolSpec(delta(t), "delta_t = d l_t / d y_t (column)", (m, 1)),
        SymbolSpec(W_hh, "forward recurrent weights; lambda_f = ||W_hh||", (n, n)),
        SymbolSpec(W_xh, "forward input weights", (n, d)),
        SymbolSpec(b_h, "forward bias", (n, 1)),
        SymbolSpec(W_b, "backward recurrent weights; lambda_b = ||W_b||", (n, n)),
        SymbolSpec(U_b, "backward input weights", (n, d)),
        SymbolSpec(b_b, "backward bias", (n, 1)),
        SymbolSpec(V_f, "read-out of the forward state", (m, n)),
        SymbolSpec(V_b, "read-out of the backward state", (m, n)),
        SymbolSpec(c, "read-out bias", (m, 1)),
        SymbolSpec(T, "sequence length", ()),
    ),
    derived={"forward_part": forward_part(), "backward_part": backward_part(),
             "A_back": A_back(t), "forward_norm_terms": _norm_terms("forward"), "forward_bound": forward_bound(),
             "backward_norm_terms": _norm_terms("backward"), "backward_bound": backward_bound()},
    notation=Notation(vectors=COLUMN + "; dL/dx_k is a row (1 x d, numerator layout); hb = backward chain; "
                      "L_T = sum_{t<=T} l_t; x_f, x_b = the copies of x_k read by the forward / backward chain"),
    sources=("Schuster & Paliwal 1997, Bidirectional recurrent neural networks", "Graves & Schmidhuber 2005",
             "Pascanu, Mikolov, Bengio 2013, sec. 2.1"),
)
