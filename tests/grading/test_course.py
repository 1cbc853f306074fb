"""The shipped course: ``rnnproof grade examples/course/assignment.rnnp examples/course/submissions``.

The expected gradebook (``examples/course/expected_gradebook.csv``) was written by hand from what
each generated submission does (``examples/course/generate.py``): its grade, verdict, first
failing step and line, whether the claim is the assigned one, the kind of error, and a phrase
the reason must contain.
"""

from __future__ import annotations

import csv

import pytest

from rnnproof.cli import main
from rnnproof.derivations.model import Verdict

from .kit import COURSE

_SOUND = {str(v) for v in Verdict if v.is_proof} | {str(Verdict.CONFIRMED)}


def _expected():
    with open(COURSE / "expected_gradebook.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def test_the_generator_reproduces_the_shipped_submissions(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("course_generate", COURSE / "generate.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    written = gen.write_batch(tmp_path)
    assert len(written) >= 30
    for p in written:
        assert p.read_bytes() == (COURSE / "submissions" / p.name).read_bytes(), p.name
    assert sorted(p.name for p in written) == sorted(p.name for p in (COURSE / "submissions").iterdir())
    assert [r["file"] for r in _expected()] == sorted(p.name for p in written)


@pytest.mark.slow
def test_the_course_gradebook_is_the_expected_one(tmp_path, capsys):
    out = tmp_path / "graded"
    code = main(["grade", str(COURSE / "assignment.rnnp"), str(COURSE / "submissions"), "--out", str(out),
                 "--cache", str(tmp_path / "cache"), "--quiet"])
    assert code == 1
    with open(out / "gradebook.csv", newline="") as fh:
        got = {r["file"]: r for r in csv.DictReader(fh)}
    expected = _expected()
    assert sorted(got) == [r["file"] for r in expected]
    for want in expected:
        row = got[want["file"]]
        for col in ("grade", "first_failing_step", "first_failing_line", "claim", "error_kind"):
            assert row[col] == want[col], (want["file"], col, row[col], want[col], row["problems"], row["error"])
        # a sounder checker may prove what is only confirmed today: both are accepted verdicts here
        assert row["verdict"] == want["verdict"] or {row["verdict"], want["verdict"]} <= _SOUND, want["file"]
        assert want["expect"] in row["problems"] + row["error"], (want["file"], want["expect"])
    counts = capsys.readouterr().out
    assert "35 files graded" in counts and "7 pass, 15 fail, 13 error" in counts
    for want in expected:
        stem = want["file"][:-5]
        assert f"Grade: {want['grade'].upper()}" in (out / "feedback" / f"{stem}.txt").read_text()
