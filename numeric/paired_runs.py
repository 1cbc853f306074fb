r"""What the runs of the other cells share with the Elman runs they pair with.

The gated (:mod:`.gated_runs`), residual/highway (:mod:`.remedies_runs`) and stacked/
bidirectional (:mod:`.stacked_runs`) runs train a cell on the *same* sequences as an Elman run
of :mod:`.runs` (``adding`` or ``text``), the same way: SGD with gradient-norm clipping (Pascanu
et al. 2013, Algorithm 1: :math:`g \leftarrow g\min(1, \tau/\lVert g\rVert)`), one sequence per
step, cycled over a fixed batch, checkpoints ``initial``/``middle``/``final`` and the per-step
history.  This module is that shared part, written once:

* :func:`paired_config` -- a configuration from the Elman run's (task, sizes, seed, loss, tau);
* :func:`paired_sequences` -- the batch of sequences, drawn first with the run's generator
  exactly as :mod:`.runs` draws them, so the cells see the very same data;
* :func:`train` -- the clipped-SGD loop and the :class:`~.runs.Run` it makes;
* :func:`load_cached` -- the run from :mod:`.cache`, rebuilt when absent, corrupt or stale;
* :func:`describe` -- one dict per run for listings.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from . import cache, datasets
from .runs import CONFIGS as ELMAN_CONFIGS
from .runs import Checkpoint, Run, run_to_arrays

__all__ = ["BATCH", "STEPS", "paired_config", "paired_sequences", "train", "load_cached", "describe"]

BATCH = 8
STEPS = 300
_HISTORY = ("loss", "grad_norm", "clipped_grad_norm", "tau", "clipped")


def paired_config(task: str, what: str, *, keys=("kind", "n", "T", "lr", "tau", "loss", "seed"), **extra) -> dict:
    """The configuration of a run paired with the Elman run ``task``: its ``keys``, ``steps`` =
    :data:`STEPS`, ``paired_with`` and ``extra``; ``what`` names the cell in the description."""
    base = ELMAN_CONFIGS[task]
    cfg = {k: base[k] for k in keys}
    cfg.update(steps=STEPS, paired_with=task, **extra)
    cfg["description"] = f"{what} on the same sequences as the Elman run {task!r}: {base['description']}"
    return cfg


def paired_sequences(cfg: dict, rng: np.random.Generator) -> tuple[list, int, int]:
    """``([(xs, targets)], d, m)``: the batch of ``cfg``'s task, drawn first from ``rng`` exactly as
    :mod:`.runs` draws it (character sequences of the Zen of Python, or the adding problem)."""
    T = cfg["T"]
    if cfg["kind"] == "text":
        seqs = [(x, o) for x, o, _ in (datasets.char_sequences(T, rng=rng) for _ in range(BATCH))]
    else:
        seqs = [datasets.adding_problem(T, rng=rng) for _ in range(BATCH)]
    d = seqs[0][0].shape[1]
    return seqs, d, (d if cfg["kind"] == "text" else 1)


def train(name: str, cfg: dict, params, data: list, bptt_of: Callable, activation: str) -> Run:
    """Clipped SGD from ``params`` over ``data`` = ``[(xs, targets, state0)]`` (cycled), with
    ``bptt_of(params, xs, targets, state0, loss_kind) -> (loss, gradient)``; a gradient has
    ``flat()`` and the parameters ``flat()``/``from_flat``."""
    steps, lr, tau, kind = cfg["steps"], cfg["lr"], cfg["tau"], cfg["loss"]
    hist: dict[str, list] = {k: [] for k in _HISTORY}
    snaps = {0: params}
    p = params
    for step in range(1, steps + 1):
        xs, o, s0 = data[(step - 1) % len(data)]
        L, g = bptt_of(p, xs, o, s0, kind)
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
               activation)


def load_cached(name: str, cfg: dict, tag: str, build: Callable[[str], Run], from_arrays: Callable, *,
                cache_dir=None, rebuild: bool = False, meta: dict | None = None) -> Run:
    """Run ``name`` from the cache (key: its configuration and the module ``tag``), (re)built by
    ``build(name)`` when absent, corrupt, stale or ``rebuild``; ``from_arrays(name, arrays)`` reads
    a hit, and a hit it cannot read is rebuilt, never trusted."""
    key = cache.cache_key(name, {**cfg, "module": tag}, cfg["seed"])
    hit = None if rebuild else cache.load(cache_dir, key)
    if hit is not None:
        try:
            return from_arrays(name, hit[0])
        except (KeyError, ValueError, TypeError):
            pass  # wrong contents despite a good checksum: rebuild
    run = build(name)
    cache.save(cache_dir, key, run_to_arrays(run), {"name": name, **(meta or {})})
    return run


def describe(configs: dict) -> list[dict]:
    """One dict per run: name, description, configuration, seed."""
    return [{"name": k, "description": c["description"], "config": dict(c), "seed": c["seed"]}
            for k, c in configs.items()]
