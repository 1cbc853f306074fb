"""bptt_sum_of_products: the induction is proved, unrolled checks hold, mutations are refuted."""

from __future__ import annotations

import numpy as np
import sympy as sp

from rnnproof.derivations import Verdict, registry
from rnnproof.derivations.catalogue import bptt_sum_of_products as sop
from rnnproof.derivations.symbols import n

ID = "bptt_sum_of_products"
RNG = lambda seed=0: np.random.default_rng(seed)  # noqa: E731


def test_no_refuted_step_and_expected_grading():
    res = registry.get(ID).derive(seed=0)
    # the generic induction, the inductions about the identity (b_h: tanh, sigmoid), then per activation W_hh, W_xh
    # (network checks) and b_h (the statement at v = t)
    P, C = Verdict.PROVED, Verdict.CONFIRMED
    assert [r.verdict for r in res.results] == [P, P, P] + [C, C, P] * 2, res.results
    assert "induction" in res.results[0].method


def test_product_starting_at_k_is_refuted():
    r = sop.induction(start=0).check(RNG())
    assert r.verdict is Verdict.REFUTED
    net = sop.unrolled_check("W_hh", sop.total("W_hh", start=0), T=3, sizes=(2,))
    assert net.check(RNG()).verdict is Verdict.REFUTED


def test_dropped_immediate_term_is_refuted():
    assert sop.induction(drop_immediate=True).check(RNG()).verdict is Verdict.REFUTED


def test_wrong_time_index_is_refuted_on_networks():
    net = sop.unrolled_check("W_hh", sop.total("W_hh", lag=0), T=3, sizes=(2,))
    r = net.check(RNG())
    assert r.verdict is Verdict.REFUTED and "entry" in r.counterexample


def test_rewrite_rules_refuse_unproved_side_conditions():
    # t is only an integer here (not >= 1): splitting the last term of sum_{k=1}^{t+1} needs t >= 0
    t = sp.Symbol("t", integer=True)
    S = sop.sum_of_products(t + 1)
    claim = sop.RewriteEq(S, S, instances=[{t: 1, sop.P: 2}], lhs_rules=((sop.split_last, sop.k),))
    r = claim.check(RNG())
    assert r.verdict is Verdict.CONFIRMED and "split_last" in r.detail


def test_derived_totals_evaluate():
    ident = registry.get(ID)
    for key in ("total_W_hh", "total_W_xh", "total_b_h"):
        assert ident.expression(key, "sigmoid").shape[0] == n
