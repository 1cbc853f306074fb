r"""Real runs: Elman networks trained with rnnproof's own BPTT gradients, with checkpoints.

A run trains by SGD with gradient-norm clipping (Pascanu et al. 2013, Algorithm 1:
``g <- g * min(1, tau/||g||)``) on a fixed batch of real sequences, one sequence per step
(cycled), and records the ``initial``, ``middle`` and ``final`` checkpoints with the sequence
used to check them, plus the per-step history: ``history["loss"]``, ``history["grad_norm"]`` (the
raw norm :math:`\lVert g\rVert` before clipping), ``history["clipped_grad_norm"]`` (the norm of the
step actually taken, :math:`\lVert\hat g\rVert = \min(\lVert g\rVert, \tau)`), ``history["tau"]``
and ``history["clipped"]`` (:math:`\lVert g\rVert > \tau`).  Runs are seeded and cached (:mod:`.cache`).

Runs (:data:`RUN_NAMES`):

* ``text`` -- character-level model of the Zen of Python (:func:`datasets.zen_text`),
  softmax cross-entropy, n = 16, T = 40.
* ``text_large`` -- the same text at a realistic size, n = 64, T = 120, 600 steps; the clipping
  threshold is set as practitioners do: the median of the unclipped gradient norms over the
  training batch at initialisation, so only part of the steps are clipped (``config["tau"]`` is
  ``"median"``; the value used is ``history["tau"]``).
* ``adding`` -- the adding problem, squared loss, n = 16, T = 40.
* ``adding_orth``, ``text_orth`` -- ``adding`` and ``text`` (same sequences, same training) with
  :math:`W_{hh}` initialised to a random orthogonal matrix (Saxe et al. 2014; section H,
  ``orthogonal_initialisation``).
* ``adding_echo``, ``text_echo`` -- the same with :math:`W_{hh}` scaled to :math:`\lVert W_{hh}\rVert = 0.9`
  (echo-state scaling, Jaeger 2001; section H, ``echo_state_scaling``).
* ``vanishing``, ``exploding``, ``saturated``, ``spectral_witness`` -- weights constructed in
  the regime (:func:`datasets.regime`); they train *lightly* (small learning rate, few steps,
  tight clipping) so that they keep their regime, which :func:`regime_report` measures.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rnnproof.derivations.errors import InputError

from . import cache, datasets
from .engine import ElmanParams, bptt

__all__ = ["Checkpoint", "Run", "RUN_NAMES", "CONFIGS", "load_run", "build_run", "describe_runs",
           "run_to_arrays", "run_from_arrays"]


@dataclass(frozen=True)
class Checkpoint:
    """A network state and the sequence it is checked on."""

    name: str
    step: int
    params: ElmanParams
    xs: np.ndarray
    targets: np.ndarray
    h0: np.ndarray
    loss_kind: str


@dataclass(frozen=True)
class Run:
    """A trained (or constructed) run with its checkpoints and training history."""

    name: str
    description: str
    config: dict
    seed: int
    checkpoints: tuple
    history: dict = field(repr=False)
    activation: str = "tanh"

    def checkpoint(self, name: str) -> Checkpoint:
        """The checkpoint called ``name``."""
        for c in self.checkpoints:
            if c.name == name:
                return c
        raise InputError(f"run {self.name!r} has no checkpoint {name!r}; have {[c.name for c in self.checkpoints]}")


CONFIGS = {
    "text": dict(kind="text", n=16, T=40, steps=300, lr=0.05, tau=5.0, loss="cross_entropy", seed=1,
                 description="char-level Elman tanh on the Zen of Python (stdlib 'this'), cross-entropy"),
    "text_large": dict(kind="text", n=64, T=120, steps=600, lr=0.01, tau="median", loss="cross_entropy", seed=7,
                       description="char-level Elman tanh on the Zen of Python at n = 64, T = 120, cross-entropy; "
                                   "tau = median unclipped gradient norm at initialisation"),
    "adding": dict(kind="adding", n=16, T=40, steps=300, lr=0.01, tau=1.0, loss="squared", seed=2,
                   description="adding problem (Hochreiter & Schmidhuber 1997), running-sum targets"),
    "vanishing": dict(kind="regime", n=8, T=30, steps=40, lr=1e-3, tau=0.1, loss="squared", seed=3,
                      description="constructed: lambda_1 = 0.5 < 1/gamma (vanishing)"),
    "exploding": dict(kind="regime", n=8, T=30, steps=40, lr=1e-6, tau=1e-3, loss="squared", seed=4,
                      description="constructed: lambda_1 = 1.3 > 1/gamma, linear regime, growing products"),
    "saturated": dict(kind="regime", n=8, T=30, steps=40, lr=1e-3, tau=0.1, loss="squared", seed=5,
                      description="constructed: lambda_1 = 3 > 1/gamma, saturated units: vanishing anyway"),
    "spectral_witness": dict(kind="regime", n=8, T=30, steps=40, lr=1e-6, tau=1e-3, loss="squared", seed=6,
                             description="constructed: spectral radius 0.5 but ||W^2|| ~ 3 ([[0.5,3],[0,0.5]] blocks)"),
    "adding_orth": dict(kind="adding", n=16, T=40, steps=300, lr=0.01, tau=1.0, loss="squared", seed=2, init="orthogonal",
                        description="adding problem as 'adding' (same sequences), W_hh initialised orthogonal "
                                    "(Saxe et al. 2014)"),
    "text_orth": dict(kind="text", n=16, T=40, steps=300, lr=0.05, tau=5.0, loss="cross_entropy", seed=1,
                      init="orthogonal",
                      description="char-level Elman tanh as 'text' (same sequences), W_hh initialised orthogonal "
                                  "(Saxe et al. 2014)"),
    "adding_echo": dict(kind="adding", n=16, T=40, steps=300, lr=0.01, tau=1.0, loss="squared", seed=2, init="echo",
                        description="adding problem as 'adding' (same sequences), W_hh scaled to ||W_hh|| = 0.9 "
                                    "(echo-state scaling, Jaeger 2001)"),
    "text_echo": dict(kind="text", n=16, T=40, steps=300, lr=0.05, tau=5.0, loss="cross_entropy", seed=1, init="echo",
                      description="char-level Elman tanh as 'text' (same sequences), W_hh scaled to ||W_hh|| = 0.9 "
                                  "(echo-state scaling, Jaeger 2001)"),
}
RUN_NAMES = tuple(CONFIGS)
#: the spectral norm of the echo-state runs' initial W_hh (section H, ``echo_state_scaling``)
ECHO_NORM = 0.9
_BATCH = 8


def _recurrent(cfg, rng):
    """Initial W_hh: N(0, 1/n) entries, or a random orthogonal matrix when ``cfg["init"] == "orthogonal"``, or
    N(0, 1/n) scaled to spectral norm :data:`ECHO_NORM` when ``cfg["init"] == "echo"``."""
    n = cfg["n"]
    if cfg.get("init") == "orthogonal":
        return datasets.orthogonal(n, rng)
    if cfg.get("init") == "echo":
        G = rng.normal(0, 1 / np.sqrt(n), (n, n))
        return ECHO_NORM * G / np.linalg.norm(G, 2)
    return rng.normal(0, 1 / np.sqrt(n), (n, n))


def _data(name, cfg, rng):
    """(initial params, list of (xs, targets, h0)); the sequences are drawn before any weight, so runs
    with the same seed and kind (``adding``/``adding_orth``) train on the same sequences."""
    n, T = cfg["n"], cfg["T"]
    if cfg["kind"] == "text":
        seqs = [datasets.char_sequences(T, rng=rng) for _ in range(_BATCH)]
        V = len(seqs[0][2])
        p = ElmanParams(_recurrent(cfg, rng), rng.normal(0, 1, (n, V)), np.zeros(n),
                        rng.normal(0, 1 / np.sqrt(n), (V, n)), np.zeros(V), "tanh")
        return p, [(x, o, np.zeros(n)) for x, o, _ in seqs]
    if cfg["kind"] == "adding":
        seqs = [datasets.adding_problem(T, rng=rng) for _ in range(_BATCH)]
        p = ElmanParams(_recurrent(cfg, rng), rng.normal(0, 1, (n, 2)), np.zeros(n),
                        rng.normal(0, 1 / np.sqrt(n), (1, n)), np.zeros(1), "tanh")
        return p, [(x, o, np.zeros(n)) for x, o in seqs]
    p, xs, o, h0 = datasets.regime(name, n=n, T=T, rng=rng)
    return p, [(xs, o, h0)]


def build_run(name: str) -> Run:
    """Train run ``name`` from scratch (deterministic given its configured seed)."""
    if name not in CONFIGS:
        raise InputError(f"unknown run {name!r}; known runs: {', '.join(RUN_NAMES)}")
    cfg = CONFIGS[name]
    rng = np.random.default_rng(cfg["seed"])
    p, data = _data(name, cfg, rng)
    steps, lr, tau, kind = cfg["steps"], cfg["lr"], cfg["tau"], cfg["loss"]
    if tau == "median":  # as practitioners do: around the median unclipped norm, so only part of the steps clip
        tau = float(np.median([np.linalg.norm(bptt(p, xs, o, kind=kind, h0=h0)[1].flat()) for xs, o, h0 in data]))
    hist = {k: [] for k in ("loss", "grad_norm", "clipped_grad_norm", "tau", "clipped")}
    snaps = {0: p}
    for step in range(1, steps + 1):
        xs, o, h0 = data[(step - 1) % len(data)]
        L, g = bptt(p, xs, o, kind=kind, h0=h0)
        gf = g.flat()
        norm = float(np.linalg.norm(gf))
        clipped = norm > tau
        gf = gf * min(1.0, tau / norm) if norm > 0 else gf
        p = ElmanParams.from_flat(p.flat() - lr * gf, p)
        for k, v in zip(hist, (float(L), norm, min(norm, tau), tau, clipped)):
            hist[k].append(v)
        if step in (steps // 2, steps):
            snaps[step] = p
    xs, o, h0 = data[0]
    names = {0: "initial", steps // 2: "middle", steps: "final"}
    cps = tuple(Checkpoint(names[s], s, snaps[s], xs, o, h0, kind) for s in sorted(snaps))
    history = {k: np.asarray(v) for k, v in hist.items()}
    return Run(name, cfg["description"], _resolved(cfg, history), cfg["seed"], cps, history, "tanh")


def _resolved(cfg: dict, history: dict) -> dict:
    """The run's configuration with a rule-based threshold replaced by the value used (rule kept as ``tau_rule``)."""
    if isinstance(cfg.get("tau"), str):
        return dict(cfg, tau=float(history["tau"][0]), tau_rule=cfg["tau"])
    return dict(cfg)


def run_to_arrays(run: Run) -> dict:
    """The arrays of a run (history and every checkpoint) for the cache; see :func:`run_from_arrays`."""
    out = {f"hist_{k}": v for k, v in run.history.items()}
    for c in run.checkpoints:
        out.update({f"{c.name}__{k}": v for k, v in c.params.arrays().items()})
        out.update({f"{c.name}__xs": c.xs, f"{c.name}__targets": c.targets, f"{c.name}__h0": c.h0,
                    f"{c.name}__step": np.array(c.step)})
    return out


def run_from_arrays(name: str, cfg: dict, arrays, make_params, activation: str) -> Run:
    """Rebuild a run from :func:`run_to_arrays`; ``make_params(arrays, prefix)`` builds one checkpoint's
    parameters (Elman, LSTM or GRU)."""
    cps = []
    for cp in ("initial", "middle", "final"):
        p = make_params(arrays, f"{cp}__")
        cps.append(Checkpoint(cp, int(arrays[f"{cp}__step"]), p, arrays[f"{cp}__xs"], arrays[f"{cp}__targets"],
                              arrays[f"{cp}__h0"], cfg["loss"]))
    hist = {k[5:]: v for k, v in arrays.items() if k.startswith("hist_")}
    return Run(name, cfg["description"], _resolved(cfg, hist), cfg["seed"], tuple(cps), hist, activation)


def _from_arrays(name, arrays, meta) -> Run:
    def make(a, prefix):
        return ElmanParams(*(a[prefix + k] for k in ElmanParams.names()), activation=meta["activation"])
    return run_from_arrays(name, CONFIGS[name], arrays, make, meta["activation"])


def load_run(name: str, *, cache_dir=None, rebuild: bool = False) -> Run:
    """Run ``name`` from the cache, (re)building it when absent, corrupt, stale or ``rebuild``."""
    if name not in CONFIGS:
        raise InputError(f"unknown run {name!r}; known runs: {', '.join(RUN_NAMES)}")
    cfg = CONFIGS[name]
    key = cache.cache_key(name, cfg, cfg["seed"])
    hit = None if rebuild else cache.load(cache_dir, key)
    if hit is not None:
        try:
            return _from_arrays(name, *hit)
        except (KeyError, ValueError, TypeError):
            pass  # wrong contents despite a good checksum: rebuild
    run = build_run(name)
    cache.save(cache_dir, key, run_to_arrays(run), {"activation": run.activation, "name": name})
    return run


def describe_runs() -> list[dict]:
    """One dict per run: name, description, configuration, seed."""
    return [{"name": k, "description": c["description"], "config": dict(c), "seed": c["seed"]}
            for k, c in CONFIGS.items()]
