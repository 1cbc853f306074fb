"""Numeric check of ``deep_linear_gradient`` on real runs: passes on its default runs; mutated derivations fail.

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

ID = "deep_linear_gradient"
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


def test_product_limit_off_by_one_fails(monkeypatch):
    from rnnproof.derivations.catalogue import deep_linear_gradient as dl
    from rnnproof.derivations.matexpr import OrderedProduct
    from rnnproof.derivations.symbols import i
    wrong = ((dl.last_layer() * OrderedProduct(dl.layer(i), (i, dl.l + 1, dl.L - 1))).T
             * (dl.y_hat - dl.y_target) * (OrderedProduct(dl.layer(i), (i, 1, dl.l)) * dl.x_in).T)
    _mutate(monkeypatch, "dL_dW_l", lambda e: wrong)
    assert _fails("adding")


def test_output_layer_input_side_off_by_one_fails(monkeypatch):
    # (y_hat - y) (W_{L-2} ... W_1 x)^T: one hidden layer short on the input side
    from rnnproof.derivations.catalogue import deep_linear_gradient as dl
    from rnnproof.derivations.matexpr import OrderedProduct
    from rnnproof.derivations.symbols import i
    wrong = (dl.y_hat - dl.y_target) * (OrderedProduct(dl.layer(i), (i, 1, dl.L - 2)) * dl.x_in).T
    _mutate(monkeypatch, "dL_dW_L", lambda e: wrong)
    assert _fails("text")
