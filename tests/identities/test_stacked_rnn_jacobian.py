"""stacked_rnn_jacobian: verdicts per step; wrong path sums, a wrong recursion and a wrong base case are refuted."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import sympy as sp

from rnnproof.derivations import Verdict, registry
from rnnproof.derivations.catalogue import stacked_rnn_jacobian as S
from rnnproof.derivations.evaluate import evaluate
from rnnproof.derivations.explicit_stacked import ExplicitStacked
from rnnproof.derivations.matexpr import OrderedProduct, StateJacobian, TimeSum
from rnnproof.derivations.matrixclaims import MatrixEq
from rnnproof.derivations.stackproof import mm
from rnnproof.derivations.symbols import i, j, k, n, t

ID = "stacked_rnn_jacobian"
P = Verdict.PROVED


@pytest.fixture(scope="module")
def derived():
    return registry.get(ID).derive(seed=0)


def test_verdicts(derived):
    want = [P, P, P, P, Verdict.BY_LEMMA, Verdict.CONFIRMED]
    assert [r.verdict for r in derived.results] == want, [(r.verdict, r.method, r.detail) for r in derived.results]
    assert "induction on g" in derived.results[2].method
    assert "substitution of hidden_state_chain" in derived.results[3].method


def _unrolled(rhs):
    return MatrixEq(StateJacobian(S.h2(t), S.h(k)), rhs, size=n, explicit=S.network_hook(),
                    instances=({t: 4, k: 1},), sizes=(2, 3))


@pytest.mark.parametrize("wrong", [
    # layer Jacobian and bottom product swapped: the path's factors in the wrong order
    TimeSum(mm(OrderedProduct(S.A2(j), (j, S.s + 1, t)), OrderedProduct(S.A1(i), (i, k + 1, S.s)), S.B2(S.s)),
            (S.s, k, t)),
    # the path that climbs at time k is missing (t - k paths instead of t - k + 1)
    TimeSum(mm(OrderedProduct(S.A2(j), (j, S.s + 1, t)), S.B2(S.s), OrderedProduct(S.A1(i), (i, k + 1, S.s))),
            (S.s, k + 1, t)),
    # within-layer Jacobians of layer 2 read layer 1's weights
    TimeSum(mm(OrderedProduct(S.A1(j), (j, S.s + 1, t)), S.B2(S.s), OrderedProduct(S.A1(i), (i, k + 1, S.s))),
            (S.s, k, t)),
], ids=["order", "missing-path", "wrong-layer"])
def test_wrong_path_sums_are_refuted(wrong):
    assert _unrolled(wrong).check(np.random.default_rng(0)).verdict is Verdict.REFUTED


def test_wrong_recursion_is_refuted_in_the_induction():
    ind = registry.get(ID).steps[2].claim
    chain, peel = ind.step.parts
    wrong_rhs = sp.MatAdd(*chain.rhs.args[:1])  # D(2,t+1) = A^2 D(2,t): the across-layer term dropped
    bad = dataclasses.replace(ind, step=dataclasses.replace(ind.step, parts=(dataclasses.replace(chain, rhs=wrong_rhs), peel)))
    assert bad.check(np.random.default_rng(0)).verdict is Verdict.REFUTED


def test_base_case_counts_from_k_not_zero():
    # k = 0: h2_0 is an initial state, not computed from h_0, so the path climbing at s = 0 does not exist
    claim = _unrolled(S.path_sum())
    bad = dataclasses.replace(claim, instances=({t: 3, k: 0},))
    assert bad.check(np.random.default_rng(0)).verdict is Verdict.REFUTED


def test_derived_path_sum_evaluates_with_numpy():
    net = ExplicitStacked(n=3, d=2, T=4, rng=np.random.default_rng(5))
    env = {key: ({s: np.array(v, dtype=float) for s, v in val.items()} if isinstance(val, dict)
                 else np.array(val, dtype=float)) for key, val in net.env().items()}
    got = evaluate(registry.get(ID).expression("path_sum"), env, {t: 4, k: 2})
    np.testing.assert_allclose(got, np.array(net.jacobian(2, 4, 1, 2), dtype=float), rtol=1e-12, atol=1e-14)
