r"""Assemble and write a report: the main document, one standalone ``.tex`` per identity,
the figure data files, and (optionally) the PDF.

:func:`build_report` is pure: identities, their derivation results, the numeric evidence
(:class:`~rnnproof.numeric.results.CheckResult` records) and the figure series in, a mapping
file name -> text out.  The same inputs give byte-identical files (no date, no path, fixed
number formats).  :func:`write_report` writes them atomically; whenever a ``.tex`` or a data
file changes, the PDFs made from the old files are deleted before the new files appear, so a
stale PDF never sits beside a new ``.tex``.

Inputs are injected so the writer is testable without the numeric engine; the ``report``
command gathers them (:mod:`rnnproof.commands.report`).
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from rnnproof.derivations.errors import InputError

from . import sections
from .compile import compile_pdf
from .evidence import EVIDENCE_FILE, evidence_csv
from .figures import figures_for
from .files import remove_quietly, write_atomic
from .lemmas import lemma_section
from .tex import document

__all__ = ["DEFAULT_TITLE", "ReportFiles", "build_report", "write_report", "main_name", "EVIDENCE_FILE"]

DEFAULT_TITLE = "rnnproof: the gradient identities of recurrent networks, derived and checked"


@dataclass(frozen=True)
class ReportFiles:
    """What :func:`write_report` wrote: the main ``.tex``, the standalone ones, the data
    files, the PDF (``None`` when not compiled), whether anything changed, and the appendix
    of the full report (``.tex`` and PDF; ``None`` for the handout)."""

    tex: pathlib.Path
    standalone: tuple[pathlib.Path, ...]
    data: tuple[pathlib.Path, ...]
    pdf: pathlib.Path | None
    changed: bool
    appendix: pathlib.Path | None = None
    appendix_pdf: pathlib.Path | None = None


_APPENDIX_INTRO = (r"\section*{About this appendix}" "\n"
                   r"The report \texttt{rnnproof.pdf} gives each identity's statement, derivation and the reason "
                   r"and verdict of every step. This appendix has, section by section (same numbers), how each "
                   r"step was settled -- the decision procedure, the numeric screen and its precision, the sizes "
                   r"of the explicit instances, the lemma -- and the numeric evidence per run: the check that came "
                   r"closest to its tolerance, with its error next to its tolerance." "\n")


def main_name(*, handout: bool) -> str:
    """``rnnproof.tex``, or ``rnnproof-handout.tex`` for the handout."""
    return "rnnproof-handout.tex" if handout else "rnnproof.tex"


def _items(identities, results, evidence):
    by_id = {r.identity: r for r in results}
    missing = [i.id for i in identities if i.id not in by_id]
    if missing:
        raise InputError(f"report: no derivation result for {missing}")
    ev: dict[str, list] = {i.id: [] for i in identities}
    for r in evidence:
        if r.identity in ev:
            ev[r.identity].append(r)
    return [(i, by_id[i.id], ev[i.id]) for i in identities]


def build_report(identities: Sequence[Any], results: Sequence[Any], *, evidence: Sequence[Any] = (),
                 series: Mapping[str, Any] | None = None, handout: bool = False,
                 title: str = DEFAULT_TITLE, figure_checks: Sequence[Any] = ()) -> dict[str, str]:
    """Every file of the report as ``{file name: text}`` (pure, deterministic).

    Parameters
    ----------
    identities : sequence of Identity
        In the order of the report.
    results : sequence of DerivationResult
        One per identity (matched by id).
    evidence : sequence of CheckResult
        Numeric checks; grouped by ``identity`` (results of other ids are not shown).
    series : mapping, optional
        Figure curves, see :func:`rnnproof.report.figures.coerce_series`.
    handout : bool
        Derivations, conventions and figures without the numeric tables.
    title : str
        Document title (escaped).
    figure_checks : sequence of CheckResult
        Checks made only for a figure (not by ``rnnproof check``): counted apart, listed in the
        evidence file.
    """
    items = _items(identities, results, evidence)
    ids = [i.id for i in identities]
    figs = figures_for(ids, series)
    files: dict[str, str] = {}
    for f in figs:
        files.update(f.data)
    suffix = "-handout" if handout else ""
    lemmas = lemma_section([r for _, r, _ in items])
    body = [sections.conventions(handout=handout), sections.summary(items, handout=handout), lemmas]
    appendix = [_APPENDIX_INTRO, lemmas]
    for ident, result, ev in items:
        mine = [f for f in figs if f.identity == ident.id]
        pointers = [f.pointers[ident.id] for f in figs if f.pointers and ident.id in f.pointers]
        figure_ev = [r for r in figure_checks if r.identity == ident.id]
        sec = sections.identity_section(ident, result, ev, mine, handout=handout, pointers=pointers,
                                        figure_checks=figure_ev)
        body.append(sec if handout else sections.identity_section(
            ident, result, ev, mine, handout=handout, pointers=pointers, figure_checks=figure_ev, appendix=True))
        if not handout:
            appendix.append(sections.appendix_section(ident, result, ev, figure_ev))
        files[f"{ident.id}{suffix}.tex"] = document(ident.title, [sections.conventions(handout=handout),
                                                                  lemma_section([result]), sec],
                                                    subtitle="rnnproof " + ("handout" if handout else "report"),
                                                    standalone=True)
    files[main_name(handout=handout)] = document(title, [r"\tableofcontents"] + body,
                                                 subtitle="handout" if handout else "")
    if not handout:
        files[EVIDENCE_FILE] = evidence_csv([r for _, _, ev in items for r in ev], figure_checks)
        files[f"{sections.APPENDIX}.tex"] = document(title, [r"\tableofcontents"] + appendix,
                                                     subtitle="appendix: how each step was settled, and the "
                                                              "numeric evidence per run")
    return files


def write_report(identities: Sequence[Any], results: Sequence[Any], *, out: pathlib.Path,
                 evidence: Sequence[Any] = (), series: Mapping[str, Any] | None = None, handout: bool = False,
                 title: str = DEFAULT_TITLE, pdf: bool = False, figure_checks: Sequence[Any] = ()) -> ReportFiles:
    """Write the report into ``out`` atomically and compile the main document when ``pdf``.

    Raises
    ------
    rnnproof.report.compile.CompileError
        LaTeX failed (the message has file:line and the source line); the ``.tex`` stays, no PDF.
    """
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files = build_report(identities, results, evidence=evidence, series=series, handout=handout, title=title,
                         figure_checks=figure_checks)
    texs = sorted(n for n in files if n.endswith(".tex"))
    data = sorted(n for n in files if not n.endswith(".tex") and n != EVIDENCE_FILE)
    if EVIDENCE_FILE in files:  # read by no document: writing it never makes a PDF stale
        write_atomic(out / EVIDENCE_FILE, files[EVIDENCE_FILE])
    changed = False
    for name in data:
        changed |= write_atomic(out / name, files[name])
    if changed:  # every document reads the data files: their PDFs are stale now
        for name in texs:
            remove_quietly(out / name.replace(".tex", ".pdf"))
    main = main_name(handout=handout)
    for name in [n for n in texs if n != main] + [main]:
        changed |= write_atomic(out / name, files[name], stale=(out / name.replace(".tex", ".pdf"),))
    pdf_path = compile_pdf(out / main) if pdf else None
    extra = f"{sections.APPENDIX}.tex"
    appendix_pdf = compile_pdf(out / extra) if pdf and extra in files else None
    return ReportFiles(tex=out / main, standalone=tuple(out / n for n in texs if n not in (main, extra)),
                       data=tuple(out / n for n in data), pdf=pdf_path, changed=changed,
                       appendix=out / extra if extra in files else None, appendix_pdf=appendix_pdf)
