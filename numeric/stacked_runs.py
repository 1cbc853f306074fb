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

from . import cache, datasets, stacked
from .runs import CONFIGS as ELMAN_CONFIGS
from .runs import Checkpoint, Run, run_from_arrays, run_to_arrays

__all__ = ["CONFIGS", "RUN_NAMES", "is_stacked_run", "build_run", "load_run", "describe_runs"]

_BATCH = 8
_STEPS = 300


def _cfg(task, arch, lr):
    base = ELMAN_CONFIGS[task]
    cfg = {key: base[key] for key in ("kind", "n", "T", "tau", "loss", "seed")}
    cfg.update(arch=arch, steps=_STEPS, lr=lr, paired_with=task)
    what = "two-layer stacked" if arch == "stacked" else "bidirectional"
    cfg["description"] = f"{what} tanh RNN on the same sequences as the Elman run {task!r}: {base['description']}"
    return cfg


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
    n, T = cfg["n"], cfg["T"]
    if cfg["kind"] == "text":
        seqs = [(x, o) for x, o, _ in (datasets.char_sequences(T, rng=rng) for _ in range(_BATCH))]
    else:
        seqs = [datasets.adding_problem(T, rng=rng) for _ in range(_BATCH)]
    d = seqs[0][0].shape[1]
    m = d if cfg["kind"] == "text" else 1
    s0 = np.zeros(2 * n if cfg["arch"] == "stacked" else n)
    return _init(cfg["arch"], n, d, m, rng), [(x, o, s0) for x, o in seqs]


def build_run(name: str) -> Run:
    """Train run ``name`` from scratch (deterministic given its configured seed)."""
    if name not in CONFIGS:
        raise InputError(f"unknown stacked/bidirectional run {name!r}; known: {', '.join(RUN_NAMES)}")
    cfg = CONFIGS[name]
    rng = np.random.default_rng(cfg["seed"])
    p, data = _data(cfg, rng)
    steps, lr, tau, kind = cfg["steps"], cfg["lr"], cfg["tau"], cfg["loss"]
    hist = {key: [] for key in ("loss", "grad_norm", "clipped_grad_norm", "tau", "clipped")}
    snaps = {0: p}
    for step in range(1, steps + 1):
        xs, o, s0 = data[(step - 1) % len(data)]
        L, g = stacked.bptt_of(p, xs, o, s0, kind)
        gf = g.flat()
        norm = float(np.linalg.norm(gf))
        gf = gf * min(1.0, tau / norm) if norm > 0 else gf
        p = p.from_flat(p.flat() - lr * gf)
        for key, v in zip(hist, (float(L), norm, min(norm, tau), tau, norm > tau)):
            hist[key].append(v)
        if step in (steps // 2, steps):
            snaps[step] = p
    xs, o, s0 = data[0]
    names = {0: "initial", steps // 2: "middle", steps: "final"}
    cps = tuple(Checkpoint(names[st], st, snaps[st], xs, o, s0, kind) for st in sorted(snaps))
    return Run(name, cfg["description"], dict(cfg), cfg["seed"], cps, {key: np.asarray(v) for key, v in hist.items()},
               "tanh")


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
    key = cache.cache_key(name, {**cfg, "module": "stacked-1"}, cfg["seed"])
    hit = None if rebuild else cache.load(cache_dir, key)
    if hit is not None:
        try:
            return _from_arrays(name, hit[0])
        except (KeyError, ValueError, TypeError):
            pass  # wrong contents despite a good checksum: rebuild
    run = build_run(name)
    cache.save(cache_dir, key, run_to_arrays(run), {"name": name, "arch": cfg["arch"]})
    return run


def describe_runs() -> list[dict]:
    """One dict per run: name, description, configuration, seed."""
    return [{"name": key, "description": c["description"], "config": dict(c), "seed": c["seed"]}
            for key, c in CONFIGS.items()]
