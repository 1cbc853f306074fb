"""Properties of section H's orthogonal and echo-state identities on generated cells.

The derived expressions of ``orthogonal_initialisation`` and ``echo_state_scaling`` are evaluated
(never retyped) and compared with the complex step of the actual forward map, or checked as bounds
with the rounding model of their numeric checks.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, note, settings

from rnnproof.derivations import registry
from rnnproof.derivations.evaluate import evaluate
from rnnproof.derivations.matexpr import unroll
from rnnproof.derivations.symbols import k, t
from rnnproof.numeric import engine, fd
from rnnproof.numeric.checks.base import gamma
from rnnproof.numeric.strategies import echo_pairs, orthogonal_problems

ORTH, ECHO = registry.get("orthogonal_initialisation"), registry.get("echo_state_scaling")


def _env(p):
    tr = engine.forward(p.params, p.xs, h0=p.h0)
    return tr, engine.env(p.params, tr)


@settings(max_examples=25, deadline=None)
@given(orthogonal_problems(max_n=4, max_T=6))
def test_orthogonal_linear_product_keeps_the_norm(p):
    n, T = p.params.n, p.xs.shape[0]
    _, env = _env(p)
    for m in range(T + 1):
        v = float(evaluate(ORTH.expression("linear_norm"), env, {t: m, k: 0}, backend="numpy"))
        assert abs(v - 1) <= (m + 1) * 4 * n * gamma(n)


@settings(max_examples=25, deadline=None)
@given(orthogonal_problems(max_n=4, max_T=6))
def test_orthogonal_tanh_product_is_the_jacobian_and_bounded_by_saturation(p):
    n, T = p.params.n, p.xs.shape[0]
    tr, env = _env(p)
    lhs = ORTH.expression("lhs")
    D = np.asarray(evaluate(lhs.args[0], env, {t: T, k: 0}, backend="numpy"))

    def f(h):
        return engine.forward(p.params, p.xs, h0=h).h[-1]
    J, err = fd.complex_step_jacobian(f, p.h0, h=1e-100)
    note(f"n={n} T={T} worst={np.abs(D - J).max():.3g}")
    assert np.allclose(D, J, rtol=0, atol=float(np.max(err)) + 4 * T * (n + 8) * gamma(n) * max(1.0, np.abs(J).max()))
    b = {t: T, k: 0}
    dp = float(np.real(evaluate(unroll(ORTH.expression("diag_product"), b), env, b, backend="numpy")))
    assert np.linalg.norm(J, 2) <= dp * (1 + T * (2 * n + 8) * gamma(n)) + float(np.linalg.norm(err, 2))
    assert dp <= 1 + T * (n + 8) * gamma(n)


@settings(max_examples=30, deadline=None)
@given(echo_pairs(max_n=4, max_T=8))
def test_two_runs_contract_under_the_derived_bound(pair):
    p = pair.problem
    tr, tr2 = pair.trajectories()
    env = {**engine.env(p.params, tr), "h'": tr2.h}
    n = p.params.n
    for s in range(1, tr.T + 1):
        d = float(evaluate(ECHO.expression("distance"), env, {t: s}, backend="numpy"))
        b = float(evaluate(ECHO.expression("bound"), env, {t: s}, backend="numpy"))
        pre = np.ravel(evaluate(ECHO.expression("preact_diff"), env, {t: s}, backend="numpy"))
        note(f"t={s} d={d:.3g} bound={b:.3g}")
        assert d <= b + s * (4 * n + 16) * gamma(n + 4) * (1 + b)
        assert np.allclose(pre, tr.z[s] - tr2.z[s], rtol=0, atol=(n + 4) * gamma(n + 4) * (4 + np.abs(tr.z[s]).max()))
