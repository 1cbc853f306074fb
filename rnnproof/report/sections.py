r"""The sections of a report: conventions, the summary table, one section per identity.

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

from rnnproof.derivations.model import Verdict
from rnnproof.derivations.printing import claim_rows, latex, latex_statement

from .tex import breakable, escape_tex, fmt_sci, table

__all__ = ["conventions", "summary", "identity_section", "numeric_verdict", "derivation_block", "evidence_groups"]

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
  cross-checked on explicit matrices); \verdict{numerically confirmed}: SymPy could not decide and sampling at
  high precision found no violation; \verdict{refuted}: a counterexample is shown. An identity is only as
  proved as its weakest step.
\end{itemize}
"""


def conventions() -> str:
    """The conventions section (IDENTITIES.md, "Conventions")."""
    return CONVENTIONS


def numeric_verdict(evidence: Sequence[Any]) -> str:
    """``passed 12/12``, ``FAILED 1/12`` or ``no checks`` for an identity's numeric results."""
    if not evidence:
        return "no checks"
    failed = sum(not r.passed for r in evidence)
    return f"FAILED {failed}/{len(evidence)}" if failed else f"passed {len(evidence)}/{len(evidence)}"


#: verdicts always counted in the report (the others are shown only when some step has them)
_CLASSIC = (Verdict.PROVED, Verdict.CONFIRMED, Verdict.REFUTED)


def _verdict_tex(v: Verdict) -> str:
    return r"\textbf{%s}" % v.value if v is Verdict.REFUTED else v.value


def _verdict_head(v: Verdict) -> str:
    return r"\textbf{REFUTED}" if v is Verdict.REFUTED else r"\verdict{%s}" % v.value


def summary(items, *, handout: bool) -> str:
    """The table of every identity: steps proved/confirmed/refuted, symbolic and numeric verdict."""
    rows = []
    for ident, result, ev in items:
        counts = "/".join(str(result.count(v)) for v in _CLASSIC)
        name = r"\hyperref[%s]{%s}\newline{\footnotesize\rid{%s}}" % (ident.id, escape_tex(ident.title),
                                                                    escape_tex(ident.id))
        row = [escape_tex(ident.section), name, counts, _verdict_tex(result.verdict)]
        if not handout:
            nv = numeric_verdict(ev)
            row.append(r"\textbf{%s}" % nv if nv.startswith("FAILED") else nv)
        rows.append(row)
    header = ["", "Identity", "Steps p/c/r", "Symbolic verdict"] + ([] if handout else ["Numeric"])
    spec = r"c>{\raggedright\arraybackslash}p{6.3cm}cl" + ("" if handout else "l")
    intro = (r"\section*{Summary}" "\n" r"\addcontentsline{toc}{section}{Summary}" "\n"
             r"Steps p/c/r counts the derivation steps proved, numerically confirmed and refuted." +
             ("" if handout else " Numeric counts the checks of the derived expressions on the built-in runs "
              "that passed.") + "\n")
    return intro + table(spec, header, rows)


# ---------------------------------------------------------------- derivation chain

_WIDE = 68  # rough number of visible characters that fit a display line beside the tag


def _width(tex: str) -> int:
    """A rough count of the characters a formula shows (commands count as one)."""
    s = re.sub(r"\\(left|right)\b", "", tex)
    s = re.sub(r"\\operatorname\{(\w+)\}", r"\1", s)
    s = re.sub(r"\\frac\{", "", s)
    s = re.sub(r"\\[A-Za-z]+", "x", s)
    small = sum(len(m) for m in re.findall(r"[_^]\{([^{}]*)\}", s))  # sub/superscripts: ~0.6 wide
    s = re.sub(r"[_^]\{[^{}]*\}", "", s)
    return len(re.sub(r"[{}\s_^]", "", s)) + int(0.6 * len(re.sub(r"\s", "", "x" * small)))


def _segments(identity, result):
    """Rows grouped into chains; each row is (step number, label, lhs, rel, rhs, verdict)."""
    segs, prev = [], None
    for k, (step, r) in enumerate(zip(identity.steps, result.results), 1):
        for label, lhs, rel, rhs in claim_rows(step.claim):
            cont = bool(lhs) and lhs == prev and bool(segs)
            if not cont:
                segs.append([])
            segs[-1].append((k, label, "" if cont else lhs, rel, rhs, r.verdict))
            prev = rhs if lhs else None
    return segs


def _tag(k, label, verdict) -> str:
    lab = f"{k}" + (f", {label}" if label else "")
    return r"\tag*{\footnotesize (%s) %s}" % (lab, _verdict_tex(verdict))


def derivation_block(identity, result) -> str:
    """The derivation as ``align*`` chains: a step whose lhs is the previous rhs continues the
    chain (``&= ...``); every row is tagged with its step number and verdict.  A chain with a
    row too wide for the line is set stacked (lhs on its own line, ``\\qquad = rhs`` below),
    and a stacked formula still wider than the line is scaled down to fit (``\\fitmath``)."""
    out = [r"{\setlength{\abovedisplayskip}{3pt}\setlength{\belowdisplayskip}{3pt}%"]
    for seg in _segments(identity, result):
        stacked = any(_width(lhs) + _width(rhs) > _WIDE for _, _, lhs, _, rhs, _ in seg)
        rows = []
        for k, label, lhs, rel, rhs, verdict in seg:
            tag = _tag(k, label, verdict)
            if not stacked:
                rows.append(r"%s &%s %s %s" % (lhs, rel, rhs, tag))
                continue
            if lhs:
                rows.append(r"&\fitmath{%s} \notag" % lhs)
            rows.append((r"&\qquad %s \fitmath{%s} %s" % (rel, rhs, tag)) if rel else r"&\fitmath{%s} %s" % (rhs, tag))
        out.append("\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}")
    out.append("}")
    return "\n".join(out)


def _justifications(identity, result) -> str:
    items = []
    for k, (step, r) in enumerate(zip(identity.steps, result.results), 1):
        how = breakable(r.method + (f"; {r.detail}" if r.detail else ""), limit=300)
        item = r"\item[(%d)] %s. \emph{%s}: %s." % (k, escape_tex(step.justification), _verdict_tex(r.verdict), how)
        if step.note:
            item += " Note: %s." % escape_tex(step.note)
        if r.counterexample:
            ce = ", ".join(f"{key} = {val}" for key, val in r.counterexample.items())
            item += r" \textbf{Counterexample:} %s." % breakable(ce, limit=500)
        items.append(item)
    return "{\\small\\sloppy\n\\begin{itemize}\n" + "\n".join(items) + "\n\\end{itemize}\n}"


# ---------------------------------------------------------------- other parts

def _sentence(s: str) -> str:
    return s[:1].upper() + s[1:]


def _shape(shape) -> str:
    if not shape:
        return "scalar"
    return r"$%s$" % r" \times ".join(latex(sp.sympify(s)) for s in shape)


def _symbols(identity) -> str:
    if not identity.symbols:
        return ""
    rows = [[r"$%s$" % latex(s.symbol), _shape(s.shape), escape_tex(s.meaning)] for s in identity.symbols]
    return table(r"ll>{\raggedright\arraybackslash}p{9cm}", ["Symbol", "Shape", "Meaning"], rows, long=False)


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
        return ", ".join(r"%s: %s" % (escape_tex(k), _value(x)) for k, x in v.items())
    return breakable(v)


def _witnesses(identity) -> str:
    if not identity.witnesses:
        return ""
    items = [r"\item \rid{%s}: %s" % (escape_tex(name), _value(v)) for name, v in identity.witnesses.items()]
    return "\\paragraph{Witnesses.}\n\\begin{itemize}\n" + "\n".join(items) + "\n\\end{itemize}"


def _ratio(r) -> float:
    """How close a check came to failing: error / tolerance (bounds: 1 / slack)."""
    if r.method == "bound" and isinstance(r.slack, float) and not math.isnan(r.slack):
        return 1.0 / r.slack if r.slack > 0 else math.inf
    tol = r.tolerance if r.tolerance and not math.isnan(r.tolerance) else math.nan
    return r.max_abs_err / tol if tol and not math.isnan(tol) else 0.0


def evidence_groups(evidence):
    """Checks grouped by (run, checkpoint, method) in first-seen order, each with its worst
    check: a failed one first, else the one with the largest error / tolerance."""
    groups: dict[tuple, list] = {}
    for r in evidence:
        groups.setdefault((r.run, r.checkpoint, r.method), []).append(r)
    return [(key, rs, max(rs, key=lambda r: (not r.passed, _ratio(r)))) for key, rs in groups.items()]


def _evidence(evidence) -> str:
    if not evidence:
        return r"\paragraph{Numeric evidence.} No numeric check of this identity was run."
    rows = []
    for (run, checkpoint, method), rs, w in evidence_groups(evidence):
        failed = sum(not r.passed for r in rs)
        ok = (r"\textbf{FAIL} %d/%d" % (failed, len(rs))) if failed else "pass %d/%d" % (len(rs), len(rs))
        if w.method == "bound" and not (isinstance(w.slack, float) and math.isnan(w.slack)):
            ok += r", slack $\ge %s$" % fmt_sci(w.slack, digits=1)
        cell = dict(run=6, chunk=6)
        rows.append([breakable(run, limit=80, **cell) or "--", breakable(checkpoint, limit=40, **cell) or "--",
                     escape_tex(method), breakable(w.quantity, limit=90, run=12, chunk=8), "$%s$" % fmt_sci(w.step, digits=1),
                     "$%s$" % fmt_sci(w.max_abs_err, digits=1), "$%s$" % fmt_sci(w.tolerance, digits=1), ok])
    head = ["Run", "Checkpoint", "Method", "Worst check", "Step", "Max error", "Tolerance", "Verdict"]
    rag = r">{\raggedright\arraybackslash}p{%s}"
    spec = rag % "1.5cm" + rag % "1.6cm" + "l" + rag % "2.5cm" + "rrr" + rag % "1.9cm"
    seeds = sorted({r.seed for r in evidence})
    return ("\\paragraph{Numeric evidence.} %d checks of the derived expressions on the built-in runs, grouped by "
            "run, checkpoint and method; each row shows the check that came closest to its tolerance (a failed "
            "one first). Max error is the largest absolute difference from the reference; the tolerance comes "
            "from the reference's error model (seed%s %s).\n"
            % (len(evidence), "s" if len(seeds) > 1 else "", ", ".join(map(str, seeds))) +
            table(spec, head, rows, size=r"\footnotesize\setlength{\tabcolsep}{4pt}"))


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
        if isinstance(term, sp.MatMul) and len(inner) == 1 and _width(latex(term)) > _WIDE:
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
    lines = _sum_lines(block) if _width(latex(block)) > _WIDE else [latex(block)]
    rows = [r"%s &= \fitmath{%s}" % (name, lines[0])] + [r"&\quad \fitmath{%s}" % ln for ln in lines[1:]]
    return " \\\\\n".join(rows)


def _statement(identity) -> str:
    r"""The statement as a display; a wide block-matrix right side is shown as
    :math:`\begin{pmatrix}B_{11} & B_{12}\\ \dots\end{pmatrix}` with its blocks listed below,
    and any other formula wider than the line is scaled to fit."""
    st = identity.statement
    rhs = getattr(st, "rhs", None)
    if isinstance(st, sp.Eq) and isinstance(rhs, sp.BlockMatrix) and _width(latex(rhs)) > _WIDE:
        rows, cols = rhs.blockshape
        names = [[r"B_{%d%d}" % (a + 1, b + 1) for b in range(cols)] for a in range(rows)]
        grid = r" \\ ".join(" & ".join(row) for row in names)
        blocks = [_block_rows(r"B_{%d%d}" % (a + 1, b + 1), rhs.blocks[a, b]) for a in range(rows) for b in range(cols)]
        return ("\\[ \\fitmath{%s = \\begin{pmatrix} %s \\end{pmatrix}} \\]\nwith the blocks\n"
                "\\begin{align*}\n%s\n\\end{align*}" % (latex(st.lhs), grid, " \\\\\n".join(blocks)))
    return r"\[ \fitmath{%s} \]" % latex_statement(identity)


def identity_section(identity, result, evidence, figures, *, handout: bool, pointers: Sequence[str] = ()) -> str:
    """The section of one identity (label = its id); ``pointers`` are paragraphs that point to
    figures shown in other sections."""
    counts = ", ".join(f"{result.count(v)} {v.value}" for v in Verdict if v in _CLASSIC or result.count(v))
    parts = [
        r"\section{%s}\label{%s}" % (escape_tex(identity.title), identity.id),
        r"\rid{%s} \hfill IDENTITIES.md, section %s" % (escape_tex(identity.id), escape_tex(identity.section)),
        r"\paragraph{Statement.}" "\n" + _statement(identity),
        r"\paragraph{Notation and layout.} %s; %s." % (_sentence(breakable(identity.notation.vectors)),
                                                       breakable(identity.notation.layout)),
        _symbols(identity),
        r"\paragraph{Derivation.} Verdict: %s (%s)." % (_verdict_head(result.verdict), counts),
        derivation_block(identity, result),
        _justifications(identity, result),
    ]
    if not handout:
        parts.append(_evidence(evidence))
    parts.append(_witnesses(identity))
    parts += [f.latex for f in figures]
    parts += list(pointers)
    if identity.sources:
        parts.append(r"\paragraph{Sources.} %s." % "; ".join(escape_tex(s) for s in identity.sources))
    return "\n\n".join(p for p in parts if p) + "\n"
