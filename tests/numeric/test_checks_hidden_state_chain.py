"""Numeric check of ``hidden_state_chain`` on real runs: it passes, and mutated derivations fail it."""

from checkkit import check_results, context, default_results, replace
from rnnproof.derivations.catalogue import hidden_state_chain as cat
from rnnproof.derivations.matexpr import OrderedProduct
from rnnproof.derivations.symbols import i, k, t
from rnnproof.numeric.checks import check_module

ID = "hidden_state_chain"
MOD = check_module(ID)


def test_empty_and_full_products_are_checked_on_a_default_run():
    T = context(ID, MOD.RUNS[0]).T
    results = default_results(ID, MOD.RUNS[0])
    assert results and all(r.passed for r in results), [r for r in results if not r.passed][:1]
    assert any("k=0)" in r.quantity for r in results) and any(f"t={T}, k={T})" in r.quantity for r in results)


def test_product_starting_at_k_fails(monkeypatch):
    replace(monkeypatch, ID, dh_t_dh_k=cat.chain("tanh", lower=k))
    bad = [r for r in check_results(ID, "vanishing") if not r.passed]
    assert bad and all("(dh_t_dh_k," in r.quantity for r in bad)
    assert any(r.quantity.endswith("k=30)") for r in bad)  # the empty product becomes J_t
    assert bad[0].worst_index != ()


def test_earliest_factor_on_the_left_fails(monkeypatch):
    lo = k + 1
    reversed_chain = OrderedProduct(cat.tanh_factor(t + lo - i), (i, lo, t))  # J_{k+1} ... J_t
    replace(monkeypatch, ID, dh_t_dh_k_tanh=reversed_chain)
    bad = [r for r in check_results(ID, "vanishing") if not r.passed]
    assert bad and all("dh_t_dh_k_tanh" in r.quantity for r in bad)


def test_sigmoid_derivative_for_tanh_fails(monkeypatch):
    replace(monkeypatch, ID, dh_t_dh_k=cat.chain("sigmoid"))
    bad = [r for r in check_results(ID, "vanishing") if not r.passed]
    assert any("t=30, k=29)" in r.quantity for r in bad)
