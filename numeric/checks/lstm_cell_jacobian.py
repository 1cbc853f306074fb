r"""Numeric check of ``lstm_cell_jacobian`` on the LSTM runs.

At :data:`TIMES` times spread over each sequence, the derived expressions (IDENTITIES.md G,
contract names) are evaluated on the run's gates and compared with the complex-step Jacobian of
the *actual* maps of :func:`rnnproof.numeric.gated.lstm_forward` (directional projections first,
the full Jacobian on failure):

* ``"dltm_dltm_prev"`` = :math:`\operatorname{diag}(\mathrm{rem}_t)` (the constant error carousel)
  vs :math:`ltm_{t-1}\mapsto ltm_t` with :math:`wm_{t-1}` held;
* ``"dwm_dltm"`` = :math:`\operatorname{diag}(\mathrm{focus}_t\odot(1-\tanh^2 ltm_t))` vs
  :math:`ltm_t\mapsto \mathrm{focus}_t\odot\tanh(ltm_t)` (the output gate does not read :math:`ltm_t`);
* ``"state_jacobian"`` (2n x 2n, blocks (ltm, wm)) vs :math:`s_{t-1}\mapsto s_t`,
  :math:`s = [ltm; wm]`;
* the product of the derived ``state_jacobian`` over the last :data:`WINDOW` steps vs
  :math:`s_{T-W}\mapsto s_T`.

Rounding model: :func:`.gated_base.lstm_magnitude` (entrywise sums of absolute terms) with
:math:`K = 2n + 8`; products by :func:`.gated_base.product_magnitude`.
Reference: Hochreiter & Schmidhuber (1997); Gers et al. (2000).
"""

from __future__ import annotations

import numpy as np

from ..engine import _phi
from ..gradcheck import check_jacobian
from .gated_base import GatedContext, evaluator, lstm_magnitude, product_magnitude

__all__ = ["RUNS", "TIMES", "WINDOW", "check"]

RUNS = ("adding_lstm", "text_lstm")
TIMES = 4
WINDOW = 10


def _ltm_map(ctx: GatedContext, t: int):
    n, wm_prev = ctx.params.n, ctx.traj.wm[t - 1]
    step = ctx.state_map(t, t - 1)
    return lambda c: step(np.concatenate([c, wm_prev.astype(c.dtype)]))[:n]


def _window(ctx: GatedContext, J):
    T = ctx.T
    k = max(0, T - WINDOW)
    Js = {s - k: J(t=s) for s in range(k + 1, T + 1)}
    mags = product_magnitude(Js, {s - k: lstm_magnitude(ctx, s)["full"] for s in range(k + 1, T + 1)}, T - k)
    P = np.eye(2 * ctx.params.n)
    for s in range(1, T - k + 1):
        P = Js[s] @ P
    return check_jacobian(P, ctx.state_map(T, k), ctx.state(k), magnitude=mags[T - k],
                          depth=4 * ctx.params.n + 8 + T - k,
                          quantity=f"prod_(i={k + 1}..{T}) state_jacobian vs ds_{T}/ds_{k}", **ctx.labels)


def check(ctx: GatedContext):
    n = ctx.params.n
    ll, wl, J = evaluator(ctx, "dltm_dltm_prev"), evaluator(ctx, "dwm_dltm"), evaluator(ctx, "state_jacobian")
    out = []
    for t in ctx.times(TIMES):
        mag = lstm_magnitude(ctx, t)
        focus = ctx.traj.focus[t]
        out.append(check_jacobian(ll(t=t), _ltm_map(ctx, t), ctx.traj.ltm[t - 1], magnitude=mag["ll"], depth=4,
                                  quantity=f"dltm_t/dltm_(t-1) = diag(rem_t) (t={t})", **ctx.labels))
        out.append(check_jacobian(wl(t=t), lambda c, f=focus: f * _phi("tanh", c), ctx.traj.ltm[t],
                                  magnitude=np.diag(focus * (1 + np.tanh(ctx.traj.ltm[t]) ** 2)), depth=6,
                                  quantity=f"dwm_t/dltm_t (t={t})", **ctx.labels))
        out.append(check_jacobian(J(t=t), ctx.state_map(t, t - 1), ctx.state(t - 1), magnitude=mag["full"],
                                  depth=2 * n + 8, quantity=f"ds_t/ds_(t-1) state_jacobian (t={t})", **ctx.labels))
    out.append(_window(ctx, J))
    return out
