"""The report writer: gold files, determinism, handout, atomic writes, stale PDFs, the command."""

from __future__ import annotations

import os
import pathlib
import sys

import numpy as np
import pytest

from rnnproof.cli import main
from rnnproof.derivations import registry
from rnnproof.derivations.errors import InputError
from rnnproof.report import build_report, write_report
from rnnproof.report import files as files_mod
from rnnproof.report.figures import activation_figures, coerce_series, norm_figure, training_figure
from rnnproof.report.gated_figure import comparison_figure

from report_helpers import (GOLD_IDS, HOSTILE_RUN, available_ids, synthetic_evidence, synthetic_result,
                            synthetic_series)

GOLD = pathlib.Path(__file__).parent / "gold"
UPDATE = os.environ.get("RNNPROOF_UPDATE_GOLD") == "1"


def scrub(text: str) -> str:
    """What may vary between machines: nothing in the .tex by design (no dates, paths or
    timings); only line endings are normalised."""
    return text.replace("\r\n", "\n")


def _gold(name: str, text: str) -> None:
    path = GOLD / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    want = scrub(path.read_text(encoding="utf-8"))
    got = scrub(text)
    if got != want:
        import difflib
        diff = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True), "gold/" + name, "now", n=1))
        pytest.fail(f"{name} differs from its gold file (RNNPROOF_UPDATE_GOLD=1 to accept):\n{diff[:4000]}")


@pytest.fixture(scope="module")
def gold_inputs():
    idents = [registry.get(i) for i in GOLD_IDS]
    return idents, [i.derive(seed=0) for i in idents], synthetic_evidence(list(GOLD_IDS))


def test_gold_report(gold_inputs):
    idents, results, ev = gold_inputs
    files = build_report(idents, results, evidence=ev, series=synthetic_series())
    assert sorted(files) == ["rnnproof-appendix.tex", "rnnproof-evidence.csv", "rnnproof.tex", "sigmoid_derivative.tex",
                             "tanh_jacobian.tex"]
    _gold("rnnproof.tex", files["rnnproof.tex"])
    _gold("rnnproof-appendix.tex", files["rnnproof-appendix.tex"])
    _gold("rnnproof-evidence.csv", files["rnnproof-evidence.csv"])
    _gold("tanh_jacobian.tex", files["tanh_jacobian.tex"])


def test_gold_handout(gold_inputs):
    idents, results, ev = gold_inputs
    files = build_report(idents, results, evidence=ev, series=synthetic_series(), handout=True)
    assert "rnnproof-handout.tex" in files
    _gold("rnnproof-handout.tex", files["rnnproof-handout.tex"])


def test_gold_figures():
    s = coerce_series(synthetic_series())
    figs = [norm_figure(s["jacobian_norms"]), training_figure(s["gradient_norm"]),
            comparison_figure(s["comparison"], ["lstm_cell_jacobian", "gru_jacobian"])]
    text = "\n".join(f.latex + "".join(f"\n%% {k}\n{v}" for k, v in sorted(f.data.items())) for f in figs)
    _gold("figures.tex", text)


def test_byte_identical_for_the_same_inputs(gold_inputs):
    idents, results, ev = gold_inputs
    a = build_report(idents, results, evidence=ev, series=synthetic_series())
    b = build_report(idents, results, evidence=list(ev), series=synthetic_series())
    assert a == b
    for text in a.values():
        assert "/tmp" not in text and str(pathlib.Path.cwd()) not in text


def test_document_structure(gold_inputs):
    idents, results, ev = gold_inputs
    tex = build_report(idents, results, evidence=ev)["rnnproof.tex"]
    for ident in idents:
        assert r"\label{%s}" % ident.id in tex
        assert r"\hyperref[%s]" % ident.id in tex
    for part in ("Conventions", "Summary", r"\partial^{+}", "Numeric evidence", r"\begin{align*}", "tag*"):
        assert part in tex
    assert r"\input{/etc/passwd}" not in tex and r"\write18{" not in tex
    assert r"evil\textbackslash{}" in tex
    assert "FAILED 1/4" in tex  # the hostile run's failed check reaches the summary


def test_handout_has_no_numeric_tables_but_keeps_figures():
    ids = [i for i in ("tanh_jacobian", "product_norm_bound", "gradient_clipping") if i in available_ids()]
    idents = [registry.get(i) for i in ids]
    results = [synthetic_result(i) for i in idents]
    files = build_report(idents, results, evidence=synthetic_evidence(ids), series=synthetic_series(), handout=True)
    tex = files["rnnproof-handout.tex"]
    assert "Numeric evidence" not in tex and "Numeric}" not in tex and "Max error" not in tex
    assert r"\section*{Conventions}" in tex
    if "product_norm_bound" in ids:
        assert "fig:jacobian-norms" in tex and "fig-jacobian-3.dat" in files
    full = build_report(idents, results, evidence=synthetic_evidence(ids), series=synthetic_series())
    assert "Numeric evidence" in full["rnnproof.tex"]


def test_activation_figures_bound_the_derivative():
    for fig in activation_figures():
        (name, data), = fig.data.items()
        rows = np.array([[float(v) for v in line.split()] for line in data.splitlines()[1:]])
        x, dphi, bound = rows[:, 0], rows[:, 2], rows[:, 3]
        assert np.all(dphi <= bound + 1e-12), name
        assert abs(x[np.argmax(dphi)]) < 1e-12 and abs(dphi.max() - bound[0]) < 1e-6, name
        assert bound[0] == (0.25 if "sigmoid" in name else 1.0)


def test_series_are_validated():
    with pytest.raises(InputError, match="unknown series"):
        coerce_series({"jacobian": []})
    with pytest.raises(InputError, match="3 norms for 2"):
        coerce_series({"jacobian_norms": [{"run": "r", "lags": [0, 1], "norms": [1, 2, 3], "gamma_lambda": 1}]})
    with pytest.raises(InputError, match="keys"):
        coerce_series({"gradient_norm": [{"run": "r"}]})
    s = coerce_series({"jacobian_norms": {"r": {"lags": [0], "norms": [1.0], "gamma_lambda": 0.5}}})
    assert s["jacobian_norms"][0].run == "r"


def test_missing_result_is_an_error(gold_inputs):
    idents, results, _ = gold_inputs
    with pytest.raises(InputError, match="no derivation result"):
        build_report(idents, results[:1])


def test_interrupted_write_leaves_the_old_tex(tmp_path, gold_inputs, monkeypatch):
    idents, results, ev = gold_inputs
    write_report(idents, results, out=tmp_path, evidence=ev)
    before = (tmp_path / "rnnproof.tex").read_bytes()

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(files_mod.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_report(idents, results, out=tmp_path, evidence=ev, title="Another title")
    monkeypatch.undo()
    assert (tmp_path / "rnnproof.tex").read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name]


def test_stale_pdf_is_removed_when_the_tex_changes(tmp_path, gold_inputs):
    idents, results, ev = gold_inputs
    write_report(idents, results, out=tmp_path, evidence=ev)
    pdf = tmp_path / "rnnproof.pdf"
    pdf.write_bytes(b"%PDF old")
    r = write_report(idents, results, out=tmp_path, evidence=ev)
    assert not r.changed and pdf.exists()  # same .tex: its PDF is still the right one
    r = write_report(idents, results, out=tmp_path, evidence=ev, title="A new title")
    assert r.changed and not pdf.exists()
    assert "A new title" in (tmp_path / "rnnproof.tex").read_text()


def test_changed_data_files_make_every_pdf_stale(tmp_path):
    idents = [registry.get("tanh_jacobian"), registry.get("product_norm_bound")]
    args = (idents, [synthetic_result(i) for i in idents])
    write_report(*args, out=tmp_path, series=synthetic_series())
    (tmp_path / "rnnproof.pdf").write_bytes(b"%PDF")
    (tmp_path / "tanh_jacobian.pdf").write_bytes(b"%PDF")
    r = write_report(*args, out=tmp_path, series=synthetic_series())
    assert not r.changed and (tmp_path / "rnnproof.pdf").exists()
    (tmp_path / "fig-jacobian-1.dat").write_text("changed\n")
    write_report(*args, out=tmp_path, series=synthetic_series())
    assert not (tmp_path / "rnnproof.pdf").exists() and not (tmp_path / "tanh_jacobian.pdf").exists()


def _fake_numeric(ids, seed):
    return synthetic_evidence(ids), synthetic_series()


def test_command_without_latexmk_writes_tex_and_says_so(tmp_path, monkeypatch, capsys):
    from rnnproof.commands import report as cmd

    monkeypatch.setattr(cmd, "_numeric", _fake_numeric)
    monkeypatch.setattr("shutil.which", lambda name: None)
    code = main(["report", "sigmoid_derivative", "--out", str(tmp_path), "-j", "1"])
    out = capsys.readouterr().out
    assert "latexmk is not on PATH" in out
    assert (tmp_path / "rnnproof.tex").exists() and (tmp_path / "sigmoid_derivative.tex").exists()
    assert code == 1  # the synthetic hostile check failed: the exit code says so
    assert main(["report", "sigmoid_derivative", "--out", str(tmp_path), "--pdf"]) == 2


def test_command_fails_clearly_without_numeric_checks(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "rnnproof.numeric.checks", None)
    code = main(["report", "sigmoid_derivative", "--out", str(tmp_path), "--no-pdf", "-j", "1"])
    assert code == 2
    assert "numeric checks" in capsys.readouterr().err
    assert not (tmp_path / "rnnproof.tex").exists()
