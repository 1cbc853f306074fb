r"""Hypothesis strategies for the section-H cells: residual and highway RNNs (see :mod:`rnnproof.numeric.strategies`).

:func:`residual_problems` and :func:`highway_problems` draw a cell (:class:`~rnnproof.numeric.remedies.ResidualParams`,
:class:`~rnnproof.numeric.remedies.HighwayParams`), an input sequence, targets and an initial state, in a
*regime*:

* residual ``any`` (entries of ``W_hh`` in [-1, 1]) or ``contracting`` (``W_hh`` rescaled to
  :math:`\lVert W_{hh}\rVert_2 = \rho \in [0.05, 0.95]`, so the floor :math:`(1-\lambda_1)^{t-k}` of
  ``residual_jacobian`` is positive);
* highway ``any``, ``carry`` (gate bias :math:`\le -(8 + \text{reach})`: :math:`g_t < e^{-8}`, the carry path
  dominates) or ``transform`` (gate bias :math:`\ge 8 + \text{reach}`: :math:`g_t > 1 - e^{-8}`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from .. import remedies
from .elman import RNNConfig, _check_choices, finite_arrays, input_sequences, rnn_configs

__all__ = ["RESIDUAL_REGIMES", "HIGHWAY_REGIMES", "RemedyProblem", "residual_problems", "highway_problems",
           "remedy_problem_run"]

RESIDUAL_REGIMES = ("any", "contracting")
HIGHWAY_REGIMES = ("any", "carry", "transform")
#: gate-bias margin of the ``carry``/``transform`` regimes: |a_g| >= 8, so g < 3.4e-4 or g > 1 - 3.4e-4
GATE_MARGIN = 8.0


@dataclass(frozen=True, eq=False)
class RemedyProblem:
    """One generated residual or highway problem: weights, a sequence, targets, ``h0`` and the regime."""

    params: "remedies.ResidualParams | remedies.HighwayParams"
    xs: np.ndarray
    targets: np.ndarray
    state0: np.ndarray
    loss_kind: str = "squared"
    regime: str = "any"

    cell = property(lambda self: "highway" if isinstance(self.params, remedies.HighwayParams) else "residual")

    @property
    def config(self) -> RNNConfig:
        """The sizes."""
        return RNNConfig(self.params.n, self.params.d, self.params.m, self.xs.shape[0])

    def trajectory(self):
        """The forward trajectory (:func:`remedies.forward_of`)."""
        return remedies.forward_of(self.params, self.xs, self.state0)

    def env(self) -> dict:
        """Evaluator values of the trajectory (:func:`remedies.env_of`)."""
        return remedies.env_of(self.params, self.trajectory())

    def state_map(self, t: int, k: int):
        """The actual map :math:`h_k\\mapsto h_t`."""
        xs, p = self.xs[k:t], self.params
        return lambda hk: remedies.forward_of(p, xs, hk).h[-1]

    def describe(self) -> str:
        """One line for ``note()``: sizes, regime, :math:`\\lambda_1` and the gate range (highway)."""
        c = self.config
        lam = float(np.linalg.norm(self.params.W_hh, 2))
        extra = ""
        if self.cell == "highway":
            g = self.trajectory().g[1:]
            extra = f" g=[{g.min():.3g}, {g.max():.3g}]"
        return f"{self.cell} n={c.n} d={c.d} m={c.m} T={c.T} {self.loss_kind} regime={self.regime} lambda1={lam:.4g}{extra}"


def _sizes(max_n, max_T):
    return rnn_configs(max_n=max_n, max_T=max_T, min_T=1)


def _targets(draw, c, loss_kind):
    if loss_kind == "squared":
        return draw(finite_arrays((c.T, c.m)))
    return np.asarray(draw(st.lists(st.integers(0, c.m - 1), min_size=c.T, max_size=c.T)), dtype=np.int64)


@st.composite
def residual_problems(draw, *, max_n=3, max_T=5, regimes=RESIDUAL_REGIMES, loss_kinds=("squared",)):
    """A :class:`RemedyProblem` with a residual cell (``regime`` drawn from ``regimes``)."""
    _check_choices("regimes", regimes, RESIDUAL_REGIMES)
    c = draw(_sizes(max_n, max_T))
    regime, kind = draw(st.sampled_from(regimes)), draw(st.sampled_from(loss_kinds))
    W = draw(finite_arrays((c.n, c.n)))
    if regime == "contracting":
        norm = float(np.linalg.norm(W, 2))
        W = np.eye(c.n) * 0.5 if norm == 0 else W * (draw(st.floats(0.05, 0.95)) / norm)
    p = remedies.ResidualParams(W, draw(finite_arrays((c.n, c.d))), draw(finite_arrays((c.n,))),
                                draw(finite_arrays((c.m, c.n))), draw(finite_arrays((c.m,))))
    return RemedyProblem(p, draw(input_sequences(c.T, c.d)), _targets(draw, c, kind),
                         draw(finite_arrays((c.n,), min_value=-0.5, max_value=0.5)), kind, regime)


@st.composite
def highway_problems(draw, *, max_n=3, max_T=5, regimes=HIGHWAY_REGIMES, loss_kinds=("squared",)):
    """A :class:`RemedyProblem` with a highway cell (``regime`` drawn from ``regimes``)."""
    _check_choices("regimes", regimes, HIGHWAY_REGIMES)
    c = draw(_sizes(max_n, max_T))
    regime, kind = draw(st.sampled_from(regimes)), draw(st.sampled_from(loss_kinds))
    W, Wx, b = draw(finite_arrays((c.n, c.n))), draw(finite_arrays((c.n, c.d))), draw(finite_arrays((c.n,)))
    Wg, Ug, bg = draw(finite_arrays((c.n, c.n))), draw(finite_arrays((c.n, c.d))), draw(finite_arrays((c.n,)))
    if regime != "any":
        # |h| <= max(|h_0|, 1) along the run (a convex combination of h_{t-1} and tanh), |x| <= 1
        reach = np.abs(Wg).sum(axis=1) + np.abs(Ug).sum(axis=1)
        bg = (1.0 if regime == "transform" else -1.0) * (GATE_MARGIN + reach)
    p = remedies.HighwayParams(W, Wx, b, Wg, Ug, bg, draw(finite_arrays((c.m, c.n))), draw(finite_arrays((c.m,))))
    return RemedyProblem(p, draw(input_sequences(c.T, c.d)), _targets(draw, c, kind),
                         draw(finite_arrays((c.n,), min_value=-0.5, max_value=0.5)), kind, regime)


def remedy_problem_run(problem: RemedyProblem, *, steps: int = 2, lr: float = 1e-3, tau: float = 1.0,
                       name: str | None = None, seed: int = 0):
    r"""A synthetic residual/highway :class:`~rnnproof.numeric.runs.Run` (as :func:`.gated.gated_problem_run`):
    clipped SGD, :math:`\hat g = g\min(1, \tau/\lVert g\rVert)`, for ``steps`` steps on the one sequence, checkpoints
    ``initial`` and ``final``; :func:`rnnproof.numeric.checks.check_identity` checks it with a ``RemedyContext``."""
    from ..runs import Checkpoint, Run

    pr, kind = problem, problem.loss_kind
    p, hist = pr.params, {k: [] for k in ("loss", "grad_norm", "tau", "clipped")}
    for _ in range(steps):
        L, g = remedies.bptt_of(p, pr.xs, pr.targets, pr.state0, kind)
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
    return Run(name, config["description"], config, seed, cps, {k: np.asarray(v) for k, v in hist.items()}, pr.cell)
