"""Numeric check of ``sigmoid_derivative_bound`` on real runs: it passes, and mutated derivations fail it."""

import sympy as sp

from checkkit import default_results, fails, replace
from rnnproof.derivations.functions import sigmoid
from rnnproof.derivations.symbols import x_scalar as x
from rnnproof.numeric.checks import check_module

ID = "sigmoid_derivative_bound"
MOD = check_module(ID)


def test_four_results_on_default_runs():
    for run_name in MOD.RUNS:
        results = default_results(ID, run_name)
        assert len(results) == 4 and all(r.passed for r in results)


def test_bound_too_small_fails(monkeypatch):
    replace(monkeypatch, ID, gamma=sp.Rational(1, 5))
    bad = fails(ID, "text")
    assert {r.quantity for r in bad} == {"max_z sigma'(z) <= gamma", "sigma'(argmax = 0) = gamma"}


def test_wrong_argmax_fails(monkeypatch):
    replace(monkeypatch, ID, argmax=sp.Integer(1))
    bad = [r.quantity for r in fails(ID, "text")]
    assert bad == ["sigma'(argmax = 1) = gamma"]


def test_wrong_derivative_fails(monkeypatch):
    replace(monkeypatch, ID, sigmoid_prime=sigmoid(x) * (1 - sigmoid(x)) - sp.Rational(1, 10**12))
    bad = [r.quantity for r in fails(ID, "saturated")]
    assert any(q.startswith("sigma'(z)") for q in bad)


def test_sign_changing_derivative_fails_positivity(monkeypatch):
    replace(monkeypatch, ID, sigmoid_prime=sigmoid(x) * (1 - 2 * sigmoid(x)))
    bad = [r.quantity for r in fails(ID, "saturated")]
    assert "0 < min_z sigma'(z)" in bad and any(q.startswith("sigma'(z)") for q in bad)
