"""Figures: the Elman/LSTM/GRU comparison and where it goes, the cut log axis, curves on their
bound; the derive/check overlap of the command; the claim printing split."""

from __future__ import annotations

import subprocess
import sys

import pytest

from rnnproof.derivations import registry
from rnnproof.derivations.errors import InputError, RnnproofError
from rnnproof.report import build_report
from rnnproof.report.figures import LOG_FLOOR, NormSeries, coerce_series, norm_figure
from rnnproof.report.gated_figure import DATA_FILE, LABEL, comparison_figure

from report_helpers import synthetic_comparison, synthetic_result, synthetic_series

GATED = ("lstm_cell_jacobian", "gru_jacobian")


def _sections(ids):
    idents = [registry.get(i) for i in ids]
    files = build_report(idents, [synthetic_result(i) for i in idents], series=synthetic_series())
    return files, {i: files[f"{i}.tex"] for i in ids}


def test_comparison_sits_in_the_lstm_section_and_the_gru_section_points_to_it():
    files, sec = _sections(["product_norm_bound", *GATED])
    assert DATA_FILE in files
    assert r"\label{%s}" % LABEL in sec["lstm_cell_jacobian"] and DATA_FILE in sec["lstm_cell_jacobian"]
    assert r"\label{%s}" % LABEL not in sec["gru_jacobian"]
    assert r"\hyperref[%s]" % LABEL in sec["gru_jacobian"] and r"\idref{lstm_cell_jacobian}" in sec["gru_jacobian"]
    assert files["rnnproof.tex"].count(r"\label{%s}" % LABEL) == 1
    assert r"\hyperref[%s]" % LABEL not in sec["product_norm_bound"]


def test_comparison_goes_to_the_gru_section_without_the_lstm_and_is_absent_without_either():
    files, sec = _sections(["gru_jacobian"])
    assert r"\label{%s}" % LABEL in sec["gru_jacobian"] and r"\hyperref[%s]" % LABEL not in sec["gru_jacobian"]
    files, _ = _sections(["tanh_jacobian"])
    assert DATA_FILE not in files and LABEL not in files["rnnproof.tex"]


def test_comparison_data_file_has_every_curve_and_the_bound():
    c = coerce_series({"comparison": synthetic_comparison()})["comparison"]
    fig = comparison_figure(c, GATED)
    lines = fig.data[DATA_FILE].splitlines()
    assert lines[0] == "lag elman lstm gru bound" and len(lines) == 1 + len(c.lags)
    last = [float(v) for v in lines[-1].split()]
    assert last == pytest.approx([12, c.curves["elman"][12], c.curves["lstm"][12], c.curves["gru"][12], 1.7 ** 12],
                                 rel=1e-6)
    for needle in ("Elman (\\texttt{adding})", "LSTM (\\texttt{adding\\_lstm})", "GRU (\\texttt{adding\\_gru})",
                   "holds for the Elman curve at every lag", "Elman agrees"):
        assert needle in fig.latex, needle
    # distinguishable: every curve has its own mark and line style
    styles = [line for line in fig.latex.splitlines() if line.startswith(r"\addplot[") and "y=bound" not in line]
    assert len({s.split("]")[0] for s in styles}) == 3


def test_comparison_says_when_the_bound_fails_or_a_curve_disagrees():
    bad = synthetic_comparison()
    bad["curves"]["elman"][5] = 2.0 * 1.7 ** 5
    bad["confirmed"]["gru"] = (False, 1e-3, 1e-12)
    fig = comparison_figure(coerce_series({"comparison": bad})["comparison"], GATED)
    assert r"\textbf{The Elman curve exceeds its bound at $t-k = 5$.}" in fig.latex
    assert r"GRU \textbf{DISAGREES}" in fig.latex and "holds for the Elman curve" not in fig.latex


def test_comparison_series_are_validated():
    with pytest.raises(InputError, match="curve 'lstm': 3 norms for 13 lags"):
        coerce_series({"comparison": synthetic_comparison(curves={"lstm": [1, 2, 3]})})
    with pytest.raises(InputError, match="'comparison' entry has keys"):
        coerce_series({"comparison": {"lags": [0]}})


def test_log_axis_is_cut_at_the_floor_and_says_where_the_curve_leaves():
    fig = norm_figure([NormSeries("sat", [0, 1, 2, 3], [1.0, 1e-20, 1e-305, 0.0], 3.0),
                       NormSeries("plain", [0, 1, 2], [1.0, 0.4, 0.1], 0.5)])
    sat, plain = fig.latex.split(r"\hfill")
    assert "ymin=%g" % LOG_FLOOR in sat and "ymin" not in plain
    assert r"measured curve below $10^{-30}$ from $t-k = 2$" in sat
    assert r"down to $1.0\times 10^{-305}$ at $t-k = 2$ (then $0$ in double precision from $t-k = 3$)" in fig.latex
    assert "1.000000e-305" in fig.data["fig-jacobian-1.dat"]  # the data keep every value


def test_a_curve_on_its_bound_is_drawn_under_the_measured_one_and_named():
    on = NormSeries("exploding", list(range(6)), [1.3 ** k for k in range(6)], 1.3)
    fig = norm_figure([on])
    plots = [line for line in fig.latex.splitlines() if line.startswith(r"\addplot")]
    assert "y=bound" in plots[0] and "y=norm" in plots[1] and "mark=o" in plots[1]  # band first, circles on top
    assert "dashed" in plots[0] and "dashed" not in plots[1]
    assert "exploding panel the measured curve lies on its bound" in fig.latex
    over = norm_figure([NormSeries("bad", [0, 1, 2], [1.0, 2.0, 0.1], 1.0)])
    assert r"\textbf{In the bad panel the measured curve exceeds the bound at $t-k = 1$.}" in over.latex
    below = norm_figure([NormSeries("fine", [0, 1, 2], [1.0, 0.3, 0.1], 1.0)])
    assert "lies on its bound" not in below.latex and "exceeds" not in below.latex


def test_derive_overlaps_checks_and_matches_the_serial_run(monkeypatch):
    from rnnproof.commands import report as cmd

    ids = ["sigmoid_derivative", "vanishing_condition"]
    monkeypatch.setattr(cmd, "_numeric", lambda ids, seed: (["evidence"], {"series": 1}))
    par = cmd._derive_and_check(ids, 0, 2)
    ser = cmd._derive_and_check(ids, 0, 1)
    assert par[1:] == (["evidence"], {"series": 1})
    assert [r.identity for r in par[0]] == ids
    assert [[s.verdict for s in r.results] for r in par[0]] == [[s.verdict for s in r.results] for r in ser[0]]


def test_a_failed_derivation_process_is_reported(monkeypatch, tmp_path):
    from rnnproof.commands import report as cmd
    from rnnproof.derivations import batch

    monkeypatch.setenv("RNNPROOF_CACHE", str(tmp_path))  # nothing cached: the child must derive

    def broken(ids, *, seed, jobs):
        raise ValueError("no such identity: boom")

    monkeypatch.setattr(cmd, "_numeric", lambda ids, seed: ([], None))
    monkeypatch.setattr(batch, "derive_many", broken)
    with pytest.raises(RnnproofError, match="deriving 2 identities failed: ValueError: no such identity: boom"):
        cmd._derive_and_check(["sigmoid_derivative", "vanishing_condition"], 0, 2)


@pytest.mark.parametrize("first", ["claimprint", "printing"])
def test_claim_printing_is_reexported_whichever_module_is_imported_first(first):
    code = ("import importlib; importlib.import_module('rnnproof.derivations.%s'); "
            "from rnnproof.derivations import printing, claimprint; "
            "names = ['claim_latex', 'claim_text', 'claim_rows', 'claim_sides', 'latex_statement', "
            "'derivation_latex', 'REL_LATEX']; "
            "assert all(getattr(printing, n) is getattr(claimprint, n) for n in names); "
            "assert set(names) <= set(printing.__all__); "
            "from rnnproof.derivations.symbols import x_scalar; from rnnproof.derivations.claims import Rel; "
            "print(printing.claim_latex(Rel(x_scalar, '<=', x_scalar + 1)))" % first)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert r"\le" in out.stdout


@pytest.mark.parametrize("norms, says", [([1.0, 6.0, 2.0, 9.0], "2 of 4 steps"), ([6.0, 7.0], "every one of the 2"),
                                         ([1.0, 2.0], "no step reaches")])
def test_clipping_figure_shows_raw_clipped_and_threshold_and_counts_the_regimes(norms, says):
    from rnnproof.report.figures import TrainingSeries, training_figure

    steps = list(range(1, len(norms) + 1))
    fig = training_figure([TrainingSeries("text", steps, norms, 5.0, [min(v, 5.0) for v in norms])])
    assert says in fig.latex and r"\tau = 5" in fig.latex
    assert "y=norm" in fig.latex and "y=clipped" in fig.latex and "y=threshold" in fig.latex


def _six_cells(**changes):
    base = synthetic_comparison()
    lags = base["lags"]
    base["curves"].update({"orth": [0.97 ** k for k in lags], "residual": [1.1 ** k for k in lags],
                           "highway": [1.0 + 0.01 * k for k in lags]})
    base["runs"].update({"orth": "adding_orth", "residual": "adding_residual", "highway": "adding_highway"})
    base["confirmed"].update({c: (True, 1e-16, 1e-12) for c in ("orth", "residual", "highway")})
    base["floor"] = {"floor": [0.5 ** k for k in lags], "sigma_min": [0.6 ** k for k in lags]}
    base.update(changes)
    return base


def test_six_cell_comparison_sits_in_the_residual_section_and_the_others_point_to_it():
    ids = ["lstm_cell_jacobian", "gru_jacobian", "residual_jacobian", "highway_jacobian"]
    idents = [registry.get(i) for i in ids]
    series = {**synthetic_series(), "comparison": _six_cells()}
    files = build_report(idents, [synthetic_result(i) for i in idents], series=series)
    assert r"\label{%s}" % LABEL in files["residual_jacobian.tex"]
    for other in ("lstm_cell_jacobian", "gru_jacobian", "highway_jacobian"):
        sec = files[f"{other}.tex"]
        assert r"\label{%s}" % LABEL not in sec and r"\hyperref[%s]" % LABEL in sec
        assert r"\idref{residual_jacobian}" in sec and "orthogonal Elman, residual and highway cells" in sec
    assert files["rnnproof.tex"].count(r"\label{%s}" % LABEL) == 1


def test_six_cell_data_file_has_the_floor_and_the_caption_says_it_holds():
    c = coerce_series({"comparison": _six_cells()})["comparison"]
    fig = comparison_figure(c, ["residual_jacobian"])
    lines = fig.data[DATA_FILE].splitlines()
    assert lines[0] == "lag elman lstm gru orth residual highway bound floor sigmamin"
    assert [float(v) for v in lines[4].split()][-2:] == pytest.approx([0.5 ** 3, 0.6 ** 3])  # header, lags 0..3
    assert "stays above its floor" in fig.latex and "the six cells" in fig.latex and "y=sigmamin" in fig.latex
    styles = {line.split("]")[0] for line in fig.latex.splitlines()
              if line.startswith(r"\addplot[") and "y=bound" not in line and "y=floor" not in line}
    assert len(styles) == 7  # six cells and the sigma_min curve, each with its own style


def test_six_cell_caption_says_when_sigma_min_falls_below_the_floor():
    bad = _six_cells()
    bad["floor"]["sigma_min"][4] = 0.5 * 0.5 ** 4
    fig = comparison_figure(coerce_series({"comparison": bad})["comparison"], ["residual_jacobian"])
    assert r"\textbf{The residual $\sigma_{\min}$ falls below its floor at $t-k = 4$.}" in fig.latex
    with pytest.raises(InputError, match="curve 'floor': 2 norms"):
        coerce_series({"comparison": _six_cells(floor={"floor": [1, 2], "sigma_min": [1] * 13})})
    with pytest.raises(InputError, match="floor has keys \\['floor'\\]"):
        coerce_series({"comparison": _six_cells(floor={"floor": [1] * 13})})
