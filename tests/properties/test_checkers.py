"""Properties of the checkers themselves, on Hypothesis-generated Elman networks.

* a correct gradient (rnnproof's BPTT, and an independent sum-of-products one) always passes;
* each classic BPTT bug (tests/properties/mutants.py) always fails, whenever it changes the
  gradient at all (a transposed Jacobian of a symmetric W_hh is no bug);
* the product bound ||dh_t/dh_k|| <= (gamma lambda_1)^(t-k) holds with slack >= 1, measured
  with the complex-step Jacobian of the forward map.
"""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, example, given, note, settings, target
from hypothesis import strategies as st
from mutants import APPLIES, MUTANTS, mutant_gradient, scaled, sum_of_products

from rnnproof.numeric import engine, fd, gradcheck
from rnnproof.numeric.checks.base import gamma
from rnnproof.numeric.strategies import GAMMA, ElmanProblem, elman_problems

BOTH_LOSSES = elman_problems(max_n=3, max_T=5, loss_kinds=("squared", "cross_entropy"))
#: the all-zero network: every gradient entry and every rounding bound is exactly 0
ZERO = ElmanProblem(engine.ElmanParams(np.zeros((1, 1)), np.zeros((1, 1)), np.zeros(1), np.zeros((1, 1)),
                                       np.zeros(1), "tanh"), np.zeros((1, 1)), np.zeros((1, 1)), np.zeros(1))


def _check(grad, problem, seed=0):
    return gradcheck.check_elman_gradient(grad, problem.params, problem.xs, problem.targets, kind=problem.loss_kind,
                                          h0=problem.h0, seed=seed)


@settings(max_examples=scaled(1.0))
@given(problem=BOTH_LOSSES, seed=st.integers(0, 2 ** 16))
@example(problem=ZERO, seed=0)  # regression: zero tolerance in the projections raised ZeroDivisionError
def test_correct_gradient_always_passes(problem, seed):
    note(problem.describe())
    r = _check(problem.gradient(), problem, seed)
    assert r.passed, r


@settings(max_examples=scaled(0.5))
@given(problem=BOTH_LOSSES, seed=st.integers(0, 2 ** 16))
def test_independent_sum_of_products_passes(problem, seed):
    note(problem.describe())
    g = sum_of_products(problem.params, problem.xs, problem.targets, kind=problem.loss_kind, h0=problem.h0)
    r = _check(g, problem, seed)
    assert r.passed, r


def _material(mutant, truth):
    """The mutant changes some entry by more than 1e-6 of the largest gradient entry."""
    scale = np.abs(truth).max()
    return scale > 0 and np.abs(mutant - truth).max() > 1e-6 * scale


@pytest.mark.parametrize("mutant", MUTANTS)
@settings(max_examples=scaled(0.5), suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(data=st.data())
def test_each_mutation_always_fails(mutant, data):
    problem = data.draw(elman_problems(min_n=2, max_n=3, min_T=2, max_T=4, activations=APPLIES[mutant],
                                       loss_kinds=("squared", "cross_entropy")), label="problem")
    note(problem.describe())
    p = problem
    g = mutant_gradient(mutant, p.params, p.xs, p.targets, kind=p.loss_kind, h0=p.h0)
    truth = p.gradient().flat()
    material = _material(g, truth)
    event(f"{mutant}: {'material' if material else 'no-op on this network'}")
    assume(material)
    r = _check(g, p)
    note(f"checker: passed={r.passed} method={r.method} err={r.max_abs_err:.3g} tol={r.tolerance:.3g}")
    assert not r.passed, f"{mutant} went undetected: {r}"


def _state_jacobian(problem, t, k):
    p, xs = problem.params, problem.xs
    hk = engine.forward(p, xs[:k], h0=problem.h0).h[-1] if k else problem.h0
    return fd.complex_step_jacobian(lambda h: engine.forward(p, xs[k:t], h0=h).h[-1], hk)


@settings(max_examples=scaled(1.0))
@given(data=st.data())
def test_product_norm_bound_holds_with_slack(data):
    problem = data.draw(elman_problems(max_n=4, max_T=6), label="problem")
    T = problem.config.T
    k = data.draw(st.integers(0, T - 1), label="k")
    t = data.draw(st.integers(k + 1, T), label="t")
    J, err = _state_jacobian(problem, t, k)
    lam = float(np.linalg.norm(problem.params.W_hh, 2))
    bound = (GAMMA[problem.params.activation] * lam) ** (t - k)
    actual = float(np.linalg.norm(J, 2))
    # rounding: the complex-step error (Frobenius of its entrywise estimate) and the SVDs and the power
    tol = float(np.linalg.norm(err)) + gamma((t - k + 2) * (problem.config.n + 2)) * (actual + bound)
    slack = bound / actual if actual > 0 else math.inf
    note(f"{problem.describe()} t={t} k={k}: actual={actual:.6g} bound={bound:.6g} slack={slack:.6g}")
    if actual > 0 and bound > 0:
        target(actual / bound, label="actual / bound (tightness)")
    assert actual <= bound + tol, f"product_norm_bound violated: slack={slack:.6g} < 1"
