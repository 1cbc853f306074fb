"""residual_jacobian: the Jacobian proved at symbolic n, floor and ceiling by named lemmas; slips refuted."""

from __future__ import annotations

import dataclasses

import numpy as np
import sympy as sp

from rnnproof.derivations import Verdict, registry
from rnnproof.derivations.catalogue import residual_jacobian as R
from rnnproof.derivations.evaluate import evaluate
from rnnproof.derivations.explicit_remedies import ExplicitResidual
from rnnproof.derivations.matexpr import SpectralNorm, StateJacobian
from rnnproof.derivations.matrixclaims import MatrixEq, _entrywise_zero
from rnnproof.derivations.singular import MinSingular
from rnnproof.derivations.symbols import W_hh, h, k, n, t

ID = "residual_jacobian"


def test_verdicts():
    res = registry.get(ID).derive(seed=0)
    got = [r.verdict for r in res.results]
    assert got == [Verdict.PROVED, Verdict.PROVED] + [Verdict.BY_LEMMA] * 8, res.results
    lemmas = [r.lemma for r in res.results[2:]]
    assert {"identity_perturbation_floor", "identity_perturbation_ceiling", "min_singular_product",
            "bounded_product_below", "bounded_product", "submultiplicativity_product"} <= set(lemmas)
    assert res.results[1].method == "induction on s"


def _jac_claim(rhs, seed=0):
    lhs = StateJacobian(h(t), h(t - 1))
    claim = MatrixEq(lhs, rhs, size=n, entry=R.residual_entry(rhs), sizes=(2, 3), explicit=R.network_hook(1))
    return claim.check(np.random.default_rng(seed)), _entrywise_zero(None, n, R.residual_entry(rhs))


def test_jacobian_without_the_skip_is_refuted():
    res, symbolic = _jac_claim(R.step_factor())
    assert res.verdict is Verdict.REFUTED and symbolic is None


def test_transposed_branch_is_refuted():
    res, symbolic = _jac_claim(R.ma(sp.Identity(n), R.step_factor().T))
    assert res.verdict is Verdict.REFUTED and symbolic is None


def test_floor_without_the_max_or_with_the_wrong_sign_is_refuted():
    floor_step = registry.get(ID).steps[2].claim  # max(0, 1 - lambda_1) <= sigma_min(I + J_t)
    plus = dataclasses.replace(floor_step, claim=dataclasses.replace(floor_step.claim, lhs=1 + SpectralNorm(W_hh)))
    assert plus.check(np.random.default_rng(0)).verdict is Verdict.REFUTED
    chain = registry.get(ID).steps[6].claim  # the floor over t - k steps
    no_shrink = dataclasses.replace(chain, claim=dataclasses.replace(chain.claim, lhs=sp.Integer(1)))
    assert no_shrink.check(np.random.default_rng(0)).verdict is Verdict.REFUTED


def test_the_floor_lemma_does_not_match_a_foreign_premise():
    lo = registry.get(ID).steps[2].claim
    other = dataclasses.replace(lo, premises=(registry.get(ID).steps[3].claim,))  # the ceiling, not ||J|| <= c
    r = other.check(np.random.default_rng(0))
    assert r.verdict is not Verdict.BY_LEMMA and "not by lemma" in r.detail


def test_derived_expressions_evaluate_on_an_explicit_cell():
    net = ExplicitResidual(n=3, d=1, T=4, rng=np.random.default_rng(5))
    env = {kk: ({s: np.array(v, dtype=float) for s, v in val.items()} if isinstance(val, dict)
                else np.array(val, dtype=float)) for kk, val in net.env().items()}
    ident = registry.get(ID)
    J = evaluate(ident.expression("J"), env, {t: 2})
    np.testing.assert_allclose(J, np.array(net.state_jacobian(2, 1), dtype=float), rtol=1e-12, atol=1e-14)
    P = evaluate(ident.expression("chain"), env, {k: 1, "s": 2})  # prod_{i=2}^{4}: t = k + s + 1
    A = np.array(net.state_jacobian(4, 1), dtype=float)
    np.testing.assert_allclose(P, A, rtol=1e-12, atol=1e-14)
    smin = float(np.linalg.svd(A, compute_uv=False).min())
    assert evaluate(ident.expression("floor"), env, {t: 4, k: 1}) <= smin
    assert np.linalg.norm(A, 2) <= evaluate(ident.expression("ceiling"), env, {t: 4, k: 1})
    assert abs(evaluate(ident.expression("min_singular_product"), env, {t: 4, k: 1}) - smin) < 1e-12


def test_min_singular_prints_and_evaluates():
    A = sp.ImmutableMatrix([[3, 0], [0, sp.Rational(1, 2)]])
    assert float(sp.N(MinSingular(A), 20)) == 0.5
    assert r"\sigma_{\min}" in sp.latex(MinSingular(W_hh))


def test_the_chain_induction_refutes_a_missing_skip():
    from rnnproof.derivations.catalogue._residual_chain import induction
    wrong = induction(R.step_factor(sp.Symbol("i", integer=True)))  # prod J_i: the Elman chain, not the residual one
    assert wrong.check(np.random.default_rng(0)).verdict is Verdict.REFUTED
