"""tanh_jacobian: diag(1 - h_t*h_t) W_hh in both notations; the classic wrong variants are refuted."""

from __future__ import annotations

import numpy as np
import sympy as sp

from rnnproof.derivations import Verdict, registry
from rnnproof.derivations.catalogue.tanh_jacobian import elman_entries, explicit_jacobian_check, jacobian, phi_prime
from rnnproof.derivations.matexpr import SpectralNorm, StateJacobian, diag, ones, square
from rnnproof.derivations.matrixclaims import MatrixEq, MatrixRel
from rnnproof.derivations.symbols import W_hh, h, n, t

ID = "tanh_jacobian"
J = StateJacobian(h(t), h(t - 1))


def test_grading():
    ident = registry.get(ID)
    result = ident.derive(seed=0)
    assert result.ok
    # every step is proved; the norm equality ||A^T|| = ||A|| by a named lemma
    assert result.count(Verdict.PROVED) == len(ident.steps) - 1
    # the norm equality ||A^T|| = ||A|| is the lemma transpose_norm, and says so
    assert result.results[-1].verdict is Verdict.BY_LEMMA and result.results[-1].lemma == "transpose_norm"


def test_transposed_jacobian_is_refuted_as_a_jacobian():
    wrong = W_hh.T * diag(phi_prime())
    r = MatrixEq(J, wrong, size=n, explicit=explicit_jacobian_check(), entry=elman_entries()).check(np.random.default_rng(0))
    assert r.verdict is Verdict.REFUTED
    assert r.counterexample and r.counterexample["n"] != "1" and "entry" in r.counterexample


def test_transposed_jacobian_is_accepted_as_equal_in_norm():
    wrong = W_hh.T * diag(ones(n) - square(h(t)))
    r = MatrixRel(SpectralNorm(wrong), "=", SpectralNorm(jacobian()), size=n,
                  domains={"h": (-1.0, 1.0)}).check(np.random.default_rng(0))
    assert r.verdict is Verdict.CONFIRMED


def test_previous_state_in_the_diagonal_is_refuted():
    wrong = diag(ones(n) - square(h(t - 1))) * W_hh
    r = MatrixEq(J, wrong, size=n, explicit=explicit_jacobian_check(), entry=elman_entries()).check(np.random.default_rng(0))
    assert r.verdict is Verdict.REFUTED and r.counterexample


def test_row_notation_form_is_wrong_for_column_networks():
    from rnnproof.derivations.catalogue.tanh_jacobian import jacobian_row
    r = MatrixEq(J, jacobian_row(), size=n, explicit=explicit_jacobian_check(), entry=elman_entries()).check(
        np.random.default_rng(0))
    assert r.verdict is Verdict.REFUTED


def test_derived_jacobian_evaluates_to_the_exact_one():
    from rnnproof.derivations.evaluate import evaluate
    from rnnproof.derivations.explicit import ExplicitElman
    net = ExplicitElman(n=3, d=2, T=3, rng=np.random.default_rng(5))
    got = evaluate(registry.get(ID).expression("J"), net.env(), {t: 3}, backend="sympy")
    assert max(abs(sp.N(a - b, 40)) for a, b in zip(got, net.state_jacobian(3, 2))) < 1e-30
