"""Numeric check of ``stacked_rnn_jacobian`` on the stacked runs: it passes, and mutated derived expressions fail it."""

import pytest

from checkkit import default_results, fails, mutate, shift
from rnnproof.derivations.mutations import mutate as catalogue_mutate
from rnnproof.numeric import stacked_runs
from rnnproof.numeric.checks import default_runs

ID = "stacked_rnn_jacobian"


def test_default_runs_are_two_real_stacked_runs():
    runs = default_runs(ID)
    assert len(runs) >= 2 and all(stacked_runs.is_stacked_run(r) for r in runs)
    assert {stacked_runs.CONFIGS[r]["kind"] for r in runs} == {"adding", "text"}


@pytest.mark.parametrize("run", ["adding_stacked", "text_stacked"])
@pytest.mark.parametrize("checkpoint", ["initial", "final"])
def test_passes_on_the_runs(run, checkpoint):
    res = default_results(ID, run, checkpoint)
    assert res and all(r.passed for r in res), [r.message() if hasattr(r, "message") else r for r in res if not r.passed]
    bounds = [r for r in res if r.method == "bound"]
    assert bounds and all(r.slack >= 1 - 1e-9 for r in bounds)
    # a tolerance that could swallow the quantity would be a bug: every Jacobian comparison is tight
    assert all(r.tolerance < 1e-8 for r in res if r.method != "bound")


@pytest.mark.parametrize("name", ["A2", "B2", "path_sum"])
def test_transposed_jacobian_fails(monkeypatch, name):
    mutate(monkeypatch, ID, name, lambda e: e.T)
    assert fails(ID, "adding_stacked")


@pytest.mark.parametrize("name", ["A2", "B2", "path_sum"])
def test_shifted_time_fails(monkeypatch, name):
    mutate(monkeypatch, ID, name, shift("t", -1))
    assert fails(ID, "text_stacked")


@pytest.mark.parametrize("name, mutation", [("A2", "swap the activation derivative"), ("B2", "swap the activation derivative"),
                                            ("path_sum", "swap the activation derivative"), ("A2", "drop a term"),
                                            ("path_sum", "drop a term")])
def test_catalogue_mutants_fail(monkeypatch, name, mutation):
    mutate(monkeypatch, ID, name, lambda e: catalogue_mutate(e, mutation))
    assert fails(ID, "adding_stacked")


def test_a_path_sum_missing_the_last_climb_fails(monkeypatch):
    # the path that climbs at s = t dropped: sum to t - 1
    mutate(monkeypatch, ID, "path_sum", lambda e: e.func(e.term, (e.var, e.lower, e.upper - 1)))
    assert fails(ID, "adding_stacked")


def test_a_halved_norm_bound_fails(monkeypatch):
    mutate(monkeypatch, ID, "norm_terms", lambda e: e / 2)
    assert any(r.method == "bound" for r in fails(ID, "text_stacked"))
