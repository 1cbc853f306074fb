r"""``stacked_rnn_jacobian``: Jacobians of a stacked RNN as a sum over monotone paths in time and layer.

A stack of :math:`L` tanh layers (column vectors, numerator layout):

.. math::
   h^l_t = \tanh(W_l h^l_{t-1} + U_l h^{l-1}_t + b_l),\qquad h^0_t = x_t,

with the time (within-layer) and layer (across-layer) Jacobians

.. math::
   A^l_t := \frac{\partial h^l_t}{\partial h^l_{t-1}} = \operatorname{diag}(1 - h^l_t\odot h^l_t)W_l,\qquad
   B^l_t := \frac{\partial h^l_t}{\partial h^{l-1}_t} = \operatorname{diag}(1 - h^l_t\odot h^l_t)U_l.

:math:`D(l, t) := \partial h^l_t/\partial h^1_k` obeys the two-dimensional recursion
:math:`D(l, t) = A^l_t D(l, t-1) + B^l_t D(l-1, t)` (with :math:`D(l, k-1) = 0` for :math:`l \ge 2`,
:math:`D(1, k) = I`), whose solution is the sum over the monotone lattice paths from :math:`(1, k)` to
:math:`(L, t)` -- :math:`\binom{t-k+L-1}{L-1}` of them -- of the ordered products of the Jacobians met
along the path.  For two layers (layer 1 = the catalogue's Elman layer ``h``, ``W_hh``, ``W_xh``;
layer 2 = ``h2``, ``W_2``, ``U_2``, ``b_2``) a path climbs at one time :math:`s`:

.. math::
   \frac{\partial h^2_t}{\partial h^1_k} = \sum_{s=k}^{t}\Big(\prod_{i=s+1}^{t}A^2_i\Big)B^2_s
   \Big(\prod_{j=k+1}^{s}A^1_j\Big),\qquad
   \Big\lVert\frac{\partial h^2_t}{\partial h^1_k}\Big\rVert \le
   \sum_{s=k}^{t}\lVert\textstyle\prod A^2\rVert\,\lVert B^2_s\rVert\,\lVert\prod A^1\rVert
   \le \sum_{s=k}^{t}(\gamma\lambda_2)^{t-s}\,\gamma\lVert U_2\rVert\,(\gamma\lambda_1)^{s-k}

(:math:`t - k + 1` paths, :math:`\lambda_l = \lVert W_l\rVert`, :math:`\gamma = 1` for tanh).  The
derivation proves :math:`A^2`, :math:`B^2` entrywise at symbolic ``n``; the path sum by induction on
:math:`t - k` generated from its statement (base :math:`D(2,k) = B^2_k`, step = chain rule at symbolic
``n`` through both dependencies, the hypothesis, a structural sum peel), written first with
:math:`D(1, s)` and then with ``hidden_state_chain`` substituted; the norm bound by the triangle lemma
and, termwise, by the product bound (numerically confirmed: a termwise-sum lemma is not in
:mod:`derivations.lemmas`).  General :math:`L` is stated, not derived.

Reference: Graves, Mohamed, Hinton (2013), eq. (11)-(12); Pascanu, Gulcehre, Cho, Bengio (2014),
"How to construct deep recurrent neural networks"; Pascanu, Mikolov, Bengio (2013), sec. 2.1.
"""

from __future__ import annotations

import sympy as sp

from ..claims import Induction
from ..explicit_stacked import ExplicitStacked
from ..functions import activation
from ..lemmas import ByLemma
from ..matexpr import OrderedProduct, SpectralNorm, StateJacobian, TimeIndexed, TimeSum, diag, ones, square
from ..matrixclaims import EntryModel, Instance, MatrixEq, MatrixRel
from ..model import COLUMN, Identity, Notation, Step, SymbolSpec
from ..stackproof import SumPeel, Substitution, chain_rule_entry, mm, random_leaves_hook, unroll_sum
from ..symbols import W_hh, W_xh, b_h, h, i, j, k, n, t
from .hidden_state_chain import Conjunction, tanh_factor
from .hidden_state_chain import IDENTITY as CHAIN

__all__ = ["IDENTITY", "h2", "W_2", "U_2", "b_2", "A2", "B2", "A1", "path_sum", "path_sum_d1", "norm_terms",
           "bound_terms", "network_hook"]

W_2, U_2, b_2 = sp.MatrixSymbol("W_2", n, n), sp.MatrixSymbol("U_2", n, n), sp.MatrixSymbol("b_2", n, 1)
s = sp.Symbol("s", integer=True)          # the time at which a path climbs from layer 1 to layer 2
GAP = sp.Symbol("g", integer=True, nonnegative=True)  # induction variable t - k
_gamma = sp.Integer(1)                    # gamma = sup |tanh'| (tanh_derivative)


def h2(time):
    """Layer-2 state :math:`h^2_{time}` (n x 1)."""
    return TimeIndexed("h2", time, n)


_TAU = sp.Symbol("tau", integer=True)
#: explicit sizes of the cross-checks: a scalar network and one where the factors do not commute
_SIZES = (1, 3)
#: sizes of the norm claims (random leaves in two tight regions): the equality case n = 1 and a matrix case
_NORM_SIZES = (1, 2)
_D2 = diag(ones(n) - square(h2(_TAU)))  # built once: diag(v) * W runs SymPy's slow assumption system


def A2(time):
    """:math:`A^2_{time} = \\operatorname{diag}(1 - h^2\\odot h^2)W_2`, the within-layer Jacobian of layer 2."""
    return mm(_D2, W_2).xreplace({_TAU: sp.sympify(time)})


def B2(time):
    """:math:`B^2_{time} = \\operatorname{diag}(1 - h^2\\odot h^2)U_2`, the across-layer Jacobian."""
    return mm(_D2, U_2).xreplace({_TAU: sp.sympify(time)})


def A1(time):
    """:math:`A^1_{time} = \\operatorname{diag}(1 - h\\odot h)W_{hh}` (``hidden_state_chain.tanh_factor``)."""
    return tanh_factor(time)


def _D1(time):
    return StateJacobian(h(time), h(k))


def _term_d1(upper):
    return mm(OrderedProduct(A2(j), (j, s + 1, upper)), B2(s), _D1(s))


def path_sum_d1(upper=t):
    """:math:`\\sum_{s=k}^{upper}(\\prod_{i=s+1}^{upper}A^2_i)B^2_s\\,\\partial h^1_s/\\partial h^1_k`."""
    return TimeSum(_term_d1(upper), (s, k, upper))


def path_sum(upper=t):
    """The path sum :math:`\\sum_{s=k}^{upper}(\\prod_{i=s+1}^{upper}A^2_i)B^2_s(\\prod_{j=k+1}^{s}A^1_j)`."""
    return TimeSum(mm(OrderedProduct(A2(j), (j, s + 1, upper)), B2(s), OrderedProduct(A1(i), (i, k + 1, s))),
                   (s, k, upper))


def norm_terms():
    """:math:`\\sum_{s=k}^{t}\\lVert\\prod A^2\\rVert\\,\\lVert B^2_s\\rVert\\,\\lVert\\prod A^1\\rVert` (triangle, submultiplicativity)."""
    return sp.Sum(SpectralNorm(OrderedProduct(A2(j), (j, s + 1, t))) * SpectralNorm(B2(s))
                  * SpectralNorm(OrderedProduct(A1(i), (i, k + 1, s))), (s, k, t))


def bound_terms():
    """:math:`\\sum_{s=k}^{t}(\\gamma\\lambda_2)^{t-s}\\gamma\\lVert U_2\\rVert(\\gamma\\lambda_1)^{s-k}`."""
    return sp.Sum((_gamma * SpectralNorm(W_2)) ** (t - s) * _gamma * SpectralNorm(U_2)
                  * (_gamma * SpectralNorm(W_hh)) ** (s - k), (s, k, t))


# ------------------------------------------------------------------ explicit networks
def network_hook(T=4):
    """``explicit`` hook: a concrete two-layer network; every ``StateJacobian`` of a side is replaced by
    the complex-step Jacobian of its forward map; the claim evaluates its own sides on it."""
    layer = {"h": 1, "h2": 2}
    last = {}

    def run(rng, size, inst):
        if last.get("key") != (id(rng), size):
            net = ExplicitStacked(n=size, d=2, T=T, rng=rng)
            last.update(key=(id(rng), size), net=net, env=net.env())
        net, env = last["net"], last["env"]
        bind = {sp.sympify(a): sp.Integer(v) for a, v in inst.items()}

        def substitute(e):
            # a sum over the climbing time is unrolled first: its state Jacobians are then at concrete times
            e = e.xreplace(bind).replace(lambda a: isinstance(a, TimeSum), unroll_sum)
            subs = {}
            for node in e.atoms(StateJacobian):
                a, b = (int(v.time.xreplace(bind)) for v in (node.state, node.earlier))
                subs[node] = sp.ImmutableMatrix(net.jacobian(layer[str(node.state.name)], a,
                                                             layer[str(node.earlier.name)], b))
            return e.xreplace(subs)
        return Instance(env, bind, substitute=substitute)
    return run


# ------------------------------------------------------------------ entry models at symbolic n
def _layer2_entries(wrt):
    r"""One step of layer 2 at symbolic n: :math:`h^2_{t,a} = \tanh(\sum_q M_{aq}v_q + u_a)` with :math:`v = h^2_{t-1}`,
    :math:`M = W_2` (``wrt="time"``) or :math:`v = h_t`, :math:`M = U_2` (``wrt="layer"``); the other input's term
    and the bias do not depend on :math:`v` and are the arbitrary :math:`u_a`."""
    H, H2, Uu = sp.IndexedBase("h"), sp.IndexedBase("h2"), sp.IndexedBase("u")
    phi, q = activation("tanh"), sp.Dummy("q", integer=True)
    M, V, time = (W_2, H2, t - 1) if wrt == "time" else (U_2, H, t)

    def z_of(a):
        return sp.Sum(M[a, q] * V[time, q], (q, 0, n - 1)) + Uu[a]

    def leaves(e):
        return e.replace(lambda x: isinstance(x, sp.Indexed) and x.base == H2 and x.indices[0] == t,
                         lambda x: phi(z_of(x.indices[1])))
    node = StateJacobian(h2(t), h2(t - 1)) if wrt == "time" else StateJacobian(h2(t), h(t))
    return EntryModel({node: lambda a, b: sp.diff(phi(z_of(a)), V[time, b])}, leaves)


def _one_step(wrt):
    lhs = StateJacobian(h2(t), h2(t - 1)) if wrt == "time" else StateJacobian(h2(t), h(t))
    rhs = A2(t) if wrt == "time" else B2(t)
    return MatrixEq(lhs, rhs, size=n, entry=_layer2_entries(wrt), explicit=network_hook(), instances=({t: 3},), sizes=_SIZES)


def _base_entry(lhs, rhs):
    """Entry of :math:`D(2,k) - \\sum_{s=k}^{k}(\\ldots)` at symbolic n: the sum has one term (unrolled by its
    definition); :math:`W_2h^2_{k-1} + b_2` does not depend on :math:`h_k` and is the arbitrary :math:`u`."""
    H, H2, Uu = sp.IndexedBase("h"), sp.IndexedBase("h2"), sp.IndexedBase("u")
    phi, q = activation("tanh"), sp.Dummy("q", integer=True)

    def z_of(a):
        return sp.Sum(U_2[a, q] * H[k, q], (q, 0, n - 1)) + Uu[a]

    def leaves(e):
        return e.replace(lambda x: isinstance(x, sp.Indexed) and x.base == H2 and x.indices[0] == k,
                         lambda x: phi(z_of(x.indices[1])))
    model = EntryModel({lhs: lambda a, b: sp.diff(phi(z_of(a)), H[k, b]),
                        _D1(k): lambda a, b: sp.KroneckerDelta(a, b)}, leaves)
    return lambda r, c: model.difference(lhs, rhs.doit(), r, c)


def _induction():
    """Induction on ``g = t - k``: :math:`P(g)`: :math:`D(2, k+g) = \\sum_{s=k}^{k+g}(\\prod A^2)B^2_s D(1, s)`."""
    P_l, P_r = StateJacobian(h2(k + GAP), h(k)), path_sum_d1(k + GAP)
    at = lambda e, v: e.xreplace({GAP: v})  # noqa: E731
    hook = network_hook()
    b_l, b_r = at(P_l, 0), at(P_r, 0)
    base = MatrixEq(b_l, b_r, size=n, entry=_base_entry(b_l, b_r), entry_for=(b_l, b_r), explicit=hook,
                    instances=({k: 2},), sizes=_SIZES)
    now = k + GAP
    c_l = at(P_l, GAP + 1)
    c_r = sp.MatAdd(mm(A2(now + 1), P_l), mm(B2(now + 1), _D1(now + 1)))
    chain = MatrixEq(c_l, c_r, size=n, explicit=hook, instances=({GAP: 1, k: 1}, {GAP: 0, k: 2}), sizes=_SIZES, entry_for=(c_l, c_r),
                     entry=chain_rule_entry(c_l, c_r, weights=(W_2, U_2), deps=(P_l, _D1(now + 1)), leaf=h2(now + 1), n=n))
    p_l, p_r = sp.MatAdd(mm(A2(now + 1), P_r), mm(B2(now + 1), _D1(now + 1))), at(P_r, GAP + 1)
    peel = SumPeel(p_l, p_r, lambda a, b: MatrixEq(a, b, size=n, explicit=hook, instances=({GAP: 1, k: 1}, {GAP: 2, k: 1}),
                                                   sizes=_SIZES))
    step = Conjunction((chain, peel), text=r"D(2,t+1) = A^2_{t+1}D(2,t) + B^2_{t+1}D(1,t+1) = A^2_{t+1}\sum_{s=k}^{t}"
                       r"(\ldots) + B^2_{t+1}D(1,t+1) = \sum_{s=k}^{t+1}(\ldots)\quad(t = k + g)",
                       plain="chain rule through h2_{t+1} = tanh(W_2 h2_t + U_2 h_{t+1} + b_2), the hypothesis, "
                             "then split off the last term and peel the product")
    return Induction(GAP, base, step, text=r"\partial h^2_t/\partial h^1_k = \sum_{s=k}^{t}(\prod_{i=s+1}^{t}A^2_i)"
                     r"B^2_s\,\partial h^1_s/\partial h^1_k\ \text{for all } t = k + g,\ g \ge 0",
                     statement=(P_l, P_r), start=0)




def _steps():
    chain_claim = CHAIN.steps[0].claim  # hidden_state_chain: the induction for tanh, dh_t/dh_k = prod (1 - h^2) W_hh
    hook = network_hook()
    return (
        Step(_one_step("time"), "within layer 2: chain rule through h2_t = tanh(W_2 h2_{t-1} + U_2 h_t + b_2), "
             "linear in h2_{t-1}; tanh' = 1 - tanh^2"),
        Step(_one_step("layer"), "across layers: the same forward map is linear in layer 1's state h_t (weight U_2)"),
        Step(_induction(), "two-dimensional recursion D(2,t) = A^2_t D(2,t-1) + B^2_t D(1,t); induction on g = t - k: "
             "base D(2,k) = B^2_k (h2_{k-1} does not depend on h_k); step: chain rule, hypothesis, sum peel"),
        Step(Substitution(path_sum_d1(), path_sum(), chain_claim, "hidden_state_chain (step 1)",
                          lambda a, b: MatrixEq(a, b, size=n, explicit=hook, instances=({t: 4, k: 1},), sizes=_SIZES)),
             "dh_s/dh_k = prod_{j=k+1}^{s} A^1_j (hidden_state_chain) inside the sum, s >= k: each of the t - k + 1 "
             "monotone paths is an ordered product of time and layer Jacobians"),
        Step(ByLemma("triangle", MatrixRel(SpectralNorm(path_sum()), "<=", norm_terms(), size=n, explicit=random_leaves_hook(),
                                           instances=({t: 3, k: 1}, {t: 2, k: 2}), trials=1, sizes=_SIZES)),
             "triangle inequality over the paths, then submultiplicativity within each path"),
        Step(MatrixRel(norm_terms(), "<=", bound_terms(), size=n, explicit=random_leaves_hook(), instances=({t: 3, k: 1}, {t: 2, k: 2}),
                       trials=1, sizes=_NORM_SIZES,
                       why_not="termwise: ||prod A^l|| <= (gamma lambda_l)^(gap) (product_norm_bound) and "
                               "||B^2_s|| <= gamma ||U_2|| (jacobian_norm_bound); summing termwise bounds needs a "
                               "sum-monotonicity lemma that derivations.lemmas does not have"),
             "each path's norm <= (gamma lambda_2)^(t-s) gamma ||U_2|| (gamma lambda_1)^(s-k) (product_norm_bound, "
             "jacobian_norm_bound); t - k + 1 = C(t-k+L-1, L-1) paths for L = 2"),
    )


IDENTITY = Identity(
    id="stacked_rnn_jacobian",
    title="Stacked RNN: the top-to-bottom Jacobian is a sum over monotone paths in time and layer",
    section="H",
    summary="dh^2_t/dh^1_k = sum_{s=k}^{t} (prod_{i=s+1}^{t} A^2_i) B^2_s (prod_{j=k+1}^{s} A^1_j), "
            "A^l = diag(1 - h^l*h^l) W_l (time), B^l = diag(1 - h^l*h^l) U_l (layer); "
            "norm <= sum over the t-k+1 paths of (gamma lambda_2)^(t-s) gamma ||U_2|| (gamma lambda_1)^(s-k)",
    statement=sp.Eq(StateJacobian(h2(t), h(k)), path_sum(), evaluate=False),
    steps=_steps(),
    symbols=(
        SymbolSpec(h(t), "layer-1 state h^1_t (the Elman layer), entries in (-1, 1)", (n, 1), (-1.0, 1.0)),
        SymbolSpec(h2(t), "layer-2 state h^2_t, entries in (-1, 1)", (n, 1), (-1.0, 1.0)),
        SymbolSpec(W_hh, "layer-1 recurrent weights W_1; lambda_1 = ||W_hh||", (n, n)),
        SymbolSpec(W_xh, "layer-1 input weights U_1 (x_t = h^0_t)", (n, sp.Symbol("d"))),
        SymbolSpec(b_h, "layer-1 bias", (n, 1)),
        SymbolSpec(W_2, "layer-2 recurrent weights; lambda_2 = ||W_2||", (n, n)),
        SymbolSpec(U_2, "layer-2 input weights (from layer 1)", (n, n)),
        SymbolSpec(b_2, "layer-2 bias", (n, 1)),
        SymbolSpec(t, "time of the top state (t >= k)", ()),
        SymbolSpec(k, "time of the bottom state", ()),
        SymbolSpec(s, "time at which a path climbs to layer 2, k <= s <= t", ()),
        SymbolSpec(j, "product index along layer 2", ()),
        SymbolSpec(i, "product index along layer 1", ()),
    ),
    derived={"A2": A2(t), "B2": B2(t), "path_sum": path_sum(), "norm_terms": norm_terms(),
             "bound_terms": bound_terms()},
    notation=Notation(vectors=COLUMN + "; layer l state h^l_t (h^1 = h, h^2 = h2), W_l recurrent, U_l from layer "
                      "l-1; tanh, gamma = 1"),
    sources=("Graves, Mohamed, Hinton 2013, Speech recognition with deep RNNs, eq. (11)-(12)",
             "Pascanu, Gulcehre, Cho, Bengio 2014, How to construct deep RNNs",
             "Pascanu, Mikolov, Bengio 2013, sec. 2.1"),
)
