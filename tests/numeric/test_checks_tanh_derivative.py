"""Numeric check of ``tanh_derivative`` on real runs: it passes, and mutated derivations fail it."""

import sympy as sp

from checkkit import default_results, fails, replace
from rnnproof.derivations.functions import sigmoid
from rnnproof.derivations.symbols import x_scalar as x
from rnnproof.numeric.checks import check_module

ID = "tanh_derivative"
MOD = check_module(ID)


def test_bound_has_slack_on_default_runs():
    for run_name in MOD.RUNS:
        results = default_results(ID, run_name)
        assert results and all(r.passed for r in results)
        (bound,) = [r for r in results if r.method == "bound"]
        assert bound.slack >= 1


def test_sigmoid_derivative_for_tanh_fails(monkeypatch):
    replace(monkeypatch, ID, tanh_prime=sigmoid(x) * (1 - sigmoid(x)))
    bad = [r.quantity for r in fails(ID, "text")]
    assert bad and bad[0].startswith("tanh_prime(z)")


def test_wrong_scaling_in_sigmoid_link_fails(monkeypatch):
    replace(monkeypatch, ID, tanh_prime_via_sigmoid=2 * sigmoid(2 * x) * (1 - sigmoid(2 * x)),
            tanh_via_sigmoid=2 * sigmoid(x) - 1)
    bad = {r.quantity.split("(")[0] for r in fails(ID, "text")}
    assert bad == {"tanh_prime_via_sigmoid", "tanh_via_sigmoid"}


def test_wrong_bound_fails(monkeypatch):
    replace(monkeypatch, ID, gamma=sp.Rational(1, 4))
    bad = fails(ID, "text")
    assert len(bad) == 1 and bad[0].method == "bound" and bad[0].slack < 1
