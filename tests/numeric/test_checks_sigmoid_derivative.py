"""Numeric check of ``sigmoid_derivative`` on real runs: it passes, and mutated derivations fail it."""

import sympy as sp

from checkkit import check_results, replace
from rnnproof.derivations.functions import sigmoid
from rnnproof.derivations.symbols import x_scalar as x

ID = "sigmoid_derivative"


def test_wrong_derivative_fails(monkeypatch):
    s = sigmoid(x)
    for wrong in (s * (1 + s), s * (1 - s) ** 2, 1 - sp.tanh(x) ** 2, s * (1 - s) * (1 + sp.Rational(1, 10**9))):
        replace(monkeypatch, ID, sigmoid_prime=wrong)
        (r,) = check_results(ID, "text")
        assert not r.passed, wrong


def test_wrong_function_fails(monkeypatch):
    replace(monkeypatch, ID, sigmoid=sp.tanh(x))
    assert not any(r.passed for r in check_results(ID, "text"))
