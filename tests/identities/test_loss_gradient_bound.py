"""loss_gradient_bound: ||dl_i/dh_j|| <= ||dl_i/dh_i|| (gamma lambda_1)^(i-j); a bound with gamma/4 is refuted."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import sympy as sp

from rnnproof.derivations import Verdict, registry
from rnnproof.derivations.catalogue import loss_gradient_bound as lgb
from rnnproof.derivations.evaluate import evaluate
from rnnproof.derivations.matexpr import SpectralNorm
from rnnproof.derivations.symbols import W_hh, i, j

ID = "loss_gradient_bound"
L = Verdict.BY_LEMMA


def test_no_refuted_step_and_expected_grading():
    res = registry.get(ID).derive(seed=0)
    assert [r.verdict for r in res.results] == [L] * 12, res.results
    assert [r.lemma for r in res.results[:6]] == ["submultiplicativity", "submultiplicativity_product", "bounded_product",
                                                  "transitivity", "monotonicity", "transitivity"]


def test_a_bound_with_gamma_over_four_is_refuted():
    wrong = SpectralNorm(lgb.dl_dh(i)) * (sp.Rational(1, 4) * SpectralNorm(W_hh)) ** (i - j)
    step = registry.get(ID).steps[5].claim  # the assembled bound (tanh), by transitivity
    claim = dataclasses.replace(step, claim=dataclasses.replace(step.claim, rhs=wrong))
    r = claim.check(np.random.default_rng(0))
    assert r.verdict is Verdict.REFUTED, r


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
@pytest.mark.parametrize("seed", [0, 1])
def test_derived_bound_holds_numerically(name, seed):
    rng = np.random.default_rng(seed)
    W = rng.normal(scale=1.5, size=(3, 3))
    env = {"W_hh": W, "z": {q: rng.normal(size=(3, 1)) for q in range(8)}, "dl_dh": {6: rng.normal(size=(1, 3))}}
    bind = {i: 6, j: 2}
    ident = registry.get(ID)
    lhs = float(evaluate(ident.expression("lhs", name), env, bind))
    bound = float(evaluate(ident.expression("bound", name), env, bind))
    assert 0 < lhs <= bound * (1 + 1e-12)
