"""``rnnproof grade --report``: a LaTeX (and PDF) report per student through the teaching report writer."""

from __future__ import annotations

import shutil

import pytest

from rnnproof.grading import BatchOptions, grade_batch, parse_assignment

from .kit import GOOD, SIGMOID_ASSIGNMENT, SUBMISSIONS, write

ASG = parse_assignment(SIGMOID_ASSIGNMENT, path="sigmoid.rnnp")
HOSTILE_TITLE = "title: \\input{/etc/passwd} 100% & $x$ #1 ~ ^^41\n" + GOOD

pytestmark = pytest.mark.latex


def test_reports_are_written_escaped_and_reused_from_the_cache(tmp_path, in_ci):
    if shutil.which("latexmk") is None:
        if in_ci:
            pytest.fail("latexmk is required under CI")
        pytest.skip("latexmk not on PATH (install latexmk and TeX Live)")
    sub = write(tmp_path / "subs", {"ada.rnnp": HOSTILE_TITLE, "bob.rnnp": SUBMISSIONS["slip.rnnp"]})
    opts = BatchOptions(jobs=2, report=True, cache_dir=str(tmp_path / "cache"))
    res = grade_batch(ASG, sub, tmp_path / "out", opts)
    assert [r["grade"] for r in res.rows] == ["pass", "fail"]
    reports = tmp_path / "out" / "reports"
    assert (reports / "ada.pdf").is_file() and (reports / "bob.pdf").is_file()
    tex = (reports / "ada.tex").read_text()
    assert "\\input{/etc" not in tex and "\\textbackslash{}input" in tex
    assert "\\textbf{First failing step.}" in (reports / "bob.tex").read_text()
    again = grade_batch(ASG, sub, tmp_path / "out", opts)
    assert again.cached == 2
    (reports / "bob.pdf").unlink()
    third = grade_batch(ASG, sub, tmp_path / "out", opts)
    assert (third.cached, third.graded) == (1, 1) and (reports / "bob.pdf").is_file()


def test_a_report_in_another_output_folder_does_not_count(tmp_path, in_ci):
    if shutil.which("latexmk") is None and not in_ci:
        pytest.skip("latexmk not on PATH (install latexmk and TeX Live)")
    sub = write(tmp_path / "subs", {"ada.rnnp": GOOD})
    opts = BatchOptions(jobs=1, report=True, cache_dir=str(tmp_path / "cache"))
    grade_batch(ASG, sub, tmp_path / "first", opts)
    res = grade_batch(ASG, sub, tmp_path / "second", opts)
    assert res.graded == 1 and (tmp_path / "second" / "reports" / "ada.pdf").is_file()
