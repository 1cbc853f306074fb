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

from . import cache, datasets, remedies
from .runs import CONFIGS as ELMAN_CONFIGS
from .runs import Checkpoint, Run, run_from_arrays, run_to_arrays

__all__ = ["CONFIGS", "RUN_NAMES", "is_remedy", "build_run", "load_run", "describe_runs"]

_BATCH = 8
_STEPS = 300


def _cfg(task, cell, **extra):
    base = ELMAN_CONFIGS[task]
    cfg = {k: base[k] for k in ("kind", "n", "T", "lr", "tau", "loss", "seed")}
    cfg.update(cell=cell, steps=_STEPS, paired_with=task, **extra)
    cfg["description"] = f"{cell} RNN on the same sequences as the Elman run {task!r}: {base['description']}"
    return cfg


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
    n, T = cfg["n"], cfg["T"]
    if cfg["kind"] == "text":
        seqs = [datasets.char_sequences(T, rng=rng) for _ in range(_BATCH)]
        seqs = [(x, o) for x, o, _ in seqs]
    else:
        seqs = [datasets.adding_problem(T, rng=rng) for _ in range(_BATCH)]
    d = seqs[0][0].shape[1]
    m = d if cfg["kind"] == "text" else 1
    return _init(cfg["cell"], n, d, m, cfg["kind"], rng), [(x, o, np.zeros(n)) for x, o in seqs]


def build_run(name: str) -> Run:
    """Train run ``name`` from scratch (deterministic given its configured seed)."""
    if name not in CONFIGS:
        raise InputError(f"unknown residual/highway run {name!r}; known: {', '.join(RUN_NAMES)}")
    cfg = CONFIGS[name]
    rng = np.random.default_rng(cfg["seed"])
    p, data = _data(cfg, rng)
    steps, lr, tau, kind = cfg["steps"], cfg["lr"], cfg["tau"], cfg["loss"]
    hist = {k: [] for k in ("loss", "grad_norm", "clipped_grad_norm", "tau", "clipped")}
    snaps = {0: p}
    for step in range(1, steps + 1):
        xs, o, s0 = data[(step - 1) % len(data)]
        L, g = remedies.bptt_of(p, xs, o, s0, kind)
        gf = g.flat()
        norm = float(np.linalg.norm(gf))
        gf = gf * min(1.0, tau / norm) if norm > 0 else gf
        p = p.from_flat(p.flat() - lr * gf)
        for k, v in zip(hist, (float(L), norm, min(norm, tau), tau, norm > tau)):
            hist[k].append(v)
        if step in (steps // 2, steps):
            snaps[step] = p
    xs, o, s0 = data[0]
    names = {0: "initial", steps // 2: "middle", steps: "final"}
    cps = tuple(Checkpoint(names[s], s, snaps[s], xs, o, s0, kind) for s in sorted(snaps))
    return Run(name, cfg["description"], dict(cfg), cfg["seed"], cps, {k: np.asarray(v) for k, v in hist.items()},
               cfg["cell"])


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
    key = cache.cache_key(name, {**cfg, "module": "remedies-1"}, cfg["seed"])
    hit = None if rebuild else cache.load(cache_dir, key)
    if hit is not None:
        try:
            return _from_arrays(name, hit[0])
        except (KeyError, ValueError, TypeError):
            pass  # wrong contents despite a good checksum: rebuild
    run = build_run(name)
    cache.save(cache_dir, key, run_to_arrays(run), {"name": name, "cell": cfg["cell"]})
    return run


def describe_runs() -> list[dict]:
    """One dict per run: name, description, configuration, seed."""
    return [{"name": k, "description": c["description"], "config": dict(c), "seed": c["seed"]}
            for k, c in CONFIGS.items()]
