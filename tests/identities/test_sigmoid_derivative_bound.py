"""sigmoid_derivative_bound: 0 < sigma' <= 1/4, equality exactly at 0, proved by calculus."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from rnnproof.derivations import Verdict, registry
from rnnproof.derivations.claims import CriticalPoints, Exact, LimitIs, Rel
from rnnproof.derivations.functions import GAMMA, sigmoid, unfold
from rnnproof.derivations.symbols import x_scalar as x

ID = "sigmoid_derivative_bound"


@pytest.fixture(scope="module")
def result():
    return registry.get(ID).derive(seed=0)


def test_every_step_is_proved_none_by_sampling(result):
    ident = registry.get(ID)
    assert result.verdict is Verdict.PROVED
    assert result.count(Verdict.PROVED) == len(ident.steps)
    for step, r in zip(ident.steps, result.results):
        assert "mpmath" not in r.method and r.points == 0, f"{ID}: {step.justification} was sampled"


def test_the_proof_is_by_calculus(result):
    kinds = [type(s.claim) for s in registry.get(ID).steps]
    assert CriticalPoints in kinds and kinds.count(LimitIs) == 2 and Exact in kinds
    methods = [r.method for r in result.results]
    assert "solveset" in methods and "limit" in methods
    assert sum("solveset over the domain" in m for m in methods) >= 3  # both sides of 0 and the conclusion


def test_derived_contract():
    ident = registry.get(ID)
    assert ident.expression("gamma") == sp.Rational(1, 4) == GAMMA["sigmoid"]
    assert ident.expression("argmax") == 0
    sp_ = ident.expression("sigmoid_prime")
    assert sp.simplify(unfold(sp_ - sp.Derivative(sigmoid(x), x))) == 0
    assert sp.simplify(unfold(sp_).subs(x, 0)) == sp.Rational(1, 4)
    assert abs(float(sp.N(unfold(sp_).subs(x, 10))) - 4.54e-5) < 1e-7
    assert abs(float(sp.N(unfold(sp_).subs(x, -10))) - 4.54e-5) < 1e-7


def test_a_bound_below_one_quarter_is_refuted_at_zero():
    sp_ = registry.get(ID).expression("sigmoid_prime")
    r = Rel(sp_, "<", sp.Rational(1, 4), variable=x).check(np.random.default_rng(0))
    assert r.verdict is Verdict.REFUTED and r.counterexample["x"] == "0"
    r = Rel(sp_, "<=", sp.Rational(1, 5), variable=x).check(np.random.default_rng(0))
    assert r.verdict is Verdict.REFUTED


def test_wrong_critical_point_and_limit_are_refuted():
    sp_ = registry.get(ID).expression("sigmoid_prime")
    assert CriticalPoints(sp_, x, (1,)).check(np.random.default_rng(0)).verdict is Verdict.REFUTED
    assert LimitIs(sp_, x, sp.oo, sp.Rational(1, 4)).check(np.random.default_rng(0)).verdict is Verdict.REFUTED
