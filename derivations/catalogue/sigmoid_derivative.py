r"""``sigmoid_derivative``: :math:`\sigma'(x) = \sigma(x)(1-\sigma(x))`, the classroom chain.

.. math::
   \sigma'(x) = \frac{e^{-x}}{(1+e^{-x})^2} = \frac{1+e^{-x}-1}{(1+e^{-x})^2}
              = \frac{1}{1+e^{-x}} - \frac{1}{(1+e^{-x})^2} = \sigma - \sigma^2 = \sigma(1-\sigma)

Each of the five steps is checked on its own.  Reference: IDENTITIES.md section A.
"""

from __future__ import annotations

import sympy as sp

from ..claims import Rel
from ..functions import sigmoid
from ..model import Identity, Step, SymbolSpec
from ..symbols import x_scalar as x

__all__ = ["IDENTITY", "chain"]

E = sp.exp(-x)
_den = sp.Pow(1 + E, 2, evaluate=False)


def chain():
    """The five expressions of the classroom chain, in order (lhs first)."""
    s = sigmoid(x)
    return [
        sp.Derivative(s, x),
        E / _den,
        sp.Mul(sp.Add(1, E, -1, evaluate=False), sp.Pow(_den, -1, evaluate=False), evaluate=False),
        sp.Add(1 / (1 + E), -sp.Mul(1, sp.Pow(_den, -1, evaluate=False), evaluate=False), evaluate=False),
        sp.Add(s, -sp.Pow(s, 2, evaluate=False), evaluate=False),
        s * (1 - s),
    ]


_REASONS = (
    "chain rule on (1 + e^{-x})^{-1}",
    "add and subtract 1 in the numerator",
    "split the fraction",
    "definition of sigma",
    "factor out sigma",
)

_e = chain()
IDENTITY = Identity(
    id="sigmoid_derivative",
    title="Derivative of the logistic sigmoid",
    section="A",
    summary="sigma'(x) = sigma(x)(1 - sigma(x))",
    statement=sp.Eq(_e[0], _e[-1], evaluate=False),
    steps=(Step(Rel(sigmoid(x), "=", 1 / (1 + E)), "definition of the logistic function"),)
    + tuple(Step(Rel(a, "=", b), why) for a, b, why in zip(_e, _e[1:], _REASONS)),
    symbols=(SymbolSpec(x, "a real pre-activation", (), (-40.0, 40.0)),),
    derived={"sigmoid": sigmoid(x), "sigmoid_prime": _e[-1]},
    sources=("IDENTITIES.md A", "d2l.ai, Multilayer Perceptrons, sec. 5.1.2.2"),
)
