"""Numeric check of ``gradient_clipping`` on real runs: passes on its default runs; mutated derivations fail.

The mutants replace the identity's *derived* expression seen by the check (``Context.expression``
monkeypatched), never the derivation module: a wrong derivation must make the check fail.
"""

from __future__ import annotations

import functools

import pytest
import sympy as sp

from rnnproof.numeric.checks import check_module
from rnnproof.numeric.checks.base import Context
from rnnproof.numeric.runs import load_run

ID = "gradient_clipping"
MOD = check_module(ID)


@functools.lru_cache(maxsize=None)
def _run(name):
    return load_run(name)


def _results(run_name, checkpoint="final"):
    run = _run(run_name)
    return MOD.check(Context(ID, run, run.checkpoint(checkpoint), 0))


def _mutate(monkeypatch, name, fn):
    original = Context.expression

    def fake(self, which):
        e = original(self, which)
        return fn(e) if which == name else e
    monkeypatch.setattr(Context, "expression", fake)


def test_default_runs_are_at_least_two():
    assert len(set(MOD.RUNS)) >= 2


@pytest.mark.parametrize("run_name", MOD.RUNS)
def test_passes_on_default_run(run_name):
    results = _results(run_name)
    assert results, "the check produced no results"
    bad = [r for r in results if not r.passed]
    assert not bad, "; ".join(f"{r.quantity}: {r.max_abs_err:.3g} > {r.tolerance:.3g}" for r in bad)


def _fails(run_name, checkpoint="final"):
    return [r for r in _results(run_name, checkpoint) if not r.passed]


def test_scaling_without_min_fails(monkeypatch):
    _mutate(monkeypatch, "clipped", lambda e: e.replace(sp.Min, lambda *a: a[1]))
    bad = _fails("adding")
    assert any("min(||g||, tau)" in r.quantity for r in bad)


def test_max_in_place_of_min_fails(monkeypatch):
    _mutate(monkeypatch, "clipped", lambda e: e.replace(sp.Min, sp.Max))
    bad = _fails("text")
    assert any("<= tau" in r.quantity for r in bad)


def test_initial_gradient_is_the_training_gradient():
    results = _results("text", "initial")
    assert any("recorded training gradient norm" in r.quantity and r.passed for r in results)
    assert any(r.quantity.startswith("history") for r in results)
