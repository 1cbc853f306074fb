r"""Figures of the report: pgfplots pictures over data files written next to the ``.tex``.

Three kinds, each attached to the identity whose section shows it:

* the activation derivatives with their bound :math:`\gamma` (``sigmoid_derivative_bound``:
  :math:`\sigma`, :math:`\sigma'` and :math:`1/4`; ``tanh_derivative``: :math:`\tanh'` and 1),
  computed by evaluating the *derived* SymPy expressions (never a hand-copied formula);
* :math:`\lVert\partial h_t/\partial h_k\rVert` against :math:`t-k` on a log axis with the
  bound :math:`(\gamma\lambda_1)^{t-k}` (``product_norm_bound``), one panel per run;
* the gradient norm during training with the clipping threshold (``gradient_clipping``);
* the gradient flow of the Elman, LSTM and GRU cells trained on one long-range task,
  :math:`\lVert\partial s_t/\partial s_k\rVert` against :math:`t-k` with the Elman bound
  (``lstm_cell_jacobian``, or ``gru_jacobian`` when the LSTM is not in the report; the other
  gated section points to it), drawn by :mod:`rnnproof.report.gated_figure`.

Log axes are cut at :data:`LOG_FLOOR`: a curve that falls below it leaves the panel at the
bottom and the panel says from which :math:`t-k` on (the data file keeps every value).

Curves of runs come from the caller (:class:`NormSeries`, :class:`TrainingSeries`,
:class:`ComparisonSeries`, or plain mappings with the same keys, see :func:`coerce_series`),
so the writer is testable without the numeric engine.  Data files are named by figure and
index, never by a run name.

References
----------
Pascanu, Mikolov, Bengio (2013), sec. 2.1 (the bound) and Algorithm 1 (clipping).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import sympy as sp

from rnnproof.derivations.errors import InputError

from .tex import escape_tex, fmt_data, fmt_sci

__all__ = ["NormSeries", "TrainingSeries", "ComparisonSeries", "Figure", "coerce_series", "activation_figures",
           "norm_figure", "training_figure", "figures_for", "LOG_FLOOR"]

_X = np.linspace(-8.0, 8.0, 161)
#: lower end of a log axis whose curves fall further (a saturated run reaches 1e-319)
LOG_FLOOR = 1e-30


@dataclass(frozen=True)
class NormSeries:
    r"""Measured :math:`\lVert\partial h_t/\partial h_k\rVert` of one run, by lag :math:`t-k`."""

    run: str
    lags: Sequence[int]
    norms: Sequence[float]
    gamma_lambda: float  # gamma * lambda_1 of the run


@dataclass(frozen=True)
class TrainingSeries:
    r"""Gradient norm :math:`\lVert g\rVert` per training step, with the clipping threshold."""

    run: str
    steps: Sequence[int]
    norms: Sequence[float]
    threshold: float
    clipped: Sequence[float] | None = None


@dataclass(frozen=True)
class ComparisonSeries:
    r""":math:`\lVert\partial s_t/\partial s_k\rVert` by lag for several cells on one task, with
    the Elman bound :math:`(\gamma\lambda_1)^{t-k}` (``bound``, one value per lag).

    ``curves`` maps a cell name (``elman``, ``lstm``, ``gru``) to its norms; ``runs`` the cell
    to its run; ``confirmed`` the cell to ``(passed, error, tolerance)`` (the worst entry's error) of the check of its
    product of derived Jacobians against the actual forward map, when one was made.
    """

    lags: Sequence[int]
    curves: Mapping[str, Sequence[float]]
    bound: Sequence[float]
    gamma: float
    lambda1: float
    runs: Mapping[str, str]
    confirmed: Mapping[str, tuple] | None = None
    #: the residual run's floor and measured sigma_min (section H): ``{"floor": [...], "sigma_min": [...]}`` per lag
    floor: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Figure:
    """One figure: its LaTeX, the data files it reads (name -> content), the identity it
    belongs to, and pointers to it for other sections (identity id -> paragraph)."""

    identity: str
    latex: str
    data: Mapping[str, str]
    pointers: Mapping[str, str] | None = None


def _coerce(cls, item, what):
    if isinstance(item, cls):
        return item
    if isinstance(item, Mapping):
        try:
            return cls(**item)
        except TypeError as exc:
            raise InputError(f"report: series {what!r} entry has keys {sorted(item)}: {exc}") from None
    raise InputError(f"report: series {what!r} entries must be {cls.__name__} or mappings, got {type(item).__name__}")


def coerce_series(series: Mapping[str, Any] | None) -> dict[str, Any]:
    """Validate ``{"jacobian_norms": [...], "gradient_norm": [...], "comparison": {...}}`` (lists
    of series or of mappings with the dataclass fields; a mapping run -> fields is accepted too;
    ``comparison`` is one :class:`ComparisonSeries` or mapping, optional)."""
    out: dict[str, Any] = {"jacobian_norms": [], "gradient_norm": [], "comparison": None,
                           "echo": list((series or {}).get("echo") or ())}  # validated by echo_figure
    for key, cls in (("jacobian_norms", NormSeries), ("gradient_norm", TrainingSeries)):
        items = (series or {}).get(key, ())
        if isinstance(items, Mapping):
            items = [{"run": run, **dict(v)} if isinstance(v, Mapping) else v for run, v in items.items()]
        for item in items:
            s = _coerce(cls, item, key)
            if len(s.norms) != len(s.lags if cls is NormSeries else s.steps):
                raise InputError(f"report: series {key!r} run {s.run!r}: {len(s.norms)} norms for "
                                 f"{len(s.lags if cls is NormSeries else s.steps)} abscissae")
            out[key].append(s)
    cmp = (series or {}).get("comparison")
    if cmp is not None:
        c = _coerce(ComparisonSeries, cmp, "comparison")
        if c.floor and set(c.floor) != {"floor", "sigma_min"}:
            raise InputError(f"report: series 'comparison' floor has keys {sorted(c.floor)}; expected "
                             "'floor' and 'sigma_min'")
        extra = [(k, c.floor[k]) for k in ("floor", "sigma_min")] if c.floor else []
        for name, ys in [*c.curves.items(), ("bound", c.bound), *extra]:
            if len(ys) != len(c.lags):
                raise InputError(f"report: series 'comparison' curve {name!r}: {len(ys)} norms for "
                                 f"{len(c.lags)} lags")
        out["comparison"] = c
    unknown = sorted(set(series or {}) - set(out))
    if unknown:
        raise InputError(f"report: unknown series {unknown}; expected 'jacobian_norms', 'gradient_norm', "
                         "'comparison' and 'echo'")
    return out


def _datafile(columns: list[str], rows) -> str:
    lines = [" ".join(columns)]
    lines += [" ".join(fmt_data(v) for v in row) for row in rows]
    return "\n".join(lines) + "\n"


def _positive(v) -> float:
    """Log axes: a non-positive or non-finite value is missing, not plotted as 0."""
    v = float(v)
    return v if np.isfinite(v) and v > 0 else float("nan")


def _derived(identity_id: str, name: str):
    """A derived expression of a catalogue identity, or ``None`` when not available."""
    from rnnproof.derivations import registry

    try:
        return registry.get(identity_id).expression(name)
    except (ModuleNotFoundError, KeyError, LookupError, Exception):  # noqa: BLE001 -- fall back, caption says so
        return None


def _curve(expr) -> np.ndarray:
    from rnnproof.derivations.evaluate import scalar_function

    free = sorted(expr.free_symbols, key=str)
    if len(free) != 1:
        raise InputError(f"report: activation curve needs one free symbol, got {free}")
    return np.broadcast_to(np.asarray(scalar_function(expr, tuple(free))(_X), dtype=float), _X.shape)


def _activation(name: str):
    """``(phi, phi', gamma, source)`` of an activation, from the catalogue's derived expressions."""
    from rnnproof.derivations.functions import GAMMA, activation, activation_derivative

    x = sp.Symbol("x", real=True)
    ident, sym = ("sigmoid_derivative_bound", r"\sigma") if name == "sigmoid" else ("tanh_derivative", r"\tanh")
    dphi = _derived(ident, f"{name}_prime")
    gamma = _derived(ident, "gamma")
    source = r"$%s'$ and $\gamma$ are the expressions derived in \idref{%s}" % (sym, ident)
    if dphi is None or gamma is None:
        dphi, gamma = activation_derivative(name)(x), GAMMA[name]
        source = r"$%s'$ is differentiated by SymPy from the definition" % sym
    return activation(name)(x), dphi, gamma, source


def activation_figures() -> list[Figure]:
    """:math:`\\sigma, \\sigma'` with 1/4 and :math:`\\tanh'` with 1, evaluated on [-8, 8]."""
    figs = []
    for name, ident, fname in (("sigmoid", "sigmoid_derivative_bound", "fig-sigmoid.dat"),
                               ("tanh", "tanh_derivative", "fig-tanh.dat")):
        phi, dphi, gamma, source = _activation(name)
        g = float(gamma)
        cols = ["x", "phi", "dphi", "bound"]
        data = _datafile(cols, zip(_X, _curve(phi), _curve(dphi), np.full_like(_X, g)))
        sym = r"\sigma" if name == "sigmoid" else r"\tanh"
        plots = [r"\addplot[thick, blue] table[x=x, y=phi] {%s};" % fname,
                 r"\addlegendentry{$%s(x)$}" % sym] if name == "sigmoid" else []
        plots += [r"\addplot[thick, red] table[x=x, y=dphi] {%s};" % fname, r"\addlegendentry{$%s'(x)$}" % sym,
                  r"\addplot[dashed, black] table[x=x, y=bound] {%s};" % fname,
                  r"\addlegendentry{$\gamma = %s$}" % sp.latex(gamma)]
        body = _axis(r"xlabel={$x$}, ymin=0, ymax=%s, legend pos=outer north east, width=0.62\textwidth, height=5.5cm"
                     % ("1.05" if name == "sigmoid" else "1.15"), plots)
        caption = (r"$%s'$ and its bound $\gamma = \sup_x |%s'(x)| = %s$, attained only at $x = 0$. %s."
                   % (sym, sym, sp.latex(gamma), source))
        figs.append(Figure(ident, _figure(body, caption, f"fig:{name}"), {fname: data}))
    return figs


def _axis(options: str, plots: list[str], *, picture: str = "") -> str:
    """A tikzpicture with one axis; ``picture`` are options of the picture (e.g. its baseline)."""
    return "\n".join([r"\begin{tikzpicture}" + (f"[{picture}]" if picture else ""), r"\begin{axis}[%s]" % options,
                      *plots, r"\end{axis}", r"\end{tikzpicture}"])


def _figure(body: str, caption: str, label: str) -> str:
    return "\n".join([r"\begin{figure}[htbp]", r"\centering", body, r"\caption{%s}" % caption,
                      r"\label{%s}" % label, r"\end{figure}"])


def _floor(lags, curves) -> tuple[str, str, str]:
    """``(axis options, panel note, caption text)`` for a log axis whose curves may fall below
    :data:`LOG_FLOOR`: then ``ymin`` is the floor and the note says where each curve leaves."""
    notes, texts = [], []
    for name, ys in curves:
        vals = [(int(lag), float(v)) for lag, v in zip(lags, ys) if np.isfinite(float(v))]
        below = [lag for lag, v in vals if v < LOG_FLOOR]
        if not below:
            continue
        notes.append(r"%s below $10^{%d}$ from $t-k = %d$" % (name, round(np.log10(LOG_FLOOR)), below[0]))
        pos = [(v, lag) for lag, v in vals if v > 0]
        low, at = min(pos)
        zero = [lag for lag, v in vals if v == 0]
        texts.append(r"%s falls below $10^{%d}$ at $t-k = %d$ and goes on down to $%s$ at $t-k = %d$%s" % (
            name, round(np.log10(LOG_FLOOR)), below[0], fmt_sci(low, digits=1), at,
            r" (then $0$ in double precision from $t-k = %d$)" % zero[0] if zero else ""))
    if not notes:
        return "", "", ""
    return ", ymin=%g" % LOG_FLOOR, "; ".join(notes), "; ".join(texts)


def _title(text: str, note: str) -> str:
    return r"title={\small %s%s}, title style={align=center}" % (text, r"\\ \scriptsize " + note if note else "")


def _on_bound(s: NormSeries, bound: list[float]) -> str:
    """Caption text when the measured curve lies on its bound, or exceeds it anywhere."""
    pairs = [(int(lag), float(v), b) for lag, v, b in zip(s.lags, s.norms, bound) if int(lag) > 0 and np.isfinite(v)]
    over = [lag for lag, v, b in pairs if v > b * (1 + 1e-9)]
    if over:
        return r" \textbf{In the %s panel the measured curve exceeds the bound at $t-k = %s$.}" % (
            escape_tex(s.run), ", ".join(map(str, over[:8])) + (r", \dots" if len(over) > 8 else ""))
    gap = max(((b - v) / b for _, v, b in pairs if b > 0), default=np.inf)
    if gap < 1e-2:
        return (r" In the %s panel the measured curve lies on its bound (within $%s$ relative at every lag): the "
                r"circles sit on the band." % (escape_tex(s.run), fmt_sci(gap, digits=1)))
    return ""


def norm_figure(runs: Sequence[NormSeries]) -> Figure | None:
    r"""One log-axis panel per run: measured :math:`\lVert\partial h_t/\partial h_k\rVert` (open
    circles on a line) over :math:`(\gamma\lambda_1)^{t-k}` (a wide dashed band drawn first, so a
    measured curve lying on its bound stays visible)."""
    if not runs:
        return None
    data, panels, notes = {}, [], []
    width = r"%.2f\textwidth" % (0.66 / min(len(runs), 3))
    for idx, s in enumerate(runs, 1):
        fname = f"fig-jacobian-{idx}.dat"
        bound = [float(s.gamma_lambda) ** int(lag) for lag in s.lags]
        data[fname] = _datafile(["lag", "norm", "bound"],
                                ((int(lag), _positive(v), _positive(b)) for lag, v, b in zip(s.lags, s.norms, bound)))
        ymin, note, text = _floor(s.lags, [("measured curve", s.norms), ("bound", bound)])
        if text:
            notes.append(r" In the %s panel the axis is cut at $10^{%d}$: the %s; the data file keeps every value."
                         % (escape_tex(s.run), round(np.log10(LOG_FLOOR)), text))
        notes.append(_on_bound(s, bound))
        opts = (r"ymode=log, scale only axis, width=%s, height=3.6cm, xlabel={$t-k$}, %s, unbounded coords=jump%s"
                % (width, _title(r"%s, $\gamma\lambda_1 = %s$" % (escape_tex(s.run), f"{float(s.gamma_lambda):.3g}"),
                                 note), ymin))
        if idx == 1:
            opts += r", ylabel={$\lVert \partial h_t / \partial h_k \rVert$}"
        panels.append(_axis(opts, [
            r"\addplot[line width=2.4pt, dashed, red!55] table[x=lag, y=bound] {%s};" % fname,
            r"\addplot[blue, mark=o, mark size=1.2pt, mark options={solid}] table[x=lag, y=norm] {%s};" % fname],
            picture="baseline=(current axis.north)"))  # panels aligned at the top of their axes
    body = "\n\\hfill\n".join(panels)
    caption = (r"Measured $\lVert \partial h_t/\partial h_k \rVert$ (blue line with open circles) against $t-k$ on a "
               r"log scale, over the bound $(\gamma\lambda_1)^{t-k}$ of \idref{product_norm_bound} (wide dashed red "
               r"band), one panel per run." + "".join(notes))
    return Figure("product_norm_bound", _figure(body, caption, "fig:jacobian-norms"), data)


def _clipping_text(s: TrainingSeries) -> str:
    """Caption text of one run: the threshold and how many steps it clipped (both regimes)."""
    norms = [float(v) for v in s.norms if np.isfinite(float(v))]
    clipped = sum(v > float(s.threshold) for v in norms)
    t = float(s.threshold)
    tau = r"$\tau = %s$" % (f"{t:.3g}" if 1e-3 <= abs(t) < 1e4 else fmt_sci(t, digits=1))
    if clipped == 0:
        regime = r"no step reaches the threshold, so $\hat g = g$ throughout"
    elif clipped == len(norms):
        regime = (r"every one of the %d steps has $\lVert g\rVert > \tau$, so $\lVert \hat g\rVert = \tau$ "
                  r"throughout (only the clipped regime is visible)" % len(norms))
    else:
        regime = (r"%d of %d steps have $\lVert g\rVert > \tau$ and are scaled down to $\lVert \hat g\rVert = "
                  r"\tau$; at the other %d the gradient is left unchanged, $\hat g = g$"
                  % (clipped, len(norms), len(norms) - clipped))
    return r"%s: %s, %s." % (escape_tex(s.run), tau, regime)


def training_figure(runs: Sequence[TrainingSeries]) -> Figure | None:
    """Gradient norm per training step before clipping (raw), after clipping and the threshold:
    the clipped curve is drawn wide and light under the raw one, so both regimes show."""
    if not runs:
        return None
    data, panels = {}, []
    width = r"%.2f\textwidth" % (0.92 / min(len(runs), 2))
    for idx, s in enumerate(runs, 1):
        fname = f"fig-gradnorm-{idx}.dat"
        clipped = s.clipped if s.clipped is not None else [float("nan")] * len(s.steps)
        data[fname] = _datafile(["step", "norm", "clipped", "threshold"],
                                ((int(st), _positive(v), _positive(c), float(s.threshold))
                                 for st, v, c in zip(s.steps, s.norms, clipped)))
        plots = []
        if s.clipped is not None:
            plots += [r"\addplot[line width=2.4pt, green!60!black, opacity=0.45] table[x=step, y=clipped] {%s};" % fname,
                      r"\addlegendentry{clipped $\lVert \hat g\rVert$}"]
        plots += [r"\addplot[blue] table[x=step, y=norm] {%s};" % fname,
                  r"\addlegendentry{raw $\lVert g\rVert$}",
                  r"\addplot[dashed, red, thick] table[x=step, y=threshold] {%s};" % fname,
                  r"\addlegendentry{threshold $\tau$}"]
        panels.append(_axis(r"ymode=log, width=%s, height=5cm, xlabel={training step}, ylabel={gradient norm}, "
                            r"title={\small %s}, unbounded coords=jump, legend columns=3, "
                            r"legend style={at={(0.5,-0.32)}, anchor=north, font=\footnotesize, draw=none}"
                            % (width, escape_tex(s.run)), plots))
    caption = (r"Gradient norm during training, before clipping (raw $\lVert g\rVert$, blue) and after "
               r"($\lVert \hat g\rVert$, wide green), with the threshold $\tau$ (dashed red): "
               r"$\hat g = g\,\min(1, \tau/\lVert g\rVert)$ never exceeds $\tau$. "
               + " ".join(_clipping_text(s) for s in runs))
    return Figure("gradient_clipping", _figure("\n\\hfill\n".join(panels), caption, "fig:gradient-norm"), data)


def figures_for(ids: Sequence[str], series: Mapping[str, Any] | None) -> list[Figure]:
    """Every figure whose identity is among ``ids``, in a fixed order."""
    s = coerce_series(series)
    figs = [f for f in activation_figures() if f.identity in ids]
    from .echo_figure import echo_figure
    from .gated_figure import comparison_figure  # it builds on this module's helpers

    for f in (norm_figure(s["jacobian_norms"]), training_figure(s["gradient_norm"]),
              comparison_figure(s["comparison"], ids), echo_figure(s["echo"], ids)):
        if f is not None and f.identity in ids:
            figs.append(f)
    return figs
