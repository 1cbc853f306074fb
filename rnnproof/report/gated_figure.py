r"""The gradient-flow comparison of the Elman, orthogonal Elman, residual, highway, LSTM and GRU cells
(issue 7, item 2; extended by issue 15).

:math:`\lVert\partial s_t/\partial s_k\rVert_2` against :math:`t-k` for the cells trained on the same
long-range task (the adding problem), in two log-axis panels over one data file: the bounds panel
(the Elman curve under its bound :math:`(\gamma\lambda_1)^{t-k}` of ``product_norm_bound``, and, when
the series has it, the residual run's :math:`\sigma_{\min}(\partial h_t/\partial h_k)` above its floor
:math:`\max(0,1-\lambda_1)^{t-k}` of ``residual_jacobian``), and every cell on its own scale.  The figure
sits in the section of the first of :data:`HOMES` in the report (``residual_jacobian``, else
``lstm_cell_jacobian``, ``gru_jacobian``, ``highway_jacobian``); the other sections of that list get a pointer.

References
----------
Pascanu, Mikolov, Bengio (2013), sec. 2.1; Hochreiter & Schmidhuber (1997); Cho et al. (2014);
He et al. (2016); Srivastava et al. (2015); Saxe et al. (2014).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .figures import LOG_FLOOR, ComparisonSeries, Figure, _axis, _datafile, _figure, _floor, _positive, _title
from .tex import escape_tex, fmt_sci

__all__ = ["comparison_figure", "LABEL", "DATA_FILE", "HOMES"]

LABEL = "fig:gated-comparison"
DATA_FILE = "fig-gated-comparison.dat"
#: where the figure goes: the first of these in the report; the others point to it
HOMES = ("residual_jacobian", "lstm_cell_jacobian", "gru_jacobian", "highway_jacobian")
_CELLS = {"elman": ("Elman", "blue, mark=o, solid"),
          "orth": ("orthogonal Elman", "cyan!70!black, mark=o, densely dashed, mark options={solid, fill=white}"),
          "residual": ("residual", "violet, mark=diamond, solid"),
          "highway": ("highway", "brown, mark=pentagon, dashdotted, mark options={solid}"),
          "lstm": ("LSTM", "green!45!black, mark=square, dashed, mark options={solid}"),
          "gru": ("GRU", "orange!85!black, mark=triangle, densely dotted, thick, mark options={solid}")}
_LEGEND = r"legend cell align=left, legend style={at={(0.5,-0.25)}, anchor=north, font=\footnotesize, draw=none}"


def _count(k: int) -> str:
    return {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}.get(k, str(k))


def _name(cell: str) -> str:
    return _CELLS[cell][0] if cell in _CELLS else escape_tex(cell)


def _columns(cells) -> list[str]:
    """Data-file column of each cell: its name when plain letters, else ``c1``, ``c2``, ..."""
    return [n if n.isascii() and n.isalpha() and n not in ("lag", "bound", "floor", "sigmamin") else f"c{k}" for k, n in enumerate(cells, 1)]


def _curve(c: ComparisonSeries, cell: str, col: str) -> list[str]:
    style = _CELLS[cell][1] if cell in _CELLS else "black, mark=x"
    run = (c.runs or {}).get(cell)
    return [r"\addplot[%s, mark size=1.4pt, mark repeat=4] table[x=lag, y=%s] {%s};" % (style, col, DATA_FILE),
            r"\addlegendentry{%s%s}" % (_name(cell), r" (\texttt{%s})" % escape_tex(run) if run else "")]


def _panels(c: ComparisonSeries) -> tuple[str, str]:
    """``(LaTeX of the two panels, caption text about a cut axis)``."""
    cells, cols = list(c.curves), _columns(c.curves)
    common = (r"ymode=log, scale only axis, width=0.36\textwidth, height=4.6cm, xlabel={$t-k$ (here $k = 0$)}, "
              r"unbounded coords=jump, grid=major, " + _LEGEND)
    gl = float(c.gamma) * float(c.lambda1)
    left = [r"\addplot[line width=2.2pt, dashed, red!60] table[x=lag, y=bound] {%s};" % DATA_FILE,
            r"\addlegendentry{bound $(\gamma\lambda_1)^{t-k}$, $\gamma\lambda_1 = %s$}" % f"{gl:.3g}"]
    if "elman" in c.curves:
        left += _curve(c, "elman", cols[cells.index("elman")])
    lower = []
    if c.floor:
        left += [r"\addplot[line width=2.2pt, dotted, violet!50] table[x=lag, y=floor] {%s};" % DATA_FILE,
                 r"\addlegendentry{residual floor $\max(0, 1-\lambda_1)^{t-k}$}",
                 r"\addplot[violet, mark=diamond*, mark size=1.4pt, mark repeat=4] table[x=lag, y=sigmamin] {%s};"
                 % DATA_FILE, r"\addlegendentry{residual $\sigma_{\min}(\partial h_t/\partial h_k)$}"]
        lower = [("residual floor", c.floor["floor"]), (r"residual $\sigma_{\min}$", c.floor["sigma_min"])]
    ymin_l, note_l, text_l = _floor(c.lags, [("Elman", c.curves.get("elman", ())), ("bound", c.bound), *lower])
    right = [line for n, col in zip(cells, cols) for line in _curve(c, n, col)]
    ymin_r, note_r, text_r = _floor(c.lags, [(_name(n), c.curves[n]) for n in cells])
    opts_l = (common + r", ylabel={$\lVert \partial s_t / \partial s_k \rVert_2$}, "
              + _title("Elman under its bound" + (", residual above its floor" if c.floor else ""), note_l) + ymin_l)
    opts_r = common + ", " + _title("the %s cells" % _count(len(cells)), note_r) + ymin_r
    text = "; ".join(t for t in (text_l, text_r) if t)
    top = "baseline=(current axis.north)"  # the two axes aligned at their top, whatever their legends
    return _axis(opts_l, left, picture=top) + "\n\\hfill\n" + _axis(opts_r, right, picture=top), text


def _confirmation(c: ComparisonSeries) -> str:
    """Caption text: how each curve's product of Jacobians was checked."""
    parts = []
    for cell in [n for n in c.curves if n in (c.confirmed or {})]:
        ok, err, tol = c.confirmed[cell]
        parts.append(r"%s %s (error $%s$, tolerance $%s$)" % (
            _name(cell), "agrees" if ok else r"\textbf{DISAGREES}", fmt_sci(err, digits=1), fmt_sci(tol, digits=1)))
    if not parts:
        return ""
    return (r" Each curve multiplies the derived one-step Jacobians over time, checked against the complex-step "
            r"Jacobian of the actual forward map: " + "; ".join(parts) + ".")


def _caption(c: ComparisonSeries, cut: str) -> str:
    elman = [float(v) for v in c.curves.get("elman", ())]
    over = [int(lag) for lag, v, b in zip(c.lags, elman, c.bound) if np.isfinite(v) and v > float(b) * (1 + 1e-9)]
    holds = (r"\textbf{The Elman curve exceeds its bound at $t-k = %s$.}" % ", ".join(map(str, over[:8])) if over
             else r"The bound holds for the Elman curve at every lag (left); it says nothing about the gated cells.")
    last = ", ".join(r"%s $%s$" % (_name(n), fmt_sci(float(c.curves[n][-1]), digits=1)) for n in c.curves)
    return (r"Gradient flow of %s cells trained on the same long-range task (the adding problem, same "
            r"sequences, final checkpoints, one sequence): $\lVert \partial s_t/\partial s_k \rVert$ against $t-k$ "
            r"on a log scale, with $s = h$ except $s = [\mathit{ltm}; \mathit{wm}]$ for the LSTM. The "
            r"wide dashed band is the bound $(\gamma\lambda_1)^{t-k}$ of \idref{product_norm_bound} for the Elman "
            r"run ($\gamma = %s$, $\lambda_1 = \lVert W_{hh}\rVert = %s$). %s%s At $t-k = %d$: %s."
            % (_count(len(c.curves)), f"{float(c.gamma):.3g}", f"{float(c.lambda1):.3g}", holds, _floor_text(c),
               int(c.lags[-1]), last)
            + _confirmation(c)
            + ((" The axis is cut at $10^{%d}$: %s." % (round(np.log10(LOG_FLOOR)), cut)) if cut else ""))


def _floor_text(c: ComparisonSeries) -> str:
    """Caption text on the residual floor: where sigma_min stays above it (or where it does not)."""
    if not c.floor:
        return ""
    fl, sm = (np.asarray(c.floor[k], dtype=float) for k in ("floor", "sigma_min"))
    below = [int(lag) for lag, f, s in zip(c.lags, fl, sm) if s < f * (1 - 1e-9)]
    if below:
        return r" \textbf{The residual $\sigma_{\min}$ falls below its floor at $t-k = %s$.}" % ", ".join(
            map(str, below[:8]))
    return (r" The residual run's $\sigma_{\min}(\partial h_t/\partial h_k)$ stays above its floor "
            r"$\max(0, 1-\lambda_1)^{t-k}$ of \idref{residual_jacobian} at every lag (dotted band, left): no direction "
            r"of its gradient vanishes faster; its norm stays under $(1+\lambda_1)^{t-k}$.")


def comparison_figure(c: ComparisonSeries | None, ids: Sequence[str]) -> Figure | None:
    r"""The comparison figure in the section of the first of :data:`HOMES` among ``ids``, with a pointer
    paragraph for the others; ``None`` without a series or without any of :data:`HOMES` among ``ids``."""
    home = next((i for i in HOMES if i in ids), None)
    if c is None or home is None:
        return None
    cells = list(c.curves)
    extra = ["floor", "sigmamin"] if c.floor else []
    data = _datafile(["lag", *_columns(cells), "bound", *extra],
                     ((int(lag), *(_positive(c.curves[n][j]) for n in cells), _positive(c.bound[j]),
                       *((_positive(c.floor["floor"][j]), _positive(c.floor["sigma_min"][j])) if c.floor else ()))
                      for j, lag in enumerate(c.lags)))
    body, cut = _panels(c)
    names = [_name(n) for n in cells]
    listed = ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]
    pointers = {i: (r"\paragraph{Gradient flow compared.} \hyperref[%s]{The figure comparing the %s cells} on the "
                    r"same task is in \idref{%s}." % (LABEL, listed, home))
                for i in HOMES if i != home and i in ids}
    return Figure(home, _figure(body, _caption(c, cut), LABEL), {DATA_FILE: data}, pointers)
