r"""Real runs of the residual and highway RNNs (section H), trained like :mod:`.gated_runs`.

SGD with gradient-norm clipping (Pascanu et al. 2013, Algorithm 1), one sequence per step, cycled over
a fixed batch, with ``initial``/``middle``/``final`` checkpoints and the per-step history; seeded and
cached through :mod:`.cache`.  The sequences are the *same* as those of the Elman run they pair with
(same seed, drawn first, exactly as :mod:`.runs` draws them), so ``adding``, ``adding_residual``,
``adding_highway``, ``adding_lstm``, ``adding_gru`` and ``adding_orth`` are six cells on one task:

* ``adding_residual``, ``adding_highway`` -- adding problem, squared loss, n = 16, T = 40;
* ``text_residual``, ``text_highway`` -- character-level Zen of Python, cross-entropy, n = 16, T = 40.

Initialisation: the residual ``W_hh`` ~ N(0, 0.3^2/n) (so :math:`\lambda_1 < 1` at the start: the floor of
``residual_jacobian`` is not vacuous; the skip carries the signal, the branch is a small correction),
the highway candidate ``W_hh``, gate ``W_g`` ~ N(0, 1/n), the gate bias ``b_g = -1`` (start by carrying,
Srivastava et al. 2015), input weights ~ N(0, 1/d) (adding) or N(0, 1) (text), biases 0 otherwise.
"""

from __future__ import annotations

import numpy as np

from rnnproof.derivations.errors import InputError

from . import remedies
from .paired_runs import describe, load_cached, paired_config, paired_sequences, train
from .runs import Run, run_from_arrays

__all__ = ["CONFIGS", "RUN_NAMES", "is_remedy", "build_run", "load_run", "describe_runs"]

def _cfg(task, cell, **extra):
    return paired_config(task, f"{cell} RNN", cell=cell, **extra)


CONFIGS = {
    "adding_residual": _cfg("adding", "residual", lr=0.01),
    "adding_highway": _cfg("adding", "highway", lr=0.05),
    "text_residual": _cfg("text", "residual", lr=0.05),
    "text_highway": _cfg("text", "highway", lr=0.2),
}
RUN_NAMES = tuple(CONFIGS)


def is_remedy(name: str) -> bool:
    """True for the names of the runs this module builds."""
    return name in CONFIGS


def _init(cell, n, d, m, kind, rng):
    inp = (lambda: rng.normal(0, 1, (n, d))) if kind == "text" else (lambda: rng.normal(0, 1 / np.sqrt(d), (n, d)))
    if cell == "residual":
        W = rng.normal(0, 0.3 / np.sqrt(n), (n, n))
        return remedies.ResidualParams(W, inp(), np.zeros(n), rng.normal(0, 1 / np.sqrt(n), (m, n)), np.zeros(m))
    W, Wx = rng.normal(0, 1 / np.sqrt(n), (n, n)), inp()
    Wg, Ug = rng.normal(0, 1 / np.sqrt(n), (n, n)), inp()
    return remedies.HighwayParams(W, Wx, np.zeros(n), Wg, Ug, np.full(n, -1.0),
                                  rng.normal(0, 1 / np.sqrt(n), (m, n)), np.zeros(m))


def _data(cfg, rng):
    """(initial params, [(xs, targets, h0)]): sequences drawn first, exactly as :mod:`.runs` draws them."""
    seqs, d, m = paired_sequences(cfg, rng)
    n = cfg["n"]
    return _init(cfg["cell"], n, d, m, cfg["kind"], rng), [(x, o, np.zeros(n)) for x, o in seqs]


def build_run(name: str) -> Run:
    """Train run ``name`` from scratch (deterministic given its configured seed)."""
    if name not in CONFIGS:
        raise InputError(f"unknown residual/highway run {name!r}; known: {', '.join(RUN_NAMES)}")
    cfg = CONFIGS[name]
    p, data = _data(cfg, np.random.default_rng(cfg["seed"]))
    return train(name, cfg, p, data, remedies.bptt_of, cfg["cell"])


def _from_arrays(name, arrays) -> Run:
    cfg = CONFIGS[name]
    cls = remedies.ResidualParams if cfg["cell"] == "residual" else remedies.HighwayParams
    return run_from_arrays(name, cfg, arrays, lambda a, prefix: cls(**{k: a[prefix + k] for k in cls.names()}),
                           cfg["cell"])


def load_run(name: str, *, cache_dir=None, rebuild: bool = False) -> Run:
    """Run ``name`` from the cache, (re)building it when absent, corrupt, stale or ``rebuild``."""
    if name not in CONFIGS:
        raise InputError(f"unknown residual/highway run {name!r}; known: {', '.join(RUN_NAMES)}")
    cfg = CONFIGS[name]
    return load_cached(name, cfg, "remedies-1", build_run, _from_arrays, cache_dir=cache_dir, rebuild=rebuild,
                       meta={"cell": cfg["cell"]})


def describe_runs() -> list[dict]:
    """One dict per run: name, description, configuration, seed."""
    return describe(CONFIGS)
