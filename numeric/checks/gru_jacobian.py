r"""Numeric check of ``gru_jacobian`` on the GRU runs.

At :data:`TIMES` times spread over each sequence, the derived ``"J"``

.. math::
    \frac{\partial h_t}{\partial h_{t-1}} = \operatorname{diag}(1-u_t)
    + \operatorname{diag}(\tilde h_t - h_{t-1})\operatorname{diag}(u_t\odot(1-u_t))W_u
    + \operatorname{diag}(u_t\odot(1-\tilde h_t^2))W_h[\operatorname{diag}(r_t)
    + \operatorname{diag}(h_{t-1}\odot r_t\odot(1-r_t))W_r]

(evaluated on the run's gates; never re-typed here) is compared with the complex-step Jacobian
of the actual one-step map :math:`h_{t-1}\mapsto h_t` of :func:`rnnproof.numeric.gated.gru_forward`,
and the product of the derived ``J`` over the last :data:`WINDOW` steps with :math:`h_{T-W}\mapsto h_T`.
Directional projections first, the full Jacobian on failure.  Rounding model:
:func:`.gated_base.gru_magnitude`, :math:`K = 2n + 8`; products by
:func:`.gated_base.product_magnitude`.  Reference: Cho et al. (2014); IDENTITIES.md G.
"""

from __future__ import annotations

import numpy as np

from ..gradcheck import check_jacobian
from .gated_base import GatedContext, evaluator, gru_magnitude, product_magnitude

__all__ = ["RUNS", "TIMES", "WINDOW", "check"]

RUNS = ("adding_gru", "text_gru")
TIMES = 4
WINDOW = 10


def check(ctx: GatedContext):
    n, T = ctx.params.n, ctx.T
    J = evaluator(ctx, "J")
    out = []
    for t in ctx.times(TIMES):
        out.append(check_jacobian(J(t=t), ctx.state_map(t, t - 1), ctx.state(t - 1), magnitude=gru_magnitude(ctx, t),
                                  depth=2 * n + 8, quantity=f"dh_t/dh_(t-1) (t={t})", **ctx.labels))
    k = max(0, T - WINDOW)
    Js = {s - k: J(t=s) for s in range(k + 1, T + 1)}
    mags = product_magnitude(Js, {s - k: gru_magnitude(ctx, s) for s in range(k + 1, T + 1)}, T - k)
    P = np.eye(n)
    for s in range(1, T - k + 1):
        P = Js[s] @ P
    out.append(check_jacobian(P, ctx.state_map(T, k), ctx.state(k), magnitude=mags[T - k], depth=2 * n + 8 + T - k,
                              quantity=f"prod_(i={k + 1}..{T}) J_i vs dh_{T}/dh_{k}", **ctx.labels))
    return out
