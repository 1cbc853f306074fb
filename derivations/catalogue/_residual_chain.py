r"""The residual chain :math:`\partial h_t/\partial h_k = \prod_{i=k+1}^{t}(I + J_i)` by induction on :math:`t - k`
(a helper of ``residual_jacobian``, in the way of ``hidden_state_chain``).

* base (:math:`t = k`): :math:`\partial h_k/\partial h_k = I` = the empty product, entrywise at symbolic ``n``;
* step: the chain rule :math:`\partial h_{t+1}/\partial h_k = (I + J_{t+1})\,\partial h_t/\partial h_k` is proved
  entrywise at symbolic ``n`` for an *arbitrary* differentiable dependence of :math:`h_t` on :math:`h_k` (an
  undefined function ``g``), SymPy differentiating the residual forward map
  :math:`h_{t+1,r} = h_{t,r} + \tanh(\sum_q (W_{hh})_{rq} h_{t,q} + u_r)`; then the induction hypothesis and the
  peel of the ordered product (its definition, structural, with explicit non-commuting matrices).

Both parts are cross-checked on explicit residual cells (complex step at 80 digits).
"""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from ..claims import Induction
from ..errors import InputError
from ..explicit_remedies import ExplicitResidual
from ..functions import activation, unfold
from ..matexpr import OrderedProduct, StateJacobian
from ..matrixclaims import Instance, MatrixEq
from ..symbols import h, i, k, n
from .hidden_state_chain import GAP, Conjunction, _D, _g, _indexed, _opaque_sums, _q, _s, _sum_deltas, _u, _zb

__all__ = ["induction", "network_check"]


def network_check(T=5):
    """An ``explicit`` hook: a concrete residual cell; every :class:`StateJacobian` of a side becomes the exact
    (complex-step) Jacobian of its forward map, the rest is evaluated on the same trajectory."""
    def substitute(expr, net, bind):
        subs = {}
        for node in expr.atoms(StateJacobian):
            a, b = (int(v.time.xreplace(bind)) for v in (node.state, node.earlier))
            if not 0 <= b <= a <= net.T:
                raise InputError(f"{node} at t={a}, k={b}: outside the run (times 0..{net.T})")
            subs[node] = sp.ImmutableMatrix(net.state_jacobian(a, b))
        return expr.xreplace(subs)

    def run(rng, size, inst):
        net = ExplicitResidual(n=size, d=1, T=T, rng=rng)
        bind = {sp.sympify(s): sp.Integer(v) for s, v in inst.items()}
        return Instance(net.env(), bind, substitute=lambda e: substitute(e, net, bind))
    return run


def _cosh_as_tanh(e):
    return e.replace(lambda a: isinstance(a, sp.cosh), lambda a: 1 / sp.sqrt(1 - sp.tanh(a.args[0]) ** 2))


def _chain_rule_entry(rhs_factor):
    """``entry(r, c)`` of ``dh_{t+1}/dh_k - rhs_factor dh_t/dh_k`` at symbolic n for the residual map."""
    def entry(r, c):
        size = r + c + 1 + sp.Dummy("m", integer=True, nonnegative=True)
        phi = activation("tanh")

        def forward(row):
            return sp.Sum(sp.MatrixSymbol("W_hh", n, n)[row, _q] * _g(_q, c, _s), (_q, 0, size - 1)) + _u[row]
        lhs = sp.diff(_g(r, c, _s) + unfold(phi(forward(r))), _s)
        rhs = sp.piecewise_fold(_sum_deltas((rhs_factor * _D)[r, c].xreplace({n: size})))
        rhs = rhs.replace(lambda a: isinstance(a, MatrixElement) and str(a.parent.name) == "D",
                          lambda a: sp.Derivative(_g(a.i, a.j, _s), _s))
        rhs = rhs.replace(lambda a: isinstance(a, sp.Indexed) and a.base == _zb, lambda a: forward(a.indices[1]))
        return _opaque_sums(_cosh_as_tanh(_indexed(lhs - rhs)))
    return entry


def _base_entry(empty):
    def entry(r, c):
        hk = sp.IndexedBase("h_k")
        return _indexed(sp.diff(hk[r], hk[c]) - empty.doit()[r, c])
    return entry


def induction(factor):
    """The induction on ``s = t - k`` for the residual factor ``factor`` (a term in ``i``: :math:`I + J_i`)."""
    P_lhs, P_rhs = StateJacobian(h(k + GAP), h(k)), OrderedProduct(factor, (i, k + 1, k + GAP))
    at = lambda e, v: e.xreplace({GAP: v})  # noqa: E731
    base = MatrixEq(at(P_lhs, 0), at(P_rhs, 0), size=n, entry=_base_entry(at(P_rhs, 0)), instances=({k: 2},),
                    explicit=network_check(), entry_for=(at(P_lhs, 0), at(P_rhs, 0)), sizes=(1, 2, 3))
    F_next = factor.xreplace({i: k + GAP + 1})
    chain_lhs, chain_rhs = at(P_lhs, GAP + 1), sp.MatMul(F_next, P_lhs)
    chain_rule = MatrixEq(chain_lhs, chain_rhs, size=n, entry=_chain_rule_entry(F_next), explicit=network_check(),
                          entry_for=(chain_lhs, chain_rhs), instances=({GAP: 2, k: 1}, {GAP: 0, k: 2}), sizes=(2, 3))
    peel = MatrixEq(sp.MatMul(F_next, P_rhs), at(P_rhs, GAP + 1), size=n, instances=({GAP: 2, k: 0}, {GAP: 0, k: 2}),
                    domains={"z": (-2.0, 2.0)}, sizes=(2, 3))  # n >= 2: the factors do not commute
    step = Conjunction((chain_rule, peel),
                       text=r"\partial h_{t+1}/\partial h_k = (I + J_{t+1})\,\partial h_t/\partial h_k"
                            r" = (I + J_{t+1})\prod_{i=k+1}^{t}(I + J_i) = \prod_{i=k+1}^{t+1}(I + J_i)",
                       plain="dh_{t+1}/dh_k = (I + J_{t+1}) dh_t/dh_k (chain rule) = (I + J_{t+1}) prod (I + J_i) "
                             "(hypothesis) = prod_{i=k+1}^{t+1} (I + J_i) (peel), t = k + s, s >= 0")
    return Induction(GAP, base, step, text=r"\partial h_t/\partial h_k = \prod_{i=k+1}^{t}(I + J_i)"
                                           r"\quad\text{for all } t = k + s,\; s \ge 0",
                     statement=(P_lhs, P_rhs), start=0)
