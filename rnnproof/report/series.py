r"""Figure curves from the built-in runs, for the ``report`` command.

* :math:`\lVert\partial h_t/\partial h_k\rVert` for :math:`t = T` and every lag :math:`t-k`, on
  the ``vanishing``, ``exploding`` and ``saturated`` runs (final checkpoint), evaluated from the
  derived ``lhs`` of ``product_norm_bound`` (the norm of the ordered product of Jacobians), with
  :math:`\gamma\lambda_1` of the run (:math:`\gamma` from ``functions.GAMMA``,
  :math:`\lambda_1 = \sigma_{\max}(W_{hh})`);
* the gradient norm before clipping, after clipping and the threshold :math:`\tau` of every
  training step of the ``text`` and ``adding`` runs (their training history);
* the Elman/orthogonal Elman/residual/highway/LSTM/GRU comparison on the adding problem,
  :func:`rnnproof.numeric.gated_runs.comparison_series` (products of the derived one-step
  Jacobians, each confirmed by complex step of the actual forward map; those confirmations are
  returned as numeric evidence by :func:`figure_series_and_checks`).

When :mod:`rnnproof.numeric.checks` provides ``figure_series(seed=)``, that is used for the
first two instead.
"""

from __future__ import annotations

import numpy as np

__all__ = ["figure_series", "figure_series_and_checks", "NORM_RUNS", "TRAINING_RUNS", "COMPARISON_CELLS"]

NORM_RUNS = ("vanishing", "exploding", "saturated")
TRAINING_RUNS = ("text_large",)  # tau = median unclipped norm: both regimes occur
COMPARISON_CELLS = ("elman", "orth", "residual", "highway", "lstm", "gru")


def _norm_series(name: str) -> dict:
    from rnnproof.derivations import registry
    from rnnproof.derivations.evaluate import evaluate
    from rnnproof.derivations.functions import GAMMA
    from rnnproof.derivations.symbols import k as K, t as T_
    from rnnproof.numeric import engine
    from rnnproof.numeric.runs import load_run

    run = load_run(name)
    cp = run.checkpoints[-1]
    traj = engine.forward(cp.params, cp.xs, h0=cp.h0)
    env = engine.env(cp.params, traj)
    lhs = registry.get("product_norm_bound").expression("lhs", cp.params.activation)
    T = traj.T
    lags = list(range(0, T + 1))
    norms = [float(evaluate(lhs, env, {T_: T, K: T - lag}, backend="numpy")) for lag in lags]
    lam = float(np.linalg.norm(np.asarray(cp.params.W_hh, dtype=float), 2))
    return {"run": name, "lags": lags, "norms": norms, "gamma_lambda": float(GAMMA[cp.params.activation]) * lam}


def _training_series(name: str) -> dict:
    from rnnproof.numeric.runs import load_run

    h = load_run(name).history
    norms = [float(v) for v in h["grad_norm"]]
    taus = {float(v) for v in h["tau"]}
    tau = max(taus)
    clipped = [float(v) for v in h["clipped_grad_norm"]] if "clipped_grad_norm" in h else [min(v, tau) for v in norms]
    return {"run": name, "steps": list(range(1, len(norms) + 1)), "norms": norms, "threshold": tau,
            "clipped": clipped}


def _comparison(seed: int) -> tuple[dict, list]:
    """The comparison as :class:`~rnnproof.report.figures.ComparisonSeries` fields, and the
    :class:`~rnnproof.numeric.results.CheckResult` of each curve's confirmation."""
    from rnnproof.numeric.gated_runs import comparison_series

    c = comparison_series(seed=seed)
    checks = c.get("checks", {})
    fields = {"lags": [int(v) for v in c["lag"]],
              "curves": {cell: [float(v) for v in c[cell]] for cell in COMPARISON_CELLS if cell in c},
              "bound": [float(v) for v in c["bound"]], "gamma": float(c["gamma"]), "lambda1": float(c["lambda1"]),
              "runs": dict(c.get("runs", {})),
              # the error the tolerance belongs to (the worst entry's), so "agrees" follows from the two numbers
              "confirmed": {cell: (bool(r.passed), abs(float(r.derived) - float(r.reference)), float(r.tolerance))
                            for cell, r in checks.items()}}
    if "residual_floor" in c:  # section H: the residual run's floor and its measured sigma_min
        fields["floor"] = {"floor": [float(v) for v in c["residual_floor"]],
                           "sigma_min": [float(v) for v in c["residual_sigma_min"]]}
    return fields, list(checks.values())


def figure_series_and_checks(*, seed: int = 0) -> tuple[dict, list]:
    """``(series, checks)``: the curves of every figure (see :func:`figure_series`) and the
    numeric checks made while computing them (the comparison's confirmations)."""
    from rnnproof.numeric import checks

    provided = getattr(checks, "figure_series", None)
    if provided is not None:
        series = dict(provided(seed=seed))
    else:
        series = {"jacobian_norms": [_norm_series(r) for r in NORM_RUNS],
                  "gradient_norm": [_training_series(r) for r in TRAINING_RUNS]}
    extra: list = []
    if "comparison" not in series:
        series["comparison"], extra = _comparison(seed)
    if "echo" not in series:
        from rnnproof.numeric.checks.echo_state_scaling import figure_series as echo_series
        series["echo"] = echo_series(seed=seed)
    return series, extra


def figure_series(*, seed: int = 0) -> dict:
    """``{"jacobian_norms": [...], "gradient_norm": [...], "comparison": {...}}`` for
    :func:`rnnproof.report.figures.coerce_series`."""
    return figure_series_and_checks(seed=seed)[0]
