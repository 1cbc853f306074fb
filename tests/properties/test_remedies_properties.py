r"""Properties of the section-H cells (residual and highway RNNs) on generated networks.

* the derived Jacobians of ``residual_jacobian`` and ``highway_jacobian`` (``J``, the highway ``carry`` form)
  equal the complex-step Jacobian of the actual one-step map, within the rounding model of
  :mod:`rnnproof.numeric.checks.remedies_base`;
* the residual floor and ceiling hold for the actual :math:`\partial h_T/\partial h_0`:
  :math:`\max(0, 1-\lambda_1)^T \le \sigma_{\min} \le \lVert\cdot\rVert \le (1+\lambda_1)^T` (Hypothesis targets
  the tightest floor in the ``contracting`` regime);
* the highway carry path: with the gate shut (``carry`` regime) the Jacobian is within
  :math:`\max_a g_a\lVert M_t\rVert` of :math:`\operatorname{diag}(1-g_t)`; dropping the gate's own derivative
  fails the comparison whenever that term exceeds the tolerance;
* BPTT equals the complex-step gradient of the loss for both cells and both losses.
"""

from types import SimpleNamespace

import numpy as np
from hypothesis import assume, given, note, target
from hypothesis import strategies as st

from rnnproof.derivations import registry
from rnnproof.derivations.catalogue import highway_jacobian as HJ
from rnnproof.derivations.evaluate import evaluate
from rnnproof.derivations.symbols import k as K_SYM
from rnnproof.derivations.symbols import n as N_SYM
from rnnproof.derivations.symbols import t as T_SYM
from rnnproof.numeric import remedies
from rnnproof.numeric.checks.base import gamma
from rnnproof.numeric.checks.remedies_base import highway_magnitude, residual_magnitude
from rnnproof.numeric.fd import complex_step_jacobian
from rnnproof.numeric.strategies.remedies import highway_problems, residual_problems

_H = 1e-100


def _ctx(prob):
    return SimpleNamespace(params=prob.params, env=prob.env(), cell=prob.cell)


def _value(prob, ident, name, env, **b):
    expr = registry.get(ident).expression(name)
    return np.asarray(evaluate(expr, env, {N_SYM: prob.params.n, **b}), dtype=float)


def _assert_jacobian(prob, ident, name, t, magnitude):
    J = _value(prob, ident, name, prob.env(), **{"t": t})
    A, err = complex_step_jacobian(prob.state_map(t, t - 1), prob.trajectory().h[t - 1], h=_H)
    tol = err + gamma(2 * prob.params.n + 8) * magnitude
    note(f"{prob.describe()} {ident}.{name} t={t} worst={np.max(np.abs(J - A) - tol):.3g}")
    assert np.all(np.abs(J - A) <= tol)


@given(residual_problems(), st.data())
def test_residual_jacobian_equals_the_complex_step(prob, data):
    t = data.draw(st.integers(1, prob.config.T))
    _assert_jacobian(prob, "residual_jacobian", "J", t, residual_magnitude(_ctx(prob), t))


@given(highway_problems(), st.data())
def test_highway_jacobian_and_its_carry_form_equal_the_complex_step(prob, data):
    t = data.draw(st.integers(1, prob.config.T))
    for name in ("J", "carry"):
        _assert_jacobian(prob, "highway_jacobian", name, t, highway_magnitude(_ctx(prob), t))


@given(residual_problems())
def test_residual_floor_and_ceiling_hold(prob):
    T, n = prob.config.T, prob.params.n
    A, err = complex_step_jacobian(prob.state_map(T, 0), prob.state0, h=_H)
    s = np.linalg.svd(A, compute_uv=False)
    env = prob.env()
    floor = float(_value(prob, "residual_jacobian", "floor", env, t=T, k=0))
    ceiling = float(_value(prob, "residual_jacobian", "ceiling", env, t=T, k=0))
    # Weyl: a singular value moves by at most ||E||_F; the complex step of a T-step map, depth T (2n + 8)
    slack = float(np.linalg.norm(err, "fro")) + gamma(T * (2 * n + 8)) * ceiling
    note(f"{prob.describe()} floor={floor:.6g} sigma_min={s.min():.6g} norm={s.max():.6g} ceiling={ceiling:.6g}")
    if prob.regime == "contracting":
        target(floor / max(s.min(), 1e-300), label="floor / sigma_min")
    assert floor <= s.min() + slack and s.max() <= ceiling + slack


@given(highway_problems(regimes=("carry",)), st.data())
def test_a_shut_gate_leaves_the_carry_path(prob, data):
    t = data.draw(st.integers(1, prob.config.T))
    env, ctx = prob.env(), _ctx(prob)
    A, err = complex_step_jacobian(prob.state_map(t, t - 1), prob.trajectory().h[t - 1], h=_H)
    g = env["g"][t]
    bound = float(_value(prob, "highway_jacobian", "carried_bound", env, t=t))
    tol = float(np.linalg.norm(err + gamma(2 * prob.params.n + 8) * highway_magnitude(ctx, t), "fro"))
    assert np.linalg.norm(A - np.diag(1 - g), 2) <= bound + tol
    assert g.max() < 1e-3 and np.linalg.norm(A - np.eye(prob.params.n), 2) <= 1e-3 * (1 + bound) + tol


@given(highway_problems(regimes=("any",)), st.data())
def test_dropping_the_gate_term_fails_whenever_it_matters(prob, data):
    t = data.draw(st.integers(1, prob.config.T))
    env = prob.env()
    wrong = np.asarray(evaluate(HJ.jacobian(gate_term=False), env, {N_SYM: prob.params.n, T_SYM: t}), dtype=float)
    A, err = complex_step_jacobian(prob.state_map(t, t - 1), prob.trajectory().h[t - 1], h=_H)
    tol = err + gamma(2 * prob.params.n + 8) * highway_magnitude(_ctx(prob), t)
    gate_term = np.asarray(evaluate(registry.get("highway_jacobian").expression("J"), env,
                                    {N_SYM: prob.params.n, T_SYM: t}), dtype=float) - wrong
    assume(np.any(np.abs(gate_term) > 2 * tol))
    assert not np.all(np.abs(wrong - A) <= tol)


@given(st.one_of(residual_problems(loss_kinds=("squared", "cross_entropy")),
                 highway_problems(loss_kinds=("squared", "cross_entropy"))))
def test_bptt_equals_the_complex_step_gradient(prob):
    p = prob.params
    _, grad = remedies.bptt_of(p, prob.xs, prob.targets, prob.state0, prob.loss_kind)
    flat = p.flat()
    ref = np.array([remedies.loss_of(p.from_flat(flat + 1j * _H * e), prob.xs, prob.targets, prob.state0,
                                     prob.loss_kind).imag / _H for e in np.eye(flat.size)])
    T, n = prob.config.T, p.n
    tol = gamma(T * (2 * n + prob.config.d + 8)) * (np.abs(ref) + np.abs(grad.flat()).max() + 1)
    note(f"{prob.describe()} worst={np.max(np.abs(grad.flat() - ref) - tol):.3g}")
    assert np.all(np.abs(grad.flat() - ref) <= tol)
