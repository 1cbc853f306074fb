"""product_norm_bound: submultiplicativity (sampled) and the power bound (induction, proved)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from rnnproof.derivations import Verdict, registry
from rnnproof.derivations.catalogue import product_norm_bound as pnb
from rnnproof.derivations.claims import Induction, Rel
from rnnproof.derivations.evaluate import evaluate
from rnnproof.derivations.symbols import k, t

ID = "product_norm_bound"
P, L = Verdict.PROVED, Verdict.BY_LEMMA


def test_no_refuted_step_and_expected_grading():
    res = registry.get(ID).derive(seed=0)
    assert [r.verdict for r in res.results] == [L, L, P, L, L], res.results
    assert [r.lemma for r in res.results] == ["submultiplicativity_product"] * 2 + [""] + ["bounded_product"] * 2


def test_induction_step_without_the_factor_bound_is_refuted():
    a, s, r, Q = sp.symbols("a s r Q", nonnegative=True)
    good = pnb.induction_claim()
    bad = Induction(good.variable, good.base, Rel(a * (Q - r), "<=", (a - s) * Q))  # c below a_i: not a bound
    assert bad.check(np.random.default_rng(0)).verdict is Verdict.REFUTED


def test_unroll_multiplies_out_products():
    a = sp.IndexedBase("a")
    i = sp.Symbol("i", integer=True)
    assert pnb.unroll(sp.Product(a[i], (i, k + 1, t)), {t: 4, k: 1}) == a[2] * a[3] * a[4]
    assert pnb.unroll(sp.Product(a[i], (i, k + 1, t)), {t: 1, k: 1}) == 1


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
@pytest.mark.parametrize("lag", [0, 1, 3])
def test_derived_chain_evaluates_in_order(name, lag):
    rng = np.random.default_rng(lag)
    W = rng.normal(size=(3, 3))
    env = {"W_hh": W, "z": {q: rng.normal(size=(3, 1)) for q in range(0, 8)}}
    bind = {t: 2 + lag, k: 2}
    ident = registry.get(ID)
    lhs = float(evaluate(ident.expression("lhs", name), env, bind))
    mid = float(evaluate(pnb.unroll(ident.expression("middle", name), bind), env, bind))
    bound = float(evaluate(ident.expression("bound", name), env, bind))
    assert lhs <= mid * (1 + 1e-12) and mid <= bound * (1 + 1e-12)
    if lag == 0:
        assert lhs == pytest.approx(1.0) and mid == bound == 1.0
