r"""Check context for the gated runs (LSTM, GRU), with the API of :class:`.base.Context`.

A :class:`GatedContext` is one checkpoint of one gated run (:mod:`rnnproof.numeric.gated_runs`)
with its trajectory, the evaluator environment of the contract (:func:`~rnnproof.numeric.gated.lstm_env`,
:func:`~rnnproof.numeric.gated.gru_env`) and the *actual* forward maps that finite differences
differentiate: ``labels``, ``times``, ``expression``, ``state_map`` as in :class:`.base.Context`.
The state is :math:`s_t = [ltm_t; wm_t]` (2n) for the LSTM and :math:`h_t` (n) for the GRU.

Rounding model (Higham 2002, sec. 3.5; probabilistic form in :mod:`rnnproof.numeric.gradcheck`):
:func:`lstm_magnitude` and :func:`gru_magnitude` give, entry by entry, the sum of the absolute
values of the terms of the one-step Jacobian in the contract's formulas, with
:math:`1-\tanh^2 \to 1+\tanh^2` and :math:`\sigma(1-\sigma) \to \sigma(1+\sigma)` (the
cancellations).  They are only the *error model*; the compared values are the derived ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rnnproof.derivations.evaluate import evaluate

from .. import gated
from .base import ContextAPI
from ..gradcheck import check_jacobian

__all__ = ["GatedContext", "lstm_magnitude", "gru_magnitude", "jacobian_magnitude", "product_magnitude",
           "product_series", "evaluator"]


@dataclass(frozen=True)
class GatedContext(ContextAPI):
    """One checkpoint of one gated run, ready for checks (same API as :class:`.base.Context`)."""

    identity: str
    run: Any
    checkpoint: Any
    seed: int
    traj: Any = field(init=False)
    env: dict = field(init=False)

    def __post_init__(self):
        cp = self.checkpoint
        from ..gated_runs import forward_of
        traj = forward_of(cp.params, cp.xs, cp.h0)
        env = gated.lstm_env(cp.params, traj) if self.cell == "lstm" else gated.gru_env(cp.params, traj)
        object.__setattr__(self, "traj", traj)
        object.__setattr__(self, "env", env)

    cell = property(lambda self: "lstm" if isinstance(self.checkpoint.params, gated.LSTMParams) else "gru")
    activation = property(lambda self: "tanh", doc="gate activations are fixed (sigma, tanh)")
    T = property(lambda self: self.traj.T)

    def state(self, t: int) -> np.ndarray:
        """:math:`s_t`: ``[ltm_t; wm_t]`` (LSTM) or ``h_t`` (GRU)."""
        return self.traj.state[t]

    def state_map(self, t: int, k: int):
        """The actual forward map :math:`s_k \\mapsto s_t` (inputs :math:`x_{k+1..t}` and weights fixed)."""
        from ..gated_runs import forward_of
        xs, p = self.checkpoint.xs[k:t], self.params
        return lambda sk: forward_of(p, xs, sk).state[-1]


def evaluator(ctx, name: str):
    """``(**bindings) -> float64 array``: the derived expression ``name``, built once."""
    expr = ctx.expression(name)
    return lambda **b: np.asarray(evaluate(expr, ctx.env, b, backend="numpy"), dtype=np.float64)


def _sig(s):
    return s * (1 + s)  # terms of s (1 - s)


def lstm_magnitude(ctx: GatedContext, t: int) -> dict:
    """Magnitudes of the blocks ``ll, lw, wl, ww`` of :math:`\\partial s_t/\\partial s_{t-1}` and the whole (2n x 2n)."""
    e, p = ctx.env, ctx.params
    rem, save, focus, ltmc = e["rem"][t], e["save"][t], e["focus"][t], e["ltmc"][t]
    th = np.tanh(e["ltm"][t])
    dth = 1 + th * th
    ll = np.diag(rem)
    lw = (np.abs(e["ltm"][t - 1]) * _sig(rem))[:, None] * np.abs(p.U_r) + \
        (np.abs(ltmc) * _sig(save))[:, None] * np.abs(p.U_s) + (save * (1 + ltmc ** 2))[:, None] * np.abs(p.U_l)
    wl = np.diag(focus * dth * rem)
    ww = (np.abs(th) * _sig(focus))[:, None] * np.abs(p.U_f) + (focus * dth)[:, None] * lw
    return {"ll": ll, "lw": lw, "wl": wl, "ww": ww, "full": np.block([[ll, lw], [wl, ww]])}


def gru_magnitude(ctx: GatedContext, t: int) -> np.ndarray:
    """Magnitude of the entries of :math:`\\partial h_t/\\partial h_{t-1}` (n x n) in the contract's formula."""
    e, p = ctx.env, ctx.params
    u, r, hc, h = e["u"][t], e["r"][t], e["hc"][t], e["h"][t - 1]
    inner = np.diag(r) + (np.abs(h) * _sig(r))[:, None] * np.abs(p.W_r)
    return (np.diag(1 + u) + ((np.abs(hc) + np.abs(h)) * _sig(u))[:, None] * np.abs(p.W_u)
            + (u * (1 + hc * hc))[:, None] * (np.abs(p.W_h) @ inner))


def jacobian_magnitude(ctx, t: int) -> np.ndarray:
    """The one-step state Jacobian's magnitude for an LSTM, GRU or (tanh) Elman context."""
    if isinstance(ctx, GatedContext):
        return lstm_magnitude(ctx, t)["full"] if ctx.cell == "lstm" else gru_magnitude(ctx, t)
    from .bptt_recursion import phi_magnitude
    return phi_magnitude(ctx, t)[:, None] * np.abs(ctx.params.W_hh)


def product_magnitude(Js: dict, Jmag: dict, tmax: int) -> dict:
    r"""``t -> E_t``: first-order rounding magnitude of the computed :math:`J_t\cdots J_1`.

    The error made at step ``s`` (in :math:`J_s` and in :math:`J_s P_{s-1}`, magnitude
    :math:`M^J_s|P_{s-1}|`) is carried to ``t`` by the true product :math:`J_t\cdots J_{s+1}`
    (:func:`.bptt_recursion.propagated_magnitude` with :math:`G_1 = J_1`).
    """
    from .bptt_recursion import propagated_magnitude
    q = Js[1].shape[0]
    Gmag = {s: (Jmag[1] if s == 1 else np.zeros((q, q))) for s in Js}
    prev, P = {}, np.eye(q)
    for s in range(1, tmax + 1):
        P = Js[s] @ P
        prev[s] = np.abs(P)
    return {t: propagated_magnitude(Js, Jmag, Gmag, prev, t) for t in range(1, tmax + 1)}


def product_series(run_name: str, *, seed: int = 0, cache_dir=None, checkpoint: str = "final"):
    r"""``(norms, CheckResult, extra)``: :math:`\lVert J_t\cdots J_1\rVert_2` for ``t = 0..T`` from the
    derived one-step Jacobians of a run, confirmed against the complex step of the actual map
    :math:`s_0\mapsto(s_1,\dots,s_T)`; ``extra["lambda1"]`` is :math:`\lVert W_{hh}\rVert_2` (Elman, residual,
    highway), ``extra["sigma_min"]`` the smallest singular value of each product (residual).  Runs: Elman
    (:mod:`..runs`), LSTM/GRU (:mod:`..gated_runs`), residual/highway (:mod:`..remedies_runs`)."""
    from .. import gated_runs, remedies, remedies_runs, runs
    from .base import Context
    if remedies_runs.is_remedy(run_name):  # section H: residual and highway (issue 15)
        from .remedies_base import RemedyContext
        run = remedies_runs.load_run(run_name, cache_dir=cache_dir)
        ident = "residual_jacobian" if run.config["cell"] == "residual" else "highway_jacobian"
        ctx = RemedyContext(ident, run, run.checkpoint(checkpoint), seed)
        J = evaluator(ctx, "J")
        s0, stack = ctx.state(0), lambda s: remedies.forward_of(ctx.params, ctx.checkpoint.xs, s).state[1:]
    elif gated_runs.is_gated(run_name):
        run = gated_runs.load_run(run_name, cache_dir=cache_dir)
        ident = "lstm_cell_jacobian" if run.config["cell"] == "lstm" else "gru_jacobian"
        ctx = GatedContext(ident, run, run.checkpoint(checkpoint), seed)
        J = evaluator(ctx, "state_jacobian" if ident == "lstm_cell_jacobian" else "J")
        s0, stack = ctx.state(0), lambda s: gated_runs.forward_of(ctx.params, ctx.checkpoint.xs, s).state[1:]
    else:
        run = runs.load_run(run_name, cache_dir=cache_dir)
        ctx = Context("tanh_jacobian", run, run.checkpoint(checkpoint), seed)
        J = evaluator(ctx, "J")
        from rnnproof.numeric import engine
        s0, stack = ctx.traj.h[0], lambda s: engine.forward(ctx.params, ctx.checkpoint.xs, h0=s).h[1:]
    T = ctx.T
    Js = {s: J(t=s) for s in range(1, T + 1)}
    if remedies_runs.is_remedy(run_name):
        from .remedies_base import jacobian_magnitude as remedy_magnitude
        mags = product_magnitude(Js, {s: remedy_magnitude(ctx, s) for s in Js}, T)
    else:
        mags = product_magnitude(Js, {s: jacobian_magnitude(ctx, s) for s in Js}, T)
    P, prods, norms = np.eye(s0.size), [], [1.0]
    for s in range(1, T + 1):
        P = Js[s] @ P
        prods.append(P)
        norms.append(float(np.linalg.norm(P, 2)))
    res = check_jacobian(np.vstack(prods), stack, np.asarray(s0, dtype=float), magnitude=np.vstack([mags[t] for t in
                         range(1, T + 1)]), depth=2 * s0.size + 8 + T, quantity="prod_{i<=t} J_i vs d s_t/d s_0 "
                         f"(all t=1..{T})", **ctx.labels)
    extra = {} if gated_runs.is_gated(run_name) else {"lambda1": float(np.linalg.norm(ctx.params.W_hh, 2))}
    if remedies_runs.is_remedy(run_name) and ident == "residual_jacobian":  # sigma_min of the products: the floor
        extra["sigma_min"] = np.asarray([1.0] + [float(np.linalg.svd(P, compute_uv=False).min()) for P in prods])
    return np.asarray(norms), res, extra
