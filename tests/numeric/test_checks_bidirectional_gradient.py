"""Numeric check of ``bidirectional_gradient`` on the bidirectional runs: it passes, and mutants fail it."""

import pytest

from checkkit import default_results, fails, mutate, shift
from rnnproof.derivations.mutations import mutate as catalogue_mutate
from rnnproof.numeric import stacked_runs
from rnnproof.numeric.checks import default_runs

ID = "bidirectional_gradient"


def test_default_runs_are_two_real_bidirectional_runs():
    runs = default_runs(ID)
    assert len(runs) >= 2 and all(stacked_runs.is_stacked_run(r) for r in runs)
    assert {stacked_runs.CONFIGS[r]["kind"] for r in runs} == {"adding", "text"}


@pytest.mark.parametrize("run", ["adding_bidir", "text_bidir"])
@pytest.mark.parametrize("checkpoint", ["initial", "final"])
def test_passes_on_the_runs(run, checkpoint):
    res = default_results(ID, run, checkpoint)
    assert res and all(r.passed for r in res), [r for r in res if not r.passed]
    assert all(r.slack >= 1 - 1e-9 for r in res if r.method == "bound")
    assert all(r.tolerance < 1e-8 for r in res if r.method != "bound")


@pytest.mark.parametrize("name", ["forward_part", "backward_part", "A_back"])
def test_shifted_time_fails(monkeypatch, name):
    mutate(monkeypatch, ID, name, shift("t", -1) if name == "A_back" else shift("k", -1))
    assert fails(ID, "adding_bidir")


def test_transposed_one_step_backward_jacobian_fails(monkeypatch):
    mutate(monkeypatch, ID, "A_back", lambda e: e.T)
    assert fails(ID, "text_bidir")


@pytest.mark.parametrize("name", ["forward_part", "backward_part"])
@pytest.mark.parametrize("mutation", ["swap the activation derivative", "drop a term", "scale by 2"])
def test_catalogue_mutants_fail(monkeypatch, name, mutation):
    mutate(monkeypatch, ID, name, lambda e: catalogue_mutate(e, mutation))
    assert fails(ID, "adding_bidir")


def test_parts_swapped_between_directions_fail(monkeypatch):
    from rnnproof.derivations import registry
    ident = registry.get(ID)
    fwd, bwd = ident.expression("forward_part"), ident.expression("backward_part")
    mutate(monkeypatch, ID, "forward_part", lambda e: bwd)
    mutate(monkeypatch, ID, "backward_part", lambda e: fwd)
    bad = fails(ID, "adding_bidir")
    assert any("forward_part" in r.quantity for r in bad) and any("backward_part" in r.quantity for r in bad)


def test_a_halved_direction_bound_fails(monkeypatch):
    mutate(monkeypatch, ID, "backward_bound", lambda e: e / 2)
    assert any(r.method == "bound" for r in fails(ID, "text_bidir"))


def test_a_derived_part_asking_for_times_outside_the_run_is_a_failed_result(monkeypatch):
    # k -> k + 1 needs delta_{T+1} at k = T: the check reports a failure naming why, it does not crash
    mutate(monkeypatch, ID, "backward_part", shift("k", 1))
    bad = fails(ID, "adding_bidir")
    assert any("not evaluable" in r.note for r in bad)
