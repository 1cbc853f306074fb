"""Compile a report to PDF with latexmk, safely, and explain a failure by file and line.

LaTeX runs as ``latexmk -pdf -interaction=nonstopmode -halt-on-error -file-line-error
-no-shell-escape`` (never shell escape), with kpathsea's ``openout_any``/``openin_any`` set to
*paranoid* so the document cannot read or write outside its directory.  Auxiliary files go to
``_build/`` beside the ``.tex``; the PDF is moved next to the ``.tex`` atomically only when
the run succeeded, so a failed run leaves no PDF that belongs to an older ``.tex``.

References
----------
latexmk manual (options ``-outdir``, ``-no-shell-escape``); kpathsea manual, "openout_any".
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess

from rnnproof.derivations.errors import RnnproofError

__all__ = ["CompileError", "LATEXMK_ARGS", "BUILD_DIR", "latexmk_path", "compile_pdf", "explain_failure"]

LATEXMK_ARGS = ("-pdf", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error", "-no-shell-escape")
BUILD_DIR = "_build"
_ERROR_LINE = re.compile(r"^(?P<file>[^:\n]*\.tex):(?P<line>\d+): (?P<msg>.*)$", re.M)


class CompileError(RnnproofError):
    """LaTeX failed; the message names file:line, the error and the offending source line."""


def latexmk_path() -> str | None:
    """Where latexmk is, or ``None`` when it is not on PATH."""
    return shutil.which("latexmk")


def explain_failure(log: str, base: pathlib.Path) -> str:
    """``file:line: message`` plus the offending source line, from a ``-file-line-error`` log."""
    m = _ERROR_LINE.search(log)
    if m is None:
        tail = "\n".join(log.strip().splitlines()[-15:])
        return f"LaTeX failed without a file:line error; end of the log:\n{tail}"
    name, line = m["file"], int(m["line"])
    context = []
    for extra in log[m.end():].lstrip("\n").splitlines()[:6]:  # TeX's context, up to the l.NNN line
        context.append("  " + extra)
        if extra.startswith("l."):
            break
    src = base / name.removeprefix("./")
    try:
        lines = src.read_text(encoding="utf-8").splitlines()
        source = lines[line - 1] if 0 < line <= len(lines) else "(line not in file)"
    except OSError:
        source = "(source not readable)"
    where = f"{name.removeprefix('./')}:{line}: {m['msg']}\n  {line:>5} | {source}"
    return where + ("\n" + "\n".join(context) if context else "")


def compile_pdf(tex: pathlib.Path, *, timeout: float = 300.0) -> pathlib.Path:
    """Compile ``tex`` to ``<stem>.pdf`` beside it; return the PDF's path.

    Raises
    ------
    CompileError
        latexmk is missing, timed out, or LaTeX reported an error (file:line and source line).
    """
    tex = pathlib.Path(tex).resolve()
    exe = latexmk_path()
    if exe is None:
        raise CompileError("latexmk is not on PATH; install TeX Live (latexmk, pdflatex) or pass --no-pdf")
    build = tex.parent / BUILD_DIR
    build.mkdir(exist_ok=True)
    cmd = [exe, *LATEXMK_ARGS, f"-outdir={BUILD_DIR}", tex.name]
    env = dict(os.environ, shell_escape="f", openout_any="p", openin_any="p")
    try:
        proc = subprocess.run(cmd, cwd=tex.parent, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, errors="replace", timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise CompileError(f"{tex.name}: latexmk did not finish within {timeout:g} s") from None
    log_path = build / f"{tex.stem}.log"
    pdf = build / f"{tex.stem}.pdf"
    if proc.returncode != 0 or not pdf.exists():
        log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else proc.stdout + proc.stderr
        raise CompileError(f"{tex.name} does not compile:\n" + explain_failure(log, tex.parent))
    target = tex.with_suffix(".pdf")
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:  # copy (latexmk keeps its up-to-date state in _build/), then move into place atomically
        shutil.copyfile(pdf, tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
