"""``rnnproof verify`` against hostile files and options (issue 16): every one ends in a clear
one-line error or a verdict, exit 0/1/2, never 3, never a hang, nothing outside the report directory."""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import time

import pytest

from rnnproof.cli import main

EX = pathlib.Path(__file__).resolve().parents[2] / "examples" / "derivations"
GOOD = EX / "sigmoid_derivative.rnnp"
MARGIN = 3.0  # seconds on top of --time-limit: fork, kill, reap on a loaded machine


def _verify(capsys, *argv):
    t0 = time.monotonic()
    code = main(["verify", *map(str, argv)])
    out = capsys.readouterr()
    return code, out.out, out.err, time.monotonic() - t0


def _one_error(err: str) -> str:
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("rnnproof: error: ") and "Traceback" not in err, err
    return lines[0]


# -- resource attacks: refused by a cap at the line, or stopped by the budget -------------------------------

def _tower():
    return "let x: real\nclaim: (((((1+1/10**12))**64)**64)**64)**64 = x\n", 2


def _def_chain():
    return "\n".join(["let a0: real"] + [f"def a{k} = a{k - 1} + sin(a{k - 1})" for k in range(1, 24)]
                     + ["claim: a23 = a23 + 0"]) + "\n", 14  # size 3 * 2**k - 2 passes 20000 at a13


def _function_nesting():
    return "\n".join(["let u0: real", "def f0(u) = sin(u) + u"] + [f"def f{k}(u) = f{k - 1}(f{k - 1}(u))"
                                                                   for k in range(1, 16)]
                     + ["claim: f15(u0) = f15(u0)"]) + "\n", 6


def _vector_chain():
    return "\n".join(["let v0: vector(n)"] + [f"def v{k} = v{k - 1} + tanh(v{k - 1})" for k in range(1, 24)]
                     + ["claim: v23 = v23"]) + "\n", 12


def _plain_nesting():
    return "\n".join(["let u0: real", "def f0(u) = u + 1"] + [f"def f{k}(u) = f{k - 1}(u) * 2" for k in range(1, 12)]
                     + ["claim: f11(u0) = f11(u0)"]) + "\n", 10  # f8 is 9 deep


@pytest.mark.parametrize("make", [_tower, _def_chain, _function_nesting, _vector_chain, _plain_nesting])
def test_resource_attacks_stop_at_their_line(make, tmp_path, capsys):
    text, line = make()
    f = tmp_path / "attack.rnnp"
    f.write_text(text)
    code, out, err, took = _verify(capsys, f, "--time-limit", "10")
    assert code == 2 and took < 10 + MARGIN, (code, took, err)
    assert _one_error(err).startswith(f"rnnproof: error: {f}:{line}:"), err


def _slow_check(tmp_path):
    f = tmp_path / "slow.rnnp"
    shutil.copy(EX / "hidden_state_chain.rnnp", f)
    return f


def test_budget_covers_checking_and_names_phase_and_line(tmp_path, capsys):
    code, out, err, took = _verify(capsys, _slow_check(tmp_path), "--time-limit", "0.5")
    assert code == 2 and took < 0.5 + MARGIN
    msg = _one_error(err)
    assert "exceeded the time limit of 0.5 s while" in msg and "line" in msg, msg


# -- malformed declarations: file:line:column, exit 2 ---------------------------------------------------------

@pytest.mark.parametrize("decl", ["let W: matrix(n), f(m)", "let W: matrix(size_n) + (m", "let W: vector(n)(m)",
                                  "let W: matrix(size_n) if x else 2", "let W: matrix(n, m) + 1",
                                  "let W: matrix(2, n", "let W: vector()", "let W: matrix(n, m, k)",
                                  "let W: vector(n=2)", "let W: vector(*n)", "let W: matrix(lambda: 1, 2)",
                                  "let W: vector(n) in (0, 1), (2", "let W: vector(" + "(" * 300 + "n"])
def test_malformed_declarations_have_a_position(decl, tmp_path, capsys):
    f = tmp_path / "decl.rnnp"
    f.write_text(f"title: t\n{decl}\nclaim: 1 = 1\n")
    code, out, err, _ = _verify(capsys, f)
    assert code == 2 and _one_error(err).startswith(f"rnnproof: error: {f}:2:"), err


def test_comparison_inside_an_evaluated_step_is_an_input_error(tmp_path, capsys):
    f = tmp_path / "cmp.rnnp"
    f.write_text("let x: real\nclaim: sqrt(x)*(1 + exp(-x)) < x < 2\n")
    code, out, err, _ = _verify(capsys, f)
    assert code == 2 and _one_error(err).startswith(f"rnnproof: error: {f}:2:")


# -- files that are not derivation files ----------------------------------------------------------------------

def _special_files(tmp_path):
    fifo = tmp_path / "fifo.rnnp"
    os.mkfifo(fifo)
    (tmp_path / "zero.rnnp").symlink_to("/dev/zero")
    (tmp_path / "loop.rnnp").symlink_to(tmp_path / "loop.rnnp")
    big = tmp_path / "big.rnnp"
    big.write_text("# padding\n" * 10_000)
    return [fifo, tmp_path / "zero.rnnp", "/dev/zero", "/dev/urandom", tmp_path, tmp_path / "loop.rnnp", big]


def test_devices_fifos_and_directories_are_refused_without_blocking(tmp_path, capsys):
    for f in _special_files(tmp_path):
        code, out, err, took = _verify(capsys, f, "--time-limit", "5")
        assert code == 2 and took < 5, (f, took)
        assert _one_error(err).startswith(f"rnnproof: error: {f}:"), err


def test_bom_is_accepted_and_bad_bytes_are_located(tmp_path, capsys):
    bom = tmp_path / "bom.rnnp"
    bom.write_bytes(b"\xef\xbb\xbf" + GOOD.read_bytes())
    assert _verify(capsys, bom)[0] == 0
    bad = tmp_path / "latin1.rnnp"
    bad.write_bytes(b"title: caf\xe9\nlet x: real\nclaim: x = x\n")
    code, out, err, _ = _verify(capsys, bad)
    assert code == 2 and _one_error(err).startswith(f"rnnproof: error: {bad}:1:11: not UTF-8")


# -- options -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["-1", "nan", "inf", "1e300", "1e-9", "0", "ten", ""])
def test_bad_time_limits(value, capsys):
    code, out, err, _ = _verify(capsys, GOOD, f"--time-limit={value}")
    assert code == 2 and "--time-limit must be" in _one_error(err)


@pytest.mark.parametrize("value", ["-1", "0", "100M", "nan", "2X", "1e300", "99999T"])
def test_bad_memory_limits(value, capsys):
    code, out, err, _ = _verify(capsys, GOOD, f"--memory-limit={value}")
    assert code == 2 and "--memory-limit must be" in _one_error(err)


def test_bad_report_targets_fail_before_any_work(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    (tmp_path / "dangling").symlink_to(tmp_path / "nothing")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    for target in (tmp_path / "file", "/dev/null", tmp_path / "dangling", tmp_path / "loop", tmp_path / "file" / "sub"):
        code, out, err, took = _verify(capsys, GOOD, "--report", target)
        assert code == 2 and out == "" and _one_error(err).startswith(f"rnnproof: error: --report {target}:"), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dangling", "file", "loop"]


# -- reports: relative paths, awkward names, planted files -----------------------------------------------------

@pytest.mark.latex
def test_relative_report_dirs_and_names(latex_tools, tmp_path, capsys, monkeypatch):
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    names = ["x.tex", "-x.rnnp", "Þórð ü.rnnp", "a#b%c$.rnnp"]
    for name in names:
        shutil.copy(GOOD, work / name)
    code, out, err, _ = _verify(capsys, *[f"./{n}" for n in names], "--report", "../../up2")
    assert code == 0, err
    up2 = tmp_path / "up2"
    pdfs = sorted(p.name for p in up2.glob("*.pdf"))
    assert pdfs == ["Thord_u.pdf", "_x.pdf", "a_b_c_.pdf", "x.pdf"], pdfs
    assert (work / "x.tex").read_bytes() == GOOD.read_bytes()  # the source named x.tex is not overwritten
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "up2"]
    assert not (up2 / "up2").exists()


def _plant(report: pathlib.Path, outside: pathlib.Path, stem: str) -> pathlib.Path:
    canary = outside / "canary"
    for rc in (".latexmkrc", "latexmkrc"):
        (report / rc).write_text(f"system('touch {canary}');\n")
    (report / "amsmath.sty").write_text(r"\immediate\write18{touch %s}\errmessage{planted}" % canary)
    (report / "inputenc.sty").write_text(r"\errmessage{planted}")
    for ext in ("pdf", "log", "fdb_latexmk", "aux", "fls", "tex"):
        (outside / f"victim.{ext}").write_text("precious")
        (report / f"{stem}.{ext}").symlink_to(outside / f"victim.{ext}")
    return canary


@pytest.mark.latex
def test_planted_files_in_the_report_directory_have_no_effect(latex_tools, tmp_path, capsys):
    report, outside = tmp_path / "report", tmp_path / "outside"
    report.mkdir(), outside.mkdir()
    canary = _plant(report, outside, "sigmoid_derivative")
    code, out, err, _ = _verify(capsys, GOOD, "--report", report)
    assert code == 0, err
    assert not canary.exists()
    assert all((outside / f"victim.{e}").read_text() == "precious" for e in ("pdf", "log", "fdb_latexmk", "aux",
                                                                            "fls", "tex"))
    pdf = report / "sigmoid_derivative.pdf"
    assert not pdf.is_symlink() and pdf.read_bytes().startswith(b"%PDF")
    assert "planted" not in (report / "sigmoid_derivative.log").read_text(errors="replace")


@pytest.mark.latex
@pytest.mark.parametrize("title, why", [("Þorn and Ðe: þ ð", "Thorn and De: th d"), ("café σ ≤ ¼", "caf"),
                                        ("ctrl\x01\x1b[31m char", "ctrl"), ("emoji 😀 日本", "emoji")])
def test_non_ascii_titles_and_justifications_give_a_pdf(latex_tools, tmp_path, capsys, title, why):
    f = tmp_path / "uni.rnnp"
    f.write_text(f"title: {title}\nlet x: real\nclaim: x = x\nproof:\n  x\n  = x   # by: {title}\n")
    code, out, err, _ = _verify(capsys, f, "--report", tmp_path / "r")
    assert code == 0, err
    text = subprocess.run(["pdftotext", str(tmp_path / "r" / "uni.pdf"), "-"], capture_output=True, text=True).stdout
    assert why.split()[0] in text


@pytest.mark.latex
@pytest.mark.parametrize("latex", [r"\diag(h)", r"\lt x \gt", r"σ(x) ≤ ¼", r"\mathbb{R}^{n}", r"x'^2",
                                   r"\left\{ x \right.", r"\text{if } x"])
def test_accepted_display_latex_compiles(latex_tools, tmp_path, capsys, latex):
    f = tmp_path / "lx.rnnp"
    f.write_text(f"let x: real\nlet h: real\nclaim: x = x\nproof:\n  x\n  = x   # by: id | latex: {latex}\n")
    code, out, err, _ = _verify(capsys, f, "--report", tmp_path / "r")
    assert code == 0 and (tmp_path / "r" / "lx.pdf").exists(), err
    assert "did not compile" not in (tmp_path / "r" / "lx.tex").read_text()


@pytest.mark.parametrize("latex", [r"\{ }", r"\right)", r"\big", "x^", "{" * 300 + "}" * 300, "é", "a\x07b",
                                   r"\text{\input x}", r"x^2^3", r"\frac1", r"\left( x", r"\undefined"])
def test_display_latex_that_would_not_compile_is_refused_with_a_position(latex, tmp_path, capsys):
    f = tmp_path / "lx.rnnp"
    f.write_text(f"let x: real\nclaim: x = x\nproof:\n  x\n  = x   # by: id | latex: {latex}\n")
    code, out, err, _ = _verify(capsys, f)
    assert code == 2 and _one_error(err).startswith(f"rnnproof: error: {f}:5:"), err


def _compile_forever(tex):
    from rnnproof.report.compile import compile_pdf
    return str(compile_pdf(pathlib.Path(tex)))


def _processes_mentioning(word: str) -> list[int]:
    found = []
    for entry in pathlib.Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if word.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


@pytest.mark.latex
def test_a_killed_report_leaves_no_tex_process_behind(latex_tools, tmp_path):
    from rnnproof.sandbox import Limits, run_limited
    job = f"loop{os.getpid()}x{time.monotonic_ns()}"
    tex = tmp_path / f"{job}.tex"
    tex.write_text("\\documentclass{article}\\begin{document}\\def\\x{\\x}\\x\\end{document}\n")  # TeX loops forever
    out = run_limited(_compile_forever, str(tex), limits=Limits(wall_seconds=4))
    assert out.status == "timeout"
    deadline = time.monotonic() + 5
    while _processes_mentioning(job) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_mentioning(job) == []
