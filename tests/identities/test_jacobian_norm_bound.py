"""jacobian_norm_bound: gamma is derived by calculus, the chain ||J_t|| <= ||diag phi'|| ||W|| <= gamma lambda_1 holds."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from rnnproof.derivations import Verdict, registry
from rnnproof.derivations.catalogue import jacobian_norm_bound as jnb
from rnnproof.derivations.claims import Rel
from rnnproof.derivations.evaluate import evaluate
from rnnproof.derivations.functions import GAMMA
from rnnproof.derivations.symbols import t, x_scalar

ID = "jacobian_norm_bound"
P, L = Verdict.PROVED, Verdict.BY_LEMMA


def test_no_refuted_step_and_expected_grading():
    res = registry.get(ID).derive(seed=0)
    per_activation = [P, P, P, P, P, L, L, L, L]  # calculus proved; the norm chain by named lemmas
    assert [r.verdict for r in res.results] == per_activation * 2, res.results
    lemmas = [r.lemma for r in res.results if r.verdict is L]
    assert lemmas == ["submultiplicativity", "diag_norm", "monotonicity", "transitivity"] * 2


@pytest.mark.parametrize("k, wrong", [(8, lambda e: e / 2), (5, lambda e: 2 * e), (6, lambda e: e / 2)])
def test_a_bound_that_is_too_small_is_refuted_not_confirmed(k, wrong):
    # the mutation: gamma -> gamma/2 in the bound made ||J|| <= ||W||/2 "numerically confirmed";
    # the step now samples z near 0 (where phi' is near gamma) and does not match its lemma
    import dataclasses
    step = registry.get(ID).steps[k]
    inner = step.claim.claim
    side = "rhs" if k in (6, 8) else "lhs"
    mutated = dataclasses.replace(step.claim, claim=dataclasses.replace(inner, **{side: wrong(getattr(inner, side))}))
    assert mutated.check(np.random.default_rng(0)).verdict is Verdict.REFUTED


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
def test_gamma_is_derived_as_sup_of_phi_prime(name):
    assert jnb.gamma(name) == GAMMA[name]
    assert registry.get(ID).expression("gamma", name) == GAMMA[name]


def test_a_too_small_gamma_is_refuted():
    d = jnb.derivative("sigmoid")(x_scalar)
    r = Rel(sp.Abs(d), "<=", sp.Rational(1, 8), variable=x_scalar).check(np.random.default_rng(0))
    assert r.verdict is Verdict.REFUTED and r.counterexample


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_derived_chain_evaluates_in_order(name, seed):
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(4, 4))
    zt = rng.normal(scale=2.0, size=(4, 1))
    env, bind = {"W_hh": W, "z": {5: zt}}, {t: 5}
    ident = registry.get(ID)
    lhs, mid, bound = (float(evaluate(ident.expression(k, name), env, bind)) for k in ("lhs", "middle", "bound"))
    dphi = 1 - np.tanh(zt) ** 2 if name == "tanh" else np.exp(-zt) / (1 + np.exp(-zt)) ** 2
    assert lhs == pytest.approx(np.linalg.norm(np.diag(dphi.ravel()) @ W, 2), rel=1e-12)
    assert lhs <= mid * (1 + 1e-12) and mid <= bound * (1 + 1e-12)
    assert bound == pytest.approx(float(GAMMA[name]) * np.linalg.norm(W, 2), rel=1e-12)
