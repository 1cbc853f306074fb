"""The echo-state contraction figure: panels, data files, caption, validation."""

from __future__ import annotations

import numpy as np
import pytest

from rnnproof.derivations.errors import InputError
from rnnproof.report.echo_figure import echo_figure
from rnnproof.report.figures import figures_for

_T = list(range(6))


def _run(name, lam, d0, radius=None, growth=1.0):
    dist = [d0 * (growth if t == 1 else 1) * lam ** t for t in _T]
    return {"run": name, "times": _T, "distance": dist, "bound": [max(3.0, lam) ** t * d0 for t in _T], "norm": lam,
            "radius": radius}


def test_one_panel_per_run_and_the_transient_in_the_caption():
    fig = echo_figure([_run("adding_echo", 0.5, 0.5), _run("spectral_witness", 0.6, 1e-2, [0.5 ** t * 1e-2 for t in _T], 3.0)],
                      ["echo_state_scaling"])
    assert fig.identity == "echo_state_scaling" and sorted(fig.data) == ["fig-echo-1.dat", "fig-echo-2.dat"]
    assert "first move apart" in fig.latex and r"\rho(W)^t" in fig.latex
    assert fig.data["fig-echo-2.dat"].splitlines()[0] == "t dist bound radius"


def test_a_curve_above_its_bound_is_said():
    bad = _run("adding_echo", 0.5, 0.5)
    bad["bound"] = [v / 2 for v in bad["distance"]]
    assert "exceeds the bound" in echo_figure([bad], ["echo_state_scaling"]).latex


def test_absent_without_the_identity_or_series():
    assert echo_figure([_run("adding_echo", 0.5, 0.5)], ["tanh_jacobian"]) is None
    assert echo_figure([], ["echo_state_scaling"]) is None
    assert not [f for f in figures_for(["echo_state_scaling"], {}) if f.identity == "echo_state_scaling"]


def test_length_mismatch_is_an_input_error():
    bad = _run("adding_echo", 0.5, 0.5)
    bad["bound"] = bad["bound"][:-1]
    with pytest.raises(InputError, match="echo"):
        echo_figure([bad], ["echo_state_scaling"])


def test_figure_series_evaluates_the_derived_expressions():
    from rnnproof.numeric.checks.echo_state_scaling import figure_series
    runs = figure_series()
    assert [r["run"] for r in runs] == ["adding_echo", "text_echo", "spectral_witness"]
    for r in runs:
        d, b = np.array(r["distance"]), np.array(r["bound"])
        assert np.all(d <= b * (1 + 1e-12) + 1e-12)
    w = runs[-1]
    assert max(w["distance"]) / w["distance"][0] > 3 and w["distance"][-1] < w["distance"][0]
