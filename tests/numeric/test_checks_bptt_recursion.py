"""Numeric check of ``bptt_recursion`` on real runs: it passes, and mutated derivations fail it."""

import pytest
import sympy as sp

from rnnproof.derivations.catalogue import bptt_recursion as cat
from rnnproof.derivations.matexpr import diag
from rnnproof.derivations.symbols import W_hh, n, t, x
from rnnproof.numeric.checks import check_module
from rnnproof.numeric.checks.base import Context
from rnnproof.numeric.runs import load_run

ID = "bptt_recursion"
MOD = check_module(ID)


def _ctx(run_name):
    run = load_run(run_name)
    return Context(ID, run, run.checkpoint("final"), 0)


def _mutate(monkeypatch, **replace):
    orig = Context.expression

    def fake(self, name):
        return replace[name] if self.identity == ID and name in replace else orig(self, name)
    monkeypatch.setattr(Context, "expression", fake)


def test_default_runs_are_two_distinct_builtin_runs():
    assert len(set(MOD.RUNS)) >= 2


def test_passes_on_a_default_run():
    results = MOD.check(_ctx(MOD.RUNS[1]))
    assert len(results) == 2 * len(MOD.PARAMS) * MOD.TIMES
    assert all(r.passed for r in results), [r for r in results if not r.passed][:1]
    assert all(r.tolerance > 0 and r.max_abs_err <= r.tolerance for r in results)


def test_h_t_for_h_t_minus_1_in_immediate_partial_fails(monkeypatch):
    _mutate(monkeypatch, immediate_W_hh=cat.immediate("W_hh", t, "tanh", lag=0))
    results = MOD.check(_ctx("vanishing"))
    bad = [r for r in results if not r.passed]
    assert bad and all("W_hh" in r.quantity for r in bad)
    assert any("immediate" in r.quantity for r in bad) and any("recursion" in r.quantity for r in bad)
    assert bad[0].worst_index != ()  # the full fallback names the worst entry


def test_transposed_jacobian_fails(monkeypatch):
    _mutate(monkeypatch, J=diag(cat.phi_prime(t, "tanh")) * W_hh.T)
    results = MOD.check(_ctx("vanishing"))
    bad = [r for r in results if not r.passed]
    assert bad and all("recursion" in r.quantity for r in bad)  # immediate partials are still right


def test_sigmoid_derivative_for_tanh_fails(monkeypatch):
    _mutate(monkeypatch, J=cat.jacobian(t, "sigmoid"), immediate_b_h=cat.immediate("b_h", t, "sigmoid"))
    results = MOD.check(_ctx("vanishing"))
    assert any(not r.passed and "immediate" in r.quantity and "b_h" in r.quantity for r in results)
    assert any(not r.passed and "recursion" in r.quantity and "W_xh" in r.quantity for r in results)


def test_x_t_minus_1_in_input_partial_fails(monkeypatch):
    wrong = diag(cat.phi_prime(t, "tanh")) * sp.KroneckerProduct(sp.Identity(n), sp.Transpose(x(t - 1)))
    _mutate(monkeypatch, immediate_W_xh=wrong)
    results = MOD.check(_ctx("vanishing"))
    bad = [r for r in results if not r.passed]
    assert bad and all("W_xh" in r.quantity for r in bad)
