r"""Real runs of the gated cells, and the Elman/LSTM/GRU gradient-flow comparison.

The gated runs train an LSTM or a GRU exactly like :mod:`.runs` trains the Elman cell: SGD
with gradient-norm clipping (Pascanu et al. 2013, Algorithm 1), one sequence per step, cycled
over a fixed batch of :data:`runs._BATCH` sequences, with the ``initial``/``middle``/``final``
checkpoints and the per-step history; seeded and cached through :mod:`.cache`.

The sequences are the *same* as those of the Elman run they pair with (same seed, drawn in the
same order before any weight), so ``adding_lstm``, ``adding_gru`` and :mod:`.runs`'s ``adding``
are three cells trained on one long-range task:

* ``adding_lstm``, ``adding_gru`` -- adding problem (Hochreiter & Schmidhuber 1997), squared
  loss, n = 16, T = 40 (pairs with ``adding``);
* ``text_lstm``, ``text_gru`` -- character-level Zen of Python, cross-entropy (pairs with ``text``).

A checkpoint's ``params`` is an :class:`~.gated.LSTMParams` or :class:`~.gated.GRUParams`; its
``h0`` is the initial state: ``[ltm_0; wm_0]`` (2n) for the LSTM, ``h_0`` (n) for the GRU.
Initialisation: recurrent ``U``/``W`` ~ N(0, 1/n), input weights ~ N(0, 1/d), biases 0 except
the forget-gate bias ``b_r = 1`` (Gers et al. 2000; Jozefowicz et al. 2015) and ``b_u = -1``
for the GRU (start by remembering).
"""

from __future__ import annotations

import numpy as np

from rnnproof.derivations.errors import InputError

from . import gated
from .paired_runs import describe, load_cached, paired_config, paired_sequences, train
from .runs import Run, run_from_arrays

__all__ = ["CONFIGS", "RUN_NAMES", "is_gated", "build_run", "load_run", "describe_runs", "comparison_series",
           "COMPARISON_RUNS",
           "forward_of", "bptt_of"]

def _cfg(task, cell, **extra):
    return paired_config(task, cell.upper(), cell=cell, **extra)


CONFIGS = {
    "adding_lstm": _cfg("adding", "lstm", lr=0.05),
    "adding_gru": _cfg("adding", "gru", lr=0.05),
    "text_lstm": _cfg("text", "lstm", lr=0.2),
    "text_gru": _cfg("text", "gru", lr=0.2),
}
RUN_NAMES = tuple(CONFIGS)


def is_gated(name: str) -> bool:
    """True for the names of gated runs (the ones this module builds)."""
    return name in CONFIGS


def forward_of(params, xs, state0):
    """The forward trajectory of either gated cell from the initial state ``state0``."""
    if isinstance(params, gated.LSTMParams):
        n = params.n
        return gated.lstm_forward(params, xs, ltm0=state0[:n], wm0=state0[n:])
    return gated.gru_forward(params, xs, h0=state0)


def bptt_of(params, xs, targets, state0, kind):
    """``(loss, gradient)`` of either gated cell."""
    if isinstance(params, gated.LSTMParams):
        n = params.n
        return gated.lstm_bptt(params, xs, targets, kind=kind, ltm0=state0[:n], wm0=state0[n:])
    return gated.gru_bptt(params, xs, targets, kind=kind, h0=state0)


def _init(cell, n, d, m, rng):
    rec, inp = (lambda: rng.normal(0, 1 / np.sqrt(n), (n, n))), (lambda: rng.normal(0, 1 / np.sqrt(d), (n, d)))
    out = {"W_yh": rng.normal(0, 1 / np.sqrt(n), (m, n)), "b_y": np.zeros(m)}
    if cell == "lstm":
        for g in "rsfl":
            out.update({f"W_{g}": inp(), f"U_{g}": rec(), f"b_{g}": np.full(n, 1.0 if g == "r" else 0.0)})
        return gated.LSTMParams(**out)
    for g in "urh":
        out.update({f"W_{g}": rec(), f"U_{g}": inp(), f"b_{g}": np.full(n, -1.0 if g == "u" else 0.0)})
    return gated.GRUParams(**out)


def _data(cfg, rng):
    """(initial params, [(xs, targets, state0)]): sequences drawn first, exactly as :mod:`.runs` draws them."""
    seqs, d, m = paired_sequences(cfg, rng)
    n = cfg["n"]
    p = _init(cfg["cell"], n, d, m, rng)
    s0 = np.zeros(2 * n if cfg["cell"] == "lstm" else n)
    return p, [(x, o, s0) for x, o in seqs]


def build_run(name: str) -> Run:
    """Train gated run ``name`` from scratch (deterministic given its configured seed)."""
    if name not in CONFIGS:
        raise InputError(f"unknown gated run {name!r}; known: {', '.join(RUN_NAMES)}")
    cfg = CONFIGS[name]
    p, data = _data(cfg, np.random.default_rng(cfg["seed"]))
    return train(name, cfg, p, data, bptt_of, "gated")


def _from_arrays(name, arrays) -> Run:
    cfg = CONFIGS[name]
    cls = gated.LSTMParams if cfg["cell"] == "lstm" else gated.GRUParams
    names = gated.LSTM_NAMES if cfg["cell"] == "lstm" else gated.GRU_NAMES
    return run_from_arrays(name, cfg, arrays, lambda a, prefix: cls(**{k: a[prefix + k] for k in names}), "gated")


def load_run(name: str, *, cache_dir=None, rebuild: bool = False) -> Run:
    """Gated run ``name`` from the cache, (re)building it when absent, corrupt, stale or ``rebuild``."""
    if name not in CONFIGS:
        raise InputError(f"unknown gated run {name!r}; known: {', '.join(RUN_NAMES)}")
    cfg = CONFIGS[name]
    return load_cached(name, cfg, "gated-1", build_run, _from_arrays, cache_dir=cache_dir, rebuild=rebuild,
                       meta={"cell": cfg["cell"]})


def describe_runs() -> list[dict]:
    """One dict per gated run: name, description, configuration, seed."""
    return describe(CONFIGS)


#: the cells of the comparison, with their runs on the adding problem (same sequences)
COMPARISON_RUNS = {"elman": "adding", "orth": "adding_orth", "residual": "adding_residual",
                   "highway": "adding_highway", "lstm": "adding_lstm", "gru": "adding_gru"}


def comparison_series(seed: int = 0, *, cache_dir=None) -> dict:
    r""":math:`\lVert\partial\,\text{state}_t/\partial\,\text{state}_0\rVert_2` against :math:`t` for the
    final checkpoints of six cells trained on one sequence set of the adding problem
    (:data:`COMPARISON_RUNS`): Elman (``adding``), orthogonally initialised Elman (``adding_orth``),
    residual (``adding_residual``), highway (``adding_highway``), LSTM (``adding_lstm``) and GRU (``adding_gru``).

    Each curve multiplies the *derived* one-step Jacobians (``tanh_jacobian`` ``J`` for both Elman
    runs, ``residual_jacobian`` ``J``, ``highway_jacobian`` ``J``, ``lstm_cell_jacobian``
    ``state_jacobian``, ``gru_jacobian`` ``J``) over time, :math:`\prod_{i=1}^{t}J_i` (latest on the
    left), and the stacked products are confirmed against the complex-step Jacobian of the actual
    forward map :math:`\text{state}_0 \mapsto (\text{state}_1,\dots,\text{state}_T)` (``seed`` seeds the
    projections).  The Elman bound is :math:`(\gamma\lambda_1)^{t}` with :math:`\gamma = 1` (tanh),
    :math:`\lambda_1 = \lVert W_{hh}\rVert_2` of ``adding``; ``residual_floor`` is the residual run's
    :math:`\max(0, 1-\lambda_1)^t` (``residual_jacobian``) and ``residual_sigma_min`` its measured
    :math:`\sigma_{\min}(\partial h_t/\partial h_0)`.

    Returns
    -------
    dict
        ``lag`` (0..T), one entry per cell (norms per lag), ``bound`` (Elman bound per lag), ``gamma``,
        ``lambda1``, ``residual_floor``, ``residual_sigma_min``, ``runs``, ``checks`` (cell -> CheckResult).
    """
    from .checks.gated_base import product_series

    out, checks, extras = {}, {}, {}
    for cell, run_name in COMPARISON_RUNS.items():
        out[cell], checks[cell], extras[cell] = product_series(run_name, seed=seed, cache_dir=cache_dir)
    lam = extras["elman"]["lambda1"]
    T = len(out["elman"]) - 1
    lag = np.arange(T + 1)
    floor = max(0.0, 1.0 - extras["residual"]["lambda1"]) ** lag
    return {"lag": lag, **out, "bound": lam ** lag, "gamma": 1.0, "lambda1": lam, "checks": checks,
            "residual_floor": floor, "residual_sigma_min": extras["residual"]["sigma_min"],
            "runs": dict(COMPARISON_RUNS), "seed": seed}
