r"""Numeric check of ``loss_gradients``: the backward recursion of BPTT and the five loss gradients.

The derived gradients (``"dL_dW_hh"``, ``"dL_dW_xh"``, ``"dL_db_h"`` -- built from
:math:`r_t = \varphi'(z_t)\odot g_t` with the closed form
:math:`g_t = \sum_{s\ge t}(\prod_{i=t+1}^{s}J_i)^\top W_{yh}^\top\delta_s` -- and ``"dL_dW_yh"``,
``"dL_db_y"``) and the derived ``"g"`` are evaluated on the states of a real run with squared
loss (``checkpoint.loss_kind == "squared"``: the derivation is for
:math:`\ell_t = \tfrac12\lVert y_t - o_t\rVert^2`) and compared with

* the complex-step derivative of the actual loss :func:`rnnproof.numeric.engine.loss` over each
  parameter block (directional projections first, full gradient on failure);
* the gradient of :func:`rnnproof.numeric.engine.bptt` (entrywise);
* for ``"g"``: the complex-step gradient of the actual loss by the state :math:`h_t` (later
  states recomputed).

Window: the closed form walks :math:`O(T^3)` nodes (about 3 s at T = 40), so the gradients
through :math:`r_t` and ``"g"`` are checked on the loss of the *last* :data:`WINDOW` steps of
the run's sequence, started from the run's own state :math:`h_{T-W}` (``T`` bound to ``W``);
``dL_dW_yh`` and ``dL_db_y`` use the whole sequence.

Error model: every derived quantity is a sum of products of leaves whose only subtraction is
:math:`y - o`, so its magnitude :math:`M` is the same expression evaluated on absolute values
(:func:`~rnnproof.numeric.checks.bptt_recursion.abs_env`: :math:`|W|, |h|, |x|`, :math:`-|o|`);
:math:`K = W(n+2) + m + 2` (``T + n + 2`` for the output-layer gradients).  FD: tolerance
:math:`= 2\varepsilon|Ju|` (complex step) + :math:`2\lambda\sqrt K\varepsilon M`
(:mod:`rnnproof.numeric.gradcheck`).  BPTT: tolerance = the
:func:`~rnnproof.numeric.gradcheck.elman_rounding` bound of the BPTT gradient +
:math:`\gamma_K M` (Higham 2002, sec. 3.5).  The :math:`1-\tanh^2` cancellation of saturated
units is not in :math:`M`; the default runs are not saturated.

Reference: IDENTITIES.md section C; Werbos (1990); d2l.ai, "Backpropagation Through Time".
"""

from __future__ import annotations

import numpy as np

from rnnproof.derivations.errors import InputError
from rnnproof.numeric import engine

from ..gradcheck import check_jacobian, elman_rounding
from .base import Context, scalar_result, spread_times
from .bptt_recursion import abs_env, evaluator

__all__ = ["RUNS", "WINDOW", "check", "Window", "head_loss"]

RUNS = ("adding", "vanishing")
WINDOW = 10
THROUGH_R = ("W_hh", "W_xh", "b_h")
OUTPUT = ("W_yh", "b_y")


def head_loss(params, h, o):
    r""":math:`\ell(h) = \tfrac12\lVert W_{yh}h + b_y - o\rVert^2`: the model's loss term of one state (reference side)."""
    r = params.W_yh @ h + params.b_y - o
    return (r * r).sum() / 2


class Window:
    """The last ``length`` steps of a checkpoint's sequence, from the run's own state."""

    def __init__(self, ctx: Context, length: int):
        cp = ctx.checkpoint
        self.params, self.start = cp.params, ctx.T - min(length, ctx.T)
        self.length = ctx.T - self.start
        self.xs, self.targets = cp.xs[self.start:], cp.targets[self.start:]
        self.h0 = ctx.traj.h[self.start]
        self.traj = engine.forward(self.params, self.xs, h0=self.h0)
        self.env = engine.env(self.params, self.traj, self.targets)

    def loss_by(self, name):
        """``(f, theta)``: the actual window loss as a function of ``vec(name)``."""
        p, shape = self.params, getattr(self.params, name).shape

        def f(w):
            return engine.loss(p.with_(**{name: np.reshape(w, shape)}), self.xs, self.targets, h0=self.h0)
        return f, getattr(p, name).ravel().astype(np.float64)

    def loss_by_state(self, t):
        """The actual window loss as a function of :math:`h_t` (window time ``t``; later states recomputed)."""
        p, o = self.params, self.targets

        def f(h):
            rest = engine.loss(p, self.xs[t:], o[t:], h0=h) if t < self.length else 0.0
            return head_loss(p, h, o[t - 1]) + rest
        return f


def _compare(ctx, name, D, M, K, win_or_ctx, loss_fn, theta, bptt_grad, bptt_err):
    out = [check_jacobian(D.reshape(1, -1), loss_fn, theta, quantity=f"dL/d{name} vs FD of L ({win_or_ctx})",
                          magnitude=M.reshape(1, -1), depth=K, **ctx.labels)]
    out.append(scalar_result(ctx, quantity=f"dL/d{name} vs engine.bptt ({win_or_ctx})", derived=D.ravel(),
                             reference=bptt_grad, error_estimate=bptt_err, depth=K, magnitude=M.ravel(),
                             method="bptt", step=np.nan))
    return out


def check(ctx: Context):
    cp = ctx.checkpoint
    if cp.loss_kind != "squared":
        raise InputError(f"loss_gradients: the derivation is for squared loss; run {ctx.run.name!r} uses "
                         f"{cp.loss_kind!r} (pick a run with loss_kind 'squared')")
    p, n, m = ctx.params, ctx.params.n, ctx.params.m
    out = []
    win = Window(ctx, WINDOW)
    W, wabs = win.length, abs_env(win.env)
    _, grads = engine.bptt(p, win.xs, win.targets, h0=win.h0)
    rnd, sl = elman_rounding(p, win.xs, win.targets, h0=win.h0), p.slices()
    label, K = f"last {W} steps", W * (n + 2) + m + 2
    for name in THROUGH_R:
        D, M = evaluator(ctx, f"dL_d{name}", win.env)(T=W), np.abs(evaluator(ctx, f"dL_d{name}", wabs)(T=W))
        f, theta = win.loss_by(name)
        out += _compare(ctx, name, D, M, K, label, f, theta, getattr(grads, name).ravel(), rnd[sl[name]])
    g, gabs = evaluator(ctx, "g", win.env), evaluator(ctx, "g", wabs)
    for t in spread_times(W, 2):
        out.append(check_jacobian(g(t=t, T=W).reshape(1, -1), win.loss_by_state(t), win.traj.h[t],
                                  quantity=f"g_t = dL/dh_t (t={t} of the {label})",
                                  magnitude=np.abs(gabs(t=t, T=W)).reshape(1, -1), depth=K, **ctx.labels))
    _, full = engine.bptt(p, cp.xs, cp.targets, h0=cp.h0)
    rnd_full, fabs = elman_rounding(p, cp.xs, cp.targets, h0=cp.h0), abs_env(ctx.env)
    for name in OUTPUT:
        D, M = evaluator(ctx, f"dL_d{name}")(T=ctx.T), np.abs(evaluator(ctx, f"dL_d{name}", fabs)(T=ctx.T))
        shape = getattr(p, name).shape

        def f(w, name=name, shape=shape):
            return engine.loss(p.with_(**{name: np.reshape(w, shape)}), cp.xs, cp.targets, h0=cp.h0)
        out += _compare(ctx, name, D, M, ctx.T + n + 2, f"all {ctx.T} steps", f, getattr(p, name).ravel(),
                        getattr(full, name).ravel(), rnd_full[sl[name]])
    return out
