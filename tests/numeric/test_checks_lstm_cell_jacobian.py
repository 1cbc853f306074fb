"""Numeric check of ``lstm_cell_jacobian`` on the gated runs: it passes, and mutated derived expressions fail it."""

import pytest

from checkkit import fails, mutate, shift
from rnnproof.derivations import registry
from rnnproof.numeric import gated_runs
from rnnproof.numeric.checks import default_runs

ID = "lstm_cell_jacobian"


def test_default_runs_are_gated_runs():
    assert all(gated_runs.is_gated(r) for r in default_runs(ID))


def test_forget_gate_for_output_path_fails(monkeypatch):
    ll = registry.get(ID).expression("dltm_dltm_prev", "tanh")
    mutate(monkeypatch, ID, "dwm_dltm", lambda e: ll)
    bad = fails(ID, "adding_lstm")
    assert bad and all("dwm_t/dltm_t" in r.quantity for r in bad)


@pytest.mark.parametrize("name", ["state_jacobian"])
def test_transposed_jacobian_fails(monkeypatch, name):
    mutate(monkeypatch, ID, name, lambda e: e.T)
    bad = fails(ID, "adding_lstm")
    assert bad and bad[0].worst_index != ()


def test_wrong_time_index_fails(monkeypatch):
    mutate(monkeypatch, ID, "state_jacobian", shift("t", -1))
    assert fails(ID, "adding_lstm")
