r"""The lemmas a report rests on, stated and proved once in a section of their own.

Every step of the catalogue marked *proved by lemma* is an instance of a named lemma of
:mod:`rnnproof.derivations.lemmas` (the spectral-norm facts: :math:`\lVert\operatorname{diag}(v)\rVert =
\max_a|v_a|`, :math:`\lVert A^\top\rVert = \lVert A\rVert`, submultiplicativity, the triangle
inequality, and order facts).  Each lemma is proved once by the derivation side; the report says
so once, in the section :func:`lemma_section` writes (statement, how it was proved, how far that
proof goes, reference), and each step that uses it points there (:func:`lemma_pointer`) instead
of repeating the proof at every use.

What a lemma's proof is comes from the step results themselves (``StepResult.rests_on``), so the
report prints what was checked, not a description typed again.
"""

from __future__ import annotations

from typing import Iterable

from rnnproof.derivations.lemmas import LEMMAS
from rnnproof.derivations.model import Verdict

from .prose import how, mathify
from .tex import escape_tex

__all__ = ["used_lemmas", "lemma_section", "lemma_pointer", "lemma_label"]


def lemma_label(name: str) -> str:
    """The LaTeX label of lemma ``name``'s entry in the lemma section."""
    return f"lemma:{name}"


def used_lemmas(results: Iterable) -> dict[str, str]:
    """``{lemma name: what it rests on}`` for every lemma a step of ``results`` (DerivationResult)
    is proved by, in order of first use."""
    out: dict[str, str] = {}
    for result in results:
        for r in result.results:
            name = getattr(r, "lemma", "")
            if r.verdict is Verdict.BY_LEMMA and name and name not in out:
                out[name] = getattr(r, "rests_on", "") or r.detail
    return out


def _proof_text(name: str, rests_on: str) -> str:
    """The proof part of ``rests_on`` (``lemma NAME (REF): PROOF``): the reference is printed apart."""
    ref = LEMMAS[name].reference if name in LEMMAS else ""
    prefix = f"lemma {name} ({ref}): " if ref else f"lemma {name}: "
    return rests_on[len(prefix):] if rests_on.startswith(prefix) else rests_on


def lemma_section(results: Iterable) -> str:
    """The section *Lemmas*: every lemma the steps of ``results`` use, stated, with how it was
    proved and its reference ("" when no step is proved by a lemma)."""
    used = used_lemmas(results)
    if not used:
        return ""
    items = []
    for name, rests_on in used.items():
        lemma = LEMMAS.get(name)
        statement = mathify(lemma.statement) if lemma else ""
        ref = (r" \emph{Reference:} %s." % mathify(lemma.reference)) if lemma else ""
        items.append(r"\item[\texttt{%s}]\label{%s} %s. \emph{Proved:} %s.%s"
                     % (escape_tex(name), lemma_label(name), statement, how(_proof_text(name, rests_on)), ref))
    intro = (r"\section*{Lemmas}" "\n" r"\addcontentsline{toc}{section}{Lemmas}" "\n"
             r"The norm bounds rest on these facts. Each is proved once, here; a step marked "
             r"\verdict{proved by lemma} is an instance of one of them: its printed sides match the lemma's "
             r"pattern, its premises are proofs, and a numeric screen of the step itself agrees." "\n")
    return intro + "{\\small\\sloppy\n\\begin{description}\n" + "\n".join(items) + "\n\\end{description}\n}\n"


def lemma_pointer(name: str) -> str:
    """What a step proved by lemma ``name`` says instead of repeating the lemma's proof."""
    return r"lemma \texttt{%s} is stated and proved once, in the Lemmas section (page~\pageref{%s})" % (
        escape_tex(name), lemma_label(name))
