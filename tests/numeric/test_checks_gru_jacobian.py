"""Numeric check of ``gru_jacobian`` on the gated runs: it passes, and mutated derived expressions fail it."""

import pytest
import sympy as sp

from rnnproof.derivations import registry
from rnnproof.numeric import gated_runs
from rnnproof.numeric.checks.gated_base import GatedContext

ID = "gru_jacobian"
pytestmark = pytest.mark.skipif(ID not in registry.IDS, reason=f"catalogue module {ID} not merged yet")


def _mod():
    from rnnproof.numeric.checks import gru_jacobian as mod
    return mod


def _ctx(run_name, checkpoint="final"):
    run = gated_runs.load_run(run_name)
    return GatedContext(ID, run, run.checkpoint(checkpoint), 0)


def _mutate(monkeypatch, fn):
    orig = GatedContext.expression

    def fake(self, name):
        e = orig(self, name)
        return fn(name, e) if self.identity == ID else e
    monkeypatch.setattr(GatedContext, "expression", fake)


def test_default_runs_are_two_distinct_gated_runs():
    assert len(set(_mod().RUNS)) >= 2 and all(gated_runs.is_gated(r) for r in _mod().RUNS)


@pytest.mark.parametrize("run_name", ["adding_gru"])
@pytest.mark.parametrize("checkpoint", ["initial", "final"])
def test_passes_on_a_default_run(run_name, checkpoint):
    results = _mod().check(_ctx(run_name, checkpoint))
    assert results and all(r.passed for r in results), [r for r in results if not r.passed][:1]


@pytest.mark.parametrize("name", ["J"])
def test_transposed_jacobian_fails(monkeypatch, name):
    _mutate(monkeypatch, lambda nm, e: e.T if nm == name else e)
    bad = [r for r in _mod().check(_ctx("adding_gru")) if not r.passed]
    assert bad and bad[0].worst_index != ()


def test_wrong_time_index_fails(monkeypatch):
    _mutate(monkeypatch, lambda nm, e: e.xreplace({s: s - 1 for s in e.free_symbols if s.name == "t"})
            if nm == "J" else e)
    bad = [r for r in _mod().check(_ctx("adding_gru")) if not r.passed]
    assert bad
