r"""Numeric check of ``vanishing_condition``: :math:`\eta = \gamma\lambda_1 < 1 \Rightarrow \lVert\partial h_t/\partial h_k\rVert \le \eta^{t-k}`, and the converse fails.

The identity's derived ``eta`` (:math:`\gamma\lVert W_{hh}\rVert`) is evaluated on every
checkpoint and the *actual* :math:`\lVert\partial h_t/\partial h_k\rVert` is measured by the complex
step of :meth:`Context.state_map` for lags 1, 3, 8 (and the whole sequence when it does not
underflow).  What is asserted depends on the regime the run was built in:

* ``vanishing`` (:math:`\lambda_1 = 0.5`): :math:`\eta < 1` (slack :math:`1/\eta`) and the
  sufficiency claim :math:`\lVert\partial h_t/\partial h_k\rVert \le \eta^{t-k}` for every pair
  (slack = bound / actual);
* ``saturated`` (:math:`\lambda_1 = 3`): the **witness** that :math:`\lambda_1 > 1/\gamma` does not
  imply explosion: :math:`\eta > 1` and yet the measured products vanish,
  :math:`\lVert\partial h_t/\partial h_k\rVert \le 1` with the measured decay rate
  :math:`\lVert\cdot\rVert^{1/(t-k)}` in the note;
* ``exploding`` (:math:`\lambda_1 = 1.3`, linear regime): :math:`\eta > 1` and the products grow,
  :math:`\lVert\partial h_t/\partial h_k\rVert \ge 1` for lags :math:`\ge 3`;
* any other run: the sufficiency claim when :math:`\eta < 1`, else only the (always valid) bound
  :math:`\eta^{t-k}`.

Rounding model: :math:`\eta` is one computed norm (depth :math:`n + 4`); a measured product norm
has depth :math:`(t-k)(2n+d+5) + n` (``product_norm_bound``) and :math:`\eta^{t-k}` adds
:math:`t - k`; :func:`~rnnproof.numeric.checks.base.bound_result` charges
:math:`\gamma_K(|a| + |b|)`.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from .base import Context, bound_result
from .jacobian_norm_bound import actual_jacobian, factor_depth, scalar_value

__all__ = ["RUNS", "check", "LAGS", "REGIMES"]

RUNS = ("vanishing", "saturated", "exploding")
LAGS = (1, 3, 8)
#: what each built-in regime run must show
REGIMES = {"vanishing": "sufficient", "saturated": "witness", "exploding": "growth"}
#: below this a complex-step product (Im = h * value, h = 1e-100) would leave the normal range
_UNDERFLOW = 1e-200


def _measured(ctx: Context):
    """``[(t, k, ||dh_t/dh_k||)]`` of the actual map, skipping products that underflow."""
    t = ctx.T
    out = []
    for k in sorted({t - lag for lag in LAGS if t - lag >= 0} | {0}, reverse=True):
        J, _ = actual_jacobian(ctx, t, k)
        v = float(np.linalg.norm(J, 2))
        if v > _UNDERFLOW or k != 0:
            out.append((t, k, v))
    return out


def check(ctx: Context):
    n = ctx.params.n
    eta_expr = ctx.expression("eta")
    eta = scalar_value(ctx, eta_expr, {})
    regime = REGIMES.get(ctx.run.name, "sufficient" if eta < 1 else "bound")
    out = []
    if regime == "sufficient":
        out.append(bound_result(ctx, quantity="eta = gamma lambda_1 < 1 (lambda_1 < 1/gamma)", actual=eta, bound=1.0,
                                depth=n + 4, note="premise of the sufficient condition"))
    elif regime in ("witness", "growth"):
        out.append(bound_result(ctx, quantity="eta = gamma lambda_1 > 1 (lambda_1 > 1/gamma)", actual=1.0, bound=eta,
                                depth=n + 4, note="premise of the (wrong) converse: slack = eta"))
    for t, k, v in _measured(ctx):
        lag = t - k
        depth = lag * (factor_depth(ctx) + n) + n
        if regime in ("sufficient", "bound"):
            power = scalar_value(ctx, sp.Pow(eta_expr, lag), {})
            out.append(bound_result(ctx, quantity=f"||dh_t/dh_k|| <= eta^(t-k) (t={t}, k={k})", actual=v,
                                    bound=power, depth=depth + lag, shapes=((n, n),)))
        elif regime == "witness":
            rate = v ** (1 / lag) if v > 0 else 0.0
            out.append(bound_result(ctx, quantity=f"witness: ||dh_t/dh_k|| <= 1 though eta > 1 (t={t}, k={k})",
                                    actual=v, bound=1.0, depth=depth, shapes=((n, n),),
                                    note=f"measured decay rate ||.||^(1/(t-k)) = {rate:.3g} vs eta = {eta:.3g}"))
        elif lag >= 3:
            rate = v ** (1 / lag)
            out.append(bound_result(ctx, quantity=f"growth: ||dh_t/dh_k|| >= 1 (t={t}, k={k})", actual=1.0, bound=v,
                                    depth=depth, shapes=((n, n),),
                                    note=f"measured growth rate ||.||^(1/(t-k)) = {rate:.3g}, eta = {eta:.3g}"))
    return out
