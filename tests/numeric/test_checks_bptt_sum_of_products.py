"""Numeric check of ``bptt_sum_of_products`` on real runs: it passes, and mutated derivations fail it."""

import pytest

from rnnproof.derivations.catalogue import bptt_sum_of_products as cat
from rnnproof.numeric.checks import check_module
from rnnproof.numeric.checks.base import Context
from rnnproof.numeric.runs import load_run

ID = "bptt_sum_of_products"
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
    ctx = _ctx(MOD.RUNS[1])
    results = MOD.check(ctx)
    assert all(r.passed for r in results), [r for r in results if not r.passed][:1]
    assert any(f"t={ctx.T})" in r.quantity for r in results)  # the full length is checked too


def test_product_starting_at_k_fails(monkeypatch):
    _mutate(monkeypatch, total_W_hh=cat.total("W_hh", "tanh", start=0))
    results = MOD.check(_ctx("vanishing"))
    bad = [r for r in results if not r.passed]
    assert bad and all("W_hh" in r.quantity for r in bad)
    assert bad[0].worst_index != ()  # the full fallback names the worst entry


def test_h_t_for_h_t_minus_1_fails(monkeypatch):
    _mutate(monkeypatch, total_W_hh=cat.total("W_hh", "tanh", lag=0))
    results = MOD.check(_ctx("vanishing"))
    assert any(not r.passed for r in results)


def test_sigmoid_derivative_for_tanh_fails(monkeypatch):
    _mutate(monkeypatch, total_b_h=cat.total("b_h", "sigmoid"))
    results = MOD.check(_ctx("vanishing"))
    bad = [r for r in results if not r.passed]
    assert bad and all("b_h" in r.quantity for r in bad)
