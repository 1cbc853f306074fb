"""bptt_recursion: verdicts, derived contract, and the classic mutations are refuted."""

from __future__ import annotations

import dataclasses

import numpy as np
import sympy as sp
import pytest

from rnnproof.derivations import Verdict, registry
from rnnproof.derivations.catalogue import bptt_recursion as br
from rnnproof.derivations.matrixclaims import MatrixEq
from rnnproof.derivations.symbols import W_hh, h, n, t

ID = "bptt_recursion"


def test_no_refuted_step_and_expected_grading():
    res = registry.get(ID).derive(seed=0)
    verdicts = [r.verdict for r in res.results]
    # immediate partials of W_hh, W_xh (tanh, then sigmoid): explicit only (Kronecker column index); b_h, the two
    # J_t (tanh_jacobian) and the 3 recursions: proved
    C, P = Verdict.CONFIRMED, Verdict.PROVED
    assert verdicts == [C, C, P, C, C, P, P, P, P, P, P], res.results


def test_derived_contract():
    ident = registry.get(ID)
    for key in ("immediate_W_hh", "immediate_W_xh", "immediate_b_h", "J"):
        for act in ("tanh", "sigmoid"):
            assert ident.expression(key, act).shape[0] == n


def test_wrong_time_index_in_immediate_partial_is_refuted():
    wrong = br.immediate("W_hh", lag=0)  # h_t instead of h_{t-1}
    claim = MatrixEq(br.TotalDerivative(h(t), W_hh, True), wrong, size=n, sizes=(1, 2),
                     explicit=br.immediate_check("W_hh", wrong))
    r = claim.check(np.random.default_rng(0))
    assert r.verdict is Verdict.REFUTED and r.counterexample


@pytest.mark.parametrize("param", ["W_hh", "b_h"])
def test_dropped_immediate_term_is_refuted(param):
    claim = MatrixEq(br.TotalDerivative(h(t), W_hh), br.jacobian() * br.TotalDerivative(h(t - 1), W_hh),
                     size=n, sizes=(1, 2), explicit=br.recursion_check(param, drop_immediate=True))
    assert claim.check(np.random.default_rng(1)).verdict is Verdict.REFUTED


def test_sigmoid_network_also_satisfies_the_recursion():
    rhs = sp.MatAdd(br.TotalDerivative(h(t), W_hh, True), br.jacobian(t, "sigmoid") * br.TotalDerivative(h(t - 1), W_hh))
    claim = MatrixEq(br.TotalDerivative(h(t), W_hh), rhs, size=n, sizes=(2,),
                     explicit=br.recursion_check("W_hh", name="sigmoid"))
    # the hook only supplies the network; the claim's own rhs is evaluated on it
    assert claim.check(np.random.default_rng(2)).verdict is not Verdict.REFUTED
    wrong = dataclasses.replace(claim, rhs=br.immediate("W_hh", name="sigmoid"))
    assert wrong.check(np.random.default_rng(2)).verdict is Verdict.REFUTED
