r"""Section H cells: the residual and the highway RNN (forward, loss, BPTT, evaluator values).

Residual (He et al. 2016, recurrent form):

.. math:: z_t = W_{hh}h_{t-1} + W_{xh}x_t + b_h,\qquad h_t = h_{t-1} + \tanh(z_t).

Highway (Srivastava et al. 2015; Zilly et al. 2017), ``hc`` = :math:`\tilde h_t`:

.. math::
    z_t = W_{hh}h_{t-1} + W_{xh}x_t + b_h,\ \tilde h_t = \tanh(z_t),\
    g_t = \sigma(W_g h_{t-1} + U_g x_t + b_g),\ h_t = g_t\odot\tilde h_t + (1-g_t)\odot h_{t-1}.

Both have the linear read-out :math:`y_t = W_{yh}h_t + b_y` and the losses of :mod:`.engine`.
Arrays have time as the row index (row 0 = initial state or zeros).  Every function is generic over
float64, complex128 (complex step) and mpmath, like :mod:`.gated`; :math:`\sigma`, :math:`\tanh` and their
derivatives are the SymPy definitions, lambdified (``engine._phi``), never hand-written.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnproof.derivations.errors import ShapeError

from .engine import _phi, _zeros, kind_of, mp_context
from .gated import _env, _head, _Params, _prepare

__all__ = ["ResidualParams", "HighwayParams", "ResidualTrajectory", "HighwayTrajectory", "residual_forward",
           "highway_forward", "forward_of", "bptt_of", "loss_of", "env_of", "RESIDUAL_NAMES", "HIGHWAY_NAMES"]

RESIDUAL_NAMES = ("W_hh", "W_xh", "b_h", "W_yh", "b_y")
HIGHWAY_NAMES = ("W_hh", "W_xh", "b_h", "W_g", "U_g", "b_g", "W_yh", "b_y")


class _Cell(_Params):
    def __post_init__(self):
        W = np.asarray(self.W_hh)
        if W.ndim != 2 or W.shape[0] != W.shape[1]:
            raise ShapeError(f"{type(self).__name__}.W_hh: expected a square (n, n) matrix, got shape {W.shape}")
        for k in ("W_xh", "W_yh"):
            if np.ndim(getattr(self, k)) != 2:
                raise ShapeError(f"{type(self).__name__}.{k}: expected a 2-D matrix, got shape {np.shape(getattr(self, k))}")
        n, d, m = self.n, self.d, self.m
        shapes = {"W_hh": (n, n), "W_xh": (n, d), "b_h": (n,), "W_yh": (m, n), "b_y": (m,),
                  "W_g": (n, n), "U_g": (n, d), "b_g": (n,)}
        self._validate({k: v for k, v in shapes.items() if k in self.names()})

    n = property(lambda self: np.shape(self.W_hh)[0], doc="hidden size")
    d = property(lambda self: np.shape(self.W_xh)[1], doc="input size")
    m = property(lambda self: np.shape(self.W_yh)[0], doc="output size")


@dataclass(frozen=True)
class ResidualParams(_Cell):
    """Residual RNN weights: ``W_hh (n, n)``, ``W_xh (n, d)``, ``b_h (n,)``, read-out ``W_yh (m, n)``, ``b_y (m,)``."""

    W_hh: np.ndarray
    W_xh: np.ndarray
    b_h: np.ndarray
    W_yh: np.ndarray
    b_y: np.ndarray

    @staticmethod
    def names() -> tuple:
        return RESIDUAL_NAMES


@dataclass(frozen=True)
class HighwayParams(_Cell):
    """Highway RNN weights: candidate ``W_hh, W_xh, b_h``, gate ``W_g (n, n), U_g (n, d), b_g``, read-out."""

    W_hh: np.ndarray
    W_xh: np.ndarray
    b_h: np.ndarray
    W_g: np.ndarray
    U_g: np.ndarray
    b_g: np.ndarray
    W_yh: np.ndarray
    b_y: np.ndarray

    @staticmethod
    def names() -> tuple:
        return HIGHWAY_NAMES


@dataclass(frozen=True)
class ResidualTrajectory:
    """Row ``t`` = time ``t`` (row 0: ``h_0``, zeros elsewhere)."""

    x: np.ndarray
    z: np.ndarray
    h: np.ndarray
    y: np.ndarray

    T = property(lambda self: self.h.shape[0] - 1, doc="sequence length")
    state = property(lambda self: self.h, doc="rows h_t (n)")


@dataclass(frozen=True)
class HighwayTrajectory:
    """Row ``t`` = time ``t`` (row 0: ``h_0``, zeros elsewhere)."""

    x: np.ndarray
    z: np.ndarray
    a_g: np.ndarray
    hc: np.ndarray
    g: np.ndarray
    h: np.ndarray
    y: np.ndarray

    T = property(lambda self: self.h.shape[0] - 1, doc="sequence length")
    state = property(lambda self: self.h, doc="rows h_t (n)")


def residual_forward(params: ResidualParams, xs, *, h0=None) -> ResidualTrajectory:
    """Run the residual recursion of the module docstring over ``xs`` (T, d); ``h0`` defaults to zeros."""
    p, xs, s0, kind, ctx = _prepare(params, xs, {"h0": h0})
    T, n = xs.shape[0], p.n
    Z = lambda cols: _zeros((T + 1, cols), kind, ctx)  # noqa: E731
    x, z, h = Z(p.d), Z(n), Z(n)
    x[1:] = xs
    h[0] = s0["h0"] if s0["h0"] is not None else h[0]
    drive = xs @ p.W_xh.T + p.b_h
    for t in range(1, T + 1):
        z[t] = p.W_hh @ h[t - 1] + drive[t - 1]
        h[t] = h[t - 1] + _phi("tanh", z[t], ctx=ctx)
    y = Z(p.m)
    y[1:] = h[1:] @ p.W_yh.T + p.b_y
    return ResidualTrajectory(x, z, h, y)


def highway_forward(params: HighwayParams, xs, *, h0=None) -> HighwayTrajectory:
    """Run the highway recursion of the module docstring over ``xs`` (T, d); ``h0`` defaults to zeros."""
    p, xs, s0, kind, ctx = _prepare(params, xs, {"h0": h0})
    T, n = xs.shape[0], p.n
    Z = lambda cols: _zeros((T + 1, cols), kind, ctx)  # noqa: E731
    x, z, a, hc, g, h = Z(p.d), Z(n), Z(n), Z(n), Z(n), Z(n)
    x[1:] = xs
    h[0] = s0["h0"] if s0["h0"] is not None else h[0]
    dz, da = xs @ p.W_xh.T + p.b_h, xs @ p.U_g.T + p.b_g
    for t in range(1, T + 1):
        z[t], a[t] = p.W_hh @ h[t - 1] + dz[t - 1], p.W_g @ h[t - 1] + da[t - 1]
        hc[t], g[t] = _phi("tanh", z[t], ctx=ctx), _phi("sigmoid", a[t], ctx=ctx)
        h[t] = g[t] * hc[t] + (1 - g[t]) * h[t - 1]
    y = Z(p.m)
    y[1:] = h[1:] @ p.W_yh.T + p.b_y
    return HighwayTrajectory(x, z, a, hc, g, h, y)


def forward_of(params, xs, state0=None):
    """The forward trajectory of either cell."""
    f = residual_forward if isinstance(params, ResidualParams) else highway_forward
    return f(params, xs, h0=state0)


def loss_of(params, xs, targets, state0=None, kind: str = "squared"):
    """The loss of :func:`engine.loss` on the read-out :math:`y_t = W_{yh}h_t + b_y` of either cell."""
    return _head(params, forward_of(params, xs, state0).y, targets, kind)[0]


def bptt_of(params, xs, targets, state0=None, kind: str = "squared"):
    r"""``(loss, gradient)`` by backpropagation through time, with :math:`g_t = dL/dh_t` (total).

    Residual: :math:`\delta z_t = g_t\odot\tanh'(z_t)`, :math:`g_{t-1} = W_{yh}^\top\delta^y_{t-1} + g_t + W_{hh}^\top\delta z_t`.
    Highway: :math:`\delta z_t = g_t\odot g\odot\tanh'(z_t)`, :math:`\delta a_t = g_t\odot(\tilde h_t-h_{t-1})\odot\sigma'(a_t)`,
    :math:`g_{t-1} = W_{yh}^\top\delta^y_{t-1} + g_t\odot(1-g) + W_{hh}^\top\delta z_t + W_g^\top\delta a_t`.
    Weight gradients: :math:`\sum_t\delta z_t h_{t-1}^\top` etc.  Returns ``(loss_value, params-shaped gradient)``.
    """
    traj = forward_of(params, xs, state0)
    k, ctx = kind_of(traj.h), mp_context(traj.h)
    p = params if params.kind == k else params.converted(k, ctx)
    value, delta = _head(p, traj.y, targets, kind)
    n, T, H = p.n, traj.T, traj.h
    hw = isinstance(p, HighwayParams)
    dphi = _phi("tanh", traj.z[1:], derivative=True, ctx=ctx)
    dsig = _phi("sigmoid", traj.a_g[1:], derivative=True, ctx=ctx) if hw else None
    G = delta @ p.W_yh
    DZ, DA = _zeros((T, n), k, ctx), _zeros((T, n), k, ctx)
    carry = _zeros((n,), k, ctx)
    for t in range(T, 0, -1):
        i = t - 1
        gt = G[i] + carry
        if hw:
            gate = traj.g[t]
            DZ[i], DA[i] = gt * gate * dphi[i], gt * (traj.hc[t] - H[t - 1]) * dsig[i]
            carry = gt * (1 - gate) + p.W_hh.T @ DZ[i] + p.W_g.T @ DA[i]
        else:
            DZ[i] = gt * dphi[i]
            carry = gt + p.W_hh.T @ DZ[i]
    X, Hp = traj.x[1:], H[:-1]
    grads = {"W_hh": DZ.T @ Hp, "W_xh": DZ.T @ X, "b_h": DZ.sum(axis=0), "W_yh": delta.T @ H[1:],
             "b_y": delta.sum(axis=0)}
    if hw:
        grads.update(W_g=DA.T @ Hp, U_g=DA.T @ X, b_g=DA.sum(axis=0))
    return value, p.with_(**grads)


def env_of(params, traj) -> dict:
    """Evaluator values (contract names): parameters (biases as ``(n, 1)``) and the time-indexed
    ``x, z, h, y`` (residual) or ``x, z, a_g, hc, g, h, y`` (highway), row ``t`` = time ``t``."""
    fields = ("x", "z", "a_g", "hc", "g", "h", "y") if isinstance(params, HighwayParams) else ("x", "z", "h", "y")
    return _env(params, traj, fields)
