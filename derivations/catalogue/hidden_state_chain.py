r"""``hidden_state_chain``: :math:`\partial h_t/\partial h_k = J_t J_{t-1}\cdots J_{k+1}` for every :math:`t \ge k`.

.. math::
   \frac{\partial h_t}{\partial h_k} = \prod_{i=k+1}^{t} J_i, \qquad
   J_i = \operatorname{diag}(\varphi'(z_i))\,W_{hh}
       \;\overset{\tanh}{=}\; \operatorname{diag}(1 - h_i\odot h_i)\,W_{hh},

an ordered product, latest factor on the left; the empty product (:math:`t = k`) is :math:`I`.

Proof by induction on :math:`t`:

* base (:math:`t = k`): :math:`\partial h_k/\partial h_k = I = \prod_{i=k+1}^{k} J_i` -- SymPy
  differentiates :math:`h_{k,r}` by :math:`h_{k,c}` (a Kronecker delta at symbolic ``n``) and
  the empty product evaluates to :math:`I` by its definition;
* step: the chain rule :math:`\partial h_{t+1}/\partial h_k = J_{t+1}\,\partial h_t/\partial h_k`
  is proved entrywise at symbolic ``n`` for an *arbitrary* differentiable dependence of
  :math:`h_t` on :math:`h_k` (an undefined function ``g``), SymPy differentiating the forward map
  :math:`\varphi(\sum_q (W_{hh})_{rq} h_{t,q} + u_r)` itself; with the induction hypothesis,
  :math:`J_{t+1}\prod_{i=k+1}^{t}J_i = \prod_{i=k+1}^{t+1}J_i` by peeling the product (its
  definition), checked structurally.

Both parts are cross-checked with explicit matrices that do not commute: random rational
leaves for the peel, concrete networks (:class:`ExplicitElman`, exact complex-step Jacobians)
for the base and the chain rule; and the closed form is confirmed on unrolled networks for
every :math:`0 \le k \le t \le 5` (numerically, to 40 digits: an explicit check, not a proof).

Reference: IDENTITIES.md section B; Pascanu, Mikolov, Bengio (2013), eq. (3)-(5).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement
from sympy.concrete.delta import deltasummation
from sympy.simplify.simplify import factor_sum

from ..claims import Exact, Induction
from ..errors import InputError
from ..explicit import ExplicitElman
from ..functions import activation, unfold
from ..matexpr import OrderedProduct, StateJacobian, diag
from ..instantiation import Instantiation, Replacement
from ..matrixclaims import Instance, MatrixEq, instantiate
from ..model import COLUMN, Identity, Notation, StepResult, Step, SymbolSpec, Verdict
from ..symbols import W_hh, b_h, h, i, k, n, t, z
from .tanh_jacobian import jacobian, phi_prime

__all__ = ["IDENTITY", "Conjunction", "chain", "chain_tanh", "step_jacobian", "tanh_factor", "network_check", "UNROLLED", "ALL_PAIRS"]


@lru_cache(maxsize=None)
def _factor_at_i(name):
    # building diag(v) * W runs SymPy's assumption system (~0.1 s): build once, re-time by xreplace
    return jacobian(i) if name == "tanh-h" else diag(phi_prime(i, name)) * W_hh


def step_jacobian(time=i, name="tanh"):
    """:math:`J_{time} = \\operatorname{diag}(\\varphi'(z_{time}))W_{hh}`, :math:`\\varphi'` derived by SymPy
    (:func:`derivations.functions.activation_derivative`, as in ``tanh_jacobian.phi_prime``)."""
    return _factor_at_i(name).xreplace({i: sp.sympify(time)})


def tanh_factor(time=i):
    """:math:`J_{time} = \\operatorname{diag}(1 - h_{time}\\odot h_{time})W_{hh}` (``tanh_jacobian.jacobian``)."""
    return _factor_at_i("tanh-h").xreplace({i: sp.sympify(time)})


def chain(name="tanh", lower=k + 1, upper=t):
    """:math:`\\prod_{i=lower}^{upper} \\operatorname{diag}(\\varphi'(z_i))W_{hh}` (latest on the left)."""
    return OrderedProduct(step_jacobian(i, name), (i, lower, upper))


def chain_tanh(lower=k + 1, upper=t):
    """:math:`\\prod_{i=lower}^{upper} \\operatorname{diag}(1 - h_i\\odot h_i)W_{hh}`."""
    return OrderedProduct(tanh_factor(i), (i, lower, upper))


@dataclass(frozen=True)
class Conjunction:
    """Several claims that must all hold; as proved as its weakest part.

    Used for an inductive step made of two checked moves (chain rule, then the peel).
    """

    parts: tuple
    text: str = ""
    plain: str = ""

    def check(self, rng) -> StepResult:
        results = [p.check(rng) for p in self.parts]
        # a part that is not a proof says why (its detail), so the conjunction does too
        how = "; ".join(f"({m}) {r.verdict}: {r.method}" + (f" [{r.detail}]" if not r.verdict.is_proof and r.detail else "")
                        for m, r in enumerate(results, 1))
        sizes = tuple(sorted({s for r in results for s in r.explicit_sizes}))
        method = f"conjunction of {len(results)} parts"
        for r in results:
            if r.verdict is Verdict.REFUTED:
                return StepResult(Verdict.REFUTED, method, how + f"; {r.detail}",
                                  counterexample=r.counterexample, max_discrepancy=r.max_discrepancy,
                                  explicit_sizes=sizes)
        # as proved as its weakest part (an undecided part leaves the conjunction undecided)
        order = list(Verdict)
        verdict = max((r.verdict for r in results), key=order.index, default=Verdict.PROVED)
        worst = max((r.max_discrepancy or 0.0 for r in results), default=0.0)
        return StepResult(verdict, method, how, max_discrepancy=worst, explicit_sizes=sizes)


def network_check(*_sides, activation_name="tanh", T=5):
    """An ``explicit`` hook: a concrete network on which the claim evaluates its own sides.

    Every :class:`StateJacobian` node of a side is replaced by the exact Jacobian of the
    network's forward map (:meth:`ExplicitElman.state_jacobian`); the rest is evaluated by
    :func:`derivations.evaluate.evaluate` on the same trajectory.  (Positional arguments are
    ignored: the hook never sees, and so can never replace, the claim.)
    """
    def substitute(expr, net, bind):
        subs = {}
        for node in expr.atoms(StateJacobian):
            a, b = (int(v.time.xreplace(bind)) for v in (node.state, node.earlier))
            if not 0 <= b <= a <= net.T:
                raise InputError(f"{node} at t={a}, k={b}: outside the run (times 0..{net.T})")
            subs[node] = sp.ImmutableMatrix(net.state_jacobian(a, b))
        return expr.xreplace(subs)

    last = {}

    def run(rng, size, inst):
        # one network per size and check: the time instances of a size share its trajectory
        if last.get("key") != (id(rng), size) or last.get("rng") is not rng:
            net = ExplicitElman(n=size, d=2, T=T, rng=rng, activation=activation_name)
            last.update(key=(id(rng), size), rng=rng, net=net, env=net.env())
        net, env = last["net"], last["env"]
        bind = {sp.sympify(s): sp.Integer(v) for s, v in inst.items()}
        return Instance(env, bind, substitute=lambda e: substitute(e, net, bind))
    return run


# -- symbolic entries at size n ----------------------------------------------------------------
_D = sp.MatrixSymbol("D", n, n)  # stands for dh_t/dh_k in the chain-rule entry
_g, _s = sp.Function("g"), sp.Symbol("s", real=True)
_u, _zb, _hb = sp.IndexedBase("u"), sp.IndexedBase("z"), sp.IndexedBase("h")
_q = sp.Dummy("q", integer=True)


def _opaque_sums(e):
    """Rename every sum's bound variable to one dummy, pull out factors free of it, and treat
    each distinct sum as an opaque real atom (valid: an expression that vanishes for every value
    of the atoms vanishes for theirs)."""
    def rename(S):
        (v, lo, hi), = S.limits
        return sp.Sum(S.function.xreplace({v: _q}), (_q, lo, hi))

    def fix(S):
        pulled = factor_sum(S)  # a Sum, or a Mul of the pulled-out factors and a Sum
        if isinstance(pulled, sp.Sum):
            return rename(pulled)
        return pulled.func(*[rename(a) if isinstance(a, sp.Sum) else a for a in pulled.args])
    e = e.replace(lambda a: isinstance(a, sp.Sum) and len(a.limits) == 1, fix)
    sums = sorted(e.atoms(sp.Sum), key=sp.default_sort_key)
    return e.xreplace({S: sp.Dummy(f"S{m}", real=True) for m, S in enumerate(sums)})


def _sum_deltas(e):
    """Carry out the sums over Kronecker deltas (only those: the others stay unevaluated, which
    is much faster than ``doit`` trying closed forms of sums of unknown entries)."""
    def collapse(S):
        f, rest = S.function, []
        for lim in S.limits:
            if any(lim[0] in kd.free_symbols for kd in f.atoms(sp.KroneckerDelta)):
                f = deltasummation(f, lim)
            else:
                rest.append(lim)
        return sp.Sum(f, *rest) if rest else f
    return e.replace(lambda a: isinstance(a, sp.Sum), collapse)


def _chain_rule_entry(rhs_factor, name):
    """``entry(r, c)`` of ``dh_{t+1}/dh_k - rhs_factor * dh_t/dh_k`` at symbolic n.

    :math:`h_t` is an arbitrary differentiable function of :math:`h_k`: entry ``q`` of it, as a
    function of :math:`s = h_{k,c}`, is the undefined ``g(q, c, s)``; so
    :math:`(\\partial h_t/\\partial h_k)_{qc} = \\partial g(q, c, s)/\\partial s` and
    :math:`h_{t+1,r} = \\varphi(\\sum_q (W_{hh})_{rq} g(q, c, s) + u_r)`; in ``rhs_factor``,
    :math:`z_{t+1}` and :math:`h_{t+1} = \\varphi(z_{t+1})` are replaced by that forward map.
    """
    def entry(r, c):
        # indices in range: n = r + c + 1 + m, as derivations.matrixclaims does
        size = r + c + 1 + sp.Dummy("m", integer=True, nonnegative=True)
        phi = activation(name)

        def forward(row):
            return sp.Sum(W_hh[row, _q] * _g(_q, c, _s), (_q, 0, size - 1)) + _u[row]
        lhs = sp.diff(unfold(phi(forward(r))), _s)
        # the matrix product's entry first, its Kronecker deltas summed out, then the forward map
        rhs = sp.piecewise_fold(_sum_deltas((rhs_factor * _D)[r, c].xreplace({n: size})))
        # (dh_t/dh_k)_{pc} = d g(p, c, s)/ds  (D's shape now reads `size`, so match it by name)
        rhs = rhs.replace(lambda a: isinstance(a, MatrixElement) and str(a.parent.name) == "D",
                          lambda a: sp.Derivative(_g(a.i, a.j, _s), _s))
        rhs = rhs.replace(lambda a: isinstance(a, sp.Indexed) and a.base in (_zb, _hb),
                          lambda a: forward(a.indices[1]) if a.base == _zb else unfold(phi(forward(a.indices[1]))))
        return _opaque_sums(_indexed(lhs - rhs))
    return entry


def _indexed(e):
    """Entries ``W_hh[a, b]`` of a ``MatrixSymbol`` as ``Indexed`` objects of the same name, and
    range-limited Kronecker deltas as plain ones (the indices are in range: ``n`` is written as
    ``r + c + 1 + m``), so that the entry is a scalar expression SymPy can reduce."""
    e = e.replace(lambda a: isinstance(a, MatrixElement) and isinstance(a.parent, sp.MatrixSymbol),
                  lambda a: sp.IndexedBase(str(a.parent.name))[a.i, a.j])
    return e.replace(lambda a: isinstance(a, sp.KroneckerDelta) and len(a.args) == 3,
                     lambda a: sp.KroneckerDelta(a.args[0], a.args[1]))


def _base_entry(r, c):
    """``(dh_k/dh_k - prod_{i=k+1}^{k} J_i)[r, c]``: a Kronecker delta minus the empty product."""
    hk = sp.IndexedBase("h_k")
    empty = chain_tanh(k + 1, k).doit()  # the empty product, by its definition
    return _indexed(sp.diff(hk[r], hk[c]) - empty[r, c])


def _tanh_factor_entry(r, c):
    """``(diag(phi'(z_i)) W_hh - diag(1 - h_i^2) W_hh)[r, c]`` with :math:`h_i = \\tanh(z_i)`."""
    e = (step_jacobian(i, "tanh") - tanh_factor(i))[r, c]
    return _indexed(e.replace(lambda a: isinstance(a, sp.Indexed) and a.base == _hb,
                              lambda a: sp.tanh(_zb[a.indices])))


# -- the claims ------------------------------------------------------------------------------
#: (t, k) pairs of the unrolled explicit checks: every t <= 5, the empty product, the longest ones
UNROLLED = tuple({t: a, k: b} for a, b in ((0, 0), (1, 0), (2, 1), (3, 0), (4, 2), (5, 0)))
#: every (t, k) with 0 <= k <= t <= 5 (used by the tests)
ALL_PAIRS = tuple({t: a, k: b} for a in range(6) for b in range(a + 1))


def _noncommuting(rng_seed=11):
    """An :class:`Exact` witness that two consecutive factors do not commute (so order matters)."""
    def compute():
        rng = np.random.default_rng(rng_seed)
        leaves = {}
        J1 = instantiate(tanh_factor(1), {n: 2}, rng, {"h": (-1.0, 1.0)}, leaves)
        J2 = instantiate(tanh_factor(2), {n: 2}, rng, {"h": (-1.0, 1.0)}, leaves)
        comm = J2 * J1 - J1 * J2
        return comm != sp.zeros(2, 2), f"J_2 J_1 - J_1 J_2 = {comm.tolist()} (exact, n=2, seed={rng_seed})"
    return Exact(r"J_{2}J_{1} \ne J_{1}J_{2}", compute)


#: the induction variable: the gap s = t - k >= 0 (peeling a product needs it non-empty)
GAP = sp.Symbol("s", integer=True, nonnegative=True)


def _induction(name, J, peel_instances):
    """The induction on ``s = t - k`` for activation ``name`` and factor ``J`` (a term in ``i``):
    base case ``t = k``; inductive step ``t = k + s -> k + s + 1`` = chain rule (entrywise at
    symbolic n) and the peel (structural; sound because ``s >= 0`` makes the product non-empty)."""
    # the statement P(s): dh_{k+s}/dh_k = prod_{i=k+1}^{k+s} J_i; base and step sides are generated from it
    P_lhs, P_rhs = StateJacobian(h(k + GAP), h(k)), OrderedProduct(J, (i, k + 1, k + GAP))
    at = lambda e, v: e.xreplace({GAP: v})  # noqa: E731
    now = k + GAP
    base = MatrixEq(at(P_lhs, 0), at(P_rhs, 0), size=n, entry=_base_entry, instances=({k: 2},),
                    explicit=network_check(activation_name=name), entry_for=(at(P_lhs, 0), at(P_rhs, 0)))
    J_next = J.xreplace({i: now + 1})
    chain_lhs, chain_rhs = at(P_lhs, GAP + 1), J_next * P_lhs
    chain_rule = MatrixEq(chain_lhs, chain_rhs, size=n, entry=_chain_rule_entry(J_next, name),
                          explicit=network_check(activation_name=name), entry_for=(chain_lhs, chain_rhs),
                          instances=({GAP: 2, k: 1}, {GAP: 0, k: 2}))
    peel = MatrixEq(J_next * P_rhs, at(P_rhs, GAP + 1), size=n,
                    instances=peel_instances, domains={"z": (-2.0, 2.0), "h": (-1.0, 1.0)})
    step = Conjunction((chain_rule, peel),
                       text=r"\partial h_{t+1}/\partial h_k = J_{t+1}\,\partial h_t/\partial h_k"
                            r" = J_{t+1}\prod_{i=k+1}^{t} J_i = \prod_{i=k+1}^{t+1} J_i \quad (t = k + s,\; s \ge 0)",
                       plain="dh_{t+1}/dh_k = J_{t+1} dh_t/dh_k (chain rule) = J_{t+1} prod_{i=k+1}^{t} J_i "
                             "(hypothesis) = prod_{i=k+1}^{t+1} J_i (peel), t = k + s, s >= 0")
    return Induction(GAP, base, step, text=r"\partial h_t/\partial h_k = \prod_{i=k+1}^{t} J_i"
                                           r"\quad\text{for all } t = k + s,\; s \ge 0",
                     statement=(P_lhs, P_rhs), start=0)


def _unrolled(name, rhs, instances):
    lhs = StateJacobian(h(t), h(k))
    return MatrixEq(lhs, rhs, size=n, instances=instances, explicit=network_check(activation_name=name),
                    why_not="a cross-check on networks for t <= 5: the proof for every t is the induction of steps 1-2")


#: t >= k, written so that SymPy can decide t - k >= 0 (the gap the inductions run over)
_AT_T = {GAP: t - k}
_T_GE_K = {t: k + sp.Symbol("s_0", integer=True, nonnegative=True)}

_INDUCTION_TANH = _induction("tanh", tanh_factor(i), ({GAP: 3, k: 0}, {GAP: 0, k: 2}))
_INDUCTION_SIGMOID = _induction("sigmoid", step_jacobian(i, "sigmoid"), ({GAP: 1, k: 0}, {GAP: 0, k: 1}))
_FACTOR_TANH = MatrixEq(step_jacobian(i, "tanh"), tanh_factor(i), size=n, entry=_tanh_factor_entry,
                        explicit=network_check(), instances=({i: 3},),
                        entry_for=(step_jacobian(i, "tanh"), tanh_factor(i)))

_steps = (
    Step(_INDUCTION_TANH,
         "induction on s = t - k >= 0: base t = k (d h_k/d h_k = I = empty product); step: chain rule through "
         "h_{t+1} = tanh(W_hh h_t + u), induction hypothesis, then peel the product by its definition"),
    Step(_INDUCTION_SIGMOID, "the same induction for the logistic sigmoid, J_i = diag(sigma'(z_i)) W_hh"),
    Step(_FACTOR_TANH, "h_i = tanh(z_i), so diag(tanh'(z_i)) W_hh = diag(1 - h_i (.) h_i) W_hh (tanh_jacobian)"),
    Step(_noncommuting(), "the factors do not commute, so the order (latest on the left) matters"),
    Step(Instantiation(_INDUCTION_TANH, _AT_T, _unrolled("tanh", chain_tanh(), UNROLLED), given=_T_GE_K,
                       condition="t >= k"),
         "step 1 at s = t - k (t >= k); cross-checked on concrete tanh networks, every t <= 5 (6 pairs t >= k)"),
    Step(Instantiation(_INDUCTION_SIGMOID, _AT_T, _unrolled("sigmoid", chain("sigmoid"), ({t: 5, k: 0}, {t: 3, k: 3})),
                       given=_T_GE_K, condition="t >= k"),
         "step 2 at s = t - k (t >= k); cross-checked on concrete sigmoid networks"),
    Step(Replacement(_FACTOR_TANH, MatrixEq(chain("tanh"), chain_tanh(), size=n, instances=({t: 4, k: 1},),
                                            explicit=network_check(), sizes=(1, 2, 3))),
         "step 3 inside the product: equal factors give equal ordered products (the general form at phi = tanh)"),
)

IDENTITY = Identity(
    id="hidden_state_chain",
    title="The state-to-state Jacobian is an ordered product of one-step Jacobians",
    section="B",
    summary="dh_t/dh_k = J_t J_{t-1} ... J_{k+1} (latest on the left; I when t = k), "
            "J_i = diag(phi'(z_i)) W_hh = diag(1 - h_i * h_i) W_hh for tanh",
    statement=sp.Eq(StateJacobian(h(t), h(k)), chain_tanh(), evaluate=False),
    steps=_steps,
    symbols=(
        SymbolSpec(h(t), "hidden state at time t, entries in (-1, 1)", (n, 1), (-1.0, 1.0)),
        SymbolSpec(h(k), "an earlier hidden state, k <= t", (n, 1), (-1.0, 1.0)),
        SymbolSpec(z(i), "pre-activation at time i", (n, 1), (-3.0, 3.0)),
        SymbolSpec(W_hh, "recurrent weight matrix", (n, n)),
        SymbolSpec(b_h, "hidden bias", (n, 1)),
        SymbolSpec(t, "current time (integer, t >= k)", ()),
        SymbolSpec(k, "earlier time (integer)", ()),
        SymbolSpec(i, "product index, k + 1 <= i <= t", ()),
    ),
    derived={"dh_t_dh_k": lambda name: chain(name), "dh_t_dh_k_tanh": chain_tanh()},
    notation=Notation(vectors=COLUMN),
    sources=("IDENTITIES.md B", "Pascanu, Mikolov, Bengio 2013, eq. (3)-(5)", "Werbos 1990"),
)
