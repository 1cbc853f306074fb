"""The report compiles with TeX Live: PDF, every title in its text, page 1 renders, no Type 3
fonts, no shell escape, and LaTeX errors reported with file:line.

Marked ``latex``: under ``CI=true`` these run and fail when latexmk is missing; elsewhere they
skip with the reason.  The whole catalogue is typeset once per module, with layout-only
derivation results (every step printed, nothing derived) so the module stays fast.
"""

from __future__ import annotations

import pathlib
import subprocess

import pytest

from rnnproof.derivations import registry
from rnnproof.report import CompileError, compile_pdf, write_report
from rnnproof.report.tex import escape_tex

from report_helpers import HOSTILE_RUN, available_ids, synthetic_evidence, synthetic_result, synthetic_series

pytestmark = pytest.mark.latex
_MINIMAL = "\\documentclass{article}\n\\begin{document}\n%s\n\\end{document}\n"


def _flat(s: str) -> str:
    """Text compared without spaces and underscores (OT1 draws \\_ as a rule) and with
    straight quotes."""
    return "".join(s.replace("\u2019", "'").replace("_", " ").split())


def _run(*cmd, cwd=None) -> str:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=True, timeout=120).stdout


@pytest.fixture(scope="module")
def catalogue_pdf(latex_tools, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    ids = available_ids()
    idents = [registry.get(i) for i in ids]
    files = write_report(idents, [synthetic_result(i) for i in idents], out=out, evidence=synthetic_evidence(ids),
                         series=synthetic_series(), pdf=True)
    return idents, files


def test_pdf_compiles(catalogue_pdf):
    _, files = catalogue_pdf
    assert files.pdf is not None and files.pdf.read_bytes().startswith(b"%PDF")
    assert files.pdf.parent == files.tex.parent and files.pdf.stem == files.tex.stem


def test_pdf_text_has_every_title_and_no_raw_markup(catalogue_pdf):
    idents, files = catalogue_pdf
    raw = _run("pdftotext", str(files.pdf), "-")
    flat = _flat(raw)
    for ident in idents:  # the words of each title (its ASCII mathematics is typeset, issue 13)
        assert all(w in flat for w in ident.title.split() if w.isalpha() and len(w) > 3), ident.id
    text = " ".join(raw.split())
    assert "DiagMatrix" not in text and "operatorname" not in text
    cell = "".join(raw[raw.index("evil"):].split())  # a narrow table cell: lines joined
    assert cell.startswith(r"evil\input{/etc/passwd}\write18{touchpwned}\catco"), cell[:60]
    assert "root:" not in text


def test_page_one_renders(catalogue_pdf, tmp_path):
    _, files = catalogue_pdf
    _run("pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", "-singlefile", str(files.pdf), str(tmp_path / "p1"))
    png = tmp_path / "p1.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 2000


def test_no_type3_fonts(catalogue_pdf):
    _, files = catalogue_pdf
    fonts = _run("pdffonts", str(files.pdf))
    assert "Type 3" not in fonts, fonts


def test_nothing_overflows_the_margins(catalogue_pdf):
    _, files = catalogue_pdf
    log = (files.tex.parent / "rnnproof.log").read_text(errors="replace")
    over = [line for line in log.splitlines() if line.startswith("Overfull \\hbox") and
            float(line.split("(")[1].split("pt")[0]) > 1.0]
    assert not over, "\n".join(over)


@pytest.mark.parametrize("name", ["tanh_jacobian", "gru_jacobian"])  # gru: points to a figure elsewhere
def test_standalone_identity_file_compiles(catalogue_pdf, name):
    _, files = catalogue_pdf
    tex = next((p for p in files.standalone if p.name == f"{name}.tex"), None)
    assert tex is not None, f"{name}.tex was not written beside the report"
    assert compile_pdf(tex).exists()


def test_compile_error_names_file_line_and_source(latex_tools, tmp_path):
    tex = tmp_path / "broken.tex"
    tex.write_text(_MINIMAL % "Fine line.\n\nA \\undefinedmacro here.\n")
    with pytest.raises(CompileError) as err:
        compile_pdf(tex)
    msg = str(err.value)
    line = tex.read_text().splitlines().index(r"A \undefinedmacro here.") + 1
    assert f"broken.tex:{line}: Undefined control sequence." in msg
    assert r"A \undefinedmacro here." in msg
    assert not (tmp_path / "broken.pdf").exists()


def test_shell_escape_is_never_enabled(latex_tools, tmp_path):
    tex = tmp_path / "shell.tex"
    tex.write_text(_MINIMAL % (r"\immediate\write18{touch pwned}Text." + "\n" + escape_tex(HOSTILE_RUN)))
    compile_pdf(tex)
    assert not (tmp_path / "pwned").exists()


def test_command_reports_compile_errors_with_exit_1(latex_tools, tmp_path, monkeypatch, capsys):
    from rnnproof.cli import main
    from rnnproof.commands import report as cmd
    from rnnproof.report import writer

    monkeypatch.setattr(cmd, "_numeric", lambda ids, seed: ([], None))
    real = writer.document

    def broken(title, body, **kw):
        return real(title, body + [r"\undefinedmacro"], **kw)

    monkeypatch.setattr(writer, "document", broken)
    code = main(["report", "sigmoid_derivative", "--out", str(tmp_path), "--pdf", "-j", "1"])
    err = capsys.readouterr().err
    assert code == 1
    assert "rnnproof.tex:" in err and "Undefined control sequence" in err and r"\undefinedmacro" in err
    assert (tmp_path / "rnnproof.tex").exists() and not (tmp_path / "rnnproof.pdf").exists()


# -- the sandbox: nothing in the target directory has any effect (issue 16) -----------------------------

def _plant(directory: pathlib.Path, outside: pathlib.Path, stem: str) -> dict[str, pathlib.Path]:
    """A hostile report directory: rc files that would run Perl, a fake amsmath.sty that would
    write a canary, and symlinks where latexmk writes, pointing at files outside."""
    canary = outside / "canary"
    perl = f"system('touch {canary}'); open(my $f, '>', '{canary}'); print $f 'rc';\n"
    (directory / ".latexmkrc").write_text(perl)
    (directory / "latexmkrc").write_text(perl)
    (directory / "amsmath.sty").write_text(r"\immediate\write18{touch %s}\errmessage{planted amsmath}" % canary)
    victims = {}
    for ext in ("pdf", "log", "fdb_latexmk", "aux", "fls"):
        victim = outside / f"victim.{ext}"
        victim.write_text("precious")
        (directory / f"{stem}.{ext}").symlink_to(victim)
        victims[ext] = victim
    return {"canary": canary, **victims}


def test_planted_rc_sty_and_symlinks_have_no_effect(latex_tools, tmp_path):
    d, outside = tmp_path / "reports", tmp_path / "outside"
    d.mkdir(), outside.mkdir()
    planted = _plant(d, outside, "x")
    tex = d / "x.tex"
    tex.write_text("\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\nText.\n\\end{document}\n")
    pdf = compile_pdf(tex)
    assert pdf == d / "x.pdf" and not pdf.is_symlink() and pdf.read_bytes().startswith(b"%PDF")
    assert not planted["canary"].exists()
    assert all(v.read_text() == "precious" for k, v in planted.items() if k != "canary")
    assert not (d / "x.log").is_symlink() and "planted amsmath" not in (d / "x.log").read_text(errors="replace")
    assert sorted(p.name for p in outside.iterdir()) == sorted(f"victim.{e}" for e in ("pdf", "log", "fdb_latexmk",
                                                                                          "aux", "fls"))
    assert not (d / "_build").exists()


def test_document_cannot_read_files_of_the_target_directory(latex_tools, tmp_path):
    (tmp_path / "secret.txt").write_text("TOPSECRET")
    tex = tmp_path / "leak.tex"
    tex.write_text(_MINIMAL % r"\IfFileExists{secret.txt}{\input{secret.txt}}{absent}")
    pdf = compile_pdf(tex)
    text = _run("pdftotext", str(pdf), "-")
    assert "TOPSECRET" not in text and "absent" in text


def test_relative_path_and_awkward_names(latex_tools, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    d = pathlib.Path("rel") / "dir"
    d.mkdir(parents=True)
    for name in ("-x.tex", "a b.tex"):
        (d / name).write_text(_MINIMAL % "Text.")
        pdf = compile_pdf(d / name)
        assert pdf == (tmp_path / d / name).with_suffix(".pdf") and pdf.exists()
    assert sorted(p.name for p in (tmp_path / "rel").iterdir()) == ["dir"]


def test_pdf_is_reproducible(latex_tools, tmp_path):
    out = []
    for k in (1, 2):
        d = tmp_path / f"run{k}"
        d.mkdir()
        (d / "same.tex").write_text(_MINIMAL % r"Text $\sum_k x_k$.")
        out.append(compile_pdf(d / "same.tex").read_bytes())
    assert out[0] == out[1]
    assert b"/ID" not in out[0]


def test_non_utf8_source_error_is_readable(latex_tools, tmp_path):
    tex = tmp_path / "bytes.tex"
    tex.write_bytes(b"\\documentclass{article}\n\\begin{document}\n\xff\xfe \\undefinedmacro\n\\end{document}\n")
    with pytest.raises(CompileError) as err:
        compile_pdf(tex)
    assert "bytes.tex:3:" in str(err.value)


def test_no_pdf_is_an_error_and_removes_a_stale_pdf(latex_tools, tmp_path):
    tex = tmp_path / "empty.tex"
    (tmp_path / "empty.pdf").write_bytes(b"%PDF old")
    tex.write_text(_MINIMAL % r"\end{document}")
    with pytest.raises(CompileError) as err:
        compile_pdf(tex)
    assert "empty.tex" in str(err.value) and not (tmp_path / "empty.pdf").exists()


def test_a_reference_to_an_identity_outside_the_report_names_it(latex_tools, tmp_path):
    """A partial report cites identities it does not contain: they are named, never "Section ??";
    one it contains is "Section N"."""
    from rnnproof.report.tex import document

    tex = tmp_path / "partial.tex"
    tex.write_text(document("partial", [r"\section{Here}\label{tanh_jacobian}",
                                        r"See \idref{tanh_jacobian} and \idref{hidden_state_chain}."]))
    text = _flat(_run("pdftotext", str(compile_pdf(tex)), "-"))
    assert _flat("See Section 1 and the identity hidden_state_chain.") in text, text
    assert "??" not in text
