"""tanh_jacobian_entry: (1 - h_{t,j}^2)(W_hh)_{ji} proved at symbolic n, cross-checked n = 1..4."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import sympy as sp

from rnnproof.derivations import Verdict, registry
from rnnproof.derivations.catalogue import tanh_jacobian_entry as E
from rnnproof.derivations.catalogue.tanh_jacobian import elman_entries, explicit_jacobian_check
from rnnproof.derivations.explicit import ExplicitElman
from rnnproof.derivations.matexpr import StateJacobian, diag, ones, square
from rnnproof.derivations.matrixclaims import MatrixEq, _entrywise_zero
from rnnproof.derivations.symbols import W_hh, h, i, j, n, t

ID = "tanh_jacobian_entry"


def test_every_step_is_proved_at_symbolic_n_and_cross_checked():
    ident = registry.get(ID)
    result = ident.derive(seed=0)
    assert result.verdict is Verdict.PROVED and result.count(Verdict.PROVED) == len(ident.steps)
    matrix_steps = [r for s, r in zip(ident.steps, result.results) if isinstance(s.claim, MatrixEq)]
    assert len(matrix_steps) == 4  # and two entry steps (EntryEq)
    for r in matrix_steps:
        assert "symbolic n" in r.method and r.explicit_sizes == (1, 2, 3, 4)


def test_derived_entry_uses_the_contract_names():
    e = registry.get(ID).expression("entry")
    names = {str(a.base) for a in e.atoms(sp.Indexed)}
    assert names == {"h", "W_hh"}
    assert e.free_symbols >= {i, j}
    hb, Wb = sp.IndexedBase("h"), sp.IndexedBase("W_hh")
    assert sp.expand(e - (1 - hb[j] ** 2) * Wb[j, i]) == 0


@pytest.mark.parametrize("size", [1, 2, 3, 4])
def test_entry_matrix_equals_the_exact_jacobian(size):
    net = ExplicitElman(n=size, d=2, T=2, rng=np.random.default_rng(size))
    hs, _ = net.trajectory()
    got = E.entry_matrix(E.ENTRY, hs[2], net.params["W_hh"])
    ref = net.state_jacobian(2, 1)
    assert max(abs(sp.N(a - b, 40)) for a, b in zip(got, ref)) < 1e-30


def test_transposed_jacobian_is_not_proved_and_is_refuted_explicitly():
    # the entrywise proof reads the printed rhs: a transposed Jacobian cannot reduce to zero
    claim = MatrixEq(StateJacobian(h(t), h(t - 1)), diag(ones(n) - square(h(t))) * W_hh.T, size=n,
                     entry=elman_entries(), explicit=explicit_jacobian_check())
    assert _entrywise_zero(None, n, claim._entry()) is None
    r = claim.check(np.random.default_rng(0))
    assert r.verdict is Verdict.REFUTED and r.counterexample["n"] != "1"  # n = 1 cannot tell W from W^T


def test_previous_state_in_place_of_current_is_refuted():
    # (1 - h_{t-1,j}^2) instead of (1 - h_{t,j}^2): the entry of the previous state
    claim = MatrixEq(StateJacobian(h(t), h(t - 1)), diag(ones(n) - square(h(t - 1))) * W_hh, size=n,
                     entry=elman_entries(), explicit=explicit_jacobian_check())
    assert _entrywise_zero(None, n, claim._entry()) is None
    assert claim.check(np.random.default_rng(0)).verdict is Verdict.REFUTED


def test_transposed_entry_is_refuted():
    hb, Wb = sp.IndexedBase("h"), sp.IndexedBase("W_hh")
    claim = E.IDENTITY.steps[5].claim
    wrong = dataclasses.replace(claim, value=(1 - hb[j] ** 2) * Wb[i, j])
    assert wrong.check(np.random.default_rng(0)).verdict is Verdict.REFUTED
