r"""Numeric check of ``residual_jacobian`` on the residual runs.

1. At :data:`TIMES` times the derived ``"J"`` (:math:`I + \operatorname{diag}(\varphi'(z_t))W_{hh}`, evaluated
   on the run, never re-typed) is compared with the complex-step Jacobian of the actual one-step map
   :math:`h_{t-1}\mapsto h_t` of :func:`rnnproof.numeric.remedies.residual_forward`.
2. For pairs :math:`(t, k)` (lags :data:`LAGS` and the whole sequence) the derived ``"chain"``
   :math:`\prod_{i=k+1}^{k+s+1}(I+J_i)` (the induction's product, :math:`s = t - k - 1`) is compared with the complex-step Jacobian of :math:`h_k\mapsto h_t`,
   and the derived ``"floor"`` :math:`\max(0,1-\gamma\lambda_1)^{t-k}` and ``"ceiling"``
   :math:`(1+\gamma\lambda_1)^{t-k}` are checked as bounds on :math:`\sigma_{\min}` and :math:`\lVert\cdot\rVert`
   of that *actual* Jacobian (slack reported).

Rounding model: :func:`.remedies_base.residual_magnitude`, :math:`K = 2n + 8`; products by
:func:`.gated_base.product_magnitude`.  A computed singular value of the reference moves by at most
:math:`\lVert E\rVert_2 \le \lVert E\rVert_F` (Weyl), with :math:`E` bounded entrywise by the complex step's
error plus :math:`\gamma_K M`; plus :math:`\gamma_n\lVert J\rVert` for the SVD itself (LAPACK backward error).
Reference: He et al. (2016); Horn & Johnson (2013), Thm 3.3.16.
"""

from __future__ import annotations

import numpy as np

from rnnproof.derivations.catalogue.hidden_state_chain import GAP
from rnnproof.derivations.evaluate import evaluate
from rnnproof.derivations.symbols import k as K_SYM
from rnnproof.derivations.symbols import n as N_SYM
from rnnproof.derivations.symbols import t as T_SYM

from .. import fd
from ..gradcheck import check_jacobian
from .base import bound_result, gamma
from .gated_base import product_magnitude
from .remedies_base import RemedyContext, require, residual_magnitude

__all__ = ["RUNS", "TIMES", "LAGS", "check", "pairs"]

RUNS = ("adding_residual", "text_residual")
TIMES = 4
LAGS = (1, 4, 12)
_H = 1e-100


def pairs(ctx: RemedyContext) -> list[tuple[int, int]]:
    """``(t, k)``: lags :data:`LAGS` at the last time, plus :math:`(T, 0)`."""
    return sorted({(ctx.T, ctx.T - lag) for lag in LAGS if lag <= ctx.T} | {(ctx.T, 0)})


def _value(ctx, name, t, k):
    return float(evaluate(ctx.expression(name), ctx.env, {N_SYM: ctx.params.n, T_SYM: t, K_SYM: k}, backend="numpy"))


def check(ctx: RemedyContext):
    require(ctx, "residual")
    n = ctx.params.n
    J = ctx.expression("J")
    out = []
    for t in ctx.times(TIMES):
        out.append(check_jacobian(evaluate(J, ctx.env, {N_SYM: ctx.params.n, T_SYM: t}), ctx.state_map(t, t - 1), ctx.state(t - 1),
                                  magnitude=residual_magnitude(ctx, t), depth=2 * n + 8,
                                  quantity=f"dh_t/dh_(t-1) = I + diag(phi'(z_t)) W_hh (t={t})", **ctx.labels))
    chain = ctx.expression("chain")  # the induction's product up to k + s + 1
    for t, k in pairs(ctx):
        lag = t - k
        D = np.asarray(evaluate(chain, ctx.env, {N_SYM: ctx.params.n, K_SYM: k, GAP: lag - 1}), dtype=float)
        Js = {s - k: np.asarray(evaluate(J, ctx.env, {N_SYM: ctx.params.n, T_SYM: s}), dtype=float) for s in range(k + 1, t + 1)}
        mags = product_magnitude(Js, {s - k: residual_magnitude(ctx, s) for s in range(k + 1, t + 1)}, lag)[lag]
        depth = 2 * n + 8 + lag
        out.append(check_jacobian(D, ctx.state_map(t, k), ctx.state(k), magnitude=mags, depth=depth,
                                  quantity=f"prod_(i={k + 1}..{t}) (I + J_i) vs dh_{t}/dh_{k}", **ctx.labels))
        A, err = fd.complex_step_jacobian(ctx.state_map(t, k), ctx.state(k), h=_H)
        E = float(np.linalg.norm(err + gamma(depth) * mags, "fro")) + gamma(n) * float(np.linalg.norm(A, 2))
        smin, norm = float(np.linalg.svd(A, compute_uv=False).min()), float(np.linalg.norm(A, 2))
        out.append(bound_result(ctx, quantity=f"floor max(0, 1 - gamma lambda_1)^(t-k) <= sigma_min(dh_t/dh_k) "
                                f"(t={t}, k={k})", actual=_value(ctx, "floor", t, k), bound=smin, depth=lag + n + 8,
                                shapes=((n, n),), error_estimate=E))
        out.append(bound_result(ctx, quantity=f"||dh_t/dh_k|| <= (1 + gamma lambda_1)^(t-k) (t={t}, k={k})",
                                actual=norm, bound=_value(ctx, "ceiling", t, k), depth=lag + n + 8, shapes=((n, n),),
                                error_estimate=E))
    return out
