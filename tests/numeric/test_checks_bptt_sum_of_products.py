"""Numeric check of ``bptt_sum_of_products`` on real runs: it passes, and mutated derivations fail it."""

from checkkit import check_results, context, default_results, replace
from rnnproof.derivations.catalogue import bptt_sum_of_products as cat
from rnnproof.numeric.checks import check_module

ID = "bptt_sum_of_products"
MOD = check_module(ID)


def test_full_length_is_checked_on_a_default_run():
    results = default_results(ID, MOD.RUNS[1])
    assert all(r.passed for r in results), [r for r in results if not r.passed][:1]
    assert any(f"t={context(ID, MOD.RUNS[1]).T})" in r.quantity for r in results)  # the full length is checked too


def test_product_starting_at_k_fails(monkeypatch):
    replace(monkeypatch, ID, total_W_hh=cat.total("W_hh", "tanh", start=0))
    results = check_results(ID, "vanishing")
    bad = [r for r in results if not r.passed]
    assert bad and all("W_hh" in r.quantity for r in bad)
    assert bad[0].worst_index != ()  # the full fallback names the worst entry


def test_h_t_for_h_t_minus_1_fails(monkeypatch):
    replace(monkeypatch, ID, total_W_hh=cat.total("W_hh", "tanh", lag=0))
    results = check_results(ID, "vanishing")
    assert any(not r.passed for r in results)


def test_sigmoid_derivative_for_tanh_fails(monkeypatch):
    replace(monkeypatch, ID, total_b_h=cat.total("b_h", "sigmoid"))
    results = check_results(ID, "vanishing")
    bad = [r for r in results if not r.passed]
    assert bad and all("b_h" in r.quantity for r in bad)
