"""bidirectional_gradient: verdicts per step; parts from the wrong direction or in the wrong order are refuted."""

from __future__ import annotations

import numpy as np
import pytest

from rnnproof.derivations import Verdict, registry
from rnnproof.derivations.catalogue import bidirectional_gradient as B
from rnnproof.derivations.evaluate import evaluate
from rnnproof.derivations.explicit_stacked import ExplicitBidirectional
from rnnproof.derivations.matexpr import OrderedProduct, StateJacobian, TimeSum
from rnnproof.derivations.matrixclaims import MatrixEq
from rnnproof.derivations.stackproof import mm
from rnnproof.derivations.symbols import T, j, k, n, t

ID = "bidirectional_gradient"
P, C, L = Verdict.PROVED, Verdict.CONFIRMED, Verdict.BY_LEMMA


@pytest.fixture(scope="module")
def derived():
    return registry.get(ID).derive(seed=0)


def test_verdicts(derived):
    want = [P, P, P, P, C, C, C, C, L, C, L, C]
    assert [r.verdict for r in derived.results] == want, [(r.verdict, r.method) for r in derived.results]


def _claim(lhs_name, rhs):
    lhs = StateJacobian(B._L, {"x_b": B.X_B, "x_f": B.X_F}[lhs_name])
    return MatrixEq(lhs, rhs, size=n, explicit=B.network_hook(), instances=({k: 4, T: 4},), sizes=(2,))


def test_backward_product_in_forward_order_is_refuted():
    # latest time on the left (the forward chain's order) is the transpose-like slip for the backward chain
    wrong_prod = OrderedProduct(B.A_back(j), (j, t, k - 1))
    wrong = TimeSum(mm(B.delta(t).T, B.V_b, wrong_prod, B._in_backward(k)), (t, 1, k))
    assert _claim("x_b", wrong).check(np.random.default_rng(0)).verdict is Verdict.REFUTED


def test_backward_part_summed_over_the_future_is_refuted():
    wrong = TimeSum(mm(B.delta(t).T, B.V_b, B._backward_product(), B._in_backward(k)), (t, k, T))
    assert _claim("x_b", wrong).check(np.random.default_rng(0)).verdict is Verdict.REFUTED


def test_forward_part_is_not_the_backward_copy():
    assert _claim("x_b", B.forward_part()).check(np.random.default_rng(0)).verdict is Verdict.REFUTED


def test_derived_parts_evaluate_with_numpy():
    net = ExplicitBidirectional(n=3, d=2, T=4, rng=np.random.default_rng(5))
    env = {key: ({s: np.array(v, dtype=float) for s, v in val.items()} if isinstance(val, dict)
                 else np.array(val, dtype=float)) for key, val in net.env().items()}
    ident = registry.get(ID)
    for name, chain in (("forward_part", "forward"), ("backward_part", "backward")):
        got = evaluate(ident.expression(name), env, {k: 2, T: 4})
        np.testing.assert_allclose(got, np.array(net.input_gradient(2, chain=chain), dtype=float), rtol=1e-12, atol=1e-14)
