r"""Numeric check of ``tanh_jacobian_entry``: :math:`\partial h_{t,j}/\partial h_{t-1,i} = (1-h_{t,j}^2)(W_{hh})_{ji}`.

The derived scalar ``"entry"`` (written with ``Indexed`` symbols :math:`h_j`, :math:`W_{ji}` and
free indices ``i``, ``j``) is lambdified once and evaluated for *every* ``(j, i)`` of the run's
network at :data:`TIMES` times (index arrays broadcast to the ``n x n`` matrix whose row is
``j`` and column ``i``), then compared with the complex-step Jacobian of the actual one-step map
:math:`h_{t-1}\mapsto h_t` (directional projections first, full elementwise on failure).

Rounding model (Higham 2002, sec. 3.5): :math:`1-h_j^2` is 3 operations on terms of size
:math:`1+h_j^2`, times :math:`W_{ji}`: :math:`M_{ji} = (1+h_{t,j}^2)|W_{ji}|`, :math:`K = 4`.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from rnnproof.derivations.symbols import i, j

from ..gradcheck import check_jacobian
from .base import Context

__all__ = ["RUNS", "TIMES", "check", "entry_matrix"]

RUNS = ("text", "adding")
TIMES = 4


def entry_matrix(expr, h_t, W) -> np.ndarray:
    """The ``n x n`` matrix with entry ``(a, b)`` = ``expr`` at ``j = a``, ``i = b``, ``h -> h_t``, ``W_hh -> W``."""
    hb, Wb = sp.IndexedBase("h"), sp.IndexedBase("W_hh")
    f = sp.lambdify((hb, Wb, j, i), expr, modules="numpy")
    n = W.shape[0]
    a, b = np.arange(n)[:, None], np.arange(n)[None, :]
    return np.broadcast_to(np.asarray(f(h_t, W, a, b), dtype=float), (n, n))


def check(ctx: Context):
    expr = ctx.expression("entry")
    W = ctx.params.W_hh
    out = []
    for t in ctx.times(TIMES):
        h_t = ctx.traj.h[t]
        D = entry_matrix(expr, h_t, W)
        out.append(check_jacobian(D, ctx.state_map(t, t - 1), ctx.traj.h[t - 1],
                                  quantity=f"dh_(t,j)/dh_(t-1,i) for all (j, i) (t={t})",
                                  magnitude=(1 + h_t[:, None] ** 2) * np.abs(W), depth=4, **ctx.labels))
    return out
