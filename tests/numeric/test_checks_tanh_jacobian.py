"""Numeric check of ``tanh_jacobian`` on real runs: it passes, and mutated derivations fail it."""

from checkkit import check_results, default_results, replace
from rnnproof.derivations.catalogue import tanh_jacobian as cat
from rnnproof.derivations.matexpr import diag
from rnnproof.derivations.symbols import W_hh, t
from rnnproof.numeric.checks import check_module

ID = "tanh_jacobian"
MOD = check_module(ID)


def test_one_result_per_time_on_a_default_run():
    results = default_results(ID, "adding")
    assert len(results) == MOD.TIMES and all(r.passed for r in results)


def test_transposed_jacobian_fails(monkeypatch):
    replace(monkeypatch, ID, J=cat.IDENTITY.derived["J_transposed_wrong"])
    results = check_results(ID, "adding")
    assert all(not r.passed for r in results)
    assert all(len(r.worst_index) == 2 for r in results)  # the full fallback names the worst entry


def test_h_t_minus_1_for_h_t_fails(monkeypatch):
    replace(monkeypatch, ID, J=cat.jacobian(t - 1))
    assert all(not r.passed for r in check_results(ID, "adding") if "t=1)" not in r.quantity)


def test_sigmoid_derivative_for_tanh_fails(monkeypatch):
    replace(monkeypatch, ID, J=diag(cat.phi_prime(t, "sigmoid")) * W_hh)
    assert all(not r.passed for r in check_results(ID, "adding"))
