r"""The gradient-flow comparison of the Elman, LSTM and GRU cells (issue 7, item 2).

:math:`\lVert\partial s_t/\partial s_k\rVert_2` against :math:`t-k` for the three cells trained
on the same long-range task (the adding problem), with the Elman bound
:math:`(\gamma\lambda_1)^{t-k}` of ``product_norm_bound``, in two log-axis panels over one data
file: the Elman curve under its bound (the bound grows to :math:`10^{9}` while the curves stay
within a few decades of 1), and the three cells on their own scale.  The figure sits in the
section of ``lstm_cell_jacobian`` (``gru_jacobian`` when the LSTM is not in the report); the
other gated section gets a pointer to it.

References
----------
Pascanu, Mikolov, Bengio (2013), sec. 2.1; Hochreiter & Schmidhuber (1997); Cho et al. (2014).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .figures import LOG_FLOOR, ComparisonSeries, Figure, _axis, _datafile, _figure, _floor, _positive, _title
from .tex import escape_tex, fmt_sci

__all__ = ["comparison_figure", "LABEL", "DATA_FILE"]

LABEL = "fig:gated-comparison"
DATA_FILE = "fig-gated-comparison.dat"
_GATED = ("lstm_cell_jacobian", "gru_jacobian")
_CELLS = {"elman": ("Elman", "blue, mark=o, solid"),
          "lstm": ("LSTM", "green!45!black, mark=square, dashed, mark options={solid}"),
          "gru": ("GRU", "orange!85!black, mark=triangle, densely dotted, thick, mark options={solid}")}
_LEGEND = r"legend cell align=left, legend style={at={(0.5,-0.25)}, anchor=north, font=\footnotesize, draw=none}"


def _name(cell: str) -> str:
    return _CELLS[cell][0] if cell in _CELLS else escape_tex(cell)


def _columns(cells) -> list[str]:
    """Data-file column of each cell: its name when plain letters, else ``c1``, ``c2``, ..."""
    return [n if n.isascii() and n.isalpha() and n not in ("lag", "bound") else f"c{k}" for k, n in enumerate(cells, 1)]


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
    ymin_l, note_l, text_l = _floor(c.lags, [("Elman", c.curves.get("elman", ())), ("bound", c.bound)])
    right = [line for n, col in zip(cells, cols) for line in _curve(c, n, col)]
    ymin_r, note_r, text_r = _floor(c.lags, [(_name(n), c.curves[n]) for n in cells])
    opts_l = (common + r", ylabel={$\lVert \partial s_t / \partial s_k \rVert_2$}, "
              + _title("Elman under its bound", note_l) + ymin_l)
    opts_r = common + ", " + _title("the three cells", note_r) + ymin_r
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
    return (r"Gradient flow of three cells trained on the same long-range task (the adding problem, final "
            r"checkpoints, one sequence): $\lVert \partial s_t/\partial s_k \rVert$ against $t-k$ on a log scale, "
            r"with $s = h$ for the Elman cell and the GRU and $s = [\mathit{ltm}; \mathit{wm}]$ for the LSTM. The "
            r"wide dashed band is the bound $(\gamma\lambda_1)^{t-k}$ of \idref{product_norm_bound} for the Elman "
            r"run ($\gamma = %s$, $\lambda_1 = \lVert W_{hh}\rVert = %s$). %s At $t-k = %d$: %s."
            % (f"{float(c.gamma):.3g}", f"{float(c.lambda1):.3g}", holds, int(c.lags[-1]), last)
            + _confirmation(c)
            + ((" The axis is cut at $10^{%d}$: %s." % (round(np.log10(LOG_FLOOR)), cut)) if cut else ""))


def comparison_figure(c: ComparisonSeries | None, ids: Sequence[str]) -> Figure | None:
    r"""The comparison figure in the section of ``lstm_cell_jacobian`` (else ``gru_jacobian``),
    with a pointer paragraph for the other gated section; ``None`` without a series or without
    a gated identity among ``ids``."""
    home = next((i for i in _GATED if i in ids), None)
    if c is None or home is None:
        return None
    cells = list(c.curves)
    data = _datafile(["lag", *_columns(cells), "bound"],
                     ((int(lag), *(_positive(c.curves[n][j]) for n in cells), _positive(c.bound[j]))
                      for j, lag in enumerate(c.lags)))
    body, cut = _panels(c)
    pointers = {i: (r"\paragraph{Gradient flow compared.} \hyperref[%s]{The figure comparing the Elman, LSTM and "
                    r"GRU cells} on the same task is in \idref{%s}." % (LABEL, home))
                for i in _GATED if i != home and i in ids}
    return Figure(home, _figure(body, _caption(c, cut), LABEL), {DATA_FILE: data}, pointers)
