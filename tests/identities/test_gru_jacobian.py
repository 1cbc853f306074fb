"""gru_jacobian: proved at symbolic n; dropping the reset-gate term (or other slips) is refuted."""

from __future__ import annotations

import numpy as np
import pytest

from rnnproof.derivations import Verdict, registry
from rnnproof.derivations.catalogue import gru_jacobian as G
from rnnproof.derivations.evaluate import evaluate
from rnnproof.derivations.explicit_gated import ExplicitGRU
from rnnproof.derivations.matexpr import StateJacobian, diag, hadamard, ones, square
from rnnproof.derivations.matrixclaims import MatrixEq, _entrywise_zero
from rnnproof.derivations.symbols import n, t

ID = "gru_jacobian"


def test_every_step_proved():
    res = registry.get(ID).derive(seed=0)
    assert [r.verdict for r in res.results] == [Verdict.PROVED] * 7, res.results


def _check(rhs, seed=0):
    lhs = StateJacobian(G.state("h", t), G.hp)
    claim = MatrixEq(lhs, rhs, size=n, entry=G.gru_entry("h", rhs), sizes=(2, 3),
                     explicit=G.network_hook(lambda net, s: net.state_jacobian(s, s - 1), lhs))
    return claim.check(np.random.default_rng(seed)), _entrywise_zero(None, n, G.gru_entry("h", rhs))


def test_without_the_reset_gate_term_is_refuted():
    res, symbolic = _check(G.jacobian(reset_term=False))
    assert res.verdict is Verdict.REFUTED and res.counterexample and symbolic is None


def test_update_gate_instead_of_its_complement_is_refuted():
    u, hc, hp, W = G.u, G.hc, G.hp, G.W
    wrong = G.ma(diag(u), G.mm(diag(hc - hp), diag(hadamard(u, ones(n) - u)), W["u"]),
                 G.mm(diag(hadamard(u, ones(n) - square(hc))), W["h"], G.reset_product_jacobian()))
    res, symbolic = _check(wrong, seed=1)
    assert res.verdict is Verdict.REFUTED and symbolic is None


def test_derived_J_evaluates_with_numpy():
    net = ExplicitGRU(n=3, d=2, T=3, rng=np.random.default_rng(5))
    env = {k: ({s: np.array(v, dtype=float) for s, v in val.items()} if isinstance(val, dict) else np.array(val, dtype=float))
           for k, val in net.env().items()}
    J = evaluate(registry.get(ID).expression("J"), env, {t: 2})
    np.testing.assert_allclose(J, np.array(net.state_jacobian(2, 1), dtype=float), rtol=1e-12, atol=1e-14)
    wrong = evaluate(G.jacobian(reset_term=False), env, {t: 2})
    assert np.max(np.abs(wrong - J)) > 1e-6
