"""Numeric check of ``spectral_radius_is_not_enough`` on real runs: passes on its default runs; mutated derivations fail.

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

ID = "spectral_radius_is_not_enough"
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


def test_single_factor_fails(monkeypatch):
    from rnnproof.derivations.matexpr import OrderedProduct, SpectralNorm

    def one(e):
        p = e.args[0]
        return SpectralNorm(OrderedProduct(p.term, (p.var, p.upper, p.upper)))
    _mutate(monkeypatch, "lhs", one)
    assert any("dh_t/dh_(t-2)" in r.quantity for r in _fails("spectral_witness", "initial"))


def test_singular_value_in_place_of_radius_is_no_witness(monkeypatch):
    from rnnproof.derivations.matexpr import SpectralNorm
    from rnnproof.derivations.catalogue.spectral_radius_is_not_enough import SpectralRadius
    _mutate(monkeypatch, "radius_bound", lambda e: e.replace(SpectralRadius, SpectralNorm))
    bad = _fails("spectral_witness")
    assert any("radius" in r.quantity for r in bad)


def test_exact_witness_matrix_is_evaluated():
    results = _results("spectral_witness", "initial")
    w = [r for r in results if r.quantity.startswith("witness W")]
    assert len(w) == 2 and all(r.passed for r in w)
