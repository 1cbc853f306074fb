"""Numeric check of ``tanh_jacobian_entry`` on real runs: it passes, and mutated derivations fail it."""

import sympy as sp

from checkkit import check_results, default_results, replace
from rnnproof.derivations.symbols import i, j
from rnnproof.numeric.checks import check_module

ID = "tanh_jacobian_entry"
MOD = check_module(ID)
h, W = sp.IndexedBase("h"), sp.IndexedBase("W_hh")


def test_one_result_per_time_on_a_default_run():
    results = default_results(ID, "adding")
    assert len(results) == MOD.TIMES and all(r.passed for r in results)


def test_transposed_weight_index_fails(monkeypatch):
    replace(monkeypatch, ID, entry=(1 - h[j] ** 2) * W[i, j])
    results = check_results(ID, "adding")
    assert all(not r.passed for r in results) and all(len(r.worst_index) == 2 for r in results)


def test_derivative_at_the_wrong_unit_fails(monkeypatch):
    replace(monkeypatch, ID, entry=(1 - h[i] ** 2) * W[j, i])
    assert all(not r.passed for r in check_results(ID, "adding"))


def test_sigmoid_form_fails(monkeypatch):
    replace(monkeypatch, ID, entry=h[j] * (1 - h[j]) * W[j, i])
    assert all(not r.passed for r in check_results(ID, "adding"))
