"""The real report, as a teacher gets it (issue 13): derived and checked on the built-in runs,
then read the way a reader does.

* every evidence row's verdict follows from the error and tolerance printed in it (.tex);
* no code-speak in the text of the compiled PDF (pdftotext);
* at most 40 pages, nothing wider than the line (a formula is never scaled below 85 %, so one
  that does not fit would overflow and show up in the log);
* the PDF has a Title and is byte-identical when compiled in another directory.

Slow (the whole catalogue is derived and checked once per module, about half a minute with
the run cache warm): runs under the ``ci`` profile.  The PDF tests need TeX Live (required
under ``CI=true``).
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess

import pytest

from rnnproof.derivations import registry
from rnnproof.report import compile_pdf, write_report

pytestmark = pytest.mark.slow

#: what must never reach a reader (issue 13): Python/SymPy syntax, implementation names, files
#: the reader does not have
FORBIDDEN = {
    "Python power": re.compile(r"\*\*"), "SymPy's Indexed": re.compile(r"Indexed"),
    "SymPy's infinity": re.compile(r" oo\b"), "a Python constant": re.compile(r"GAMMA"),
    "SymPy's Min": re.compile(r"Min\("), "an environment key": re.compile(r"env key"),
    "a file the reader lacks": re.compile(r"IDENTITIES\.md"), "a Python bool": re.compile(r"\b(True|False)\b"),
    "a Python slice": re.compile(r"\[\s*:|:\s*\]|\[\s*-?\d*\s*:\s*-?\d*\s*,"),
    "a Python float": re.compile(r"\d(\.\d+)?\s*[eE]\s*[-\u2212+]?\s*\d"),
    "SymPy's Matrix": re.compile(r"Matrix\("), "SymPy's Derivative": re.compile(r"Derivative\("),
}


@pytest.fixture(scope="module")
def real_report(tmp_path_factory):
    from rnnproof.commands.report import FIGURE_CHECKS, _derive_and_check

    ids = list(registry.all_ids())
    results, evidence, series = _derive_and_check(ids, 0, 1)
    series = dict(series)
    figure_checks = series.pop(FIGURE_CHECKS, [])
    out = tmp_path_factory.mktemp("real-report")
    files = write_report([registry.get(i) for i in ids], results, out=out, evidence=evidence, series=series,
                         figure_checks=figure_checks, pdf=False)
    return files, evidence


@pytest.fixture(scope="module")
def real_pdf(real_report, latex_tools):
    files, _ = real_report
    return compile_pdf(files.tex)


@pytest.fixture(scope="module")
def appendix_pdf(real_report, latex_tools):
    files, _ = real_report
    return compile_pdf(files.appendix)


def _num(cell: str) -> float:
    """The value of a printed number cell: ``$2.3\\times 10^{-9}$``, ``$0$``, ``$\\infty$``."""
    s = cell.strip().strip("$")
    if s == "0":
        return 0.0
    if s == r"\infty":
        return math.inf
    m = re.fullmatch(r"(-?[\d.]+)(?:\\times 10\^\{(-?\d+)\})?", s)
    assert m, f"not a printed number: {cell!r}"
    return float(m.group(1)) * 10.0 ** int(m.group(2) or 0)


def test_main_summary_shows_error_next_to_tolerance(real_report):
    """The main document's evidence paragraph of each section: its closest (or failed) check's
    error and tolerance agree with the verdict it states."""
    files, evidence = real_report
    tex = files.tex.read_text()
    paras = re.findall(r"\\paragraph\{Numeric evidence\.\} (.*?)(?:\n\n|\Z)", tex, flags=re.S)
    assert len(paras) == len(registry.all_ids())
    for para in paras:
        m = re.search(r"error \$(.*?)\$, tolerance \$(.*?)\$", para)
        assert m, para
        err, tol = _num(m.group(1)), _num(m.group(2))
        failed = "checks failed" in para
        assert (err > tol) == failed or (failed and "The failed check" in para), para


def test_every_evidence_row_verdict_follows_from_its_numbers(real_report):
    files, evidence = real_report
    tex = files.appendix.read_text()
    rows = [line for line in tex.splitlines() if re.search(r"& (pass|\\textbf\{FAIL\}) \d+/\d+", line)]
    assert len(rows) >= len(registry.all_ids()), "fewer evidence rows than identities"
    for row in rows:
        cells = [c.strip() for c in row.rstrip("\\ ").split(" & ")]
        err, tol, verdict = _num(cells[4]), _num(cells[5]), cells[7]
        assert "disagrees" not in verdict, row
        if verdict.startswith("pass"):
            assert err <= tol, f"row says pass but shows error {err:g} > tolerance {tol:g}: {row}"
        else:
            assert err >= tol, f"row says FAIL but shows error {err:g} < tolerance {tol:g}: {row}"


def test_counts_agree_with_the_check_command(real_report):
    files, evidence = real_report
    tex = files.tex.read_text()
    for ident in registry.all_ids():
        n = sum(r.identity == ident for r in evidence)
        assert re.search(r"hyperref\[%s\]\{.*passed %d/%d" % (re.escape(ident), n, n), tex), ident


def test_evidence_file_lists_every_check(real_report):
    files, evidence = real_report
    lines = (files.tex.parent / "rnnproof-evidence.csv").read_text().splitlines()
    assert sum(line.startswith("check,") for line in lines) == len(evidence)


def test_pdf_text_has_no_code_speak(real_pdf, appendix_pdf):
    text = "".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
                   for pdf in (real_pdf, appendix_pdf))
    found = {what: sorted({m.group(0) for m in rx.finditer(text)})[:5] for what, rx in FORBIDDEN.items()
             if rx.search(text)}
    context = {what: [text[max(0, m.start() - 40):m.end() + 40].replace("\n", " ")
                      for m in list(FORBIDDEN[what].finditer(text))[:2]] for what in found}
    assert not found, f"code-speak in the PDF: {found}; context: {context}"


def test_appendix_fits_the_line(appendix_pdf):
    log = appendix_pdf.with_suffix(".log").read_text(errors="replace")
    over = [line for line in log.splitlines() if line.startswith("Overfull \\hbox") and
            float(line.split("(")[1].split("pt")[0]) > 1.0]
    assert not over, "\n".join(over)


def test_pdf_fits_forty_pages_and_the_line(real_pdf):
    info = subprocess.run(["pdfinfo", str(real_pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    assert pages <= 40, f"{pages} pages"
    assert re.search(r"^Title:\s+rnnproof: the gradient identities", info, re.M), info
    log = real_pdf.with_suffix(".log").read_text(errors="replace")  # the compile puts the log beside the .tex
    over = [line for line in log.splitlines() if line.startswith("Overfull \\hbox") and
            float(line.split("(")[1].split("pt")[0]) > 1.0]
    assert not over, "\n".join(over)


def test_pdf_bytes_do_not_depend_on_the_directory(real_pdf, tmp_path):
    other = tmp_path / "elsewhere" / "copy"
    shutil.copytree(real_pdf.parent, other, ignore=shutil.ignore_patterns("*.pdf", "*.log"))
    again = compile_pdf(other / real_pdf.with_suffix(".tex").name)
    assert again.read_bytes() == real_pdf.read_bytes(), "the PDF differs when compiled in another directory"
