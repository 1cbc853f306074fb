r"""Numeric check of ``truncated_bptt`` on Elman runs.

The contract's derived expressions (bindings ``t`` and ``tau``): ``"truncated"``
:math:`\sum_{k=t-\tau+1}^{t}(\prod_{i=k+1}^{t}J_i)\,\partial^+h_k/\partial\theta`, ``"full"``
(:math:`k = 1..t`) and ``"error_bound"`` :math:`\sum_{k\le t-\tau}(\gamma\lambda_1)^{t-k}\lVert\partial^+h_k/\partial\theta\rVert_2`.
The parameter :math:`\theta` is read off the derived shape (``n x P``: ``P = n^2`` W_hh, ``n d`` W_xh, ``n`` b_h).

* ``truncated`` vs the complex-step Jacobian of the actual map :math:`\theta\mapsto h_t` that starts
  from :math:`h_{t-\tau}` *held* at its run value (so only the last :math:`\tau` steps see
  :math:`\theta`: exactly the truncated sum);
* ``full`` vs :math:`\theta\mapsto h_t` from :math:`h_0`;
* the bound: :math:`\lVert \text{full} - \text{truncated}\rVert_2 \le` ``error_bound``, with both
  gradients taken from the *references* (finite differences), not from the derived sums.

Error model as :mod:`.bptt_sum_of_products` (first-order propagation through true Jacobian products).
Reference: Williams & Peng, Neural Computation 2 (1990) (truncated BPTT); Pascanu et al. (2013), eq. (4)-(7).
"""

from __future__ import annotations

import numpy as np

from ..fd import complex_step_jacobian
from ..gradcheck import check_jacobian
from .base import Context, bound_result, gamma, spread_times
from .bptt_recursion import evaluator, param_state_map
from .bptt_sum_of_products import sum_magnitude

__all__ = ["RUNS", "TAUS", "TIMES", "HORIZON", "PARAMS", "check"]

RUNS = ("adding", "vanishing")
TAUS = (1, 3, 8)
TIMES = 2
HORIZON = 16


#: parameter -> suffix of its derived names ("truncated", "truncated_b_h", ...)
PARAMS = {"W_hh": "", "b_h": "_b_h"}


def check(ctx: Context):
    out = []
    for name, suffix in PARAMS.items():
        out.extend(_check_param(ctx, name, suffix))
    return out


def _check_param(ctx: Context, name: str, suffix: str):
    """The identity for one parameter, named explicitly (never guessed from a shape)."""
    trunc, full = evaluator(ctx, "truncated" + suffix), evaluator(ctx, "full" + suffix)
    bound = evaluator(ctx, "error_bound" + suffix)
    n = ctx.params.n
    out = []
    for t in spread_times(min(ctx.T, HORIZON), TIMES + 1)[1:]:
        F = full(t=t)
        mag = sum_magnitude(ctx, name, [t])[t]
        f, theta = param_state_map(ctx, name, t)
        out.append(check_jacobian(F, f, theta, quantity=f"full dh_t/d{name} (t={t})", magnitude=mag,
                                  depth=n + 4 + t, **ctx.labels))
        ref_full, err_full = complex_step_jacobian(f, theta)
        for tau in (x for x in TAUS if x <= t):
            D = trunc(t=t, tau=tau)
            g, _ = param_state_map(ctx, name, t, start=t - tau)
            out.append(check_jacobian(D, g, theta, quantity=f"truncated dh_t/d{name} (t={t}, tau={tau})",
                                      magnitude=mag, depth=n + 4 + t, **ctx.labels))
            ref_trunc, err_trunc = complex_step_jacobian(g, theta)
            gap = float(np.linalg.norm(ref_full - ref_trunc, 2))
            # the measured gap is a difference of two complex-step references: their errors bound its own.
            # Each reference's imaginary part is carried through the whole forward map, so its rounding is
            # gamma_K |J| for the map's depth K (not only the final 2 eps |J| of complex_step_jacobian): when the
            # true gap is 0 (an exactly vanishing tail) the two references differ by exactly that rounding.
            depth = n * (t + 4)
            carried = gamma(depth) * (np.linalg.norm(ref_full, "fro") + np.linalg.norm(ref_trunc, "fro"))
            out.append(bound_result(ctx, quantity=f"||full - truncated||_2 <= error_bound (t={t}, tau={tau})",
                                    actual=gap, bound=float(np.asarray(bound(t=t, tau=tau)).real.ravel()[0]),
                                    depth=depth, error_estimate=float(carried + np.linalg.norm(err_full, "fro")
                                                                      + np.linalg.norm(err_trunc, "fro"))))
    return out
