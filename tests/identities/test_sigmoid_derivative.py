"""sigmoid_derivative: the five-step classroom chain, each step proved; sigma' = sigma(1 + sigma) refuted."""

from __future__ import annotations

import numpy as np
import sympy as sp

from rnnproof.derivations import Verdict, registry
from rnnproof.derivations.claims import Rel
from rnnproof.derivations.functions import sigmoid, unfold
from rnnproof.derivations.symbols import x_scalar as x

ID = "sigmoid_derivative"


def test_every_step_of_the_chain_is_proved():
    ident = registry.get(ID)
    result = ident.derive(seed=0)
    assert len(result.results) == 6  # the definition of sigma (derived "sigmoid" is its side), then the five-step chain
    assert result.count(Verdict.PROVED) == 6, [r.detail for r in result.results]
    assert result.verdict is Verdict.PROVED


def test_derived_expression_is_the_derivative():
    s = registry.get(ID).expression("sigmoid_prime")
    assert sp.simplify(unfold(s) - sp.diff(unfold(sigmoid(x)), x)) == 0


def test_sigma_times_one_plus_sigma_is_refuted_with_a_point():
    wrong = Rel(sp.Derivative(sigmoid(x), x), "=", sigmoid(x) * (1 + sigmoid(x)), domains={x: (-40.0, 40.0)})
    r = wrong.check(np.random.default_rng(0))
    assert r.verdict is Verdict.REFUTED
    assert r.counterexample and "x" in r.counterexample
    point = sp.Float(r.counterexample["x"])
    lhs = sp.N(unfold(sp.diff(sigmoid(x), x)).subs(x, point))
    rhs = sp.N(unfold(sigmoid(x) * (1 + sigmoid(x))).subs(x, point))
    assert abs(lhs - rhs) > 1e-3  # the counterexample really is one


def test_a_wrong_intermediate_step_is_refuted():
    # dropping the square in the denominator: e^{-x}/(1 + e^{-x}) is not sigma'
    wrong = Rel(sp.Derivative(sigmoid(x), x), "=", sp.exp(-x) / (1 + sp.exp(-x)))
    assert wrong.check(np.random.default_rng(1)).verdict is Verdict.REFUTED
