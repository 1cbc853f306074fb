r"""Numeric check of ``stacked_rnn_jacobian`` on the two-layer stacked runs.

At :data:`TIMES` times the derived one-step Jacobians ``"A2"`` (:math:`\partial h^2_t/\partial h^2_{t-1}`)
and ``"B2"`` (:math:`\partial h^2_t/\partial h^1_t`) are compared with the complex-step Jacobians of the
actual forward map (:func:`rnnproof.numeric.stacked.stacked_forward`, layer-1 state replaced through
``h1_at``); for pairs :math:`(t, k)` with lags 0, 1 and :data:`LAG` the derived ``"path_sum"``
:math:`\sum_{s=k}^{t}(\prod A^2)B^2_s(\prod A^1)` is compared with the complex step of the actual map
:math:`h^1_k\mapsto h^2_t`, and the norm chain :math:`\lVert\partial h^2_t/\partial h^1_k\rVert \le`
``norm_terms`` :math:`\le` ``bound_terms`` is checked with its rounding margin (slack reported).

Rounding model: :func:`path_magnitude` (first order, each factor's error carried by the true partial
products, summed over the paths), depth
:math:`K = n + 4 + 2(t - k)`.  Reference: Graves et al. (2013); Pascanu et al. (2014).
"""

from __future__ import annotations

import numpy as np

from .. import fd, stacked
from ..gradcheck import check_jacobian
from .base import bound_result
from .stacked_base import StackContext, abs_factor, chain_magnitude, derived, guarded, scalar, signed_factor

__all__ = ["RUNS", "TIMES", "LAG", "check", "pairs", "path_magnitude"]

RUNS = ("adding_stacked", "text_stacked")
TIMES = 3
LAG = 10


def pairs(ctx: StackContext) -> list[tuple[int, int]]:
    """``(t, k)``: lags 0, 1 and :data:`LAG` at two late times (``k >= 1``: the bottom state feeds layer 2)."""
    out = {(t, max(1, t - lag)) for t in ctx.times(2, lo=ctx.T // 2) for lag in (0, 1, LAG)}
    return sorted(out)


def path_magnitude(ctx: StackContext, t: int, k: int) -> np.ndarray:
    r"""First-order rounding magnitude of the path sum: :func:`.stacked_base.chain_magnitude` of each path
    :math:`A^2_t\cdots A^2_{s+1}B^2_sA^1_s\cdots A^1_{k+1}`, summed over the paths."""
    p, h, h2 = ctx.params, ctx.traj["h"], ctx.traj["h2"]
    M = np.zeros((p.n, p.n))
    for s in range(k, t + 1):
        chain = [(signed_factor(h2[i], p.W_2), abs_factor(h2[i], p.W_2)) for i in range(t, s, -1)]
        chain += [(signed_factor(h2[s], p.U_2), abs_factor(h2[s], p.U_2))]
        chain += [(signed_factor(h[i], p.W_hh), abs_factor(h[i], p.W_hh)) for i in range(s, k, -1)]
        M += chain_magnitude(chain)
    return M


def _one_step(ctx: StackContext, t: int) -> list:
    """A2 and B2 at time ``t`` against the complex step of the actual one-step maps."""
    p, cp, h, h2, n = ctx.params, ctx.checkpoint, ctx.traj["h"], ctx.traj["h2"], ctx.params.n
    one = lambda v: stacked.stacked_forward(p, cp.xs[t - 1:t], h0=np.concatenate([h[t - 1], v]))["h2"][1]  # noqa: E731
    across = lambda v: stacked.stacked_forward(p, cp.xs[:t], h0=cp.h0, h1_at={t: v})["h2"][t]  # noqa: E731
    return [check_jacobian(derived(ctx, "A2", t=t), one, h2[t - 1], magnitude=abs_factor(h2[t], p.W_2),
                           depth=n + 4, quantity=f"A2 = dh2_t/dh2_(t-1) (t={t})", **ctx.labels),
            check_jacobian(derived(ctx, "B2", t=t), across, h[t], magnitude=abs_factor(h2[t], p.U_2),
                           depth=n + 4, quantity=f"B2 = dh2_t/dh_t (t={t})", **ctx.labels)]


def _path(ctx: StackContext, t: int, k: int) -> list:
    r"""The path sum at ``(t, k)`` against the complex step of :math:`h^1_k\mapsto h^2_t`, and the norm chain."""
    p, cp, h, n = ctx.params, ctx.checkpoint, ctx.traj["h"], ctx.params.n
    D = derived(ctx, "path_sum", t=t, k=k)
    f = lambda v: stacked.stacked_forward(p, cp.xs[:t], h0=cp.h0, h1_at={k: v})["h2"][t]  # noqa: E731
    J, err = fd.complex_step_jacobian(f, np.asarray(h[k], dtype=float))
    out = [check_jacobian(D, f, h[k], magnitude=path_magnitude(ctx, t, k), depth=n + 4 + 2 * (t - k),
                          full_reference=lambda: (J, err), directional_first=False,
                          quantity=f"path sum = dh2_t/dh_k (t={t}, k={k})", **ctx.labels)]
    terms, bound = scalar(ctx, "norm_terms", t=t, k=k), scalar(ctx, "bound_terms", t=t, k=k)
    depth = (t - k + 2) * (2 * n + 8)
    out.append(bound_result(ctx, quantity=f"||dh2_t/dh_k|| (complex step) <= sum_paths prod of norms (t={t}, k={k})",
                            actual=float(np.linalg.norm(J, 2)), bound=terms, depth=depth, shapes=((n, n),),
                            error_estimate=float(np.linalg.norm(err))))
    out.append(bound_result(ctx, quantity=f"sum_paths prod of norms <= sum (lambda_2)^(t-s) ||U_2|| "
                            f"(lambda_1)^(s-k) (t={t}, k={k})", actual=terms, bound=bound, depth=depth, shapes=((n, n),)))
    return out


def check(ctx: StackContext):
    out = []
    for t in ctx.times(TIMES, lo=2):
        guarded(ctx, out, f"A2, B2 (t={t})", lambda t=t: _one_step(ctx, t))
    for t, k in pairs(ctx):
        guarded(ctx, out, f"path sum = dh2_t/dh_k (t={t}, k={k})", lambda t=t, k=k: _path(ctx, t, k))
    return out
