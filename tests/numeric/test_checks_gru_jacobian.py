"""Numeric check of ``gru_jacobian`` on the gated runs: it passes, and mutated derived expressions fail it."""

import pytest

from checkkit import fails, mutate, shift
from rnnproof.numeric import gated_runs
from rnnproof.numeric.checks import default_runs

ID = "gru_jacobian"


def test_default_runs_are_gated_runs():
    assert all(gated_runs.is_gated(r) for r in default_runs(ID))


def test_wrong_time_index_fails(monkeypatch):
    mutate(monkeypatch, ID, "J", shift("t", -1))
    assert fails(ID, "adding_gru")


@pytest.mark.parametrize("name", ["J"])
def test_transposed_jacobian_fails(monkeypatch, name):
    mutate(monkeypatch, ID, name, lambda e: e.T)
    bad = fails(ID, "adding_gru")
    assert bad and bad[0].worst_index != ()
