r"""Numeric check of ``highway_jacobian`` on the highway runs.

At :data:`TIMES` times the derived ``"gate"`` (:math:`\partial g_t/\partial h_{t-1}`), ``"candidate"``
(:math:`\partial\tilde h_t/\partial h_{t-1}`), ``"J"`` and its carry-path form ``"carry"`` (evaluated on the run,
never re-typed) are compared with the complex-step Jacobians of the actual maps of
:func:`rnnproof.numeric.remedies.highway_forward`; the carry-path bound
:math:`\lVert\partial h_t/\partial h_{t-1} - \operatorname{diag}(1-g_t)\rVert \le \lVert\operatorname{diag}(g_t)\rVert\lVert M_t\rVert`
is checked with the *actual* Jacobian on the left (derived ``"carried_bound"`` on the right); and the product
of the derived ``J`` over the last :data:`WINDOW` steps is compared with :math:`h_{T-W}\mapsto h_T`.

Rounding model: :func:`.remedies_base.highway_magnitude`, :math:`K = 2n + 8`; products by
:func:`.gated_base.product_magnitude`; the bound's left side moves by at most the Frobenius norm of the
reference's error bound (Weyl).  Reference: Srivastava et al. (2015); Zilly et al. (2017).
"""

from __future__ import annotations

import numpy as np

from rnnproof.derivations.evaluate import evaluate
from rnnproof.derivations.symbols import n as N_SYM
from rnnproof.derivations.symbols import t as T_SYM

from .. import fd
from ..gradcheck import check_jacobian
from .base import bound_result, gamma
from .gated_base import product_magnitude
from .remedies_base import RemedyContext, require, highway_magnitude

__all__ = ["RUNS", "TIMES", "WINDOW", "check"]

RUNS = ("adding_highway", "text_highway")
TIMES = 4
WINDOW = 10
_H = 1e-100


def _local_magnitudes(ctx, t):
    p, e = ctx.params, ctx.env
    g, hc = e["g"][t], e["hc"][t]
    return {"gate": (g * (1 + g))[:, None] * np.abs(p.W_g), "candidate": (1 + hc * hc)[:, None] * np.abs(p.W_hh)}


def check(ctx: RemedyContext):
    require(ctx, "highway")
    n, T = ctx.params.n, ctx.T
    ev = {name: ctx.expression(name) for name in ("J", "carry", "gate", "candidate", "carried_bound")}
    out = []
    for t in ctx.times(TIMES):
        b = {N_SYM: ctx.params.n, T_SYM: t}
        mag = highway_magnitude(ctx, t)
        for name, what in (("J", "dh_t/dh_(t-1)"), ("carry", "diag(1 - g_t) + diag(g_t) M_t")):
            out.append(check_jacobian(evaluate(ev[name], ctx.env, b), ctx.state_map(t, t - 1), ctx.state(t - 1),
                                      magnitude=mag, depth=2 * n + 8, quantity=f"{what} (t={t})", **ctx.labels))
        for name, field_name in (("gate", "g"), ("candidate", "hc")):
            out.append(check_jacobian(evaluate(ev[name], ctx.env, b), ctx.local_map(t, field_name), ctx.state(t - 1),
                                      magnitude=_local_magnitudes(ctx, t)[name], depth=2 * n + 8,
                                      quantity=f"d{field_name}_t/dh_(t-1) (t={t})", **ctx.labels))
        A, err = fd.complex_step_jacobian(ctx.state_map(t, t - 1), ctx.state(t - 1), h=_H)
        left = float(np.linalg.norm(A - np.diag(1 - ctx.env["g"][t]), 2))
        E = float(np.linalg.norm(err + gamma(2 * n + 8) * mag, "fro"))
        out.append(bound_result(ctx, quantity=f"||dh_t/dh_(t-1) - diag(1 - g_t)|| <= ||diag g_t|| ||M_t|| (t={t})",
                                actual=left, bound=float(evaluate(ev["carried_bound"], ctx.env, b)),
                                depth=3 * n + 8, shapes=((n, n),), error_estimate=E))
    k = max(0, T - WINDOW)
    Js = {s - k: np.asarray(evaluate(ev["J"], ctx.env, {N_SYM: ctx.params.n, T_SYM: s}), dtype=float) for s in range(k + 1, T + 1)}
    mags = product_magnitude(Js, {s - k: highway_magnitude(ctx, s) for s in range(k + 1, T + 1)}, T - k)
    P = np.eye(n)
    for s in range(1, T - k + 1):
        P = Js[s] @ P
    out.append(check_jacobian(P, ctx.state_map(T, k), ctx.state(k), magnitude=mags[T - k], depth=2 * n + 8 + T - k,
                              quantity=f"prod_(i={k + 1}..{T}) J_i vs dh_{T}/dh_{k}", **ctx.labels))
    return out
