"""Numeric check of ``sigmoid_derivative_bound`` on real runs: it passes, and mutated derivations fail it."""

import sympy as sp

from rnnproof.derivations.functions import sigmoid
from rnnproof.derivations.symbols import x_scalar as x
from rnnproof.numeric.checks import check_module
from rnnproof.numeric.checks.base import Context
from rnnproof.numeric.runs import load_run

ID = "sigmoid_derivative_bound"
MOD = check_module(ID)


def _ctx(run_name):
    run = load_run(run_name)
    return Context(ID, run, run.checkpoint("final"), 0)


def _mutate(monkeypatch, **replace):
    orig = Context.expression

    def fake(self, name):
        return replace[name] if self.identity == ID and name in replace else orig(self, name)
    monkeypatch.setattr(Context, "expression", fake)


def test_default_runs_are_two_distinct_runs():
    assert len(set(MOD.RUNS)) >= 2


def test_passes_on_default_runs():
    for run_name in MOD.RUNS:
        results = MOD.check(_ctx(run_name))
        assert len(results) == 4 and all(r.passed for r in results)


def test_bound_too_small_fails(monkeypatch):
    _mutate(monkeypatch, gamma=sp.Rational(1, 5))
    bad = [r for r in MOD.check(_ctx("text")) if not r.passed]
    assert {r.quantity for r in bad} == {"max_z sigma'(z) <= gamma", "sigma'(argmax = 0) = gamma"}


def test_wrong_argmax_fails(monkeypatch):
    _mutate(monkeypatch, argmax=sp.Integer(1))
    bad = [r.quantity for r in MOD.check(_ctx("text")) if not r.passed]
    assert bad == ["sigma'(argmax = 1) = gamma"]


def test_wrong_derivative_fails(monkeypatch):
    _mutate(monkeypatch, sigmoid_prime=sigmoid(x) * (1 - sigmoid(x)) - sp.Rational(1, 10**12))
    bad = [r.quantity for r in MOD.check(_ctx("saturated")) if not r.passed]
    assert any(q.startswith("sigma'(z)") for q in bad)


def test_sign_changing_derivative_fails_positivity(monkeypatch):
    _mutate(monkeypatch, sigmoid_prime=sigmoid(x) * (1 - 2 * sigmoid(x)))
    bad = [r.quantity for r in MOD.check(_ctx("saturated")) if not r.passed]
    assert "0 < min_z sigma'(z)" in bad and any(q.startswith("sigma'(z)") for q in bad)
