"""``rnnproof verify`` through the real command line: output, exit codes, JSON, report."""

from __future__ import annotations

import json
import pathlib

import pytest

from rnnproof.cli import main

EX = pathlib.Path(__file__).resolve().parents[2] / "examples" / "derivations"


def test_correct_file_exits_0(capsys):
    assert main(["verify", str(EX / "sigmoid_derivative.rnnp")]) == 0
    out = capsys.readouterr().out
    assert "=> proved: 5 proved" in out and ">>" not in out


def test_wrong_file_exits_1_and_marks_first_failure(capsys):
    assert main(["verify", str(EX / "wrong_algebra_slip.rnnp")]) == 1
    out = capsys.readouterr().out
    marked = [l for l in out.splitlines() if l.startswith(">>")]
    assert marked == [">> 5. [line 14] sigma(x) - sigma(x)**2 = sigma(x)*(1 + sigma(x))"]
    assert "counterexample: x = " in out and "first failing step (line 14)" in out


def test_malformed_file_exits_2_without_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.rnnp"
    bad.write_text("let x: real\nclaim: x.__class__ = 1\n")
    assert main(["verify", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"rnnproof: error: {bad}:2:") and "Traceback" not in err


def test_missing_file_exits_2(tmp_path, capsys):
    assert main(["verify", str(tmp_path / "nope.rnnp")]) == 2
    assert "cannot read file" in capsys.readouterr().err


def test_json(capsys):
    assert main(["verify", "--json", str(EX / "wrong_sigmoid_bound.rnnp")]) == 1
    rec = json.loads(capsys.readouterr().out)[0]
    assert rec["verdict"] == "refuted" and rec["first_failure"] == 2
    assert rec["steps"][1]["counterexample"]["rhs"] == "0.125"


def test_report_escapes_user_text(tmp_path, capsys):
    f = tmp_path / "inj.rnnp"
    f.write_text("title: \\input{/etc/passwd} \\write18{touch pwned} \\catcode`\\%=12\nlet x: real\n"
                 "claim: x = x\nproof:\n  x\n  = x   # by: \\input{/etc/passwd}\n")
    assert main(["verify", "--report", str(tmp_path / "rep"), str(f)]) == 0
    tex = (tmp_path / "rep" / "inj.tex").read_text()
    assert "\\input{" not in tex and "\\write18" not in tex and "\\catcode" not in tex
    assert "textbackslash{}input" in tex
    assert not (tmp_path / "rep" / "pwned").exists()
