r"""Numeric check of ``tanh_derivative``: :math:`\tanh' = 1-\tanh^2 \le \gamma = 1`, :math:`\tanh(x) = 2\sigma(2x)-1`, :math:`\tanh'(x) = 4\sigma'(2x)`.

At every pre-activation :math:`z_{t,a}` of the run:

* the derived ``"tanh_prime"`` and ``"tanh_prime_via_sigmoid"`` against the complex-step
  derivative :math:`\operatorname{Im}\tanh(x+ih)/h` of the activation itself (error
  :math:`2\varepsilon|\tanh'|`, no cancellation);
* the derived ``"tanh_via_sigmoid"`` against ``numpy.tanh`` (error :math:`\varepsilon|\tanh|`);
* the bound: :math:`\max_z \tanh'(z) \le` the derived ``"gamma"`` (slack = bound / actual).

Rounding model of the derived side (Higham 2002, sec. 3.5): :math:`1-\tanh^2` is 3
operations on terms of size :math:`1+\tanh^2`, :math:`K = 4`;
:math:`2\sigma(2x)-1`: :math:`M = 2\sigma(2x)+1`, :math:`K = 8`;
:math:`4\sigma(2x)(1-\sigma(2x))`: :math:`M = 4\sigma(2x)(1+\sigma(2x))`, :math:`K = 8`.
"""

from __future__ import annotations

import numpy as np

from rnnproof.derivations.evaluate import scalar_function
from rnnproof.derivations.symbols import x_scalar

from .base import EPS, Context, bound_result, scalar_result

__all__ = ["RUNS", "check"]

RUNS = ("text", "saturated", "text_large")
H = 1e-200


def _f(ctx, name):
    return scalar_function(ctx.expression(name), (x_scalar,))


def check(ctx: Context):
    z = ctx.traj.z[1:].ravel()
    ref_prime = np.imag(np.tanh(z + 1j * H)) / H
    th, sig2 = np.tanh(z), 1 / (1 + np.exp(-2 * z))
    out = []
    for name, mag in (("tanh_prime", 1 + th * th), ("tanh_prime_via_sigmoid", 4 * sig2 * (1 + sig2))):
        derived = np.asarray(_f(ctx, name)(z), dtype=float) * np.ones_like(z)
        out.append(scalar_result(ctx, quantity=f"{name}(z) at {z.size} pre-activations", derived=derived,
                                 reference=ref_prime, error_estimate=2 * EPS * np.abs(ref_prime),
                                 depth=8 if "sigmoid" in name else 4, magnitude=mag, method="complex-step", step=H))
    derived = np.asarray(_f(ctx, "tanh_via_sigmoid")(z), dtype=float) * np.ones_like(z)
    out.append(scalar_result(ctx, quantity=f"tanh_via_sigmoid(z) at {z.size} pre-activations", derived=derived,
                             reference=th, error_estimate=EPS * np.abs(th), depth=8, magnitude=2 * sig2 + 1,
                             method="numpy.tanh", step=np.nan))
    gamma = float(ctx.expression("gamma"))
    actual = float(np.max(np.asarray(_f(ctx, "tanh_prime")(z), dtype=float) * np.ones_like(z)))
    out.append(bound_result(ctx, quantity="max_z tanh'(z) <= gamma", actual=actual, bound=gamma, depth=4,
                            shapes=(z.shape,)))
    return out
