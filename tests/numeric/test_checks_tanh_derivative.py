"""Numeric check of ``tanh_derivative`` on real runs: it passes, and mutated derivations fail it."""

import sympy as sp

from rnnproof.derivations.functions import sigmoid
from rnnproof.derivations.symbols import x_scalar as x
from rnnproof.numeric.checks import check_module
from rnnproof.numeric.checks.base import Context
from rnnproof.numeric.runs import load_run

ID = "tanh_derivative"
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


def test_passes_on_default_runs_with_slack():
    for run_name in MOD.RUNS:
        results = MOD.check(_ctx(run_name))
        assert results and all(r.passed for r in results)
        (bound,) = [r for r in results if r.method == "bound"]
        assert bound.slack >= 1


def test_sigmoid_derivative_for_tanh_fails(monkeypatch):
    _mutate(monkeypatch, tanh_prime=sigmoid(x) * (1 - sigmoid(x)))
    bad = [r.quantity for r in MOD.check(_ctx("text")) if not r.passed]
    assert bad and bad[0].startswith("tanh_prime(z)")


def test_wrong_scaling_in_sigmoid_link_fails(monkeypatch):
    _mutate(monkeypatch, tanh_prime_via_sigmoid=2 * sigmoid(2 * x) * (1 - sigmoid(2 * x)),
            tanh_via_sigmoid=2 * sigmoid(x) - 1)
    bad = {r.quantity.split("(")[0] for r in MOD.check(_ctx("text")) if not r.passed}
    assert bad == {"tanh_prime_via_sigmoid", "tanh_via_sigmoid"}


def test_wrong_bound_fails(monkeypatch):
    _mutate(monkeypatch, gamma=sp.Rational(1, 4))
    bad = [r for r in MOD.check(_ctx("text")) if not r.passed]
    assert len(bad) == 1 and bad[0].method == "bound" and bad[0].slack < 1
