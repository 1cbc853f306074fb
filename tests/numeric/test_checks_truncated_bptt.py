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


def test_vanishing_tail_gap_is_within_the_references_rounding():
    """Found by Hypothesis: a saturated n = 1 cell with h_0 = 0 has an exactly vanishing tail at t = 2,
    tau = 1 (the bound is 0), and the two complex-step references differ by their rounding carried
    through the forward map (4.2e-21, more than their final-rounding estimate 3.0e-21): the check passes."""
    import numpy as np

    from rnnproof.numeric import checks
    from rnnproof.numeric.engine import ElmanParams
    from rnnproof.numeric.strategies import ElmanProblem, problem_run

    p = ElmanParams(np.array([[2.0]]), np.array([[0.0]]), np.array([5.0]), np.array([[0.0]]), np.array([0.0]), "tanh")
    problem = ElmanProblem(params=p, xs=np.zeros((2, 1)), targets=np.zeros((2, 1)), h0=np.zeros(1),
                           loss_kind="squared", regime="saturated")
    results = checks.check_identity(ID, problem_run(problem, tau=1.0), seed=0)
    gaps = [r for r in results if r.quantity.startswith("||full - truncated||")]
    assert gaps and all(r.passed for r in results), [r.quantity for r in results if not r.passed]
