"""Numeric check of ``loss_gradients`` on real runs: it passes, and mutated derivations fail it."""

import pytest

from checkkit import check_results, default_results, load, replace
from rnnproof.derivations.catalogue import loss_gradients as cat
from rnnproof.derivations.errors import InputError
from rnnproof.derivations.matexpr import TimeSum, hadamard
from rnnproof.derivations.catalogue.loss_gradients import s
from rnnproof.derivations.symbols import T, W_yh, h, i, t
from rnnproof.numeric.checks import check_module

ID = "loss_gradients"
MOD = check_module(ID)


def test_default_runs_are_squared_loss_runs():
    assert all(load(r).checkpoints[0].loss_kind == "squared" for r in MOD.RUNS)


def test_checked_against_bptt_and_fd_on_a_default_run():
    results = default_results(ID, MOD.RUNS[0])
    assert all(r.passed for r in results), [r for r in results if not r.passed][:1]
    methods = {r.method for r in results}
    assert "bptt" in methods and methods - {"bptt"}  # against engine.bptt and against FD of the loss
    assert {q.split(" ")[0] for q in (r.quantity for r in results)} >= {
        "dL/dW_hh", "dL/dW_xh", "dL/db_h", "dL/dW_yh", "dL/db_y", "g_t"}


def test_cross_entropy_run_refused():
    with pytest.raises(InputError, match="squared"):
        check_results(ID, "text", "initial")


def test_untransposed_jacobian_in_backward_recursion_fails(monkeypatch):
    g_wrong = cat._closed(t, W_yh.T * cat.delta(s), cat.jacobian(i, "tanh"), transpose=False)
    r_wrong = hadamard(cat.phi_prime(t, "tanh"), g_wrong)
    replace(monkeypatch, ID, g=g_wrong, dL_db_h=TimeSum(r_wrong, (t, 1, T)))
    results = check_results(ID, "vanishing")
    bad = {r.quantity.split(" ")[0] for r in results if not r.passed}
    assert bad == {"dL/db_h", "g_t"}
    assert all(not r.passed for r in results if r.quantity.startswith("dL/db_h"))  # vs FD and vs BPTT


def test_h_t_for_h_t_minus_1_fails(monkeypatch):
    r = hadamard(cat.phi_prime(t, "tanh"), cat.g(t, "tanh"))
    replace(monkeypatch, ID, dL_dW_hh=TimeSum(r * h(t).T, (t, 1, T)))
    results = check_results(ID, "vanishing")
    assert {r.quantity.split(" ")[0] for r in results if not r.passed} == {"dL/dW_hh"}


def test_sigmoid_derivative_for_tanh_and_wrong_sign_fail(monkeypatch):
    replace(monkeypatch, ID, dL_dW_xh=cat.gradients("sigmoid")["dL_dW_xh"],
            dL_db_y=TimeSum(-cat.delta(t), (t, 1, T)))
    results = check_results(ID, "vanishing")
    assert {r.quantity.split(" ")[0] for r in results if not r.passed} == {"dL/dW_xh", "dL/db_y"}
