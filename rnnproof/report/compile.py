r"""Compile a report to PDF with latexmk in a sandbox, and explain a failure by file and line.

The target directory is never trusted (for a grading service it is student-controlled):

* LaTeX runs in a fresh private temporary directory that this module creates; only the
  ``.tex`` and the data files it names (regular files, opened without following symlinks)
  are copied in.  Nothing of the target directory is on TeX's search path, so a planted
  ``amsmath.sty`` is never read.
* ``latexmk -norc`` reads no ``latexmkrc`` (a planted ``.latexmkrc`` would be run as Perl),
  with every option explicit: ``-pdf -interaction=nonstopmode -halt-on-error
  -file-line-error -no-shell-escape``; kpathsea's ``openout_any``/``openin_any`` are
  *paranoid* and ``shell_escape`` is off, so the document cannot read or write outside the
  private directory or run programs.
* Results (the PDF and the log) are moved into the target atomically: written to a fresh
  temporary name (``O_EXCL``, so never through a planted symlink) and renamed over the target
  name, which replaces a planted symlink instead of writing through it.
* The PDF is reproducible: ``SOURCE_DATE_EPOCH`` (0 unless set) with ``FORCE_SOURCE_DATE=1``,
  and ``\pdftrailerid{}`` before the document, so the same ``.tex`` gives the same bytes.

A run that produced no PDF raises :class:`CompileError` with the reason.

References
----------
latexmk manual (``-norc``, ``-usepretex``); kpathsea manual, "openout_any"; pdfTeX manual,
``\pdftrailerid``; reproducible-builds.org, ``SOURCE_DATE_EPOCH``.
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import stat
import subprocess
import tempfile

from rnnproof.atomicfile import write_bytes_atomic
from rnnproof.derivations.errors import RnnproofError
from rnnproof.proctree import kill_tree

__all__ = ["CompileError", "LATEXMK_ARGS", "PRETEX", "latexmk_path", "compile_pdf", "explain_failure",
           "compile_env", "place_atomically"]

LATEXMK_ARGS = ("-norc", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error",
                "-no-shell-escape")
#: TeX code run before the document: no random /ID in the PDF trailer (reproducible bytes)
PRETEX = r"\ifdefined\pdftrailerid\pdftrailerid{}\fi"
_ERROR_LINE = re.compile(r"^(?P<file>[^:\n]*\.tex):(?P<line>\d+): (?P<msg>.*)$", re.M)
_SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*\.tex")
_KEEP = (".pdf", ".log")


class CompileError(RnnproofError):
    """LaTeX failed or produced no PDF; the message names file:line, the error and the source line."""


def latexmk_path() -> str | None:
    """Where latexmk is, or ``None`` when it is not on PATH."""
    return shutil.which("latexmk")


def compile_env(base=None) -> dict[str, str]:
    """The environment of the LaTeX run: paranoid kpathsea, no shell escape, fixed dates."""
    env = {k: v for k, v in (os.environ if base is None else base).items()
           if not k.startswith(("TEXINPUTS", "LATEXMK", "TEXMFHOME", "TEXMFCONFIG", "TEXMFVAR"))}
    epoch = env.get("SOURCE_DATE_EPOCH", "")
    env.update(shell_escape="f", openout_any="p", openin_any="p", FORCE_SOURCE_DATE="1",
               SOURCE_DATE_EPOCH=epoch if epoch.isdigit() else "0")
    return env


def explain_failure(log: str, base: pathlib.Path, *, shown: dict[str, str] | None = None) -> str:
    """``file:line: message`` plus the offending source line, from a ``-file-line-error`` log.

    ``shown`` maps a private file name to the name the user knows.
    """
    m = _ERROR_LINE.search(log)
    if m is None:
        tail = "\n".join(log.strip().splitlines()[-15:])
        return f"LaTeX failed without a file:line error; end of the log:\n{tail}"
    name, line = m["file"].removeprefix("./"), int(m["line"])
    context = []
    for extra in log[m.end():].lstrip("\n").splitlines()[:6]:  # TeX's context, up to the l.NNN line
        context.append("  " + extra)
        if extra.startswith("l."):
            break
    try:
        lines = (base / name).read_text(encoding="utf-8", errors="replace").splitlines()
        source = lines[line - 1] if 0 < line <= len(lines) else "(line not in file)"
    except OSError:
        source = "(source not readable)"
    where = f"{(shown or {}).get(name, name)}:{line}: {m['msg']}\n  {line:>5} | {source}"
    return where + ("\n" + "\n".join(context) if context else "")


def _copy_in(src: pathlib.Path, dst: pathlib.Path) -> None:
    """Copy a regular file without following a symlink at ``src`` (else CompileError)."""
    try:
        fd = os.open(src, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise CompileError(f"{src.name}: cannot read ({exc.strerror}; symbolic links are not followed)") from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise CompileError(f"{src.name}: not a regular file")
        with open(dst, "xb") as out:
            shutil.copyfileobj(fh, out)


def place_atomically(src: pathlib.Path, target: pathlib.Path) -> None:
    """Copy ``src`` to ``target`` atomically (:func:`rnnproof.atomicfile.write_bytes_atomic`:
    a fresh ``O_EXCL`` temporary beside it, then ``os.replace``, which replaces a symlink at
    ``target`` rather than writing through it)."""
    write_bytes_atomic(target, pathlib.Path(src).read_bytes())


def _run(cmd, cwd, timeout) -> subprocess.CompletedProcess:
    """latexmk in the caller's process group (so a sandbox that kills the group kills TeX too);
    on timeout latexmk and every descendant (pdflatex) are killed."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=compile_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, errors="replace")
    try:
        out, _ = proc.communicate(timeout=timeout)
    except BaseException:
        kill_tree(proc.pid)
        proc.communicate()
        raise
    return subprocess.CompletedProcess(cmd, proc.returncode, out, "")


def compile_pdf(tex: pathlib.Path, *, timeout: float = 300.0, inputs=None) -> pathlib.Path:
    """Compile ``tex`` in a private directory; move ``<stem>.pdf`` (and the log) beside it.

    Parameters
    ----------
    tex : pathlib.Path
        The document; its directory is the target (untrusted).
    timeout : float
        Seconds for the whole latexmk run (then its process group is killed).
    inputs : iterable of str, optional
        Names of files beside ``tex`` that the document reads (pgfplots tables); default: the
        regular ``*.dat`` files there.  Nothing else of the directory is visible to TeX.

    Raises
    ------
    CompileError
        latexmk is missing, timed out, LaTeX reported an error (file:line and source line), or
        no PDF was produced.
    """
    tex = pathlib.Path(os.path.abspath(tex))
    exe = latexmk_path()
    if exe is None:
        raise CompileError("latexmk is not on PATH; install TeX Live (latexmk, pdflatex) or pass --no-pdf")
    if inputs is None:
        inputs = sorted(p.name for p in tex.parent.glob("*.dat") if p.is_file() and not p.is_symlink())
    job = tex.name if _SAFE_NAME.fullmatch(tex.name) else "document.tex"
    with tempfile.TemporaryDirectory(prefix="rnnproof-tex-") as private:
        work = pathlib.Path(private)
        _copy_in(tex, work / job)
        for name in inputs:
            if "/" in name or name.startswith(".") or name == job:
                raise CompileError(f"{name!r}: an input must be a plain file name beside the .tex")
            _copy_in(tex.parent / name, work / name)
        cmd = [exe, *LATEXMK_ARGS, f"-usepretex={PRETEX}", job]
        try:
            proc = _run(cmd, work, timeout)
        except subprocess.TimeoutExpired:
            raise CompileError(f"{tex.name}: latexmk did not finish within {timeout:g} s") from None
        stem = job[:-4]
        pdf, log_path = work / f"{stem}.pdf", work / f"{stem}.log"
        log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else proc.stdout
        target = tex.with_suffix(".pdf")
        if proc.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
            for stale in (target,):  # a failed run never leaves an older PDF beside the new .tex
                if stale.is_symlink() or stale.is_file():
                    stale.unlink()
            raise CompileError(f"{tex.name} does not compile (no PDF):\n"
                               + explain_failure(log, work, shown={job: tex.name}))
        if log_path.exists():
            place_atomically(log_path, tex.with_suffix(".log"))
        place_atomically(pdf, target)
    return target
