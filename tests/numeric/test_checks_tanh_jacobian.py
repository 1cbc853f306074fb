"""Numeric check of ``tanh_jacobian`` on real runs: it passes, and mutated derivations fail it."""

import sympy as sp

from rnnproof.derivations.catalogue import tanh_jacobian as cat
from rnnproof.derivations.matexpr import diag
from rnnproof.derivations.symbols import W_hh, t
from rnnproof.numeric.checks import check_module
from rnnproof.numeric.checks.base import Context
from rnnproof.numeric.runs import load_run

ID = "tanh_jacobian"
MOD = check_module(ID)


def _ctx(run_name="adding"):
    run = load_run(run_name)
    return Context(ID, run, run.checkpoint("final"), 0)


def _mutate(monkeypatch, expr):
    orig = Context.expression
    monkeypatch.setattr(Context, "expression",
                        lambda self, name: expr if self.identity == ID and name == "J" else orig(self, name))


def test_default_runs_are_two_distinct_runs():
    assert len(set(MOD.RUNS)) >= 2


def test_passes_on_a_default_run():
    results = MOD.check(_ctx())
    assert len(results) == MOD.TIMES and all(r.passed for r in results)


def test_transposed_jacobian_fails(monkeypatch):
    _mutate(monkeypatch, cat.IDENTITY.derived["J_transposed_wrong"])
    results = MOD.check(_ctx())
    assert all(not r.passed for r in results)
    assert all(len(r.worst_index) == 2 for r in results)  # the full fallback names the worst entry


def test_h_t_minus_1_for_h_t_fails(monkeypatch):
    _mutate(monkeypatch, cat.jacobian(t - 1))
    assert all(not r.passed for r in MOD.check(_ctx()) if "t=1)" not in r.quantity)


def test_sigmoid_derivative_for_tanh_fails(monkeypatch):
    _mutate(monkeypatch, diag(cat.phi_prime(t, "sigmoid")) * W_hh)
    assert all(not r.passed for r in MOD.check(_ctx()))
