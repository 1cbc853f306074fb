r"""``sigmoid_derivative_bound``: :math:`0 < \sigma'(x) \le \tfrac14`, equality exactly at :math:`x = 0`.

.. math::
   \sigma'(x) = \sigma(x)(1-\sigma(x)) > 0, \qquad
   \gamma_\sigma = \sup_{x\in\mathbb R}\sigma'(x) = \sigma'(0) = \tfrac14, \qquad
   \lim_{x\to\pm\infty}\sigma'(x) = 0 .

The bound is proved by calculus, every step decided by SymPy (never by sampling):
:math:`\sigma'' = 0` only at 0 (``solveset``); :math:`\sigma'' > 0` on :math:`(-\infty, 0)` and
:math:`\sigma'' < 0` on :math:`(0, \infty)` (``solveset`` finds no violation), so
:math:`\sigma'` rises strictly up to 0 and falls strictly after it; :math:`\sigma'''(0) < 0`
(second-derivative test); the limits at :math:`\pm\infty` are 0; hence the supremum is the
value at the only turning point, attained there only.  :func:`supremum_steps` builds this
chain for any :math:`\varphi'` and is shared with ``tanh_derivative``.

Reference: IDENTITIES.md section A; Pascanu, Mikolov, Bengio (2013), sec. 2.1 (γ = 1/4 for σ).
"""

from __future__ import annotations

import sympy as sp

from ..claims import CriticalPoints, Exact, LimitIs, Rel
from ..functions import GAMMA, sigmoid, unfold
from ..model import Identity, Step, SymbolSpec
from ..symbols import x_scalar as x

__all__ = ["IDENTITY", "supremum_steps", "tail_value_check", "SIGMOID_PRIME"]

#: σ'(x) = σ(x)(1 − σ(x)), as derived in ``sigmoid_derivative``
SIGMOID_PRIME = sigmoid(x) * (1 - sigmoid(x))


def _punctured(point):
    """:math:`\\mathbb R \\setminus \\{point\\}` as a union of two open intervals."""
    return sp.Union(sp.Interval.open(-sp.oo, point), sp.Interval.open(point, sp.oo))


def _sup_from_steps(f, var, argmax, limits, value, name, tex):
    """An :class:`Exact` computation of :math:`\\sup f` from the turning point and the limits."""
    def compute():
        at_turn = sp.simplify(unfold(f).subs(var, argmax))
        candidates = [at_turn, *limits]
        sup = sp.Max(*candidates)
        table = GAMMA[name]
        holds = sup == value and at_turn == value and table == value and all(v < value for v in limits)
        return holds, (f"sup = max(f({argmax}) = {at_turn}, limits {list(limits)}) = {sup}; "
                       f"claimed {value}; functions.GAMMA[{name!r}] = {table}")
    at = sp.latex(argmax)
    return Exact(r"\gamma = \sup_{x} %s(x) = \max\left(%s(%s), \lim_{x \to \pm\infty} %s(x)\right) = %s"
                 % (tex, tex, at, tex, sp.latex(value)), compute)


def supremum_steps(f, var, *, argmax, value, name, label, tex):
    """The calculus proof that ``0 < f <= value`` with equality exactly at ``argmax``.

    ``f`` is :math:`\\varphi'` (a SymPy expression in ``var``), ``value`` the claimed
    supremum :math:`\\gamma`, ``name`` the activation (checked against
    :data:`derivations.functions.GAMMA`), ``label`` how :math:`\\varphi'` is written in
    justifications, ``tex`` its LaTeX name (``\\sigma'``).  Every step is decided by SymPy: ``solveset`` over an interval, ``limit``,
    assumptions, exact evaluation.

    Returns
    -------
    tuple of Step
        Positivity, critical points, the sign of :math:`f'` on each side of ``argmax``, the
        second-derivative test, both limits, the value at ``argmax``, the supremum, and the
        strict bound off ``argmax``.
    """
    left, right = sp.Interval.open(-sp.oo, argmax), sp.Interval.open(argmax, sp.oo)
    df = sp.Derivative(f, var)
    d2_at = sp.Subs(sp.Derivative(f, (var, 2)), var, argmax)
    return (
        Step(Rel(f, ">", 0, variable=var), f"positivity of {label} on the reals"),
        Step(CriticalPoints(f, var, (argmax,)), f"critical points: ({label})' = 0 only at {argmax}"),
        Step(Rel(df, ">", 0, variable=var, interval=left),
             f"({label})' > 0 on (-oo, {argmax}): {label} strictly increasing there"),
        Step(Rel(df, "<", 0, variable=var, interval=right),
             f"({label})' < 0 on ({argmax}, oo): {label} strictly decreasing there"),
        Step(Rel(d2_at, "<", 0), f"second-derivative test: strict local maximum at {argmax}"),
        Step(LimitIs(f, var, sp.oo, 0), f"{label} -> 0 as x -> +oo"),
        Step(LimitIs(f, var, -sp.oo, 0), f"{label} -> 0 as x -> -oo"),
        Step(Rel(sp.Subs(f, var, argmax), "=", value), f"value at the turning point {argmax}"),
        Step(_sup_from_steps(f, var, argmax, (sp.Integer(0), sp.Integer(0)), value, name, tex),
             "continuous, strictly increasing then strictly decreasing, limits 0 at both ends: "
             "the supremum is the value at the turning point"),
        Step(Rel(f, "<", value, variable=var, interval=_punctured(argmax)),
             f"conclusion: {label} < {value} off {argmax}, so equality holds exactly at {argmax}"),
    )


def tail_value_check(f, var, at, approx, *, tex, rtol=5e-3):
    """An :class:`Exact` check that :math:`f(\\pm at) \\approx approx`, with :math:`f(at) = f(-at)` exactly."""
    def compute():
        plus, minus = f.subs(var, at), f.subs(var, -at)
        symmetric = sp.simplify(unfold(plus - minus)) == 0
        value = sp.N(unfold(plus), 30)
        close = abs(value - approx) <= rtol * abs(approx)
        return symmetric and bool(close), (f"f({at}) = f(-{at}) exactly: {symmetric}; "
                                           f"f({at}) = {sp.N(value, 12)} vs {approx} (rtol={rtol})")
    a = sp.latex(at)
    return Exact(r"%s(%s) = %s(-%s) \approx %s" % (tex, a, tex, a, approx), compute)


_steps = (
    Step(Rel(sp.Derivative(sigmoid(x), x), "=", SIGMOID_PRIME), "sigmoid_derivative"),
    *supremum_steps(SIGMOID_PRIME, x, argmax=sp.Integer(0), value=sp.Rational(1, 4), name="sigmoid",
                    label="sigma'", tex=r"\sigma'"),
    Step(tail_value_check(SIGMOID_PRIME, x, sp.Integer(10), 4.54e-5, tex=r"\sigma'"),
         "the tails: sigma'(+-10) ~ 4.54e-5, sigma' is even"),
)

IDENTITY = Identity(
    id="sigmoid_derivative_bound",
    title="The logistic sigmoid's derivative is at most 1/4",
    section="A",
    summary="0 < sigma'(x) <= 1/4 with equality exactly at x = 0 (gamma = 1/4); sigma'(x) -> 0 as |x| -> oo",
    statement=sp.Le(sp.Derivative(sigmoid(x), x), sp.Rational(1, 4), evaluate=False),
    steps=_steps,
    symbols=(SymbolSpec(x, "a real pre-activation", (), (-40.0, 40.0)),),
    derived={"sigmoid_prime": SIGMOID_PRIME, "gamma": sp.Rational(1, 4), "argmax": sp.Integer(0)},
    sources=("IDENTITIES.md A", "Pascanu, Mikolov, Bengio 2013, sec. 2.1 (gamma = 1/4 for the sigmoid)"),
)
