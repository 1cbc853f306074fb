"""Numeric check of ``truncated_bptt`` on Elman runs: it passes, and mutated derivations fail it."""

import pytest
import sympy as sp

from rnnproof.derivations import registry
from rnnproof.numeric.checks.base import Context
from rnnproof.numeric.runs import load_run

ID = "truncated_bptt"
pytestmark = pytest.mark.skipif(ID not in registry.IDS, reason=f"catalogue module {ID} not merged yet")


def _mod():
    from rnnproof.numeric.checks import truncated_bptt as mod
    return mod


def _ctx(run_name):
    run = load_run(run_name)
    return Context(ID, run, run.checkpoint("final"), 0)


def test_default_runs_are_two_elman_runs():
    assert set(_mod().RUNS) == {"adding", "vanishing"}


@pytest.mark.parametrize("run_name", ["adding", "vanishing"])
def test_passes_and_bound_holds(run_name):
    results = _mod().check(_ctx(run_name))
    assert all(r.passed for r in results), [r for r in results if not r.passed][:1]
    assert any(r.method == "bound" for r in results)


def test_window_off_by_one_fails(monkeypatch):
    orig = Context.expression

    def fake(self, name):
        e = orig(self, name)
        if self.identity == ID and name == "truncated":
            return e.xreplace({s: s + 1 for s in e.free_symbols if s.name == "tau"})
        return e
    monkeypatch.setattr(Context, "expression", fake)
    assert any(not r.passed for r in _mod().check(_ctx("vanishing")) if "truncated dh_t" in r.quantity)
