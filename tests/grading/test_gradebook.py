"""Gradebook helpers: student ids and feedback file names (properties), CSV and JSON agree."""

from __future__ import annotations

import csv
import json
import re

from hypothesis import given, note
from hypothesis import strategies as st

from rnnproof.grading import COLUMNS, parse_assignment, student_id
from rnnproof.grading.gradebook import feedback_names, make_row, write_gradebook
from rnnproof.grading.grader import error_result

from .kit import SIGMOID_ASSIGNMENT

names = st.text(st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)), min_size=1, max_size=30)


@given(st.lists(names, unique=True, max_size=20))
def test_feedback_names_are_distinct_safe_and_never_hidden(files):
    out = feedback_names(files)
    note(out)
    assert set(out) == set(files)
    stems = list(out.values())
    assert len({s.lower() for s in stems}) == len(stems)
    assert all(re.fullmatch(r"[A-Za-z0-9_.~-]+", s) and not s.startswith(".") for s in stems)


@given(names)
def test_student_id_drops_only_a_final_rnnp(name):
    sid = student_id(name)
    assert sid == (name[:-5] if name.endswith(".rnnp") and name != ".rnnp" else name)
    assert student_id(sid + ".rnnp") == sid


def test_csv_and_json_hold_the_same_rows(tmp_path):
    asg = parse_assignment(SIGMOID_ASSIGNMENT, path="a.rnnp")
    rows = [make_row("b, \"quoted\".rnnp", error_result("malformed", "b:1:1: bad, \"very\"\nbad", line=1), cached=False),
            make_row("a.rnnp", {**error_result("", ""), "grade": "fail", "problems": ["x | y", "z"]}, cached=True)]
    csv_path, json_path = write_gradebook(tmp_path, rows, assignment=asg, run={"checked": 1, "cached": 1})
    with open(csv_path, newline="") as fh:
        table = list(csv.DictReader(fh))
    book = json.loads(json_path.read_text())
    assert tuple(table[0]) == COLUMNS and [r["file"] for r in table] == ["a.rnnp", "b, \"quoted\".rnnp"]
    assert [r["file"] for r in book["rows"]] == ["a.rnnp", "b, \"quoted\".rnnp"]
    assert table[1]["error"] == "b:1:1: bad, \"very\"\nbad" and table[1]["first_failing_line"] == "1"
    assert book["rows"][0]["problems"] == ["x | y", "z"] and book["run"] == {"checked": 1, "cached": 1}
    assert book["summary"] == {"files": 2, "pass": 0, "fail": 1, "error": 1}
