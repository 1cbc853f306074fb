"""Hypothesis strategies for LSTM and GRU cells (see :mod:`rnnproof.numeric.strategies`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .. import engine, gated, gated_runs
from ..runs import Checkpoint, Run
from .elman import (_SATURATION, RNNConfig, _check_choices, _check_int, _check_range, finite_arrays, input_sequences,
                    rnn_configs)

__all__ = ["GATE_REGIMES", "CAROUSEL_MARGIN", "GatedProblem", "lstm_params", "gru_params", "lstm_problems",
           "gru_problems", "gated_problem_run"]

GATE_REGIMES = ("any", "remember", "forget", "saturated", "carousel")
#: bias margin of the ``carousel`` regime: :math:`\sigma(a)` rounds to exactly 1.0 in float64
#: for :math:`a \ge 37` (:math:`e^{-37} < 2^{-53}`); 40 leaves room for a few training steps
CAROUSEL_MARGIN = 40.0


@dataclass(frozen=True, eq=False)
class GatedProblem:
    """One generated LSTM or GRU problem: weights, a sequence, its targets and the initial state.

    ``state0`` is :math:`[ltm_0; wm_0]` (2n) for the LSTM and :math:`h_0` (n) for the GRU (the
    ``h0`` convention of :mod:`~rnnproof.numeric.gated_runs`); ``regime`` is the
    :data:`GATE_REGIMES` key the gate biases were drawn in.
    """

    params: "gated.LSTMParams | gated.GRUParams"
    xs: np.ndarray
    targets: np.ndarray
    state0: np.ndarray
    loss_kind: str = "squared"
    regime: str = "any"

    cell = property(lambda self: "lstm" if isinstance(self.params, gated.LSTMParams) else "gru", doc="lstm or gru")

    @property
    def config(self) -> RNNConfig:
        """The sizes."""
        return RNNConfig(self.params.n, self.params.d, self.params.m, self.xs.shape[0])

    def trajectory(self):
        """Every gate per time (:func:`gated_runs.forward_of`)."""
        return gated_runs.forward_of(self.params, self.xs, self.state0)

    def loss(self):
        """The loss of the sequence."""
        return gated_runs.bptt_of(self.params, self.xs, self.targets, self.state0, self.loss_kind)[0]

    def gradient(self):
        """rnnproof's gated BPTT gradient (:func:`gated.lstm_bptt`, :func:`gated.gru_bptt`), shaped like the params."""
        return gated_runs.bptt_of(self.params, self.xs, self.targets, self.state0, self.loss_kind)[1]

    def describe(self) -> str:
        """One line for ``note()`` and failure messages: sizes, regime and the range of each gate."""
        c, tr = self.config, self.trajectory()
        gates = ("rem", "save", "focus") if self.cell == "lstm" else ("u", "r")
        spans = " ".join(f"{g}=[{getattr(tr, g)[1:].min():.4g}, {getattr(tr, g)[1:].max():.4g}]" for g in gates)
        return f"{self.cell} n={c.n} d={c.d} m={c.m} T={c.T} {self.loss_kind} regime={self.regime} {spans}"


def _reach(R, I, max_input):
    r"""Row bound of :math:`|R s + I x|` for :math:`|s_j| \le 1`, :math:`|x_j| \le` ``max_input``."""
    return np.abs(R).sum(axis=1) + np.abs(I).sum(axis=1) * max_input


def _gate_bias(draw, reach, sign, margin):
    """``sign * (margin + reach)``: the gate's pre-activation keeps the sign, with ``|a| >= margin``."""
    m = draw(st.floats(*_SATURATION)) if margin is None else margin
    if sign == 0:
        sign = draw(hnp.arrays(np.float64, reach.shape, elements=st.sampled_from([1.0, -1.0])))
    return sign * (m + reach)


def _gated_checks(n, d, m, regime, max_weight, max_input):
    for k, v in (("n", n), ("d", d), ("m", m)):
        _check_int(k, v, 1)
    _check_choices("regime", regime, GATE_REGIMES)
    _check_range("0", 0.0, "max_weight", max_weight, lowest=0.0, integer=False)
    _check_range("0", 0.0, "max_input", max_input, lowest=0.0, integer=False)


def _weights(draw, shapes, max_weight):
    return {k: draw(finite_arrays(s, min_value=-max_weight, max_value=max_weight)) for k, s in shapes.items()}


def lstm_params(n, d, m=1, *, regime="any", max_weight=1.0, max_input=1.0):
    r""":class:`~rnnproof.numeric.gated.LSTMParams` (weights in ``[-max_weight, max_weight]``) in a gate regime.

    Every gate pre-activation is :math:`a_g = W_g x + U_g wm + b_g` with :math:`|wm_j| \le 1`
    (:math:`wm = \mathrm{focus}\odot\tanh ltm`, and :math:`wm_0` is drawn in ``[-1, 1]``), so a bias
    :math:`\pm(\mu + \sum_j|U_{g,aj}| + \max|x|\sum_j|W_{g,aj}|)` keeps :math:`\pm a_{g,a}\ge\mu`
    at every time.  Regimes (:data:`GATE_REGIMES`), with :math:`\mu\in[3, 8]`:

    * ``any``: biases in ``[-1, 1]``;
    * ``remember``: forget gate near 1, :math:`\mathrm{rem}_t \ge \sigma(3) = 0.953` (the constant
      error carousel: :math:`\partial ltm_t/\partial ltm_k|_{wm} = \prod\mathrm{diag}(\mathrm{rem}) \approx I`);
    * ``forget``: forget gate near 0, :math:`\mathrm{rem}_t \le 0.047` (the cell forgets each step);
    * ``saturated``: every gate (rem, save, focus and the candidate) saturated, random signs;
    * ``carousel``: :math:`\mu =` :data:`CAROUSEL_MARGIN`, so :math:`\mathrm{rem}_t = 1.0` exactly in float64.

    Shrinks to zero weights (every gate 1/2) with the regime's smallest bias.
    """
    _gated_checks(n, d, m, regime, max_weight, max_input)

    @st.composite
    def build(draw):
        shapes = {**{f"W_{g}": (n, d) for g in "rsfl"}, **{f"U_{g}": (n, n) for g in "rsfl"},
                  **{f"b_{g}": (n,) for g in "rsfl"}, "W_yh": (m, n), "b_y": (m,)}
        w = _weights(draw, shapes, max_weight)
        biased = {"remember": {"r": 1.0}, "forget": {"r": -1.0}, "saturated": dict.fromkeys("rsfl", 0),
                  "carousel": {"r": 1.0}}.get(regime, {})
        for g, sign in biased.items():
            margin = CAROUSEL_MARGIN if regime == "carousel" else None
            w[f"b_{g}"] = _gate_bias(draw, _reach(w[f"U_{g}"], w[f"W_{g}"], max_input), sign, margin)
        return gated.LSTMParams(**w)
    return build()


def gru_params(n, d, m=1, *, regime="any", max_weight=1.0, max_input=1.0):
    r""":class:`~rnnproof.numeric.gated.GRUParams` (the sheet's reset-before form) in a gate regime.

    :math:`|h_t| \le 1` when :math:`|h_0| \le 1` (:math:`h_t` is a convex combination of
    :math:`h_{t-1}` and :math:`\tilde h_t\in(-1,1)`), so biases are pushed past the reach as in
    :func:`lstm_params`.  The update gate :math:`u` plays :math:`1-\mathrm{rem}`:

    * ``remember``: :math:`u_t \le 0.047`, so :math:`\partial h_t/\partial h_{t-1}\approx I`;
    * ``forget``: :math:`u_t \ge 0.953` (the state is overwritten by :math:`\tilde h_t`);
    * ``saturated``: u, r and the candidate saturated, random signs;
    * ``carousel``: :math:`b_u = -(40 + \text{reach})`, so :math:`1-u_t = 1.0` exactly in float64
      (:math:`u_t < 2^{-54}`, and :math:`\partial h_t/\partial h_{t-1} = I + O(u_t)`).
    """
    _gated_checks(n, d, m, regime, max_weight, max_input)

    @st.composite
    def build(draw):
        shapes = {**{f"W_{g}": (n, n) for g in "urh"}, **{f"U_{g}": (n, d) for g in "urh"},
                  **{f"b_{g}": (n,) for g in "urh"}, "W_yh": (m, n), "b_y": (m,)}
        w = _weights(draw, shapes, max_weight)
        biased = {"remember": {"u": -1.0}, "forget": {"u": 1.0}, "saturated": dict.fromkeys("urh", 0),
                  "carousel": {"u": -1.0}}.get(regime, {})
        for g, sign in biased.items():
            margin = CAROUSEL_MARGIN if regime == "carousel" else None
            w[f"b_{g}"] = _gate_bias(draw, _reach(w[f"W_{g}"], w[f"U_{g}"], max_input), sign, margin)
        return gated.GRUParams(**w)
    return build()


def _gated_problems(cell, *, min_n, max_n, min_d, max_d, min_m, max_m, min_T, max_T, loss_kinds, regimes,
                    max_weight, max_input):
    configs = rnn_configs(min_n=min_n, max_n=max_n, min_d=min_d, max_d=max_d, min_m=min_m, max_m=max_m,
                          min_T=min_T, max_T=max_T)
    losses = _check_choices("loss_kinds", loss_kinds, engine.LOSS_KINDS)
    regs = _check_choices("regimes", regimes, GATE_REGIMES)
    make = lstm_params if cell == "lstm" else gru_params
    _gated_checks(1, 1, 1, regs[0], max_weight, max_input)

    @st.composite
    def build(draw):
        c = draw(configs)
        kind, regime = draw(st.sampled_from(losses)), draw(st.sampled_from(regs))
        params = draw(make(c.n, c.d, c.m, regime=regime, max_weight=max_weight, max_input=max_input))
        xs = draw(input_sequences(c.T, c.d, max_abs=max_input))
        if kind == "squared":
            targets = draw(finite_arrays((c.T, c.m)))
        else:
            targets = draw(hnp.arrays(np.int64, (c.T,), elements=st.integers(0, c.m - 1)))
        state0 = draw(finite_arrays((2 * c.n if cell == "lstm" else c.n,)))
        return GatedProblem(params, xs, targets, state0, kind, regime)
    return build()


def lstm_problems(*, min_n=1, max_n=3, min_d=1, max_d=2, min_m=1, max_m=2, min_T=1, max_T=5,
                  loss_kinds=("squared",), regimes=GATE_REGIMES, max_weight=1.0, max_input=1.0):
    r"""Complete LSTM problems :class:`GatedProblem` (params from :func:`lstm_params`, xs, targets, state0).

    Inputs in ``[-max_input, max_input]``, squared-loss targets and :math:`[ltm_0; wm_0]` in
    ``[-1, 1]``, cross-entropy targets classes in ``[0, m)``.  Shrinks to ``n = d = m = T = min``,
    the first loss kind and regime, and zero entries.

    Examples
    --------
    >>> p = lstm_problems(regimes=("carousel",)).example()
    >>> bool(np.all(p.trajectory().rem[1:] == 1.0))
    True
    """
    return _gated_problems("lstm", min_n=min_n, max_n=max_n, min_d=min_d, max_d=max_d, min_m=min_m, max_m=max_m,
                           min_T=min_T, max_T=max_T, loss_kinds=loss_kinds, regimes=regimes, max_weight=max_weight,
                           max_input=max_input)


def gru_problems(*, min_n=1, max_n=3, min_d=1, max_d=2, min_m=1, max_m=2, min_T=1, max_T=5,
                 loss_kinds=("squared",), regimes=GATE_REGIMES, max_weight=1.0, max_input=1.0):
    """Complete GRU problems :class:`GatedProblem` (params from :func:`gru_params`); as :func:`lstm_problems`."""
    return _gated_problems("gru", min_n=min_n, max_n=max_n, min_d=min_d, max_d=max_d, min_m=min_m, max_m=max_m,
                           min_T=min_T, max_T=max_T, loss_kinds=loss_kinds, regimes=regimes, max_weight=max_weight,
                           max_input=max_input)


def gated_problem_run(problem: GatedProblem, *, steps: int = 2, lr: float = 1e-3, tau: float = 1.0,
                      name: str | None = None, seed: int = 0) -> Run:
    r"""A synthetic gated :class:`~rnnproof.numeric.runs.Run`, for the section-G checks.

    Trains like :func:`~rnnproof.numeric.gated_runs.build_run` (clipped SGD,
    :math:`\hat g = g\min(1, \tau/\lVert g\rVert)`) for ``steps`` steps on the one sequence and
    records the same ``history`` and the checkpoints ``initial`` and ``final`` (``h0`` =
    ``state0``).  The name defaults to ``hypothesis_lstm`` / ``hypothesis_gru``; check it with
    :class:`~rnnproof.numeric.checks.gated_base.GatedContext` per checkpoint.
    """
    _check_int("steps", steps, 1)
    _check_range("0", 0.0, "lr", lr, lowest=0.0, integer=False)
    _check_range("0", 0.0, "tau", tau, lowest=0.0, integer=False)
    pr, kind = problem, problem.loss_kind
    p, hist = pr.params, {k: [] for k in ("loss", "grad_norm", "tau", "clipped")}
    for _ in range(steps):
        L, g = gated_runs.bptt_of(p, pr.xs, pr.targets, pr.state0, kind)
        gf = g.flat()
        norm = float(np.linalg.norm(gf))
        p = p.from_flat(p.flat() - lr * (gf * min(1.0, tau / norm) if norm > 0 else gf))
        for k, v in zip(hist, (float(L), norm, tau, norm > tau)):
            hist[k].append(v)
    c, name = pr.config, name or f"hypothesis_{pr.cell}"
    config = dict(kind="synthetic", cell=pr.cell, n=c.n, d=c.d, m=c.m, T=c.T, steps=steps, lr=lr, tau=tau, loss=kind,
                  seed=seed, regime=pr.regime, description=f"Hypothesis-generated: {pr.describe()}")
    cps = tuple(Checkpoint(cp, s, q, pr.xs, pr.targets, pr.state0, kind)
                for cp, s, q in (("initial", 0, pr.params), ("final", steps, p)))
    return Run(name, config["description"], config, seed, cps, {k: np.asarray(v) for k, v in hist.items()}, "gated")
