r"""Real runs of the stacked and bidirectional tanh RNNs (section H), trained like :mod:`.runs`.

SGD with gradient-norm clipping (Pascanu et al. 2013, Algorithm 1), one sequence per step, cycled over
a fixed batch of :data:`_BATCH` sequences, ``initial``/``middle``/``final`` checkpoints, seeded and
cached through :mod:`.cache`.  The sequences are the *same* as those of the Elman run each pairs with
(same seed, drawn first in the same order, as :mod:`.gated_runs` does):

* ``adding_stacked``, ``adding_bidir`` -- adding problem, squared loss, n = 16, T = 40 (pair: ``adding``);
* ``text_stacked``, ``text_bidir`` -- character-level Zen of Python, cross-entropy (pair: ``text``).

The bidirectional text model reads the future, so next-character prediction is partly a copy task
for it; its gradients are real all the same, which is what the checks need.  Initialisation:
recurrent and inter-layer weights N(0, 1/n), input weights N(0, 1/d), read-outs N(0, 1/n), biases 0.
"""

from __future__ import annotations

import numpy as np

from rnnproof.derivations.errors import InputError

from . import stacked
from .paired_runs import describe, load_cached, paired_config, paired_sequences, train
from .runs import Run, run_from_arrays

__all__ = ["CONFIGS", "RUN_NAMES", "is_stacked_run", "build_run", "load_run", "describe_runs"]

def _cfg(task, arch, lr):
    what = "two-layer stacked" if arch == "stacked" else "bidirectional"
    return paired_config(task, f"{what} tanh RNN", keys=("kind", "n", "T", "tau", "loss", "seed"), arch=arch, lr=lr)


CONFIGS = {
    "adding_stacked": _cfg("adding", "stacked", 0.01),
    "text_stacked": _cfg("text", "stacked", 0.05),
    "adding_bidir": _cfg("adding", "bidir", 0.01),
    "text_bidir": _cfg("text", "bidir", 0.05),
}
RUN_NAMES = tuple(CONFIGS)


def is_stacked_run(name: str) -> bool:
    """True for the names of the runs this module builds."""
    return name in CONFIGS


def _init(arch, n, d, m, rng):
    N = lambda rows, cols, fan: rng.normal(0, 1 / np.sqrt(fan), (rows, cols))  # noqa: E731
    if arch == "stacked":
        return stacked.StackedParams(N(n, n, n), N(n, d, d), np.zeros(n), N(n, n, n), N(n, n, n), np.zeros(n),
                                     N(m, n, n), np.zeros(m))
    return stacked.BidirParams(N(n, n, n), N(n, d, d), np.zeros(n), N(n, n, n), N(n, d, d), np.zeros(n),
                               N(m, n, n), N(m, n, n), np.zeros(m))


def _data(cfg, rng):
    """(initial params, [(xs, targets, state0)]): the sequences first, exactly as :mod:`.runs` draws them."""
    seqs, d, m = paired_sequences(cfg, rng)
    n = cfg["n"]
    s0 = np.zeros(2 * n if cfg["arch"] == "stacked" else n)
    return _init(cfg["arch"], n, d, m, rng), [(x, o, s0) for x, o in seqs]


def build_run(name: str) -> Run:
    """Train run ``name`` from scratch (deterministic given its configured seed)."""
    if name not in CONFIGS:
        raise InputError(f"unknown stacked/bidirectional run {name!r}; known: {', '.join(RUN_NAMES)}")
    cfg = CONFIGS[name]
    p, data = _data(cfg, np.random.default_rng(cfg["seed"]))
    return train(name, cfg, p, data, stacked.bptt_of, "tanh")


def _from_arrays(name, arrays) -> Run:
    cfg = CONFIGS[name]
    cls = stacked.StackedParams if cfg["arch"] == "stacked" else stacked.BidirParams
    return run_from_arrays(name, cfg, arrays, lambda a, prefix: cls(**{key: a[prefix + key] for key in cls.names()}),
                           "tanh")


def load_run(name: str, *, cache_dir=None, rebuild: bool = False) -> Run:
    """Run ``name`` from the cache, (re)building it when absent, corrupt, stale or ``rebuild``."""
    if name not in CONFIGS:
        raise InputError(f"unknown stacked/bidirectional run {name!r}; known: {', '.join(RUN_NAMES)}")
    cfg = CONFIGS[name]
    return load_cached(name, cfg, "stacked-1", build_run, _from_arrays, cache_dir=cache_dir, rebuild=rebuild,
                       meta={"arch": cfg["arch"]})


def describe_runs() -> list[dict]:
    """One dict per run: name, description, configuration, seed."""
    return describe(CONFIGS)
