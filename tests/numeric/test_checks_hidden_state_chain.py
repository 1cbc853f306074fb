"""Numeric check of ``hidden_state_chain`` on real runs: it passes, and mutated derivations fail it."""

import sympy as sp

from rnnproof.derivations.catalogue import hidden_state_chain as cat
from rnnproof.derivations.matexpr import OrderedProduct
from rnnproof.derivations.symbols import i, k, t
from rnnproof.numeric.checks import check_module
from rnnproof.numeric.checks.base import Context
from rnnproof.numeric.runs import load_run

ID = "hidden_state_chain"
MOD = check_module(ID)


def _ctx(run_name="vanishing"):
    run = load_run(run_name)
    return Context(ID, run, run.checkpoint("final"), 0)


def _mutate(monkeypatch, **replace):
    orig = Context.expression

    def fake(self, name):
        return replace[name] if self.identity == ID and name in replace else orig(self, name)
    monkeypatch.setattr(Context, "expression", fake)


def test_default_runs_are_two_distinct_runs():
    assert len(set(MOD.RUNS)) >= 2


def test_passes_on_a_default_run():
    ctx = _ctx(MOD.RUNS[0])
    results = MOD.check(ctx)
    assert results and all(r.passed for r in results), [r for r in results if not r.passed][:1]
    assert any("k=0)" in r.quantity for r in results) and any(f"t={ctx.T}, k={ctx.T})" in r.quantity for r in results)


def test_product_starting_at_k_fails(monkeypatch):
    _mutate(monkeypatch, dh_t_dh_k=cat.chain("tanh", lower=k))
    bad = [r for r in MOD.check(_ctx()) if not r.passed]
    assert bad and all("(dh_t_dh_k," in r.quantity for r in bad)
    assert any(r.quantity.endswith("k=30)") for r in bad)  # the empty product becomes J_t
    assert bad[0].worst_index != ()


def test_earliest_factor_on_the_left_fails(monkeypatch):
    lo = k + 1
    reversed_chain = OrderedProduct(cat.tanh_factor(t + lo - i), (i, lo, t))  # J_{k+1} ... J_t
    _mutate(monkeypatch, dh_t_dh_k_tanh=reversed_chain)
    bad = [r for r in MOD.check(_ctx()) if not r.passed]
    assert bad and all("dh_t_dh_k_tanh" in r.quantity for r in bad)


def test_sigmoid_derivative_for_tanh_fails(monkeypatch):
    _mutate(monkeypatch, dh_t_dh_k=cat.chain("sigmoid"))
    bad = [r for r in MOD.check(_ctx()) if not r.passed]
    assert any("t=30, k=29)" in r.quantity for r in bad)
