"""orthogonal_initialisation: Gram induction, orthogonal_norm lemma, the tanh chain by lemmas, IRNN."""

from __future__ import annotations

import dataclasses

import numpy as np
import sympy as sp

from rnnproof.derivations import Verdict, registry
from rnnproof.derivations.catalogue import orthogonal_initialisation as oi
from rnnproof.derivations.lemmas import lemma_proof
from rnnproof.derivations.orthclaims import OrthogonalProducts, cayley, gram_rewrite
from rnnproof.derivations.symbols import W_hh, k, n, t

ID = "orthogonal_initialisation"
P, L = Verdict.PROVED, Verdict.BY_LEMMA


def test_grading():
    res = registry.get(ID).derive(seed=0)
    assert [r.verdict for r in res.results] == [P, L, L, L, P, L, L, L, P, P], res.results
    assert [r.lemma for r in res.results if r.verdict is L] == [
        "orthogonal_norm", "orthogonal_norm", "submultiplicativity_product", "bounded_product", "transitivity",
        "transitivity"]


def test_lemma_orthogonal_norm_is_proved():
    assert lemma_proof("orthogonal_norm").verdict is P


def test_cayley_matrices_are_exactly_orthogonal():
    rng = np.random.default_rng(3)
    for size in (1, 2, 4):
        Q = cayley(rng, size)
        assert Q.T * Q == sp.eye(size)


def test_gram_rewrite_needs_adjacent_pairs():
    A = sp.MatrixSymbol("A", n, n)
    assert gram_rewrite(W_hh.T * W_hh * A, (W_hh,)) == A
    assert gram_rewrite(W_hh * W_hh.T * A, (W_hh,)) != A  # W W^T -> I is not the hypothesis given


def test_products_claim_with_a_wrong_right_side_is_refuted():
    claim = registry.get(ID).steps[0].claim
    assert isinstance(claim, OrthogonalProducts)
    bad = dataclasses.replace(claim, rhs=sp.MatMul(2, sp.Identity(n)))
    assert bad.check(np.random.default_rng(0)).verdict is Verdict.REFUTED


def test_norm_one_is_refuted_for_a_general_product():
    step = registry.get(ID).steps[1].claim  # ||prod W|| = 1, screened on Cayley matrices
    bad = dataclasses.replace(step.claim, rhs=sp.Rational(1, 2))
    assert dataclasses.replace(step, claim=bad).check(np.random.default_rng(0)).verdict is Verdict.REFUTED


def test_derived_linear_norm_is_one_on_orthogonal_matrices():
    from rnnproof.derivations.evaluate import evaluate
    rng = np.random.default_rng(1)
    Q, _ = np.linalg.qr(rng.standard_normal((5, 5)))
    for m in (0, 1, 6):
        v = float(evaluate(oi.linear_norm(), {"W_hh": Q}, {t: m, k: 0}, backend="numpy"))
        assert abs(v - 1) <= 10 * (m + 1) * 5 * np.finfo(float).eps
