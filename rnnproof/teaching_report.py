r"""A LaTeX report of a checked derivation file (``rnnproof verify --report DIR``).

The maths comes from :func:`rnnproof.derivations.printing.latex` applied to the display form
of each expression, or from the step's own ``| latex:`` text, which the parser only accepts
after a whitelist check (:mod:`rnnproof.derivations.userfile.latexsafe`).  Every other piece
of user text (title, justifications, counterexample values, file name) goes through
:func:`rnnproof.report.tex.escape_tex`, so ``\input``, ``\write18`` or ``\catcode`` print as
text.  latexmk, when present, runs with ``-no-shell-escape``.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import tempfile

from rnnproof.derivations.model import Verdict
from rnnproof.derivations.printing import latex
from rnnproof.report.tex import escape_tex

__all__ = ["report_tex", "write_report"]

_REL = {"=": "=", "<=": r"\le", "<": "<"}


def _math(expr, override=""):
    return override or latex(expr.display)


def report_tex(res) -> str:
    """The complete LaTeX document for one :class:`~rnnproof.derivations.userfile.FileResult`."""
    df = res.file
    out = [r"\documentclass[11pt]{article}", r"\usepackage[utf8]{inputenc}", r"\usepackage{amsmath,amssymb}",
           r"\usepackage[margin=2cm]{geometry}", r"\begin{document}",
           r"\section*{%s}" % escape_tex(df.title or "Derivation"),
           r"File: \texttt{%s}. Notation: %s vectors; Jacobians in numerator layout." % (
               escape_tex(os.path.basename(df.path)), escape_tex(df.notation))]
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
            mark, _math(s.lhs), _REL.get(s.rel, "="), _math(s.rhs, s.latex), s.line))
        if s.justification:
            out.append(r"\emph{by} %s\\" % escape_tex(s.justification))
        detail = f"{r.method}; {r.detail}" if r.detail else r.method
        out.append(r"\textsc{%s} (%s)" % (escape_tex(str(r.verdict)), escape_tex(detail)))
        if r.counterexample:
            ce = ", ".join(f"{a} = {v}" for a, v in r.counterexample.items())
            out.append(r"\\ counterexample: %s" % escape_tex(ce))
    out.append(r"\end{enumerate}")
    out.append(r"\paragraph{Verdict.} %s: %d proved, %d numerically confirmed, %d refuted (seed %d)." % (
        escape_tex(str(res.verdict)), res.count(Verdict.PROVED), res.count(Verdict.CONFIRMED),
        res.count(Verdict.REFUTED), res.seed))
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"


def write_report(res, directory) -> pathlib.Path:
    """Write ``<stem>.tex`` into ``directory`` atomically and compile it when latexmk exists.

    Returns the PDF path when compiled, else the ``.tex`` path.
    """
    d = pathlib.Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in pathlib.Path(res.file.path).stem) or "derivation"
    tex = d / f"{stem}.tex"
    fd, tmp = tempfile.mkstemp(dir=d, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(report_tex(res))
    os.replace(tmp, tex)
    exe = shutil.which("latexmk")
    if exe is None:
        return tex
    cmd = [exe, "-pdf", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", f"-outdir={d}", tex.name]
    env = {**os.environ, "openout_any": "p", "openin_any": "p"}
    try:
        done = subprocess.run(cmd, cwd=d, capture_output=True, text=True, timeout=120, env=env)
    except (OSError, subprocess.TimeoutExpired):
        return tex
    pdf = d / f"{stem}.pdf"
    return pdf if done.returncode == 0 and pdf.exists() else tex
