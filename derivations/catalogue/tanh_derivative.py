r"""``tanh_derivative``: :math:`\tanh' = 1 - \tanh^2`, :math:`0 < \tanh' \le 1` (equality exactly at 0).

.. math::
   \tanh'(x) = 1 - \tanh^2(x), \qquad \gamma_{\tanh} = \sup_x \tanh'(x) = \tanh'(0) = 1,

   \tanh(x) = 2\sigma(2x) - 1 \quad\Longrightarrow\quad \tanh'(x) = 4\sigma'(2x) = 4\sigma(2x)(1-\sigma(2x)).

The bound is proved by calculus exactly as for the sigmoid (critical points by ``solveset``,
the sign of :math:`\tanh''` on each side of 0, the second-derivative test, limits at
:math:`\pm\infty`), with :func:`~.sigmoid_derivative_bound.supremum_steps`.  The link to the
sigmoid gives :math:`\gamma_{\tanh} = 4\gamma_\sigma`.

Reference: IDENTITIES.md section A.
"""

from __future__ import annotations

import sympy as sp

from ..claims import Rel
from ..functions import sigmoid
from ..model import Identity, Step, SymbolSpec
from ..symbols import x_scalar as x
from .sigmoid_derivative_bound import supremum_steps, tail_value_check

__all__ = ["IDENTITY", "TANH_PRIME", "TANH_VIA_SIGMOID", "TANH_PRIME_VIA_SIGMOID"]

#: tanh'(x) = 1 - tanh(x)^2
TANH_PRIME = 1 - sp.tanh(x) ** 2
#: tanh(x) = 2 sigma(2x) - 1
TANH_VIA_SIGMOID = 2 * sigmoid(2 * x) - 1
#: tanh'(x) = 4 sigma'(2x) = 4 sigma(2x)(1 - sigma(2x))
TANH_PRIME_VIA_SIGMOID = 4 * sigmoid(2 * x) * (1 - sigmoid(2 * x))

_steps = (
    Step(Rel(sp.Derivative(sp.tanh(x), x), "=", TANH_PRIME),
         "quotient rule on sinh/cosh: (cosh^2 - sinh^2)/cosh^2 = 1 - tanh^2"),
    *supremum_steps(TANH_PRIME, x, argmax=sp.Integer(0), value=sp.Integer(1), name="tanh", label="tanh'",
                    tex=r"\tanh'"),
    Step(Rel(sp.tanh(x), "=", TANH_VIA_SIGMOID),
         "tanh(x) = (1 - e^{-2x})/(1 + e^{-2x}) = 2/(1 + e^{-2x}) - 1 = 2 sigma(2x) - 1"),
    Step(Rel(sp.Derivative(TANH_VIA_SIGMOID, x), "=", TANH_PRIME_VIA_SIGMOID),
         "chain rule and sigmoid_derivative: d/dx 2 sigma(2x) = 4 sigma'(2x) = 4 sigma(2x)(1 - sigma(2x))"),
    Step(Rel(TANH_PRIME, "=", TANH_PRIME_VIA_SIGMOID),
         "both sides are the derivative of the same function: tanh'(x) = 4 sigma'(2x)"),
    Step(tail_value_check(TANH_PRIME, x, sp.Integer(10), 8.24461e-9, tex=r"\tanh'"),
         "the tails: tanh'(+-10) ~ 8.24e-9, tanh' is even"),
)

IDENTITY = Identity(
    id="tanh_derivative",
    title="Derivative of tanh, its bound, and its link to the sigmoid",
    section="A",
    summary="tanh' = 1 - tanh^2, 0 < tanh' <= 1 with equality exactly at 0 (gamma = 1); "
            "tanh(x) = 2 sigma(2x) - 1 so tanh'(x) = 4 sigma'(2x)",
    statement=sp.Eq(sp.Derivative(sp.tanh(x), x), TANH_PRIME, evaluate=False),
    steps=_steps,
    symbols=(SymbolSpec(x, "a real pre-activation", (), (-20.0, 20.0)),),
    derived={"tanh_prime": TANH_PRIME, "gamma": sp.Integer(1), "tanh_via_sigmoid": TANH_VIA_SIGMOID,
             "tanh_prime_via_sigmoid": TANH_PRIME_VIA_SIGMOID},
    sources=("IDENTITIES.md A", "Pascanu, Mikolov, Bengio 2013, sec. 2.1 (gamma = 1 for tanh)"),
)
