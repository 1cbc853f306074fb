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

from rnnproof.derivations.model import NUMERATOR, Verdict
from rnnproof.derivations.printing import claim_rows, latex, latex_statement

from .prose import SECTION_NAMES, clean_meaning, how, identity_refs, math_span, mathify, plain_sources, quantity
from .tex import breakable, escape_tex, fmt_sci, table

__all__ = ["conventions", "summary", "identity_section", "numeric_verdict", "derivation_block", "evidence_groups",
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
  trained networks: per run, the check that came closest to its tolerance, with its error and its tolerance
  (a check passes when the error is at most the tolerance). For a norm bound the error is the amount by which
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



def _verdict_tex(v: Verdict) -> str:
    return r"\textbf{%s}" % v.value if v is Verdict.REFUTED else v.value


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
        row = [escape_tex(ident.section), name, counts, _verdict_tex(result.verdict)]
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
        witness = step.justification.lower().startswith("witness") or (
            bool(identity.witnesses) and r.method == "exact computation")  # a fact about the witness, not a law
        kind = "row-vector form" if step.note == "row" else "for the witness" if witness else ""
        for label, lhs, rel, rhs in claim_rows(step.claim):
            grid = _block_grid(identity, step.claim, rhs)
            if grid:
                rhs, kind = grid, ", ".join(p for p in (kind, "blocks as in the statement") if p)
            label = ", ".join(p for p in (label, kind) if p)
            cont = bool(lhs) and lhs == prev and bool(segs)
            if not cont:
                segs.append([])
            segs[-1].append((k, label, "" if cont else lhs, rel, rhs, r.verdict))
            prev = rhs if lhs else None
    return segs


def _block_grid(identity, claim, rhs_tex: str) -> str:
    """A block-matrix right side too wide for a line, equal to the statement's right side, as
    the grid of the statement's block names :math:`B_{ij}` (the blocks are listed there)."""
    rhs, st_rhs = getattr(claim, "rhs", None), getattr(identity.statement, "rhs", None)
    if not isinstance(rhs, sp.BlockMatrix) or _width(rhs_tex) <= 2 * _WIDE or rhs != st_rhs:
        return ""
    rows, cols = rhs.blockshape
    return r"\begin{pmatrix} %s \end{pmatrix}" % r" \\ ".join(
        " & ".join(r"B_{%d%d}" % (a + 1, b + 1) for b in range(cols)) for a in range(rows))


def _tag(k, label, verdict) -> str:
    lab = f"{k}" + (f", {label}" if label else "")
    return r"\tag*{\footnotesize (%s) %s}" % (lab, _verdict_tex(verdict))


def split_tex(tex: str, limit: int = _WIDE - 8) -> list[str]:
    """A long formula as lines, broken before a ``+`` or ``-`` outside braces and outside
    ``\\left``/``\\right`` pairs -- at the shallowest parenthesis depth that makes every line
    fit -- each line at most about ``limit`` characters wide (a term wider than that stays
    whole; ``\\fitmath`` scales it, never below 85%)."""
    cuts, depth, lr, paren, i = [], 0, 0, 0, 0
    while i < len(tex):
        c = tex[i]
        if c == "\\":
            m = re.match(r"\\(left|right|[A-Za-z]+|.)", tex[i:])
            lr += {"left": 1, "right": -1}.get(m.group(1), 0)
            i += len(m.group(0))
            continue
        depth += {"{": 1, "}": -1}.get(c, 0)
        paren += {"(": 1, ")": -1}.get(c, 0)
        if depth == 0 and lr == 0 and tex[i:i + 3] in (" + ", " - ") and i > 0:
            cuts.append((i + 1, paren))
        i += 1
    best = [tex]
    for level in range(0, 4):
        use = [0] + [pos for pos, d in cuts if d <= level]
        pieces = [tex[a:b].strip() for a, b in zip(use, use[1:] + [len(tex)])]
        lines: list[str] = []
        for p in pieces:
            if lines and _width(lines[-1] + p) <= limit:
                lines[-1] += " " + p
            else:
                lines.append(p)
        best = [ln for ln in lines if ln] or [tex]
        if all(_width(ln) <= limit for ln in best):
            break
    return best


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
                rows += [r"&%s\fitmath{%s} \notag" % ("" if j == 0 else r"\quad ", ln)
                         for j, ln in enumerate(split_tex(lhs))]
            lines = split_tex(rhs)
            for j, ln in enumerate(lines):
                lead = (r"\qquad %s " % rel if rel else "") if j == 0 else (r"\qquad\quad " if rel else r"\quad ")
                rows.append(r"&%s\fitmath{%s} %s" % (lead, ln, tag if j == len(lines) - 1 else r"\notag"))
        out.append("\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}")
    out.append("}")
    return "\n".join(out)


def _claim_symbols(claim) -> set:
    """Free scalar symbols of a claim's printed sides (an induction's base and step included)."""
    out: set = set()
    for part in (claim, getattr(claim, "base", None), getattr(claim, "step", None)):
        for side in ("lhs", "rhs"):
            expr = getattr(part, side, None)
            if isinstance(expr, sp.Basic):
                out |= {x for x in expr.free_symbols if isinstance(x, sp.Symbol)}
    return out


def _new_letters(identity, step) -> str:
    """A sentence introducing the letters of a step that the identity's symbol table does not
    list (an induction's auxiliary scalars): their meaning from the identity the justification
    cites, else said to be the induction's own."""
    from rnnproof.derivations import registry

    known = {str(s.symbol) for s in identity.symbols} | {str(s.symbol).split("[")[0] for s in identity.symbols}
    known |= {"t", "k", "i", "j", "n", "x", "m", "tau", "P", "h", "z", "J", "G"}  # indices, sizes, generic factors
    new = sorted({str(x) for x in _claim_symbols(step.claim)} - known)
    if not new or type(step.claim).__name__ != "Induction":
        return ""
    cited = [i for i in registry.IDS if re.search(r"\b%s\b" % i, step.justification)]
    meanings = {str(s.symbol): s.meaning for i in cited for s in registry.get(i).symbols}
    parts = [r"$%s$: %s" % (math_span(x), identity_refs(clean_meaning(meanings[x]))) if x in meanings else
             r"$%s$" % math_span(x) for x in new]
    return " Letters of the induction: %s%s." % ("; ".join(parts), "" if all(x in meanings for x in new) else
                                                " (auxiliary scalars introduced by the induction itself)")


def _justifications(identity, result) -> str:
    items = []
    for k, (step, r) in enumerate(zip(identity.steps, result.results), 1):
        item = r"\item[(%d)] %s. \emph{%s}: %s." % (k, identity_refs(step.justification), _verdict_tex(r.verdict),
                                                  how(r.method, r.detail))
        if step.note and step.note != "row":
            item += " Note: %s." % identity_refs(step.note)
        item += _new_letters(identity, step)
        if r.counterexample:
            ce = ", ".join(f"{key} = {val}" for key, val in r.counterexample.items())
            item += r" \textbf{Counterexample:} %s." % mathify(ce)
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
    rows = [[r"$%s$" % latex(s.symbol), _shape(s.shape), identity_refs(clean_meaning(s.meaning))]
            for s in identity.symbols]
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


_METHODS = {"directional": "projections", "complex-step": "complex step", "bound": "norm bound", "exact": "exact",
            "bptt": "BPTT", "numpy.tanh": "NumPy tanh", "central": "central", "mpmath": "mpmath"}


def _bound_excess(r) -> float:
    """How far the measured side of a norm bound exceeds the bound (``<= 0`` when it holds).

    A bound record carries the two sides as ``derived``/``reference`` and ``slack`` =
    bound / measured; the side whose ratio matches the slack is the bound."""
    s = r.slack
    if isinstance(s, float) and math.isinf(s) and s > 0:
        return 0.0
    for measured, bound in ((r.reference, r.derived), (r.derived, r.reference)):
        if measured and math.isfinite(s) and math.isclose(bound / measured, s, rel_tol=1e-9, abs_tol=0.0):
            return measured - bound
    return math.nan


def row_numbers(r) -> tuple[float, float]:
    """``(error, tolerance)`` a reader sees for one check; it passes exactly when error <= tolerance.

    For a comparison the error is the absolute difference at the worst entry (the entry the
    tolerance belongs to); for a norm bound it is the measured norm's excess over the bound,
    clipped at 0, against the rounding allowance."""
    if r.method == "bound":
        excess = _bound_excess(r)
        return (max(0.0, excess) if not math.isnan(excess) else math.nan), r.tolerance
    return abs(r.derived - r.reference), r.tolerance


def _ratio(r) -> float:
    """How close a check came to failing: error / tolerance (0 when the error is 0)."""
    err, tol = row_numbers(r)
    if math.isnan(err) or math.isnan(tol):
        return math.inf if not r.passed else 0.0
    if err == 0:
        return 0.0
    return err / tol if tol > 0 else math.inf


def evidence_groups(evidence, *, by=("run",)):
    """Checks grouped by the fields ``by`` in first-seen order, each with its worst check: a
    failed one first, else the one with the largest error / tolerance."""
    groups: dict[tuple, list] = {}
    for r in evidence:
        groups.setdefault(tuple(getattr(r, f) for f in by), []).append(r)
    return [(key, rs, max(rs, key=lambda r: (not r.passed, _ratio(r)))) for key, rs in groups.items()]


def _evidence(evidence, figure_checks=()) -> str:
    """A compact summary: one row per run (all its checkpoints and methods), the worst check's
    error and tolerance; every single check is in the evidence data file."""
    if not evidence:
        return r"\paragraph{Numeric evidence.} No numeric check of this identity was run."
    rows = []
    for (run,), rs, w in evidence_groups(evidence):
        failed = sum(not r.passed for r in rs)
        err, tol = row_numbers(w)
        ok = (r"\textbf{FAIL} %d/%d" % (failed, len(rs))) if failed else "pass %d/%d" % (len(rs), len(rs))
        if not math.isnan(err) and (err <= tol) != w.passed:  # a checker bug: said, never hidden
            ok += r" \textbf{(verdict disagrees with its numbers)}"
        cps = len({r.checkpoint for r in rs})
        methods = ", ".join(dict.fromkeys(_METHODS.get(r.method, r.method) for r in rs))
        ratio = _ratio(w)
        rows.append([breakable(run, limit=80, run=6, chunk=6) or "--", str(cps), escape_tex(methods), quantity(w.quantity),
                     "$%s$" % fmt_sci(err, digits=1), "$%s$" % fmt_sci(tol, digits=1),
                     "$%s$" % ("0" if ratio == 0 else fmt_sci(ratio, digits=1)), ok])
    head = ["Run", "Ckpts", "Methods", "Worst check", "Error", "Tolerance", r"Error $\div$ tol.", "Verdict"]
    rag = r">{\raggedright\arraybackslash}p{%s}"
    spec = rag % "1.7cm" + "c" + rag % "2.1cm" + rag % "3.6cm" + "rrr" + "l"
    seeds = sorted({r.seed for r in evidence})
    extra = ""
    if figure_checks:
        ok = sum(r.passed for r in figure_checks)
        extra = (" In addition, %d check%s of a figure's curve (%d passed) %s reported in the figure's caption."
                 % (len(figure_checks), "s" if len(figure_checks) > 1 else "", ok,
                    "are" if len(figure_checks) > 1 else "is"))
    return ("\\paragraph{Numeric evidence.} %d checks of the derived expressions on the built-in runs (those of "
            "\\texttt{rnnproof check}, seed%s %s); per run, the check that came closest to its tolerance (a failed "
            "one first); a row passes exactly when its error is at most its tolerance.%s\n"
            % (len(evidence), "s" if len(seeds) > 1 else "", ", ".join(map(str, seeds)), extra) +
            table(spec, head, rows, size=r"\footnotesize\setlength{\tabcolsep}{3pt}"))


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
    tex = latex_statement(identity)
    rel = {"==": "=", "<=": r"\le", "<": "<", ">=": r"\ge", ">": ">"}.get(getattr(st, "rel_op", None))
    if rel and _width(tex) > _WIDE:  # a long statement: broken across lines, never shrunk
        lhs, lines = latex(st.lhs), split_tex(latex(st.rhs))
        if _width(lhs) + _width(lines[0]) > _WIDE:  # a long left side gets a line of its own
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


def identity_section(identity, result, evidence, figures, *, handout: bool, pointers: Sequence[str] = (),
                     figure_checks: Sequence[Any] = ()) -> str:
    """The section of one identity (label = its id); ``pointers`` are paragraphs that point to
    figures shown in other sections; ``figure_checks`` are checks made only for a figure."""
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
        _justifications(identity, result),
    ]
    if not handout:
        parts.append(_evidence(evidence, figure_checks))
    parts.append(_witnesses(identity))
    parts += [f.latex for f in figures]
    parts += list(pointers)
    sources = plain_sources(identity.sources)
    if sources:
        parts.append(r"\paragraph{Sources.} %s." % "; ".join(mathify(s) for s in sources))
    return "\n\n".join(p for p in parts if p) + "\n"
