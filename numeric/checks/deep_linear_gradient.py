r"""Numeric check of ``deep_linear_gradient``: :math:`\partial\mathcal L/\partial W_l = (W_L\cdots W_{l+1})^\top(\hat y - y)(W_{l-1}\cdots W_1x)^\top`.

This identity is not about recurrence, so the deep linear network is *built from a real run*,
honestly, as the linearisation of the trained RNN along its own trajectory: at a checkpoint with
final time :math:`T`, for depth :math:`L` and :math:`k = T - L + 1`,

* hidden layers :math:`W_l = \partial h_{k+l}/\partial h_{k+l-1}` (:math:`l = 1..L-1`), the
  complex-step Jacobians of the *actual* one-step maps of the run (``n x n``, real weights and
  states, not a formula);
* output layer :math:`W_L = W_{yh}` of the checkpoint (``m x n``);
* input :math:`x = h_k`, the run's state, and target :math:`y = o_{T}` (the run's target at time
  :math:`T`; one-hot for the text run).

So :math:`\hat y = W_L\cdots W_1x` is the first-order (tangent) readout of the RNN.  For every
layer :math:`l = 1..L` the identity's derived ``dL_dW_l`` (``dL_dW_L`` for the output layer) is
evaluated with these values and compared with the complex-step gradient of the actual loss
:math:`\tfrac12\lVert W_L\cdots W_1x - y\rVert^2` in the entries of :math:`W_l` (directional
projections first, elementwise on failure; the loss is the model definition, computed by
applying the layers one after the other, never from the gradient formula).

Rounding model: the magnitude is the derived expression itself evaluated on absolute values
(:math:`|W|, |x|` and :math:`-|y|`, so that :math:`\hat y - y` becomes :math:`|\hat y| + |y|`), which
is the sum of the absolute values of the terms of each entry; depth :math:`K = Ln + m + 4`.
"""

from __future__ import annotations

import numpy as np

from rnnproof.derivations.evaluate import evaluate

from .. import fd
from ..gradcheck import check_gradient
from .base import Context

__all__ = ["RUNS", "check", "network", "DEPTHS", "loss"]

RUNS = ("adding", "text")
DEPTHS = (3, 5)


def _target(ctx: Context, time: int) -> np.ndarray:
    cp = ctx.checkpoint
    o = np.asarray(cp.targets)
    row = o[time - 1] if o.ndim == 2 else np.eye(ctx.params.m)[int(o[time - 1])]
    return np.asarray(row, dtype=float).reshape(-1, 1)


def network(ctx: Context, depth: int) -> dict:
    """``{"W": {1..L: layer}, "x": (n, 1), "y": (m, 1)}``: the run's linearisation (see module docstring)."""
    T = ctx.T
    k = T - depth + 1
    W = {}
    for l in range(1, depth):
        J, _ = fd.complex_step_jacobian(ctx.state_map(k + l, k + l - 1), ctx.traj.h[k + l - 1])
        W[l] = J
    W[depth] = np.asarray(ctx.params.W_yh, dtype=float)
    return {"W": W, "x": ctx.traj.h[k].reshape(-1, 1), "y": _target(ctx, T)}


def loss(net: dict, layer: int, w_flat):
    """:math:`\\tfrac12\\lVert W_L\\cdots W_1x - y\\rVert^2` with layer ``layer`` replaced by ``w_flat`` (row-major)."""
    out = net["x"]
    for q in sorted(net["W"]):
        Wq = np.reshape(w_flat, net["W"][q].shape) if q == layer else net["W"][q]
        out = Wq @ out
    r = out - net["y"]
    return (r * r).sum() / 2


def _abs_net(net):
    return {"W": {q: np.abs(v) for q, v in net["W"].items()}, "x": np.abs(net["x"]), "y": -np.abs(net["y"])}


def check(ctx: Context):
    out = []
    n, m = ctx.params.n, ctx.params.m
    for depth in DEPTHS:
        net = network(ctx, depth)
        for layer in range(1, depth + 1):
            name = "dL_dW_L" if layer == depth else "dL_dW_l"
            b = {"L": depth, "l": layer, "m": m, "n": n}
            D = np.asarray(evaluate(ctx.expression(name), net, b, backend="numpy"), dtype=float)
            M = np.abs(np.asarray(evaluate(ctx.expression(name), _abs_net(net), b, backend="numpy"), dtype=float))
            w0 = net["W"][layer].ravel()
            out.append(check_gradient(D.ravel(), lambda w, q=layer: loss(net, q, w), w0, identity=ctx.identity,
                                      quantity=f"{name} (L={depth}, l={layer}, linearised run)",
                                      run=ctx.run.name, checkpoint=ctx.checkpoint.name, seed=ctx.seed,
                                      method="complex", magnitude=M.reshape(1, -1), depth=depth * n + m + 4))
    return out
