r"""A LaTeX report of a checked derivation file (``rnnproof verify --report DIR``).

The maths comes from :func:`rnnproof.derivations.printing.latex` applied to the display form
of each expression, or from the step's own ``| latex:`` text, which the parser only accepts
after a whitelist check (:mod:`rnnproof.derivations.userfile.latexsafe`).  Every other piece
of user text (title, justifications, counterexample values, file name) goes through
:func:`rnnproof.report.tex.escape_tex`, so ``\input``, ``\write18`` or ``\catcode`` print as
text.  Text outside what the report's fonts can set (thorn, eth, CJK, emoji, control
characters) is transliterated or shown as ``[U+XXXX]`` (:func:`text`); a file name is escaped
like any text, and the report's own file names are ASCII (:func:`report_stem`).

latexmk runs in :func:`rnnproof.report.compile.compile_pdf`'s sandbox: a private directory,
no rc files, no shell escape, results placed atomically (a planted symlink in the target
directory is replaced, never written through).  A ``| latex:`` override that TeX still
rejects is dropped (the step is printed from its expression, with a note) and the document
compiled again, so every report ends in a PDF or an error that says why.
"""

from __future__ import annotations

import os
import pathlib
import re
import tempfile
import unicodedata

from rnnproof.derivations.model import Verdict
from rnnproof.derivations.printing import latex
from rnnproof.report.compile import CompileError, compile_pdf, latexmk_path, place_atomically
from rnnproof.report.tex import TRANSLIT, escape_tex

__all__ = ["report_tex", "write_report", "text", "report_stem"]

_REL = {"=": "=", "<=": r"\le", "<": "<"}


def text(s) -> str:
    """User text as inert LaTeX the report's fonts can set: :func:`escape_tex` of its NFC form
    (``escape_tex`` transliterates what OT1 cannot print and drops control characters)."""
    return escape_tex(unicodedata.normalize("NFC", str(s)))


def report_stem(path) -> str:
    """An ASCII file stem for the report of ``path``: accents stripped, anything else ``_``,
    never starting with ``-``.  (Two sources may share a stem, ``a b`` and ``a_b``: the later
    report replaces the earlier.)"""
    stem = "".join(TRANSLIT.get(c, c) for c in pathlib.Path(str(path)).stem)
    stem = "".join(c for c in unicodedata.normalize("NFKD", stem) if not unicodedata.combining(c))
    stem = re.sub(r"[^A-Za-z0-9_-]", "_", stem)
    return ("_" + stem[1:] if stem.startswith("-") else stem)[:100] or "derivation"


def _math(expr, override=""):
    return override or latex(expr.display)


def report_tex(res, *, overrides: bool = True) -> str:
    """The complete LaTeX document for one :class:`~rnnproof.derivations.userfile.FileResult`.

    ``overrides=False`` ignores the steps' ``| latex:`` texts (the fallback when TeX rejects one).
    """
    df = res.file
    out = [r"\documentclass[11pt]{article}", r"\usepackage[utf8]{inputenc}", r"\usepackage{amsmath,amssymb}",
           r"\usepackage[margin=2cm]{geometry}",
           r"\providecommand{\diag}{\operatorname{diag}}\providecommand{\lt}{<}\providecommand{\gt}{>}",
           r"\begin{document}",
           r"\section*{%s}" % text(df.title or "Derivation"),
           r"File: \texttt{%s}. Notation: %s vectors; Jacobians in numerator layout." % (
               text(os.path.basename(df.path)), text(df.notation))]
    if df.claim is not None:
        cl, rel, cr = df.claim
        out.append(r"\paragraph{Claim.} $\displaystyle %s %s %s$" % (
            _math(cl), {"=": "=", "<=": r"\le", "<": "<", ">=": r"\ge", ">": ">"}[rel], _math(cr)))
    out.append(r"\begin{enumerate}")
    first = res.first_failure
    for k, s in enumerate(res.steps):
        r = s.result
        mark = r"\textbf{First failing step.} " if k == first else ""
        out.append(r"\item %s$\displaystyle %s %s %s$ \hfill [line %d]\\" % (
            mark, _math(s.lhs), _REL.get(s.rel, "="), _math(s.rhs, s.latex if overrides else ""), s.line))
        if s.latex and not overrides:
            out.append(r"\emph{(the step's own LaTeX did not compile; printed from its expression)}\\")
        if s.justification:
            out.append(r"\emph{by} %s\\" % text(s.justification))
        detail = f"{r.method}; {r.detail}" if r.detail else r.method
        out.append(r"\textsc{%s} (%s)" % (text(r.verdict), text(detail)))
        if r.counterexample:
            ce = ", ".join(f"{a} = {v}" for a, v in r.counterexample.items())
            out.append(r"\\ counterexample: %s" % text(ce))
    out.append(r"\end{enumerate}")
    out.append(r"\paragraph{Verdict.} %s: %d proved, %d numerically confirmed, %d refuted (seed %d)." % (
        text(res.verdict), res.count(Verdict.PROVED), res.count(Verdict.CONFIRMED),
        res.count(Verdict.REFUTED), res.seed))
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"


def _write(directory: pathlib.Path, name: str, content: str) -> pathlib.Path:
    with tempfile.TemporaryDirectory(prefix="rnnproof-tex-") as tmp:
        src = pathlib.Path(tmp) / name
        src.write_text(content, encoding="utf-8")
        place_atomically(src, directory / name)
    return directory / name


def _same(a: pathlib.Path, b) -> bool:
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def write_report(res, directory) -> pathlib.Path:
    """Write ``<stem>.tex`` into ``directory`` atomically and compile it when latexmk exists.

    Returns the PDF path when compiled, else the ``.tex`` path.

    Raises
    ------
    CompileError
        Neither the document nor its fallback without ``| latex:`` overrides compiled (the
        message has the reason); the ``.tex`` stays, no PDF.
    """
    d = pathlib.Path(os.path.abspath(directory))
    d.mkdir(parents=True, exist_ok=True)
    stem = report_stem(res.file.path)
    if any(_same(d / f"{stem}{ext}", res.file.path) for ext in (".tex", ".pdf", ".log")):
        stem += "-report"  # never overwrite the derivation file itself (a source named x.tex)
    tex = _write(d, stem + ".tex", report_tex(res))
    if latexmk_path() is None:
        return tex
    try:
        return compile_pdf(tex, inputs=())
    except CompileError:
        if not any(s.latex for s in res.steps):
            raise
    _write(d, tex.name, report_tex(res, overrides=False))
    return compile_pdf(tex, inputs=())
