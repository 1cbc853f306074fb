"""Numeric check of ``sigmoid_derivative`` on real runs: it passes, and mutated derivations fail it."""

import sympy as sp

from rnnproof.derivations.functions import sigmoid
from rnnproof.derivations.symbols import x_scalar as x
from rnnproof.numeric.checks import check_module
from rnnproof.numeric.checks.base import Context
from rnnproof.numeric.runs import load_run

ID = "sigmoid_derivative"
MOD = check_module(ID)


def _ctx(run_name):
    run = load_run(run_name)
    return Context(ID, run, run.checkpoint("final"), 0)


def _mutate(monkeypatch, name, expr):
    orig = Context.expression
    monkeypatch.setattr(Context, "expression",
                        lambda self, n_: expr if self.identity == ID and n_ == name else orig(self, n_))


def test_default_runs_are_two_distinct_runs():
    assert len(set(MOD.RUNS)) >= 2


def test_passes_on_default_runs():
    for run_name in MOD.RUNS:
        results = MOD.check(_ctx(run_name))
        assert results and all(r.passed for r in results)


def test_wrong_derivative_fails(monkeypatch):
    s = sigmoid(x)
    for wrong in (s * (1 + s), s * (1 - s) ** 2, 1 - sp.tanh(x) ** 2, s * (1 - s) * (1 + sp.Rational(1, 10**9))):
        _mutate(monkeypatch, "sigmoid_prime", wrong)
        (r,) = MOD.check(_ctx("text"))
        assert not r.passed, wrong


def test_wrong_function_fails(monkeypatch):
    _mutate(monkeypatch, "sigmoid", sp.tanh(x))
    assert not any(r.passed for r in MOD.check(_ctx("text")))
