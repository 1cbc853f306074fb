"""vanishing_condition: sufficiency is proved; "gamma lambda_1 > 1 implies explosion" is refuted by the witness."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from rnnproof.derivations import Verdict, registry
from rnnproof.derivations.catalogue import vanishing_condition as vc
from rnnproof.derivations.evaluate import evaluate
from rnnproof.derivations.matexpr import SpectralNorm

ID = "vanishing_condition"


def test_every_step_is_proved():
    res = registry.get(ID).derive(seed=0)
    assert [r.verdict for r in res.results] == [Verdict.PROVED] * 10 + [Verdict.PROVED_INTERVAL], res.results
    # the witness run is enclosed by interval arithmetic, not compared as floats (the overstated label)
    assert res.results[-1].method.startswith("interval arithmetic")


def test_the_enclosures_are_disjoint_and_contain_the_float_values():
    fro, bound = vc._interval_witness(vc.WITNESS["T"])
    assert fro.b < bound.a  # the enclosures are disjoint with room to spare
    nrm = float(SpectralNorm(sp.ImmutableMatrix(vc.witness_run(8))).evaluate(60))
    assert float(fro.a) / 2 ** 0.5 <= nrm * (1 + 1e-12) and nrm <= float(fro.b) * (1 + 1e-12)


def test_witness_is_carried_and_has_lambda_1_above_one_over_gamma():
    w = registry.get(ID).witnesses
    W = np.array(w["W"].tolist(), dtype=float)
    assert w["activation"] == "tanh" and np.linalg.norm(W, 2) > 1.0  # gamma = 1 for tanh
    assert w["W"] == sp.Matrix([[2, 1], [0, 2]]) and w["x"] == sp.Matrix([10, 10])


def test_witness_gradients_vanish():
    norms = [float(SpectralNorm(sp.ImmutableMatrix(vc.witness_run(T))).evaluate(60)) for T in (1, 2, 4, 8)]
    assert all(b < a for a, b in zip(norms, norms[1:]))
    assert norms[-1] < 1e-60


def test_explosion_claim_is_refuted_with_the_witness_as_counterexample():
    r = vc.explosion_claim().check(np.random.default_rng(0))
    assert r.verdict is Verdict.REFUTED
    assert r.counterexample["W"] == "[[2, 1], [0, 2]]"
    assert float(r.counterexample["lhs"]) < 1e-60 and float(r.counterexample["rhs"]) == 1.0


@pytest.mark.parametrize("name, gamma", [("tanh", 1.0), ("sigmoid", 0.25)])
def test_eta_evaluates_to_gamma_lambda_1(name, gamma):
    W = np.array([[0.3, -0.2], [0.1, 0.4]])
    eta = float(evaluate(registry.get(ID).expression("eta", name), {"W_hh": W}))
    assert eta == pytest.approx(gamma * np.linalg.norm(W, 2), rel=1e-12)
