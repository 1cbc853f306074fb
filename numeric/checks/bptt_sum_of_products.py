r"""Numeric check of ``bptt_sum_of_products``: :math:`\frac{dh_t}{d\theta} = \sum_{k=1}^{t}\Big(\prod_{i=k+1}^{t}J_i\Big)\frac{\partial^+h_k}{\partial\theta}`.

For :math:`\theta \in \{W_{hh}, W_{xh}, b_h\}` the derived ``"total_<theta>"`` (the whole sum of
ordered products, ``n x P``, row-major ``vec``) is evaluated on the run's states at
:data:`TIMES` times spread over ``1..HORIZON`` (and at the last time ``T`` for ``b_h``) and compared with the complex-step Jacobian of
the actual multi-step map :math:`\theta \mapsto h_t` (:math:`h_1\dots h_t` recomputed from the
run's :math:`h_0`); directional projections first, the full Jacobian on failure.

Error model (Higham 2002, sec. 3.5, first order): term ``k`` is accumulated as
:math:`J_t(\cdots(J_{k+1}G_k))`; the error made in factor :math:`J_i` (magnitude
:math:`(1+h_i^2)|W_{hh}|`, covering the :math:`1-\tanh^2` cancellation) times the partial
product to its right is carried to the left by the true product :math:`J_t\cdots J_{i+1}`.
Summed over ``k`` this is :func:`~rnnproof.numeric.checks.bptt_recursion.propagated_magnitude`
with :math:`P_s = \sum_{k\le s}|J_s\cdots J_{k+1}|\,|G_k|`; :math:`K = n + 4 + t`.  Only this
*error model* uses :math:`J_i` and :math:`G_k` (taken from ``bptt_recursion``'s derived
expressions); the compared value is this identity's own derived sum.

Reference: IDENTITIES.md section C; Pascanu, Mikolov, Bengio (2013), eq. (4)-(5).
"""

from __future__ import annotations

import numpy as np

from rnnproof.derivations import registry
from rnnproof.derivations.evaluate import evaluate

from ..gradcheck import check_jacobian
from .base import Context, spread_times
from .bptt_recursion import PARAMS, evaluator, immediate_magnitude, jacobians, param_state_map, propagated_magnitude

__all__ = ["RUNS", "TIMES", "HORIZON", "check", "sum_magnitude"]

RUNS = ("text", "adding")
TIMES = 3
#: times 1..HORIZON for every θ; the full length T for ``b_h`` only (evaluating the sum of
#: ordered products walks O(t^2) nodes: ~0.25 s at t = 40, n = 16)
HORIZON = 16


def _prefix_sums(Js, G, tmax):
    r""":math:`P_s = \sum_{k\le s}|J_s\cdots J_{k+1}|\,|G_k|` for ``s = 1..tmax`` (``P_0`` unused)."""
    out = {}
    for s in range(1, tmax + 1):
        Phi, acc = np.eye(Js[1].shape[0]), np.zeros_like(G[1])
        for k in range(s, 0, -1):
            acc += np.abs(Phi) @ np.abs(G[k])
            Phi = Phi @ Js[k]
        out[s] = acc
    return out


def sum_magnitude(ctx: Context, name: str, times) -> dict:
    """``t -> M_t``: the rounding magnitude of the computed sum of products at each time."""
    tmax = max(times)
    Js, Jmag = jacobians(ctx, tmax, identity="bptt_recursion")
    expr = registry.get("bptt_recursion").expression(f"immediate_{name}", ctx.activation)
    G = {s: np.asarray(evaluate(expr, ctx.env, {"t": s}), dtype=np.float64) for s in range(1, tmax + 1)}
    Gmag = {s: immediate_magnitude(ctx, name, s) for s in G}
    prev = _prefix_sums(Js, G, tmax - 1) if tmax > 1 else {}
    return {t: propagated_magnitude(Js, Jmag, Gmag, prev, t) for t in times}


def check(ctx: Context):
    short = spread_times(min(ctx.T, HORIZON), TIMES)
    n = ctx.params.n
    out = []
    for name in PARAMS:
        times = sorted(set(short) | ({ctx.T} if name == "b_h" else set()))
        total = evaluator(ctx, f"total_{name}")
        mags = sum_magnitude(ctx, name, times)
        for t in times:
            f, theta = param_state_map(ctx, name, t)
            out.append(check_jacobian(total(t=t), f, theta, quantity=f"dh_t/d{name} (sum of products, t={t})",
                                      magnitude=mags[t], depth=n + 4 + t, **ctx.labels))
    return out
