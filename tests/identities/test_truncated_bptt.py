"""truncated_bptt: split proved, norm steps confirmed; the eigenvalue and off-by-one bounds are refuted."""

from __future__ import annotations

import numpy as np
import sympy as sp

from rnnproof.derivations import Verdict, registry
from rnnproof.derivations.catalogue import truncated_bptt as TB
from rnnproof.derivations.evaluate import evaluate
from rnnproof.derivations.explicit import ExplicitElman
from rnnproof.derivations.symbols import k, t

ID = "truncated_bptt"
P, C = Verdict.PROVED, Verdict.CONFIRMED


def test_grading():
    res = registry.get(ID).derive(seed=0)
    # per activation: dh_t/dθ = full on networks for W_hh, W_xh (C), for b_h an instance of bptt_sum_of_products'
    # induction (P), the split of the sum (P), the bound for W_hh, W_xh (C)
    assert [r.verdict for r in res.results] == [P, P, Verdict.BY_LEMMA, P, P, C, C] + [C, P, P, C] * 2, res.results
    assert res.results[2].lemma == "triangle"


def linear_witness(W):
    """h_0 = 0, no input, no bias: h stays 0, tanh' = 1, so J_i = W exactly and d+h_k/db_h = I."""
    def make(rng, size, name):
        net = ExplicitElman(n=len(W), d=1, T=4, rng=rng, activation=name)
        m = len(W)
        net.params.update(W_hh=sp.ImmutableMatrix(W), W_xh=sp.zeros(m, 1), b_h=sp.zeros(m, 1))
        net.h0 = sp.zeros(m, 1)
        return net
    return make


def test_spectral_radius_in_place_of_lambda_1_is_refuted():
    W = [[sp.Rational(1, 2), 3], [0, sp.Rational(1, 2)]]
    wrong = TB.network_bound("b_h", bound=TB.error_bound("b_h", lam=TB.RHO), network=linear_witness(W),
                             instances=({t: 3, TB.tau: 1},), sizes=(2,))
    res = wrong.check(np.random.default_rng(0))
    assert res.verdict is Verdict.REFUTED, res
    right = TB.network_bound("b_h", network=linear_witness(W), instances=({t: 3, TB.tau: 1},), sizes=(2,))
    assert right.check(np.random.default_rng(0)).verdict is Verdict.CONFIRMED


def test_summation_range_missing_the_last_dropped_term_is_refuted():
    wrong = TB.network_bound("b_h", bound=TB.error_bound("b_h", upper=t - TB.tau - 1),
                             network=linear_witness([[sp.Rational(1, 2)]]), instances=({t: 3, TB.tau: 1},), sizes=(1,))
    assert wrong.check(np.random.default_rng(0)).verdict is Verdict.REFUTED


def test_truncated_sum_with_one_term_too_many_is_refuted():
    cases = ({t: 3, TB.tau: 1}, {t: 4, TB.tau: 2})  # tau + 1 <= t, so the wrong range stays inside 1..t
    res = TB.network_split("b_h", lower=t - TB.tau, sizes=(2,), cases=cases).check(np.random.default_rng(0))
    assert res.verdict is Verdict.REFUTED and res.counterexample


def test_unroll_and_evaluate_the_bound():
    a = sp.IndexedBase("a")
    assert TB.unroll(sp.Sum(a[k], (k, 1, t - TB.tau)), {t: 4, TB.tau: 2}) == a[1] + a[2]
    assert TB.unroll(sp.Sum(a[k], (k, 1, t - TB.tau)), {t: 4, TB.tau: 4}) == 0
    net = ExplicitElman(n=2, d=1, T=4, rng=np.random.default_rng(3))
    env = {key: ({s: np.array(v, dtype=float) for s, v in val.items()} if isinstance(val, dict) else np.array(val, dtype=float))
           for key, val in net.env().items()}
    bind = {t: 4, TB.tau: 2}
    ident = registry.get(ID)
    err = np.array(net.parameter_jacobian(4, "b_h"), dtype=float) - evaluate(ident.expression("truncated_b_h"), env, bind)
    np.testing.assert_allclose(err, evaluate(ident.expression("tail_b_h"), env, bind), atol=1e-12)
    bound = float(evaluate(TB.unroll(ident.expression("error_bound_b_h"), bind), env, bind))
    assert np.linalg.norm(err, 2) <= bound
