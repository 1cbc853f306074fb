"""The gradient-flow comparison (issue 7 item 2, extended by issue 15): six cells on the adding problem,
each curve a product of derived one-step Jacobians confirmed by complex step; a wrong derivation breaks it."""

from __future__ import annotations

import numpy as np
import pytest

from checkkit import mutate
from rnnproof.numeric.gated_runs import COMPARISON_RUNS, comparison_series


@pytest.fixture(scope="module")
def series():
    return comparison_series(seed=0)


def test_six_cells_each_confirmed(series):
    assert list(series["runs"]) == ["elman", "orth", "residual", "highway", "lstm", "gru"] == list(COMPARISON_RUNS)
    T = len(series["lag"]) - 1
    for cell, run in COMPARISON_RUNS.items():
        r = series["checks"][cell]
        assert r.passed and r.run == run, r
        assert len(series[cell]) == T + 1 and series[cell][0] == 1.0  # the empty product is I
    assert len(series["residual_floor"]) == len(series["residual_sigma_min"]) == T + 1


def test_residual_sigma_min_above_its_floor_and_under_the_norm(series):
    fl, sm, nm = (np.asarray(series[k]) for k in ("residual_floor", "residual_sigma_min", "residual"))
    assert np.all(fl <= sm) and np.all(sm <= nm * (1 + 1e-12))
    assert fl[1] > 0.3  # lambda_1 < 1 on adding_residual: the floor is not vacuous


@pytest.mark.parametrize("ident, cell", [("residual_jacobian", "residual"), ("highway_jacobian", "highway")])
def test_a_transposed_derived_jacobian_breaks_its_curve(monkeypatch, ident, cell):
    from rnnproof.numeric.checks.gated_base import product_series

    mutate(monkeypatch, ident, "J", lambda e: e.T)
    _, res, _ = product_series(COMPARISON_RUNS[cell])
    assert not res.passed
