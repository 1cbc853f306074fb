"""Numeric check of ``bptt_recursion`` on real runs: it passes, and mutated derivations fail it."""

import sympy as sp

from checkkit import check_results, default_results, replace
from rnnproof.derivations.catalogue import bptt_recursion as cat
from rnnproof.derivations.matexpr import diag
from rnnproof.derivations.symbols import W_hh, n, t, x
from rnnproof.numeric.checks import check_module

ID = "bptt_recursion"
MOD = check_module(ID)


def test_result_count_and_tolerances_on_a_default_run():
    results = default_results(ID, MOD.RUNS[1])
    assert len(results) == 2 * len(MOD.PARAMS) * MOD.TIMES
    assert all(r.passed for r in results), [r for r in results if not r.passed][:1]
    assert all(r.tolerance > 0 and r.max_abs_err <= r.tolerance for r in results)


def test_h_t_for_h_t_minus_1_in_immediate_partial_fails(monkeypatch):
    replace(monkeypatch, ID, immediate_W_hh=cat.immediate("W_hh", t, "tanh", lag=0))
    results = check_results(ID, "vanishing")
    bad = [r for r in results if not r.passed]
    assert bad and all("W_hh" in r.quantity for r in bad)
    assert any("immediate" in r.quantity for r in bad) and any("recursion" in r.quantity for r in bad)
    assert bad[0].worst_index != ()  # the full fallback names the worst entry


def test_transposed_jacobian_fails(monkeypatch):
    replace(monkeypatch, ID, J=diag(cat.phi_prime(t, "tanh")) * W_hh.T)
    results = check_results(ID, "vanishing")
    bad = [r for r in results if not r.passed]
    assert bad and all("recursion" in r.quantity for r in bad)  # immediate partials are still right


def test_sigmoid_derivative_for_tanh_fails(monkeypatch):
    replace(monkeypatch, ID, J=cat.jacobian(t, "sigmoid"), immediate_b_h=cat.immediate("b_h", t, "sigmoid"))
    results = check_results(ID, "vanishing")
    assert any(not r.passed and "immediate" in r.quantity and "b_h" in r.quantity for r in results)
    assert any(not r.passed and "recursion" in r.quantity and "W_xh" in r.quantity for r in results)


def test_x_t_minus_1_in_input_partial_fails(monkeypatch):
    wrong = diag(cat.phi_prime(t, "tanh")) * sp.KroneckerProduct(sp.Identity(n), sp.Transpose(x(t - 1)))
    replace(monkeypatch, ID, immediate_W_xh=wrong)
    results = check_results(ID, "vanishing")
    bad = [r for r in results if not r.passed]
    assert bad and all("W_xh" in r.quantity for r in bad)
