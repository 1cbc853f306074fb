r"""Numeric check of ``sigmoid_derivative``: :math:`\sigma'(x) = \sigma(x)(1-\sigma(x))`.

The derived ``"sigmoid_prime"`` is evaluated at every pre-activation :math:`z_{t,a}` of the
run and compared with the complex-step derivative of the derived ``"sigmoid"`` itself,
:math:`\operatorname{Im}\sigma(x+ih)/h` (error :math:`O(h^2)`, no cancellation, so the
reference error is rounding only: :math:`2\epsilon|\sigma'|`).  Rounding model of the derived
side: 4 operations on terms of size at most 1, :math:`M = 1`, :math:`K = 4`.
"""

from __future__ import annotations

import numpy as np

from rnnproof.derivations.evaluate import scalar_function
from rnnproof.derivations.symbols import x_scalar

from .base import EPS, Context, scalar_result

__all__ = ["RUNS", "check"]

RUNS = ("text", "saturated")
H = 1e-200


def check(ctx: Context):
    z = ctx.traj.z[1:].ravel()
    f = scalar_function(ctx.expression("sigmoid"), (x_scalar,))
    fp = scalar_function(ctx.expression("sigmoid_prime"), (x_scalar,))
    derived = np.asarray(fp(z), dtype=float)
    reference = np.imag(f(z + 1j * H)) / H
    return [scalar_result(ctx, quantity=f"sigma'(z) at {z.size} pre-activations", derived=derived,
                          reference=reference, error_estimate=2 * EPS * np.abs(reference), depth=4, magnitude=1.0,
                          method="complex-step", step=H)]
