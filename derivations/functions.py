"""Activation functions as SymPy objects, and :func:`unfold` to their definitions.

``sigmoid(x)`` stays a named function in statements (so ``sigma(x)(1 - sigma(x))`` prints as
written), and :func:`unfold` replaces it by :math:`1/(1+e^{-x})` before anything is decided.
Derivatives are never built in: SymPy differentiates the unfolded definition.
"""

from __future__ import annotations

import functools

import sympy as sp

__all__ = ["sigmoid", "unfold", "ACTIVATIONS", "activation", "activation_derivative", "GAMMA"]


class sigmoid(sp.Function):
    r"""The logistic function :math:`\sigma(x) = 1/(1+e^{-x})`, kept unevaluated."""

    nargs = 1

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return 1 / (1 + sp.exp(-x))

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_positive(self):
        return True if self.args[0].is_real else None

    def _latex(self, printer, exp=None):
        s = r"\sigma\left(%s\right)" % printer._print(self.args[0])
        return s if exp is None else r"%s^{%s}" % (s, exp)

    def _eval_evalf(self, prec):
        return (1 / (1 + sp.exp(-self.args[0])))._eval_evalf(prec)


def unfold(expr):
    """Replace every :class:`sigmoid` by its definition and evaluate derivatives."""
    expr = sp.sympify(expr)
    if expr.has(sigmoid):
        expr = expr.replace(lambda a: isinstance(a, sigmoid), lambda a: 1 / (1 + sp.exp(-a.args[0])))
    return expr.doit() if expr.has(sp.Derivative) else expr


_u = sp.Symbol("u", real=True)
#: the activations rnnproof knows, as SymPy lambdas of one real variable
ACTIVATIONS = {"tanh": sp.Lambda(_u, sp.tanh(_u)), "sigmoid": sp.Lambda(_u, sigmoid(_u))}
#: gamma = sup |phi'|, as derived in tanh_derivative and sigmoid_derivative_bound
GAMMA = {"tanh": sp.Integer(1), "sigmoid": sp.Rational(1, 4)}


def activation(name: str) -> sp.Lambda:
    """The activation ``name`` ("tanh" or "sigmoid") as a SymPy lambda."""
    return ACTIVATIONS[name]


@functools.lru_cache(maxsize=None)
def activation_derivative(name: str) -> sp.Lambda:
    """:math:`\\varphi'` computed by SymPy from the definition, as a lambda."""
    lam = ACTIVATIONS[name]
    return sp.Lambda(_u, sp.simplify(sp.diff(unfold(lam(_u)), _u)))
