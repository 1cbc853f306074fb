r"""Numeric check of ``sigmoid_derivative_bound``: :math:`0 < \sigma'(x) \le \gamma = 1/4`, equality exactly at 0.

At every pre-activation :math:`z_{t,a}` of the run (the saturated run supplies the tails):

* the derived ``"sigmoid_prime"`` against the complex-step derivative of
  :math:`\sigma(x) = 1/(1+e^{-x})` (error :math:`2\varepsilon|\sigma'|`);
* the bound :math:`\max_z\sigma'(z) \le` the derived ``"gamma"`` (slack = bound / actual) and
  positivity :math:`\min_z\sigma'(z) > 0` (slack = min / 0 reported as the minimum itself);
* the derived maximiser: :math:`\sigma'(\text{argmax}) = \gamma` in float64 (exact:
  :math:`\sigma(0) = 1/2`).

Rounding model: :math:`\sigma(1-\sigma)` is 4 operations on terms of size at most 1,
:math:`M = 1`, :math:`K = 4` (Higham 2002, sec. 3.5).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from rnnproof.derivations.evaluate import scalar_function
from rnnproof.derivations.symbols import x_scalar

from .base import EPS, Context, bound_result, scalar_result

__all__ = ["RUNS", "check"]

RUNS = ("text", "saturated")
H = 1e-200


def _positive(ctx, derived, z):
    """Strict positivity: a bound record (bound = min sigma', actual = 0) that passes only if min > 0."""
    r = bound_result(ctx, quantity="0 < min_z sigma'(z)", actual=0.0, bound=float(derived.min()), depth=4,
                     shapes=(z.shape,), note="strict: passes only if the minimum is > 0 in float64")
    return dataclasses.replace(r, passed=bool(derived.min() > 0))


def check(ctx: Context):
    z = ctx.traj.z[1:].ravel()
    fp = scalar_function(ctx.expression("sigmoid_prime"), (x_scalar,))
    derived = np.asarray(fp(z), dtype=float) * np.ones_like(z)
    reference = np.imag(1 / (1 + np.exp(-(z + 1j * H)))) / H
    gamma, argmax = float(ctx.expression("gamma")), float(ctx.expression("argmax"))
    at_max = float(fp(np.array([argmax]))[0])
    return [
        scalar_result(ctx, quantity=f"sigma'(z) at {z.size} pre-activations", derived=derived, reference=reference,
                      error_estimate=2 * EPS * np.abs(reference), depth=4, magnitude=1.0, method="complex-step",
                      step=H),
        bound_result(ctx, quantity="max_z sigma'(z) <= gamma", actual=float(derived.max()), bound=gamma, depth=4,
                     shapes=(z.shape,)),
        _positive(ctx, derived, z),
        scalar_result(ctx, quantity=f"sigma'(argmax = {argmax:g}) = gamma", derived=np.array([at_max]),
                      reference=np.array([gamma]), error_estimate=0.0, depth=4, magnitude=1.0, method="exact",
                      step=np.nan),
    ]
