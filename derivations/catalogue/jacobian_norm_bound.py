r"""``jacobian_norm_bound``: :math:`\lVert J_t\rVert \le \lVert\operatorname{diag}\varphi'(z_t)\rVert\,\lVert W_{hh}\rVert \le \gamma\lambda_1`.

.. math::
   J_t = \operatorname{diag}(\varphi'(z_t))\,W_{hh}, \qquad
   \lVert J_t\rVert \le \lVert\operatorname{diag}\varphi'(z_t)\rVert\,\lVert W_{hh}\rVert
   = \max_a \lvert\varphi'(z_{t,a})\rvert\,\lambda_1 \le \gamma\,\lambda_1,

with :math:`\lambda_1 = \sigma_{\max}(W_{hh})` and :math:`\gamma = \sup_x\lvert\varphi'(x)\rvert`,
derived here as :math:`\varphi'(0)` (1 for tanh, 1/4 for the sigmoid) by calculus.

Grading.  Submultiplicativity :math:`\lVert AB\rVert\le\lVert A\rVert\lVert B\rVert` is only
*numerically confirmed* on explicit matrices: SymPy has no symbolic singular values at symbolic
size, so it cannot decide the inequality.  :math:`\lVert\operatorname{diag} v\rVert = \max|v_a|` is
proved by exact singular values for n = 1..4 with symbolic real entries (not at symbolic n).
Everything scalar (:math:`\gamma`, :math:`|\varphi'|\le\gamma`, monotonicity) is proved.

Reference: IDENTITIES.md section D; Pascanu, Mikolov, Bengio (2013), sec. 2.1, eq. (6).
"""

from __future__ import annotations

import functools

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from ..claims import CriticalPoints, LimitIs, Rel
from ..functions import activation_derivative
from ..matexpr import SpectralNorm, StateJacobian, diag
from ..lemmas import ByLemma
from ..matrixclaims import MatrixRel
from ..model import Identity, Step, SymbolSpec
from ..symbols import W_hh, h, n, t, x_scalar, z

__all__ = ["IDENTITY", "ACTIVATION_NAMES", "derivative", "phi_prime", "jacobian", "gamma",
           "lhs", "middle", "bound", "gamma_steps", "diag_norm"]

#: the activations every norm bound is derived for
ACTIVATION_NAMES = ("tanh", "sigmoid")
_x = x_scalar


@functools.lru_cache(maxsize=None)
def derivative(name: str) -> sp.Lambda:
    """:func:`functions.activation_derivative`, cached (SymPy's simplify costs ~0.1 s a call)."""
    return activation_derivative(name)


def phi_prime(time=t, name="tanh"):
    """:math:`\\varphi'(z_{time})` elementwise, with :math:`\\varphi'` differentiated by SymPy."""
    return ElementwiseApplyFunction(derivative(name), z(time))


def jacobian(time=t, name="tanh"):
    """:math:`J_{time} = \\operatorname{diag}(\\varphi'(z_{time}))\\,W_{hh}` (column notation)."""
    return diag(phi_prime(time, name)) * W_hh


def gamma(name: str):
    """:math:`\\gamma = \\varphi'(0)`, the supremum of :math:`|\\varphi'|` (proved by the steps).

    >>> gamma("sigmoid")
    1/4
    """
    return sp.simplify(derivative(name)(0))


def lhs(name: str):
    """:math:`\\lVert J_t\\rVert` for activation ``name``."""
    return SpectralNorm(jacobian(t, name))


def middle(name: str):
    """:math:`\\lVert\\operatorname{diag}\\varphi'(z_t)\\rVert\\,\\lVert W_{hh}\\rVert`."""
    return SpectralNorm(diag(phi_prime(t, name))) * SpectralNorm(W_hh)


def bound(name: str):
    """:math:`\\gamma\\,\\lVert W_{hh}\\rVert = \\gamma\\lambda_1`."""
    return gamma(name) * SpectralNorm(W_hh)


def gamma_steps(name: str) -> list[Step]:
    """Steps deriving :math:`\\gamma = \\sup_x|\\varphi'(x)| = \\varphi'(0)` by calculus."""
    d = derivative(name)(_x)
    g = gamma(name)
    return [
        Step(CriticalPoints(d, _x, (sp.Integer(0),)), f"calculus ({name}): phi'' vanishes only at x = 0"),
        Step(LimitIs(d, _x, sp.oo, 0), f"calculus ({name}): phi'(x) -> 0 as x -> +oo"),
        Step(LimitIs(d, _x, -sp.oo, 0), f"calculus ({name}): phi'(x) -> 0 as x -> -oo"),
        Step(Rel(sp.Subs(d, _x, 0), "=", g), f"gamma := phi'(0), the value at the only critical point ({name})"),
        Step(Rel(sp.Abs(d), "<=", g, variable=_x), f"|phi'(x)| <= gamma for every real x, so gamma = sup|phi'| "
             f"(attained at 0) ({name})"),
    ]


def diag_norm(name: str):
    r""":math:`\lVert\operatorname{diag}\varphi'(z_t)\rVert`."""
    return SpectralNorm(diag(phi_prime(t, name)))


#: tight region: near z = 0 the derivative is close to gamma, so a bound that is too small fails there
_TIGHT = {"z": (-0.25, 0.25), "W_hh": (-1.5, 1.5)}


def _activation_steps(name: str) -> list[Step]:
    steps = gamma_steps(name)
    g = gamma(name)
    sup = steps[-1].claim  # |phi'(x)| <= gamma for every real x
    sub = ByLemma("submultiplicativity", MatrixRel(lhs(name), "<=", middle(name), size=n, domains=_TIGHT, trials=2, sizes=(1, 2, 3)))
    dn = ByLemma("diag_norm", MatrixRel(diag_norm(name), "<=", g, size=n, domains=_TIGHT, trials=2, sizes=(1, 2, 3)), premises=(sup,))
    mono = ByLemma("monotonicity", MatrixRel(middle(name), "<=", bound(name), size=n, domains=_TIGHT, trials=2, sizes=(1, 2, 3)),
                   premises=(dn,))
    chain = ByLemma("transitivity", MatrixRel(lhs(name), "<=", bound(name), size=n, domains=_TIGHT, trials=2, sizes=(1, 2, 3)),
                    premises=(sub, mono))
    steps += [
        Step(sub, f"submultiplicativity ||AB|| <= ||A|| ||B|| with A = diag phi'(z_t), B = W_hh ({name})"),
        Step(dn, f"||diag(v)|| = max_a |v_a| and |phi'(x)| <= gamma for every x (step above), so ||diag phi'(z_t)|| <= gamma ({name})"),
        Step(mono, f"multiply ||diag phi'(z_t)|| <= gamma by lambda_1 = ||W_hh|| >= 0 ({name})"),
        Step(chain, f"the two bounds above chain: ||J_t|| <= gamma lambda_1 ({name})"),
    ]
    return steps


_steps = []
for _name in ACTIVATION_NAMES:
    _steps += _activation_steps(_name)

_gamma_sym = sp.Symbol("gamma", positive=True)
IDENTITY = Identity(
    id="jacobian_norm_bound",
    title="Norm bound on the one-step Jacobian",
    section="D",
    summary="||J_t|| <= ||diag phi'(z_t)|| ||W_hh|| <= gamma lambda_1  (gamma = 1 for tanh, 1/4 for sigma)",
    statement=sp.Le(SpectralNorm(StateJacobian(h(t), h(t - 1))), _gamma_sym * SpectralNorm(W_hh), evaluate=False),
    steps=tuple(_steps),
    symbols=(
        SymbolSpec(z(t), "pre-activation at time t", (n, 1), (-3.0, 3.0)),
        SymbolSpec(W_hh, "recurrent weight matrix; lambda_1 = ||W_hh|| its largest singular value", (n, n)),
        SymbolSpec(_x, "a real argument of phi'", (), (-40.0, 40.0)),
    ),
    derived={"lhs": lhs, "middle": middle, "bound": bound, "gamma": gamma},
    sources=("IDENTITIES.md D", "Pascanu, Mikolov, Bengio 2013, sec. 2.1, eq. (6)"),
)
