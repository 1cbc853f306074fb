"""spectral_radius_is_not_enough: exact witness; a bound with the spectral radius in place of lambda_1 is refuted."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import sympy as sp

from rnnproof.derivations import Verdict, registry
from rnnproof.derivations.catalogue import spectral_radius_is_not_enough as sr
from rnnproof.derivations.evaluate import evaluate
from rnnproof.derivations.symbols import t

ID = "spectral_radius_is_not_enough"
W_EXPECTED = sp.Matrix([[sp.Rational(1, 2), 3], [0, sp.Rational(1, 2)]])


def test_every_step_is_proved_exactly():
    res = registry.get(ID).derive(seed=0)
    assert [r.verdict for r in res.results] == [Verdict.PROVED] * 6, res.results
    assert all(r.method == "exact computation" for r in res.results[:4])
    # the last two steps disprove the radius bound on the witness (tanh, sigmoid); they print the negation
    assert all(r.method.startswith("counterexample") for r in res.results[4:])
    assert all(s.claim.rel == ">" for s in registry.get(ID).steps[4:])


def test_a_disproof_needs_a_counterexample_not_an_evaluation_failure():
    claim = sr.radius_bound_claim()
    unevaluable = sr.Disproved(dataclasses.replace(claim, lhs=claim.lhs.xreplace({t: t - 9})))
    assert unevaluable.check(np.random.default_rng(0)).verdict is Verdict.REFUTED


def test_witness_matrix_is_stored():
    W = registry.get(ID).witnesses["W"]
    assert W == W_EXPECTED
    assert max(abs(e) for e in W.eigenvals()) == sp.Rational(1, 2)


def test_radius_in_place_of_lambda_1_is_refuted():
    r = sr.radius_bound_claim().check(np.random.default_rng(0))
    assert r.verdict is Verdict.REFUTED
    assert float(r.counterexample["lhs"]) == pytest.approx(3.0206906326, rel=1e-9)
    assert float(r.counterexample["rhs"]) == 0.25


def test_linear_regime_jacobian_is_w_squared():
    assert sr.linear_regime_jacobian(W_EXPECTED, 2) == W_EXPECTED ** 2
    assert sr.linear_regime_jacobian(W_EXPECTED, 1) == W_EXPECTED


def test_derived_lhs_evaluates_to_norm_of_w_squared_at_zero_state():
    W = np.array(W_EXPECTED.tolist(), dtype=float)
    z0 = np.zeros((2, 1))
    val = float(evaluate(registry.get(ID).expression("lhs", "tanh"), {"W_hh": W, "z": {4: z0, 5: z0}}, {t: 5}))
    assert val == pytest.approx(np.linalg.norm(W @ W, 2), rel=1e-12)
    assert val > 1.0 and max(abs(np.linalg.eigvals(W))) < 1.0
    assert val <= np.linalg.norm(W, 2) ** 2  # the lambda_1 bound holds
