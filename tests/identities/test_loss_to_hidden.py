"""loss_to_hidden: the row-gradient chain is proved; a product starting at q = j is refuted."""

from __future__ import annotations

import numpy as np

from rnnproof.derivations import Verdict, registry
from rnnproof.derivations.catalogue import loss_to_hidden as lh
from rnnproof.derivations.symbols import i, j

ID = "loss_to_hidden"


def test_no_refuted_step_and_expected_grading():
    res = registry.get(ID).derive(seed=0)
    C, P = Verdict.CONFIRMED, Verdict.PROVED
    assert [r.verdict for r in res.results] == [C, P, C, C], res.results  # step 4: the sigmoid form on sigmoid networks


def test_product_starting_at_j_is_refuted():
    assert lh.induction(lower=0).check(np.random.default_rng(0)).verdict is Verdict.REFUTED
    r = lh.network_check(lh.dl_dh(lower=0), sizes=(2,)).check(np.random.default_rng(0))
    assert r.verdict is Verdict.REFUTED


def test_free_time_symbols_are_i_and_j():
    expr = registry.get(ID).expression("dl_i_dh_j")
    assert {i, j} <= expr.free_symbols and lh.q not in expr.free_symbols
    assert expr.shape[0] == 1
