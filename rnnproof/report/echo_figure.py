r"""The echo-state contraction figure (section H, ``echo_state_scaling``).

Two runs of the same tanh network from different initial states, :math:`\lVert h_t - h'_t\rVert` against
:math:`t` on a log axis with the derived bound :math:`\lVert W_{hh}\rVert^t\lVert h_0 - h'_0\rVert`: one panel per
echo-state run (:math:`\lVert W_{hh}\rVert < 1`: the runs converge under the bound), and one panel for the witness
of ``spectral_radius_is_not_enough`` (:math:`\rho = 1/2` but :math:`\lVert W\rVert \approx 3.04`): the runs first move
apart, then converge; the radius "bound" :math:`\rho^t\lVert h_0 - h'_0\rVert` lies below the measured curve.

The curves come from the caller (:func:`rnnproof.numeric.checks.echo_state_scaling.figure_series`, which evaluates
the identity's derived ``distance``, ``bound`` and ``radius_bound`` on the two trajectories), so the writer is
testable without the numeric engine.

References: Jaeger (2001), Prop. 3; Yildiz, Jaeger, Kiebel (2012).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from rnnproof.derivations.errors import InputError

from .figures import LOG_FLOOR, Figure, _axis, _datafile, _figure, _positive
from .tex import escape_tex, fmt_sci

__all__ = ["EchoSeries", "coerce_echo", "echo_figure", "LABEL"]

LABEL = "fig:echo-state"


@dataclass(frozen=True)
class EchoSeries:
    r"""One run: :math:`\lVert h_t - h'_t\rVert` (``distance``) and the derived bound by time :math:`t = 0..T`;
    ``norm`` is :math:`\lVert W_{hh}\rVert`; ``radius`` the derived radius bound (witness only)."""

    run: str
    times: Sequence[int]
    distance: Sequence[float]
    bound: Sequence[float]
    norm: float
    radius: Sequence[float] | None = None


def coerce_echo(items) -> list[EchoSeries]:
    """Validate a list of :class:`EchoSeries` (or mappings with its fields)."""
    out = []
    for item in items or ():
        s = item if isinstance(item, EchoSeries) else EchoSeries(**item) if isinstance(item, Mapping) else None
        if s is None:
            raise InputError(f"report: series 'echo' entries must be EchoSeries or mappings, got {type(item).__name__}")
        for name in ("distance", "bound", "radius"):
            ys = getattr(s, name)
            if ys is not None and len(ys) != len(s.times):
                raise InputError(f"report: series 'echo' run {s.run!r}: {len(ys)} values of {name} for {len(s.times)} times")
        out.append(s)
    return out


def _panel(s: EchoSeries, k: int) -> tuple[str, str, str]:
    fname = f"fig-echo-{k}.dat"
    cols = ["t", "dist", "bound"] + (["radius"] if s.radius is not None else [])
    rows = zip(s.times, *[[_positive(v) for v in ys] for ys in (s.distance, s.bound, s.radius) if ys is not None])
    plots = [r"\addplot[blue, mark=o, mark size=1.2pt, mark repeat=3] table[x=t, y=dist] {%s};" % fname,
             r"\addlegendentry{$\lVert h_t - h'_t\rVert$}",
             r"\addplot[dashed, red, thick] table[x=t, y=bound] {%s};" % fname,
             r"\addlegendentry{$\lVert W\rVert^t\lVert h_0 - h'_0\rVert$}"]
    if s.radius is not None:
        plots += [r"\addplot[dotted, black, thick] table[x=t, y=radius] {%s};" % fname,
                  r"\addlegendentry{$\rho(W)^t\lVert h_0 - h'_0\rVert$}"]
    pos = [v for ys in (s.distance, s.radius) if ys is not None for v in ys if np.isfinite(v) and v > 0]
    ymin = max(LOG_FLOOR, min(pos, default=1.0) / 10)  # the lowest measured value, not the floor: the transient shows
    body = _axis(r"ymode=log, width=0.31\textwidth, height=4.4cm, xlabel={$t$}, ymin=%g, unbounded coords=jump, "
                 r"title={\small \texttt{%s}, $\lVert W\rVert = %s$}, legend style={at={(0.5,-0.3)}, anchor=north, "
                 r"font=\scriptsize, draw=none}" % (ymin, escape_tex(s.run), f"{s.norm:.3g}"), plots)
    return fname, _datafile(cols, rows), body


def _text(s: EchoSeries) -> str:
    d = np.asarray(s.distance, float)
    peak = int(np.argmax(d))
    over = [int(t) for t, v, b in zip(s.times, d, s.bound) if v > b * (1 + 1e-9)]
    head = r"\texttt{%s}: " % escape_tex(s.run)
    if over:
        return head + r"\textbf{the measured distance exceeds the bound at $t = %s$.}" % ", ".join(map(str, over[:6]))
    if d[0] > 0 and peak > 0:
        return head + r"the runs first move apart by a factor $%s$ (at $t = %d$), then converge to $%s$ at $t = %d$." % (
            fmt_sci(d[peak] / d[0], digits=3), s.times[peak], fmt_sci(d[-1], digits=2), s.times[-1])
    return head + r"from $%s$ to $%s$ at $t = %d$, under the bound everywhere." % (
        fmt_sci(d[0], digits=2), fmt_sci(d[-1], digits=2), s.times[-1])


def echo_figure(items: Sequence[Any], ids: Sequence[str]) -> Figure | None:
    """The figure in the ``echo_state_scaling`` section, or ``None`` when it is not in the report or no series."""
    runs = coerce_echo(items)
    if "echo_state_scaling" not in ids or not runs:
        return None
    data, panels = {}, []
    for k, s in enumerate(runs, 1):
        fname, text, body = _panel(s, k)
        data[fname] = text
        panels.append(body)
    caption = (r"Echo-state contraction: two runs of the same tanh network and inputs from initial states "
               r"$h_0 \ne h'_0$, with the derived bound $\lVert W_{hh}\rVert^t\lVert h_0 - h'_0\rVert$ (dashed). "
               + " ".join(_text(s) for s in runs)
               + r" On the witness ($\rho(W) = 1/2$) the spectral-radius line (dotted) is not a bound.")
    return Figure("echo_state_scaling", _figure("\n\\hfill\n".join(panels), caption, LABEL), data)
