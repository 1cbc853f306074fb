r"""Numeric check of ``tanh_jacobian``: :math:`J_t = \operatorname{diag}(1-h_t\odot h_t)W_{hh}`.

The derived :math:`J_t` (``"J"`` for tanh runs, the general ``"J_general"`` =
:math:`\operatorname{diag}(\varphi'(z_t))W_{hh}` for sigmoid runs) is evaluated on the run's
states and compared with the Jacobian of the actual one-step map
:math:`h_{t-1}\mapsto h_t` (complex step; directional projections first).  Rounding model:
entry :math:`(a,b)` is a product of :math:`\varphi'(z_{t,a})` (3 operations on terms of size
:math:`\le 1+h_a^2`) and :math:`W_{ab}`, so :math:`M_{ab} = (1+h_{t,a}^2)|W_{ab}|`, :math:`K = 4`.
"""

from __future__ import annotations

import numpy as np

from ..gradcheck import check_jacobian
from .base import Context, derived_value

__all__ = ["RUNS", "check"]

RUNS = ("text", "adding", "saturated", "text_large")
TIMES = 4


def check(ctx: Context):
    name = "J" if ctx.activation == "tanh" else "J_general"
    out = []
    for t in ctx.times(TIMES):
        D = derived_value(ctx, name, t=t)
        h_t, h_prev = ctx.traj.h[t], ctx.traj.h[t - 1]
        mag = (1 + h_t[:, None] ** 2) * np.abs(ctx.params.W_hh)
        out.append(check_jacobian(D, ctx.state_map(t, t - 1), h_prev, quantity=f"J_t ({name}, t={t})",
                                  magnitude=mag, depth=4, **ctx.labels))
    return out
