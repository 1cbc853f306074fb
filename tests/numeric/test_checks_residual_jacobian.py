"""Numeric check of ``residual_jacobian`` on the residual runs: it passes, and mutants of the derivation fail it."""

import pytest
import sympy as sp

from checkkit import default_results, fails, mutate, shift
from rnnproof.derivations.mutations import mutate as mutant
from rnnproof.numeric import remedies_runs
from rnnproof.numeric.checks import default_runs

ID = "residual_jacobian"


def test_default_runs_are_residual_runs_on_both_tasks():
    runs = default_runs(ID)
    assert all(remedies_runs.is_remedy(r) for r in runs) and {"adding_residual", "text_residual"} <= set(runs)


@pytest.mark.parametrize("run", ["adding_residual", "text_residual"])
def test_passes_with_floor_and_ceiling(run):
    res = default_results(ID, run)
    assert res and all(r.passed for r in res), [r for r in res if not r.passed]
    floors = [r for r in res if r.quantity.startswith("floor")]
    assert len(floors) == 4 and all(r.slack >= 1 for r in floors)


def test_the_floor_is_not_vacuous_on_the_adding_run():
    # lambda_1 < 1 there: the derived floor is positive and within a factor 3 of sigma_min at lag 1
    lag1 = [r for r in default_results(ID, "adding_residual") if r.quantity.startswith("floor") and "k=39" in r.quantity]
    assert lag1 and 0 < lag1[0].reference and lag1[0].slack < 3


@pytest.mark.parametrize("name, how", [("J", "transpose")] + [
    (name, how) for name in ("J", "chain") for how in ("drop a term", "swap the activation derivative")])
def test_mutants_of_the_derived_jacobian_fail(monkeypatch, name, how):
    mutate(monkeypatch, ID, name, lambda e: mutant(e, how))
    assert fails(ID, "adding_residual")


@pytest.mark.parametrize("name, symbol", [("J", "t"), ("chain", "k"), ("chain", "s")])
def test_wrong_time_index_fails(monkeypatch, name, symbol):
    mutate(monkeypatch, ID, name, shift(symbol, -1))
    assert fails(ID, "adding_residual")


def test_transposed_factors_fail(monkeypatch):
    mutate(monkeypatch, ID, "chain", lambda e: e.func(e.term.T, e.args[1]))
    assert fails(ID, "adding_residual")


@pytest.mark.parametrize("name, wrong", [
    ("floor", lambda e: e.base.args[1] ** 0),                 # floor 1: no shrinking at all
    ("ceiling", lambda e: sp.Integer(1)),                     # ceiling 1: no growth
    ("floor", shift("k", 3)),                                 # exponent three too small: the floor overshoots
])
def test_wrong_bounds_fail(monkeypatch, name, wrong):
    mutate(monkeypatch, ID, name, wrong)
    bad = fails(ID, "adding_residual")
    assert bad and all(r.method == "bound" for r in bad)


@pytest.mark.parametrize("run", ["adding", "adding_highway", "adding_gru"])
def test_another_cells_run_is_refused_with_a_clear_error(run):
    from rnnproof.derivations.errors import InputError
    from rnnproof.numeric.checks import check_module

    from checkkit import context
    with pytest.raises(InputError, match=f"run '{run}' is not a residual RNN run.*adding_residual, text_residual"):
        check_module(ID).check(context(ID, run))
