"""``rnnproof grade`` through the real command line: files written, exit codes, bad usage."""

from __future__ import annotations

import csv
import json

import pytest

from rnnproof.cli import main

from .kit import GOOD, SIGMOID_ASSIGNMENT, SUBMISSIONS, write


@pytest.fixture
def course(tmp_path):
    (tmp_path / "hw.rnnp").write_text(SIGMOID_ASSIGNMENT)
    return tmp_path


def _run(course, sub, *extra):
    return main(["grade", str(course / "hw.rnnp"), str(sub), "--out", str(course / "out"),
                 "--cache", str(course / "cache"), "--jobs", "2", *extra])


def test_all_pass_exits_0_and_writes_gradebook_and_feedback(course, capsys):
    sub = write(course / "subs", {"ada.rnnp": GOOD, "bob.rnnp": SUBMISSIONS["good_swapped.rnnp"]})
    assert _run(course, sub) == 0
    cap = capsys.readouterr()
    assert "sigmoid_derivative: 2 files graded" in cap.out and "2 pass, 0 fail, 0 error" in cap.out
    assert "[2/2]" in cap.err
    book = json.loads((course / "out" / "gradebook.json").read_text())
    assert book["assignment"]["required"] == ["sigma(x) - sigma(x)**2"] and book["assignment"]["accept"] == "proved"
    assert [r["student"] for r in book["rows"]] == ["ada", "bob"]
    text = (course / "out" / "feedback" / "ada.txt").read_text()
    assert "Grade: PASS" in text and "=> proved: 3 proved" in text


def test_a_failing_or_broken_submission_exits_1_with_its_row(course, capsys):
    sub = write(course / "subs", SUBMISSIONS)
    assert _run(course, sub, "--quiet") == 1
    cap = capsys.readouterr()
    assert cap.err == "" and "Traceback" not in cap.out
    with open(course / "out" / "gradebook.csv", newline="") as fh:
        grades = {r["student"]: r["grade"] for r in csv.DictReader(fh)}
    assert grades == {"good": "pass", "good_swapped": "pass", "slip": "fail", "missing_step": "fail",
                      "other_claim": "fail", "positive_x": "fail", "malformed": "error"}


@pytest.mark.parametrize("args, words", [
    (["--jobs", "-1"], "--jobs must be >= 0"),
    (["--time-limit", "0"], "--time-limit must be a number of seconds from 0.5"),
    (["--time-limit", "nan"], "--time-limit must be a number of seconds from 0.5"),
    (["--memory-limit", "1"], "--memory-limit must be a size from 512M"),
])
def test_bad_options_exit_2(course, capsys, args, words):
    sub = write(course / "subs", {"a.rnnp": GOOD})
    assert _run(course, sub, *args) == 2
    assert words in capsys.readouterr().err


def test_bad_assignment_or_directories_exit_2_and_grade_nothing(course, capsys):
    sub = write(course / "subs", {"a.rnnp": GOOD})
    (course / "bad.rnnp").write_text("let x: real\nclaim: x = = 1\n")
    assert main(["grade", str(course / "bad.rnnp"), str(sub), "--out", str(course / "out")]) == 2
    assert f"rnnproof: error: {course / 'bad.rnnp'}:2:" in capsys.readouterr().err
    assert _run(course, course / "nope") == 2
    assert "not a directory" in capsys.readouterr().err
    (course / "file").write_text("")
    assert main(["grade", str(course / "hw.rnnp"), str(sub), "--out", str(course / "file"),
                 "--cache", str(course / "cache")]) == 2
    assert "output directory" in capsys.readouterr().err
    assert not (course / "out").exists()


def test_a_false_assigned_claim_is_reported_to_the_teacher(tmp_path, capsys):
    (tmp_path / "hw.rnnp").write_text("let x: real\nclaim: exp(x) = 1 + x\n")
    sub = write(tmp_path / "subs", {"a.rnnp": "let x: real\nclaim: exp(x) = 1 + x\nproof:\n    exp(x)\n  = 1 + x\n"})
    assert main(["grade", str(tmp_path / "hw.rnnp"), str(sub), "--out", str(tmp_path / "out"),
                 "--cache", str(tmp_path / "cache"), "--quiet"]) == 1
    assert "warning: the assigned claim itself is refuted" in capsys.readouterr().err
