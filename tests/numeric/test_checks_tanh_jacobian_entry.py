"""Numeric check of ``tanh_jacobian_entry`` on real runs: it passes, and mutated derivations fail it."""

import sympy as sp

from rnnproof.derivations.symbols import i, j
from rnnproof.numeric.checks import check_module
from rnnproof.numeric.checks.base import Context
from rnnproof.numeric.runs import load_run

ID = "tanh_jacobian_entry"
MOD = check_module(ID)
h, W = sp.IndexedBase("h"), sp.IndexedBase("W_hh")


def _ctx(run_name="adding"):
    run = load_run(run_name)
    return Context(ID, run, run.checkpoint("final"), 0)


def _mutate(monkeypatch, expr):
    orig = Context.expression
    monkeypatch.setattr(Context, "expression",
                        lambda self, name: expr if self.identity == ID and name == "entry" else orig(self, name))


def test_default_runs_are_two_distinct_runs():
    assert len(set(MOD.RUNS)) >= 2


def test_passes_on_a_default_run():
    results = MOD.check(_ctx())
    assert len(results) == MOD.TIMES and all(r.passed for r in results)


def test_transposed_weight_index_fails(monkeypatch):
    _mutate(monkeypatch, (1 - h[j] ** 2) * W[i, j])
    results = MOD.check(_ctx())
    assert all(not r.passed for r in results) and all(len(r.worst_index) == 2 for r in results)


def test_derivative_at_the_wrong_unit_fails(monkeypatch):
    _mutate(monkeypatch, (1 - h[i] ** 2) * W[j, i])
    assert all(not r.passed for r in MOD.check(_ctx()))


def test_sigmoid_form_fails(monkeypatch):
    _mutate(monkeypatch, h[j] * (1 - h[j]) * W[j, i])
    assert all(not r.passed for r in MOD.check(_ctx()))
