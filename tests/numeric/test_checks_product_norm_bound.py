"""Numeric check of ``product_norm_bound`` on real runs: passes on its default runs; mutated derivations fail.

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

ID = "product_norm_bound"
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


def test_product_starting_at_k_fails(monkeypatch):
    from rnnproof.derivations.matexpr import OrderedProduct, SpectralNorm
    from rnnproof.derivations.symbols import k

    def shift(e):
        p = e.args[0]
        return SpectralNorm(OrderedProduct(p.term, (p.var, k, p.upper)))
    _mutate(monkeypatch, "lhs", shift)
    bad = _fails("text")
    assert any("prod J_i" in r.quantity for r in bad)


def test_transposed_factors_fail(monkeypatch):
    from rnnproof.derivations.matexpr import OrderedProduct, SpectralNorm

    def transpose(e):
        p = e.args[0]
        return SpectralNorm(OrderedProduct(sp.Transpose(p.term), (p.var, p.lower, p.upper)))
    _mutate(monkeypatch, "lhs", transpose)
    assert any("prod J_i" in r.quantity for r in _fails("exploding"))


def test_bound_with_one_power_too_few_fails(monkeypatch):
    from rnnproof.derivations.symbols import k, t
    _mutate(monkeypatch, "bound", lambda e: e.base ** (t - k - 1))
    assert any(r.method == "bound" for r in _fails("exploding"))
