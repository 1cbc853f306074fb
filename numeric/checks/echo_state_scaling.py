r"""Numeric check of ``echo_state_scaling``: two runs of the same network from different initial states.

On every checkpoint the second run starts from :math:`h'_0 = h_0 + \delta v` (:math:`v` a seeded unit vector,
:data:`DELTA` = 0.5; on ``spectral_witness`` the witness direction of its first block, see below) and is driven by
the same inputs.  With both trajectories in the evaluator's environment (``h`` and ``h'``), at every time
:math:`t = 1..T`:

1. the derived ``preact_diff`` :math:`W_{hh}(h_{t-1} - h'_{t-1})` against the actual
   :math:`z_t - z'_t` of the two forward passes, entrywise (tolerance :math:`\gamma_{n+d+2}` times
   :math:`|W||h_{t-1}| + |W||h'_{t-1}| + 2(|W_{xh}||x_t| + |b_h|)`) -- a transposed :math:`W` or a shifted time fails;
2. derived ``distance`` :math:`\le` ``lipschitz_rhs`` :math:`\le` ``step_bound`` (one step), and
   ``distance`` :math:`\le` ``bound`` :math:`= \lVert W_{hh}\rVert^t\lVert h_0 - h'_0\rVert`, as bounds with rounding
   depth :math:`t(2n + 8)`.

On the ``spectral_witness`` run (blocks :math:`[[1/2, 3], [0, 1/2]]`, :math:`\rho = 1/2`) the transient growth is
measured: :math:`\max_t\lVert h_t - h'_t\rVert/\lVert h_0 - h'_0\rVert > 1`, the derived ``radius_bound``
:math:`\rho^t\lVert h_0 - h'_0\rVert` fails at that time, and the runs still converge at the end.
Reference: Jaeger (2001), Prop. 3; Yildiz, Jaeger, Kiebel (2012).
"""

from __future__ import annotations

import numpy as np

from rnnproof.derivations.errors import InputError
from rnnproof.derivations.evaluate import evaluate
from rnnproof.derivations.symbols import t as T_SYM

from .. import engine
from .base import Context, bound_result, gamma, scalar_result
from .spectral_radius_is_not_enough import radius_value

__all__ = ["RUNS", "check", "DELTA", "second_run", "distances", "rounding", "figure_series", "FIGURE_RUNS"]

RUNS = ("adding_echo", "text_echo", "spectral_witness")
DELTA = 0.5
#: the witness runs start close (linear regime) along the direction e_2 of each 2 x 2 block
WITNESS_DELTA = 1e-2


def second_run(ctx: Context):
    """``(h'_0, trajectory)`` of the second run: same weights and inputs, :math:`h'_0 = h_0 + \\delta v`."""
    n = ctx.params.n
    if ctx.run.name == "spectral_witness":
        v = np.zeros(n)
        v[1::2] = 1.0
        delta = WITNESS_DELTA
    else:
        v = np.random.default_rng(ctx.seed + 1515).standard_normal(n)
        delta = DELTA
    h0p = ctx.traj.h[0] + delta * v / np.linalg.norm(v)
    return h0p, engine.forward(ctx.params, ctx.checkpoint.xs, h0=h0p)


def distances(ctx: Context, traj2) -> np.ndarray:
    """:math:`\\lVert h_t - h'_t\\rVert` for t = 0..T, measured (not derived; for the figure)."""
    return np.linalg.norm(ctx.traj.h - traj2.h, axis=1)


def rounding(ctx: Context, traj2) -> np.ndarray:
    r"""Per-step rounding :math:`e_s` of the computed :math:`h_s - h'_s` against the exact map of the computed states:
    :math:`\gamma_{n+d+2}\lVert Z_s + Z'_s\rVert + \gamma_2\lVert|h_s| + |h'_s|\rVert`, :math:`Z_s = |W_{hh}||h_{s-1}| + |W_{xh}||x_s| + |b_h|`
    (pre-activations, then tanh within an ulp; tanh is 1-Lipschitz, so a pre-activation error passes at most unchanged)."""
    p, tr = ctx.params, ctx.traj
    K = p.n + p.d + 2
    e = np.zeros(tr.T + 1)
    for s in range(1, tr.T + 1):
        base = np.abs(p.W_xh) @ np.abs(tr.x[s]) + np.abs(p.b_h)
        Z = np.abs(p.W_hh) @ (np.abs(tr.h[s - 1]) + np.abs(traj2.h[s - 1])) + 2 * base
        e[s] = gamma(K) * np.linalg.norm(Z) + gamma(2) * np.linalg.norm(np.abs(tr.h[s]) + np.abs(traj2.h[s]))
    return e


def _env(ctx: Context, traj2) -> dict:
    return {**ctx.env, "h'": traj2.h}


def _value(expr, env, t):
    return float(np.real(evaluate(expr, env, {T_SYM: t}, backend="numpy")))


def check(ctx: Context):
    if ctx.activation != "tanh":
        raise InputError(f"echo_state_scaling: the derivation is for tanh (1-Lipschitz, tanh' <= 1); run {ctx.run.name!r} uses "
                         f"{ctx.activation}")
    p, n, T = ctx.params, ctx.params.n, ctx.T
    _, traj2 = second_run(ctx)
    env = _env(ctx, traj2)
    names = ("distance", "bound", "step_bound", "lipschitz_rhs", "preact_diff")
    dist, bound, step, lip, pre = (ctx.expression(nm) for nm in names)
    D, A, M = [], [], []
    for t in range(1, T + 1):
        D.append(np.ravel(evaluate(pre, env, {T_SYM: t}, backend="numpy")))
        A.append(traj2.z[t] * -1 + ctx.traj.z[t])
        M.append(np.abs(p.W_hh) @ (np.abs(ctx.traj.h[t - 1]) + np.abs(traj2.h[t - 1]))
                 + 2 * (np.abs(p.W_xh) @ np.abs(ctx.traj.x[t]) + np.abs(p.b_h)))
    out = [scalar_result(ctx, quantity=f"W_hh (h_(t-1) - h'_(t-1)) = z_t - z'_t of the two runs (t=1..{T})",
                         derived=np.array(D), reference=np.array(A), error_estimate=0.0, depth=n + p.d + 2,
                         magnitude=np.ravel(M), method="two-runs", step=float("nan"),
                         note="derived pre-activation difference vs the two forward passes")]
    e = rounding(ctx, traj2)
    lam = float(np.linalg.norm(p.W_hh, 2))
    worst, acc = [None, None, None], 0.0
    for t in range(1, T + 1):
        acc = lam * acc + e[t]  # rounding of step s carried to t by the contraction: sum_s lam^(t-s) e_s
        d, lr, sb, bd = (_value(ex, env, t) for ex in (dist, lip, step, bound))
        for slot, (a, b, K, est) in enumerate(((d, lr, 2 * n + 8, e[t]), (lr, sb, 2 * n + 8, 0.0),
                                               (d, bd, t * (2 * n + 8), acc))):
            tol = gamma(K) * (abs(a) + abs(b)) + est
            if worst[slot] is None or a - b - tol > worst[slot][0]:
                worst[slot] = (a - b - tol, t, a, b, K, est)
    labels = ("||h_t - h'_t|| <= ||W_hh (h_(t-1) - h'_(t-1))|| (tanh 1-Lipschitz)",
              "||W_hh (h_(t-1) - h'_(t-1))|| <= ||W_hh|| ||h_(t-1) - h'_(t-1)||",
              "||h_t - h'_t|| <= ||W_hh||^t ||h_0 - h'_0||")
    for label, (_, t, a, b, K, est) in zip(labels, worst):
        out.append(bound_result(ctx, quantity=f"{label} (tightest t={t} of 1..{T})", actual=a, bound=b, depth=K,
                                shapes=((n, 1),), error_estimate=est,
                                note="tolerance: gamma_K (|a| + |b|) + the rounding of the two forward passes"))
    if ctx.run.name == "spectral_witness":
        out.extend(_witness_results(ctx, env, traj2))
    return out


def _witness_results(ctx: Context, env, traj2):
    n, T = ctx.params.n, ctx.T
    dist = distances(ctx, traj2)
    ratio = dist / dist[0]
    t_peak = int(np.argmax(ratio))
    K = T * (2 * n + 8)
    rb, extra = radius_value(ctx.expression("radius_bound"), env, {T_SYM: t_peak})
    return [
        bound_result(ctx, quantity=f"witness: two runs move apart, max_t ||h_t - h'_t|| / ||h_0 - h'_0|| > 1 (t={t_peak})",
                     actual=1.0, bound=float(ratio[t_peak]), depth=K, note="slack = the transient growth factor"),
        bound_result(ctx, quantity=f"witness: the radius bound rho^t ||h_0 - h'_0|| fails (t={t_peak})",
                     actual=rb * (1 + extra), bound=float(dist[t_peak]), depth=K,
                     note=f"rho^t ||h_0 - h'_0|| = {rb:.3g} < measured {dist[t_peak]:.3g}"),
        bound_result(ctx, quantity=f"witness: the runs converge, ||h_T - h'_T|| < ||h_0 - h'_0|| (T={T})",
                     actual=float(dist[-1]), bound=float(dist[0]), depth=K, note=f"ratio at T: {ratio[-1]:.3g}"),
    ]


#: the runs of the echo-state figure (checkpoint ``initial``: the scaled W_hh before training) and the witness
FIGURE_RUNS = (("adding_echo", "initial"), ("text_echo", "initial"), ("spectral_witness", "initial"))


def figure_series(*, seed: int = 0, cache_dir=None) -> list[dict]:
    """The echo figure's curves: the derived ``distance``, ``bound`` (and ``radius_bound`` on the witness)
    evaluated on both trajectories for t = 0..T (fields of :class:`rnnproof.report.echo_figure.EchoSeries`)."""
    from rnnproof.numeric.runs import load_run

    out = []
    for name, cp in FIGURE_RUNS:
        run = load_run(name, cache_dir=cache_dir)
        ctx = Context("echo_state_scaling", run, run.checkpoint(cp), seed)
        _, traj2 = second_run(ctx)
        env = _env(ctx, traj2)
        times = list(range(ctx.T + 1))
        dist = [_value(ctx.expression("distance"), env, t) for t in times]
        bound = [_value(ctx.expression("bound"), env, t) for t in times]
        radius = None
        if name == "spectral_witness":
            radius = [radius_value(ctx.expression("radius_bound"), env, {T_SYM: t})[0] for t in times]
        out.append({"run": name, "times": times, "distance": dist, "bound": bound,
                    "norm": float(np.linalg.norm(ctx.params.W_hh, 2)), "radius": radius})
    return out
