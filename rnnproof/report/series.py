r"""Figure curves from the built-in runs, for the ``report`` command.

* :math:`\lVert\partial h_t/\partial h_k\rVert` for :math:`t = T` and every lag :math:`t-k`, on
  the ``vanishing``, ``exploding`` and ``saturated`` runs (final checkpoint), evaluated from the
  derived ``lhs`` of ``product_norm_bound`` (the norm of the ordered product of Jacobians), with
  :math:`\gamma\lambda_1` of the run (:math:`\gamma` from ``functions.GAMMA``,
  :math:`\lambda_1 = \sigma_{\max}(W_{hh})`);
* the gradient norm before clipping, after clipping and the threshold :math:`\tau` of every
  training step of the ``text`` and ``adding`` runs (their training history).

When :mod:`rnnproof.numeric.checks` provides ``figure_series(seed=)``, that is used instead.
"""

from __future__ import annotations

import numpy as np

__all__ = ["figure_series", "NORM_RUNS", "TRAINING_RUNS"]

NORM_RUNS = ("vanishing", "exploding", "saturated")
TRAINING_RUNS = ("text", "adding")


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
    return {"run": name, "steps": list(range(1, len(norms) + 1)), "norms": norms, "threshold": tau,
            "clipped": [min(v, tau) for v in norms]}


def figure_series(*, seed: int = 0) -> dict:
    """``{"jacobian_norms": [...], "gradient_norm": [...]}`` for :func:`rnnproof.report.figures.coerce_series`."""
    from rnnproof.numeric import checks

    provided = getattr(checks, "figure_series", None)
    if provided is not None:
        return provided(seed=seed)
    return {"jacobian_norms": [_norm_series(r) for r in NORM_RUNS],
            "gradient_norm": [_training_series(r) for r in TRAINING_RUNS]}
