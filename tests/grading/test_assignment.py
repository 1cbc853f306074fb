"""Assignment files: the header lines, their errors with positions, the accepted verdicts."""

from __future__ import annotations

import pytest

from rnnproof.derivations.model import Verdict
from rnnproof.derivations.userfile import DerivationFileError
from rnnproof.grading import load_assignment, parse_assignment
from rnnproof.grading.assignment import DEFAULT_ACCEPT

from .kit import COURSE, SIGMOID_ASSIGNMENT


def test_header_lines_are_read_and_the_rest_parses_with_its_line_numbers():
    a = parse_assignment(SIGMOID_ASSIGNMENT, path="a.rnnp")
    assert a.name == "sigmoid_derivative" and a.title == "Derivative of the logistic sigmoid"
    assert a.accept == frozenset(v for v in Verdict if v.is_proof)
    assert [(r.source, r.line) for r in a.required] == [("sigma(x) - sigma(x)**2", 7)]
    assert a.file.claim_line == 5 and a.file.claim[0].source == "diff(sigma(x), x)"


def test_defaults_accept_proofs_and_numerical_confirmation():
    a = parse_assignment("let x: real\nclaim: x = x", path="dir/my_hw.rnnp")
    assert a.name == "my_hw" and a.accept == DEFAULT_ACCEPT and Verdict.CONFIRMED in a.accept
    assert Verdict.UNDECIDED not in a.accept and Verdict.REFUTED not in a.accept
    assert a.accept_text() == "proved, numerically confirmed"


@pytest.mark.parametrize("text, line, col, words", [
    ("let x: real\naccept: proved, refuted\nclaim: x = x", 2, 8, "never be accepted"),
    ("let x: real\naccept: maybe\nclaim: x = x", 2, 8, "unknown verdict 'maybe'"),
    ("let x: real\naccept: proved\naccept: proved\nclaim: x = x", 3, 8, "only one accept"),
    ("let x: real\nclaim: x = x\nrequire:   y + 1", 3, 12, "unknown name 'y'"),
    ("let x: real\nclaim: x = x\nrequire: x +* 2", 3, 13, "syntax"),
    ("let x: real\nclaim: x = x\nrequire:", 3, 9, "needs an expression"),
    ("let x: real\nassignment: no spaces allowed\nclaim: x = x", 2, 12, "assignment: needs an id"),
    ("let x: real", 1, 1, "no claim"),
    ("let x: real\nclaim: x = x\nproof:\n  = x", 4, 1, "states the claim only"),
    ("let x: real\nrequire: x\nclaim: x.real = x", 3, 8, "attribute access"),
])
def test_errors_name_the_line_and_column(text, line, col, words):
    with pytest.raises(DerivationFileError) as info:
        parse_assignment(text, path="hw.rnnp")
    e = info.value
    assert (e.path, e.line, e.col) == ("hw.rnnp", line, col), str(e)
    assert words in str(e)


def test_the_course_assignment_loads(tmp_path):
    a, text = load_assignment(COURSE / "assignment.rnnp")
    assert a.name == "hidden_state_chain_row" and a.file.notation == "row" and len(a.required) == 1
    assert text.startswith("# Course assignment")
    with pytest.raises(DerivationFileError, match="cannot read the assignment"):
        load_assignment(tmp_path / "missing.rnnp")
    (tmp_path / "latin1.rnnp").write_bytes(b"title: caf\xe9\n")
    with pytest.raises(DerivationFileError, match="not UTF-8"):
        load_assignment(tmp_path / "latin1.rnnp")
