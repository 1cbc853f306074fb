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

from ..claims import CriticalPoints, Exact, LimitIs, Rel
from ..functions import activation_derivative
from ..matexpr import SpectralNorm, StateJacobian, diag
from ..matrixclaims import MatrixRel
from ..model import Identity, Step, SymbolSpec
from ..symbols import W_hh, h, n, t, x_scalar, z

__all__ = ["IDENTITY", "ACTIVATION_NAMES", "derivative", "phi_prime", "jacobian", "gamma",
           "lhs", "middle", "bound", "gamma_steps", "monotone_step"]

#: the activations every norm bound is derived for
ACTIVATION_NAMES = ("tanh", "sigmoid")
_x = x_scalar
#: lambda_1 = ||W_hh|| and ||diag phi'|| as nonnegative scalars, for the scalar (monotonicity) steps
LAMBDA1 = sp.Symbol(r"lambda_1", nonnegative=True)
_slack = sp.Symbol("s", nonnegative=True)


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


def _diag_norm_exact(sizes=(1, 2, 3, 4)):
    """Exact singular values of ``diag(v_1..v_n)`` with real symbols: ``{|v_a|}``, max = Max(|v_a|)."""
    def compute():
        for size in sizes:
            v = sp.symbols(f"v1:{size + 1}", real=True)
            sv = sp.Matrix.diag(*v).singular_values()
            want = [sp.Abs(e) for e in v]
            if sorted(sv, key=sp.default_sort_key) != sorted(want, key=sp.default_sort_key):
                return False, f"n={size}: singular values {sv}, expected {want}"
            if sp.Max(*sv) != sp.Max(*want):
                return False, f"n={size}: max singular value {sp.Max(*sv)} != {sp.Max(*want)}"
        return True, f"sigma(diag(v)) = {{|v_a|}} exactly for n = {sizes[0]}..{sizes[-1]} (symbolic real entries)"
    return Exact(r"\lVert \operatorname{diag}(v) \rVert = \max_a |v_a| \quad (n \le 4)", compute)


def monotone_step(name: str) -> Step:
    """:math:`(\\gamma - s)\\lambda_1 \\le \\gamma\\lambda_1` for :math:`s, \\lambda_1 \\ge 0` (proved)."""
    g = gamma(name)
    return Step(Rel((g - _slack) * LAMBDA1, "<=", g * LAMBDA1),
                f"monotonicity ({name}): ||diag phi'(z_t)|| = gamma - s with s >= 0 (steps above), lambda_1 >= 0")


def _activation_steps(name: str) -> list[Step]:
    dom = {"z": (-3.0, 3.0), "W_hh": (-1.5, 1.5)}
    steps = gamma_steps(name)
    steps.append(Step(MatrixRel(lhs(name), "<=", middle(name), size=n, domains=dom, trials=2),
                      f"submultiplicativity ||AB|| <= ||A|| ||B|| ({name}); confirmed on explicit matrices only: "
                      "SymPy cannot form singular values at symbolic n"))
    steps.append(monotone_step(name))
    steps.append(Step(MatrixRel(lhs(name), "<=", bound(name), size=n, domains={"z": (-40.0, 40.0)}, trials=1),
                      f"cross-check of the whole chain ||J_t|| <= gamma lambda_1 on explicit matrices ({name})"))
    return steps


_steps = [Step(_diag_norm_exact(), "exact singular values of a diagonal matrix (n = 1..4; not at symbolic n)")]
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
        SymbolSpec(LAMBDA1, "lambda_1 = sigma_max(W_hh) as a nonnegative scalar", (), (0.0, 40.0)),
        SymbolSpec(_slack, "gamma - ||diag phi'(z_t)|| >= 0", (), (0.0, 40.0)),
    ),
    derived={"lhs": lhs, "middle": middle, "bound": bound, "gamma": gamma, "J": lambda a: jacobian(t, a)},
    sources=("IDENTITIES.md D", "Pascanu, Mikolov, Bengio 2013, sec. 2.1, eq. (6)"),
)
