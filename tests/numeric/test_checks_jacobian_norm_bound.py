"""Numeric check of ``jacobian_norm_bound`` on real runs: passes on its default runs; mutated derivations fail.

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

ID = "jacobian_norm_bound"
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


def test_transposed_jacobian_fails(monkeypatch):
    from rnnproof.derivations.matexpr import SpectralNorm
    _mutate(monkeypatch, "lhs", lambda e: SpectralNorm(sp.Transpose(e.args[0])))
    bad = _fails("text")
    assert any("J_t in lhs" in r.quantity for r in bad)


def test_sigmoid_gamma_on_tanh_run_fails(monkeypatch):
    from rnnproof.derivations.matexpr import SpectralNorm
    from rnnproof.derivations.symbols import W_hh
    _mutate(monkeypatch, "bound", lambda e: sp.Rational(1, 4) * SpectralNorm(W_hh))
    bad = _fails("text")
    assert any("gamma lambda_1" in r.quantity and r.method == "bound" for r in bad)


def test_too_small_middle_fails(monkeypatch):
    _mutate(monkeypatch, "middle", lambda e: e / 2)
    assert any(r.method == "bound" for r in _fails("adding"))
