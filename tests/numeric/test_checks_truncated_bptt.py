"""Numeric check of ``truncated_bptt`` on Elman runs: it passes, and mutated derivations fail it."""

import pytest

from checkkit import check_results, default_results, mutate, shift
from rnnproof.numeric.checks import default_runs

ID = "truncated_bptt"


def test_default_runs_are_two_elman_runs():
    assert set(default_runs(ID)) == {"adding", "vanishing"}


@pytest.mark.parametrize("run_name", ["adding", "vanishing"])
def test_bound_is_checked(run_name):
    results = default_results(ID, run_name)
    assert all(r.passed for r in results), [r for r in results if not r.passed][:1]
    assert any(r.method == "bound" for r in results)


def test_window_off_by_one_fails(monkeypatch):
    mutate(monkeypatch, ID, "truncated", shift("tau", 1))
    assert any(not r.passed for r in check_results(ID, "vanishing") if "truncated dh_t" in r.quantity)
