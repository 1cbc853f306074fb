"""highway_jacobian: proved at symbolic n with the gate's own derivative; the carry path by lemma; slips refuted."""

from __future__ import annotations

import numpy as np

from rnnproof.derivations import Verdict, registry
from rnnproof.derivations.catalogue import highway_jacobian as H
from rnnproof.derivations.evaluate import evaluate
from rnnproof.derivations.explicit_remedies import ExplicitHighway
from rnnproof.derivations.matexpr import StateJacobian, diag
from rnnproof.derivations.matrixclaims import MatrixEq, _entrywise_zero
from rnnproof.derivations.symbols import n, t

ID = "highway_jacobian"


def test_verdicts():
    res = registry.get(ID).derive(seed=0)
    assert [r.verdict for r in res.results] == [Verdict.PROVED] * 4 + [Verdict.BY_LEMMA], res.results


def _check(rhs, seed=0):
    lhs = StateJacobian(H.state("h", t), H.hp)
    claim = MatrixEq(lhs, rhs, size=n, entry=H.highway_entry("h", rhs), sizes=(2, 3),
                     explicit=H.network_hook(lambda net, s: net.state_jacobian(s, s - 1), lhs))
    return claim.check(np.random.default_rng(seed)), _entrywise_zero(None, n, H.highway_entry("h", rhs))


def test_without_the_gate_term_is_refuted():
    res, symbolic = _check(H.jacobian(gate_term=False))
    assert res.verdict is Verdict.REFUTED and res.counterexample and symbolic is None


def test_carry_with_the_gate_instead_of_its_complement_is_refuted():
    wrong = H.ma(diag(H.g), H.mm(diag(H.g), H.carried()))
    res, symbolic = _check(wrong, seed=1)
    assert res.verdict is Verdict.REFUTED and symbolic is None


def test_derived_J_evaluates_and_the_carry_path_dominates_as_the_gate_closes():
    net = ExplicitHighway(n=3, d=1, T=3, rng=np.random.default_rng(4))
    env = {k: ({s: np.array(v, dtype=float) for s, v in val.items()} if isinstance(val, dict) else np.array(val, dtype=float))
           for k, val in net.env().items()}
    ident = registry.get(ID)
    J = evaluate(ident.expression("J"), env, {t: 2})
    np.testing.assert_allclose(J, np.array(net.state_jacobian(2, 1), dtype=float), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(evaluate(ident.expression("carry"), env, {t: 2}), J, rtol=1e-12, atol=1e-14)
    # close the gate: g -> 0 leaves the carry path diag(1 - g) -> I
    shut = {**env, "g": {2: np.full((3, 1), 1e-9)}}
    np.testing.assert_allclose(evaluate(ident.expression("J"), shut, {t: 2}), np.eye(3), atol=1e-8)
