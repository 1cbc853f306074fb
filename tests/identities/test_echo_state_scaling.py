"""echo_state_scaling: tanh 1-Lipschitz lemma, one-step contraction, the induction, the witness."""

from __future__ import annotations

import dataclasses

import numpy as np
import sympy as sp

from rnnproof.derivations import Verdict, registry
from rnnproof.derivations.catalogue import echo_state_scaling as es
from rnnproof.derivations.lemmas import lemma_proof
from rnnproof.derivations.matexpr import SpectralNorm
from rnnproof.derivations.orthclaims import ScalarInduction
from rnnproof.derivations.symbols import W_hh, t

ID = "echo_state_scaling"
P, L = Verdict.PROVED, Verdict.BY_LEMMA


def test_grading():
    res = registry.get(ID).derive(seed=0)
    assert [r.verdict for r in res.results] == [P, L, L, L, P, P, P], res.results


def test_lemma_tanh_lipschitz_is_proved():
    assert lemma_proof("tanh_lipschitz").verdict is P


def test_induction_with_a_wrong_power_is_refuted():
    ind = registry.get(ID).steps[4].claim
    assert isinstance(ind, ScalarInduction)
    for wrong in (SpectralNorm(W_hh) ** (t + 1) * es.distance(0), SpectralNorm(W_hh) ** (t - 1) * es.distance(0),
                  sp.Rational(1, 2) * es.bound()):
        assert dataclasses.replace(ind, rhs=wrong).check(np.random.default_rng(0)).verdict is Verdict.REFUTED


def test_lipschitz_step_with_a_transposed_matrix_is_not_by_lemma():
    step = registry.get(ID).steps[1].claim
    bad = dataclasses.replace(step, claim=dataclasses.replace(step.claim, rhs=SpectralNorm(
        W_hh.T * (es.h(t - 1) - es.hp(t - 1)))))
    assert bad.check(np.random.default_rng(0)).verdict is not Verdict.BY_LEMMA


def test_witness_transient_growth():
    peak, at, last = es.transient_growth()
    assert 3.0 < float(peak) < 3.1 and at == 1 and float(last) < 1e-5
