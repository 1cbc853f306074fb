r"""The sections of a report: conventions, the summary table, one section per identity (its
derivation from :mod:`.steps`, its numeric evidence from :mod:`.evidence`).

Mathematics comes from the SymPy objects through :mod:`rnnproof.derivations.printing`;
every other text (titles, justifications, methods, run names, witnesses) is escaped with
:func:`~rnnproof.report.tex.escape_tex`.  A derivation prints as aligned chains: a step whose
left side is the previous right side continues the chain (``&= ...``), each row tagged with
its step number and verdict; justifications, methods and counterexamples follow as a list.
"""

from __future__ import annotations

import math
import re
from typing import Any, Sequence

import numpy as np
import sympy as sp

from rnnproof.derivations.model import NUMERATOR, Verdict
from rnnproof.derivations.printing import latex, latex_statement

from .evidence import evidence_groups, evidence_section, evidence_summary, row_numbers
from .prose import SECTION_NAMES, clean_meaning, identity_refs, math_span, mathify, plain_sources
from .steps import WIDE, derivation_block, justifications, split_tex, verdict_tex, width
from .tex import escape_tex, table

# derivation_block, evidence_groups and row_numbers live in .steps and .evidence; re-exported here
__all__ = ["APPENDIX", "appendix_section", "conventions", "summary", "identity_section", "numeric_verdict", "derivation_block", "evidence_groups",
           "row_numbers", "step_counts"]

CONVENTIONS = r"""\section*{Conventions}
\addcontentsline{toc}{section}{Conventions}
These conventions hold in every section unless the section's notation paragraph says otherwise.
\begin{itemize}
\item \textbf{Vectors.} Column vectors: hidden state $h_t \in \mathbb{R}^n$, input $x_t \in \mathbb{R}^d$,
  output $y_t \in \mathbb{R}^m$, $t = 1, \dots, T$, with $h_0$ given ($0$ by default).
\item \textbf{Elman cell.} $z_t = W_{hh} h_{t-1} + W_{xh} x_t + b_h$, \quad $h_t = \varphi(z_t)$ with
  $\varphi = \tanh$ or $\sigma$ applied elementwise; $\sigma(x) = 1/(1+e^{-x})$.
\item \textbf{Output and loss.} $y_t = \varphi_y(W_{yh} h_t + b_y)$ ($\varphi_y$ the identity unless stated),
  $L = \sum_t \ell_t(y_t, o_t)$, by default $\ell_t = \tfrac12 \lVert y_t - o_t \rVert^2$.
\item \textbf{Layout.} Jacobians in numerator layout: $\left(\frac{\partial a}{\partial b}\right)_{ij}
  = \frac{\partial a_i}{\partial b_j}$. $\odot$ is the elementwise product, $\mathbf{1}$ the all-ones vector,
  $\operatorname{diag}(v)$ the diagonal matrix of $v$, and $\prod_{i=k+1}^{t} J_i = J_t J_{t-1} \cdots J_{k+1}$
  is ordered with the latest factor on the left (the empty product is $I$).
\item \textbf{Immediate versus total derivative.} $\frac{\partial^{+} h_k}{\partial \theta}$ is the
  \emph{immediate} partial derivative, with $h_{k-1}$ held fixed; $\frac{d h_t}{d\theta}$ is the \emph{total}
  derivative through all earlier states. Many notes write both as $\partial h_t/\partial W$; here they are
  named apart.
\item \textbf{Norms.} $\lVert \cdot \rVert$ is the spectral norm (largest singular value) of a matrix and the
  Euclidean norm of a vector; $\lambda_1 = \sigma_{\max}(W_{hh})$ and $\gamma = \sup_x |\varphi'(x)|$
  ($\gamma = 1/4$ for $\sigma$, $1$ for $\tanh$).
\item \textbf{Row-vector notation.} Some sources write $h_t = \varphi(x_t W_{xh} + h_{t-1} W_{hh} + b)$ with row
  vectors; there the numerator-layout Jacobian is $\operatorname{diag}(1 - h_t \odot h_t)\, W_{hh}^{\top}$.
  Each section states the notation it uses.
\item \textbf{Verdicts.} \verdict{proved}: SymPy decided the step (at symbolic size for matrix steps, and
  cross-checked on explicit matrices); \verdict{proved (interval arithmetic)}: interval arithmetic enclosed the
  claim on every box of a bounded domain (a proof for that domain); \verdict{proved by lemma}: the step is an
  instance of a named lemma that is itself proved; \verdict{numerically confirmed}: SymPy could not decide and
  sampling at high precision found no violation (evidence, not a proof); \verdict{undecided}: neither proved
  nor refuted within the time allowed; \verdict{refuted}: a counterexample is shown. An identity is only as
  proved as its weakest step.
%NUMERIC
\item \textbf{Numeric evidence.} Each section ends with a summary of the checks of its derived expressions on
  trained networks: the check that came closest to its tolerance, with its error and its tolerance (a check
  passes when the error is at most the tolerance), and, per run, the same in a table (in the report's
  appendix, \texttt{rnnproof-appendix.pdf}, same section numbers, which also says how each step was settled). For a norm bound the error is the amount by which
  the measured norm exceeds the bound ($0$ when it does not), and the tolerance is the rounding allowance.
  Every single check is listed in the data file \texttt{rnnproof-evidence.csv} next to this report.
%END
\end{itemize}
"""


def conventions(*, handout: bool = False) -> str:
    """The conventions section (the identity sheet's "Conventions"); the handout has no
    numeric evidence, so no paragraph about it."""
    if handout:
        return re.sub(r"%NUMERIC\n.*?%END\n", "", CONVENTIONS, flags=re.S)
    return CONVENTIONS.replace("%NUMERIC\n", "").replace("%END\n", "")


def numeric_verdict(evidence: Sequence[Any]) -> str:
    """``passed 12/12``, ``FAILED 1/12`` or ``no checks`` for an identity's numeric results."""
    if not evidence:
        return "no checks"
    failed = sum(not r.passed for r in evidence)
    return f"FAILED {failed}/{len(evidence)}" if failed else f"passed {len(evidence)}/{len(evidence)}"



def _verdict_head(v: Verdict) -> str:
    return r"\textbf{REFUTED}" if v is Verdict.REFUTED else r"\verdict{%s}" % v.value


_SHORT = {Verdict.PROVED: "proved", Verdict.PROVED_INTERVAL: "by intervals", Verdict.BY_LEMMA: "by lemma",
          Verdict.CONFIRMED: "confirmed", Verdict.UNDECIDED: "undecided", Verdict.REFUTED: "refuted"}


def step_counts(result, *, short: bool = False) -> str:
    """``12 proved, 3 numerically confirmed``: every verdict that occurs, strongest first."""
    parts = [f"{result.count(v)} {_SHORT[v] if short else v.value}" for v in Verdict if result.count(v)]
    return ", ".join(parts) or "no steps"


def summary(items, *, handout: bool) -> str:
    """The table of every identity: steps proved/confirmed/refuted, symbolic and numeric verdict."""
    rows = []
    for ident, result, ev in items:
        counts = step_counts(result, short=True)
        name = r"\hyperref[%s]{%s}" % (ident.id, mathify(ident.title))
        row = [escape_tex(ident.section), name, counts, verdict_tex(result.verdict)]
        if not handout:
            nv = numeric_verdict(ev)
            row.append(r"\textbf{%s}" % nv if nv.startswith("FAILED") else nv)
        rows.append(row)
    header = ["", "Identity", "Steps", "Symbolic verdict"] + ([] if handout else ["Numeric"])
    rag = r">{\raggedright\arraybackslash}p{%s}"
    spec = "c" + rag % "5.4cm" + rag % "2.5cm" + rag % "2.3cm" + ("" if handout else "l")
    # the summary on a page of its own rather than one row at the foot of the conventions' page
    intro = (r"\clearpage" "\n" r"\section*{Summary}" "\n" r"\addcontentsline{toc}{section}{Summary}" "\n"
             r"Steps counts the derivation steps by verdict." +
             ("" if handout else " Numeric counts the checks of the derived expressions on the built-in runs "
              "that passed (the same checks as \\texttt{rnnproof check}; checks made only for a figure are "
              "counted in the figure's caption).") + "\n")
    return intro + table(spec, header, rows)


# ---------------------------------------------------------------- other parts

def _sentence(s: str) -> str:
    return s[:1].upper() + s[1:]


def _shape(shape) -> str:
    if not shape:
        return "scalar"
    return r"$%s$" % r" \times ".join(latex(sp.sympify(s)) for s in shape)


#: a symbol table with this many rows or more is set in two halves side by side
_TWO_COLUMNS = 7


def _symbols(identity) -> str:
    if not identity.symbols:
        return ""
    rows = [[r"$%s$" % latex(s.symbol), _shape(s.shape), identity_refs(clean_meaning(s.meaning))]
            for s in identity.symbols]
    if len(rows) < _TWO_COLUMNS:
        return table(r"ll>{\raggedright\arraybackslash}p{9cm}", ["Symbol", "Shape", "Meaning"], rows, long=False)
    # a long table is set in two halves side by side (read down the left half, then the right)
    half = (len(rows) + 1) // 2
    left, right = rows[:half], rows[half:] + [["", "", ""]] * (2 * half - len(rows))
    col = r"ll>{\raggedright\arraybackslash}p{4.4cm}"
    return table(col + r"@{\hspace{1.5em}}" + col, ["Symbol", "Shape", "Meaning"] * 2,
                 [a + b for a, b in zip(left, right)], long=False)


def _value(v) -> str:
    if isinstance(v, np.ndarray):
        v = sp.Matrix(v.tolist())
    if isinstance(v, (sp.Basic, sp.MatrixBase)):
        return r"$%s$" % latex(v)
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return r"$%s$" % (str(v) if isinstance(v, int) or not math.isfinite(v) else repr(v))
    if isinstance(v, (list, tuple)) and v and all(isinstance(a, (int, float, sp.Basic)) for a in v):
        return r"$%s$" % latex(sp.Matrix([v]) if not isinstance(v[0], (list, tuple)) else sp.Matrix(v))
    if isinstance(v, dict):
        return ", ".join(r"%s: %s" % (mathify(k), _value(x)) for k, x in v.items())
    return mathify(v)


def _witness_name(name: str) -> str:
    try:
        return "$%s$" % math_span({"h0": "h_0", "z_floor": "z_min"}.get(name, name))
    except ValueError:
        return mathify(name)


def _witnesses(identity) -> str:
    """The concrete witness as one sentence: ``W = (...), h_0 = 0, activation tanh, T = 8``."""
    if not identity.witnesses:
        return ""
    parts = []
    for name, v in identity.witnesses.items():
        if isinstance(v, str):
            parts.append(r"%s %s" % (mathify(name), mathify(v)))
        else:
            parts.append(r"%s${}={}$%s" % (_witness_name(name), _value(v)))
    return ("\\paragraph{Witness.} The steps marked \\emph{for the witness} are facts about this one example, not "
            "general laws: " + ", ".join(parts) + ".")


def _signed(t: str, first: bool) -> str:
    if first:
        return t
    return "- " + t[1:] if t.startswith("-") else "+ " + t


def _sum_lines(expr) -> list[str]:
    """A wide sum as lines of terms; a wide term ``A (B + C)`` opens its parenthesis on one
    line and continues the inner sum on the next ones."""
    out = []
    terms = expr.args if isinstance(expr, sp.MatAdd) else (expr,)
    for k, term in enumerate(terms):
        inner = [f for f in getattr(term, "args", ()) if isinstance(f, sp.MatAdd)]
        if isinstance(term, sp.MatMul) and len(inner) == 1 and width(latex(term)) > WIDE:
            i = term.args.index(inner[0])
            pre, post = sp.MatMul(*term.args[:i]) if i else None, term.args[i + 1:]
            head = (latex(pre) + " " if pre is not None else "") + r"\bigl("
            sub = _sum_lines(inner[0])
            sub[0] = head + " " + sub[0]
            sub[-1] = sub[-1] + r" \bigr)" + "".join(" " + latex(f) for f in post)
            out += [_signed(sub[0], k == 0)] + sub[1:]
        else:
            out.append(_signed(latex(term), k == 0))
    return out


def _block_rows(name: str, block) -> str:
    """``name &= block``; a wide sum continues term by term on the next lines."""
    lines = _sum_lines(block) if width(latex(block)) > WIDE else [latex(block)]
    rows = [r"%s &= \fitmath{%s}" % (name, lines[0])] + [r"&\quad \fitmath{%s}" % ln for ln in lines[1:]]
    return " \\\\\n".join(rows)


def _statement(identity) -> str:
    r"""The statement as a display; a wide block-matrix right side is shown as
    :math:`\begin{pmatrix}B_{11} & B_{12}\\ \dots\end{pmatrix}` with its blocks listed below,
    and any other formula wider than the line is scaled to fit."""
    st = identity.statement
    rhs = getattr(st, "rhs", None)
    if isinstance(st, sp.Eq) and isinstance(rhs, sp.BlockMatrix) and width(latex(rhs)) > WIDE:
        rows, cols = rhs.blockshape
        names = [[r"B_{%d%d}" % (a + 1, b + 1) for b in range(cols)] for a in range(rows)]
        grid = r" \\ ".join(" & ".join(row) for row in names)
        blocks = [_block_rows(r"B_{%d%d}" % (a + 1, b + 1), rhs.blocks[a, b]) for a in range(rows) for b in range(cols)]
        return ("\\[ \\fitmath{%s = \\begin{pmatrix} %s \\end{pmatrix}} \\]\nwith the blocks\n"
                "\\begin{align*}\n%s\n\\end{align*}" % (latex(st.lhs), grid, " \\\\\n".join(blocks)))
    tex = latex_statement(identity)
    rel = {"==": "=", "<=": r"\le", "<": "<", ">=": r"\ge", ">": ">"}.get(getattr(st, "rel_op", None))
    if rel and width(tex) > WIDE:  # a long statement: broken across lines, never shrunk
        lhs, lines = latex(st.lhs), split_tex(latex(st.rhs))
        if width(lhs) + width(lines[0]) > WIDE:  # a long left side gets a line of its own
            rows = [r"&\fitmath{%s}" % lhs] + [r"&\qquad %s\fitmath{%s}" % (rel + " " if j == 0 else r"\quad ", ln)
                                               for j, ln in enumerate(lines)]
        else:
            rows = [r"%s &%s \fitmath{%s}" % (lhs, rel, lines[0])] + [r"&\quad \fitmath{%s}" % ln for ln in lines[1:]]
        return "\\begin{align*}\n%s\n\\end{align*}" % " \\\\\n".join(rows)
    return r"\[ \fitmath{%s} \]" % tex


_UNREADABLE = (r"\_", r"\textasciicircum", "$||$", r"\mathit{T", r"\textbackslash")


def _in_short(identity) -> str:
    r"""The identity's one-line summary (it carries hypotheses the display may not show, such as
    :math:`\lambda_1 < 1/\gamma`), when it typesets cleanly; else nothing."""
    from rnnproof.derivations.printing import text

    tex = identity_refs(identity.summary)
    flat = [re.sub(r"[\s*]", "", t) for t in (identity.summary, text(identity.statement)
                                               if isinstance(identity.statement, sp.Basic) else "")]
    if not identity.summary or flat[0] == flat[1] or any(bad in tex for bad in _UNREADABLE):
        return ""
    return r"\emph{In short:} %s." % tex.rstrip(".")


def _layout(text: str) -> str:
    if text == NUMERATOR:
        return r"numerator layout, $(\partial a/\partial b)_{ij} = \partial a_i/\partial b_j$"
    return identity_refs(text)


#: the file name of the main report's appendix (how each step was settled, the per-run evidence)
APPENDIX = "rnnproof-appendix"  # the appendix of the main report (.tex, .pdf)


def _appendix_pointer() -> str:
    return r"Per run, and how each step was settled: appendix, section~\thesection." 


def identity_section(identity, result, evidence, figures, *, handout: bool, pointers: Sequence[str] = (),
                     figure_checks: Sequence[Any] = (), appendix: bool = False) -> str:
    """The section of one identity (label = its id); ``pointers`` are paragraphs that point to
    figures shown in other sections; ``figure_checks`` are checks made only for a figure;
    ``appendix``: the step list gives each step's reason and verdict and the evidence is one
    paragraph (the main document: :func:`appendix_section` has the rest)."""
    counts = step_counts(result)
    part = SECTION_NAMES.get(identity.section, "")
    parts = [
        r"\section{\texorpdfstring{%s}{%s}}\label{%s}" % (mathify(identity.title), escape_tex(identity.title),
                                                          identity.id),
        r"{\small Part %s%s \hfill \texttt{rnnproof check %s}}" % (
            escape_tex(identity.section), ": " + escape_tex(part) if part else "", escape_tex(identity.id)),
        r"\paragraph{Statement.}" "\n" + _statement(identity) + "\n" + _in_short(identity),
        r"\paragraph{Notation and layout.} %s; %s." % (_sentence(identity_refs(identity.notation.vectors)),
                                                       _layout(identity.notation.layout)),
        _symbols(identity),
        r"\paragraph{Derivation.} Verdict: %s (%s)." % (_verdict_head(result.verdict), counts),
        derivation_block(identity, result),
        justifications(identity, result, short=appendix),
    ]
    if appendix and not handout:
        parts.append(evidence_summary(evidence, figure_checks, where=_appendix_pointer()))
    elif not handout:
        parts.append(evidence_section(evidence, figure_checks))
    parts.append(_witnesses(identity))
    parts += [f.latex for f in figures]
    parts += list(pointers)
    sources = plain_sources(identity.sources)
    if sources:
        parts.append(r"\paragraph{Sources.} %s." % "; ".join(mathify(s) for s in sources))
    return "\n\n".join(p for p in parts if p) + "\n"


def appendix_section(identity, result, evidence, figure_checks: Sequence[Any] = ()) -> str:
    """The appendix's section of one identity (same number as in the main document): how each
    step was settled, and the per-run table of the numeric evidence."""
    return "\n\n".join([
        r"\section{\texorpdfstring{%s}{%s}}\label{%s}" % (mathify(identity.title), escape_tex(identity.title),
                                                          identity.id),
        r"{\small \texttt{rnnproof derive %s}, \texttt{rnnproof check %s}}" % (escape_tex(identity.id),
                                                                                escape_tex(identity.id)),
        r"\paragraph{How each step was settled.} Verdict: %s (%s); the step numbers are those of the "
        r"derivation in the report." % (_verdict_head(result.verdict), step_counts(result)),
        justifications(identity, result),
        evidence_section(evidence, figure_checks),
    ]) + "\n"