r"""Gated cells: the LSTM and the GRU in the notation of IDENTITIES.md section G.

LSTM (rem = forget gate, save = input gate, focus = output gate, ltm = cell state,
wm = hidden state, ltm' = candidate, stored as ``ltmc``):

.. math::
    \mathrm{rem}_t = \sigma(W_r x_t + U_r wm_{t-1} + b_r),\quad
    \mathrm{save}_t = \sigma(W_s x_t + U_s wm_{t-1} + b_s),\quad
    \mathrm{focus}_t = \sigma(W_f x_t + U_f wm_{t-1} + b_f),

    ltm'_t = \tanh(W_l x_t + U_l wm_{t-1} + b_l),\quad
    ltm_t = \mathrm{rem}_t\odot ltm_{t-1} + \mathrm{save}_t\odot ltm'_t,\quad
    wm_t = \mathrm{focus}_t\odot\tanh(ltm_t).

GRU (``reset_after=False``, the sheet's and Cho et al.'s form; ``hc`` is :math:`\tilde h`):

.. math::
    u_t = \sigma(W_u h_{t-1} + U_u x_t + b_u),\ r_t = \sigma(W_r h_{t-1} + U_r x_t + b_r),\
    \tilde h_t = \tanh(W_h(r_t\odot h_{t-1}) + U_h x_t + b_h),\
    h_t = (1-u_t)\odot h_{t-1} + u_t\odot\tilde h_t.

``reset_after=True`` is PyTorch's/cuDNN's variant
:math:`\tilde h_t = \tanh(U_h x_t + b_h + r_t\odot(W_h h_{t-1} + b_{hn}))`, a *different*
function (``diag(r) W_h != W_h diag(r)``); it exists for :mod:`.torch_bridge` only.

Both cells have a linear read-out :math:`y_t = W_{yh}\,\text{state}_t + b_y` (``wm`` or ``h``)
and the losses of :mod:`.engine`.  Arrays have time as the row index (row 0 = initial state or
zeros).  Every function is generic over float64, complex128 (complex step) and mpmath, like
:func:`.engine.forward`; :math:`\sigma, \tanh` and their derivatives are the SymPy definitions
of :mod:`rnnproof.derivations.functions`, lambdified (``engine._phi``), never hand-written.

References: Hochreiter & Schmidhuber, Neural Computation 9 (1997); Gers, Schmidhuber &
Cummins (2000) (forget gate); Cho et al., EMNLP 2014 (GRU).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from rnnproof.derivations.errors import InputError, ShapeError

from . import engine
from .engine import _check_finite, _common, _phi, _softmax_parts, _targets, _zeros, kind_of, mp_context

__all__ = ["LSTMParams", "GRUParams", "LSTMTrajectory", "GRUTrajectory", "lstm_forward", "gru_forward",
           "lstm_loss", "gru_loss", "lstm_bptt", "gru_bptt", "lstm_env", "gru_env", "LSTM_NAMES", "GRU_NAMES"]

LSTM_NAMES = ("W_r", "U_r", "b_r", "W_s", "U_s", "b_s", "W_f", "U_f", "b_f", "W_l", "U_l", "b_l", "W_yh", "b_y")
GRU_NAMES = ("W_u", "U_u", "b_u", "W_r", "U_r", "b_r", "W_h", "U_h", "b_h", "W_yh", "b_y")


class _Params:
    """Shared behaviour of the gated parameter records (validation, flattening)."""

    def _validate(self, shapes):
        arrays, _, ctx = _common({k: getattr(self, k) for k in self.names()})
        for k, v in arrays.items():
            object.__setattr__(self, k, v)
        for k, want in shapes.items():
            got = getattr(self, k).shape
            if got != want:
                raise ShapeError(f"{type(self).__name__}.{k}: expected shape {want} (n={self.n}, d={self.d}, "
                                 f"m={self.m}), got {got}")
        for k in self.names():
            _check_finite(getattr(self, k), f"{type(self).__name__}.{k}", ctx)

    kind = property(lambda self: kind_of(getattr(self, self.names()[0])), doc="float, complex or mpmath")
    ctx = property(lambda self: mp_context(getattr(self, self.names()[0])), doc="private mpmath context")

    def arrays(self) -> dict:
        """``name -> array`` in :meth:`names` order."""
        return {k: getattr(self, k) for k in self.names()}

    @property
    def size(self) -> int:
        """Number of parameters."""
        return sum(getattr(self, k).size for k in self.names())

    def flat(self) -> np.ndarray:
        """All parameters as one vector, row-major, in :meth:`names` order."""
        return np.concatenate([getattr(self, k).ravel() for k in self.names()])

    def slices(self) -> dict:
        """``name -> slice`` inside :meth:`flat`."""
        out, i = {}, 0
        for k in self.names():
            out[k] = slice(i, i + getattr(self, k).size)
            i += getattr(self, k).size
        return out

    def from_flat(self, vec):
        """Inverse of :meth:`flat` (shapes and options of ``self``)."""
        vec = np.asarray(vec)
        if vec.ndim != 1 or vec.size != self.size:
            raise ShapeError(f"{type(self).__name__}.from_flat: expected shape ({self.size},), got {vec.shape}")
        return self.with_(**{k: vec[s].reshape(getattr(self, k).shape) for k, s in self.slices().items()})

    def with_(self, **arrays):
        """A validated copy with some arrays replaced."""
        unknown = set(arrays) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise InputError(f"{type(self).__name__}.with_: unknown parameter(s) {sorted(unknown)}")
        return dataclasses.replace(self, **arrays)

    def converted(self, kind: str, ctx=None):
        """A copy converted to ``kind`` (float, complex or mpmath in ``ctx``)."""
        return self.with_(**{k: engine._convert(v, kind, ctx, k) for k, v in self.arrays().items()})


@dataclass(frozen=True)
class LSTMParams(_Params):
    """LSTM weights: ``W_* (n, d)`` input, ``U_* (n, n)`` recurrent, ``b_* (n,)``, read-out ``W_yh (m, n)``, ``b_y (m,)``.

    Raises :class:`ShapeError` (naming the array and both shapes) or :class:`InputError` (NaN/Inf).
    """

    W_r: np.ndarray
    U_r: np.ndarray
    b_r: np.ndarray
    W_s: np.ndarray
    U_s: np.ndarray
    b_s: np.ndarray
    W_f: np.ndarray
    U_f: np.ndarray
    b_f: np.ndarray
    W_l: np.ndarray
    U_l: np.ndarray
    b_l: np.ndarray
    W_yh: np.ndarray
    b_y: np.ndarray

    def __post_init__(self):
        U = np.asarray(self.U_r)
        if U.ndim != 2 or U.shape[0] != U.shape[1]:
            raise ShapeError(f"LSTMParams.U_r: expected a square (n, n) matrix, got shape {U.shape}")
        for k in ("W_r", "W_yh"):
            if np.ndim(getattr(self, k)) != 2:
                raise ShapeError(f"LSTMParams.{k}: expected a 2-D matrix, got shape {np.shape(getattr(self, k))}")
        n, d, m = self.n, self.d, self.m
        shapes = {**{f"W_{g}": (n, d) for g in "rsfl"}, **{f"U_{g}": (n, n) for g in "rsfl"},
                  **{f"b_{g}": (n,) for g in "rsfl"}, "W_yh": (m, n), "b_y": (m,)}
        self._validate(shapes)

    n = property(lambda self: np.shape(self.U_r)[0], doc="hidden size")
    d = property(lambda self: np.shape(self.W_r)[1], doc="input size")
    m = property(lambda self: np.shape(self.W_yh)[0], doc="output size")

    @staticmethod
    def names() -> tuple:
        """Parameter names in :meth:`flat` order."""
        return LSTM_NAMES


@dataclass(frozen=True)
class GRUParams(_Params):
    """GRU weights: ``W_* (n, n)`` recurrent, ``U_* (n, d)`` input, ``b_* (n,)``, read-out ``W_yh (m, n)``, ``b_y (m,)``.

    ``reset_after=True`` selects PyTorch's variant and needs ``b_hn (n,)`` (see module docstring).
    """

    W_u: np.ndarray
    U_u: np.ndarray
    b_u: np.ndarray
    W_r: np.ndarray
    U_r: np.ndarray
    b_r: np.ndarray
    W_h: np.ndarray
    U_h: np.ndarray
    b_h: np.ndarray
    W_yh: np.ndarray
    b_y: np.ndarray
    reset_after: bool = False
    b_hn: np.ndarray | None = None

    def __post_init__(self):
        W = np.asarray(self.W_u)
        if W.ndim != 2 or W.shape[0] != W.shape[1]:
            raise ShapeError(f"GRUParams.W_u: expected a square (n, n) matrix, got shape {W.shape}")
        for k in ("U_u", "W_yh"):
            if np.ndim(getattr(self, k)) != 2:
                raise ShapeError(f"GRUParams.{k}: expected a 2-D matrix, got shape {np.shape(getattr(self, k))}")
        if self.reset_after and self.b_hn is None:
            raise InputError("GRUParams: reset_after=True needs b_hn (n,)")
        if not self.reset_after and self.b_hn is not None:
            raise InputError("GRUParams: b_hn is only used with reset_after=True")
        n, d, m = self.n, self.d, self.m
        shapes = {**{f"W_{g}": (n, n) for g in "urh"}, **{f"U_{g}": (n, d) for g in "urh"},
                  **{f"b_{g}": (n,) for g in "urh"}, "W_yh": (m, n), "b_y": (m,)}
        if self.reset_after:
            shapes["b_hn"] = (n,)
        self._validate(shapes)

    n = property(lambda self: np.shape(self.W_u)[0], doc="hidden size")
    d = property(lambda self: np.shape(self.U_u)[1], doc="input size")
    m = property(lambda self: np.shape(self.W_yh)[0], doc="output size")

    def names(self) -> tuple:
        """Parameter names in :meth:`flat` order (``b_hn`` last in the reset-after variant)."""
        return GRU_NAMES + (("b_hn",) if self.reset_after else ())


@dataclass(frozen=True)
class LSTMTrajectory:
    """Every gate per time; row ``t`` = time ``t`` (row 0: ``ltm_0``, ``wm_0``, zeros elsewhere)."""

    x: np.ndarray
    a_r: np.ndarray
    a_s: np.ndarray
    a_f: np.ndarray
    a_l: np.ndarray
    rem: np.ndarray
    save: np.ndarray
    focus: np.ndarray
    ltmc: np.ndarray
    ltm: np.ndarray
    wm: np.ndarray
    y: np.ndarray

    T = property(lambda self: self.wm.shape[0] - 1, doc="sequence length")
    state = property(lambda self: np.concatenate([self.ltm, self.wm], axis=1), doc="rows s_t = [ltm_t; wm_t] (2n)")


@dataclass(frozen=True)
class GRUTrajectory:
    """Every gate per time; row ``t`` = time ``t`` (row 0: ``h_0``, zeros elsewhere)."""

    x: np.ndarray
    a_u: np.ndarray
    a_r: np.ndarray
    a_h: np.ndarray
    u: np.ndarray
    r: np.ndarray
    hc: np.ndarray
    h: np.ndarray
    y: np.ndarray

    T = property(lambda self: self.h.shape[0] - 1, doc="sequence length")
    state = property(lambda self: self.h, doc="rows h_t (n)")


def _prepare(params, xs, states: dict):
    """Validate ``xs`` (T, d) and initial states; convert everything to the widest kind."""
    xs = np.asarray(xs)
    if xs.ndim != 2 or xs.shape[1] != params.d or xs.shape[0] < 1:
        raise ShapeError(f"xs: expected shape (T, d) = (T, {params.d}) with T >= 1, got {xs.shape}")
    for k, v in states.items():
        if v is not None and np.shape(v) != (params.n,):
            raise ShapeError(f"{k}: expected shape ({params.n},), got {np.shape(v)}")
    conv, kind, ctx = _common({**params.arrays(), "xs": xs, **states}, params.ctx)
    for k in ("xs", *states):
        if conv[k] is not None:
            _check_finite(conv[k], k, ctx)
    p = params if kind == params.kind else params.converted(kind, ctx)
    return p, conv["xs"], {k: conv[k] for k in states}, kind, ctx


def lstm_forward(params: LSTMParams, xs, *, ltm0=None, wm0=None) -> LSTMTrajectory:
    """Run the LSTM of the module docstring over ``xs`` (T, d); initial states default to zeros."""
    p, xs, s0, kind, ctx = _prepare(params, xs, {"ltm0": ltm0, "wm0": wm0})
    T, n = xs.shape[0], p.n
    Z = lambda cols: _zeros((T + 1, cols), kind, ctx)  # noqa: E731
    x, A, G, ltm, wm = Z(p.d), Z(4 * n), Z(4 * n), Z(n), Z(n)
    x[1:] = xs
    ltm[0] = s0["ltm0"] if s0["ltm0"] is not None else ltm[0]
    wm[0] = s0["wm0"] if s0["wm0"] is not None else wm[0]
    U = np.concatenate([p.U_r, p.U_s, p.U_f, p.U_l])  # gate blocks in the order rem, save, focus, ltm'
    drive = xs @ np.concatenate([p.W_r, p.W_s, p.W_f, p.W_l]).T + np.concatenate([p.b_r, p.b_s, p.b_f, p.b_l])
    for t in range(1, T + 1):
        A[t] = U @ wm[t - 1] + drive[t - 1]
        G[t, :3 * n] = _phi("sigmoid", A[t, :3 * n], ctx=ctx)
        G[t, 3 * n:] = _phi("tanh", A[t, 3 * n:], ctx=ctx)
        ltm[t] = G[t, :n] * ltm[t - 1] + G[t, n:2 * n] * G[t, 3 * n:]
        wm[t] = G[t, 2 * n:3 * n] * _phi("tanh", ltm[t], ctx=ctx)
    y = Z(p.m)
    y[1:] = wm[1:] @ p.W_yh.T + p.b_y
    blocks = lambda M: [M[:, i * n:(i + 1) * n] for i in range(4)]  # noqa: E731
    return LSTMTrajectory(x, *blocks(A), *blocks(G), ltm, wm, y)


def gru_forward(params: GRUParams, xs, *, h0=None) -> GRUTrajectory:
    """Run the GRU of the module docstring over ``xs`` (T, d); ``h0`` defaults to zeros."""
    p, xs, s0, kind, ctx = _prepare(params, xs, {"h0": h0})
    T, n = xs.shape[0], p.n
    Z = lambda cols: _zeros((T + 1, cols), kind, ctx)  # noqa: E731
    x, A, G, h = Z(p.d), Z(3 * n), Z(3 * n), Z(n)
    x[1:] = xs
    h[0] = s0["h0"] if s0["h0"] is not None else h[0]
    W = np.concatenate([p.W_u, p.W_r])
    drive = xs @ np.concatenate([p.U_u, p.U_r, p.U_h]).T + np.concatenate([p.b_u, p.b_r, p.b_h])
    for t in range(1, T + 1):
        A[t, :2 * n] = W @ h[t - 1] + drive[t - 1, :2 * n]
        G[t, :2 * n] = _phi("sigmoid", A[t, :2 * n], ctx=ctx)
        r = G[t, n:2 * n]
        rec = r * (p.W_h @ h[t - 1] + p.b_hn) if p.reset_after else p.W_h @ (r * h[t - 1])
        A[t, 2 * n:] = rec + drive[t - 1, 2 * n:]
        G[t, 2 * n:] = _phi("tanh", A[t, 2 * n:], ctx=ctx)
        u = G[t, :n]
        h[t] = (1 - u) * h[t - 1] + u * G[t, 2 * n:]
    y = Z(p.m)
    y[1:] = h[1:] @ p.W_yh.T + p.b_y
    blocks = lambda M: [M[:, i * n:(i + 1) * n] for i in range(3)]  # noqa: E731
    return GRUTrajectory(x, *blocks(A), *blocks(G), h, y)


def _head(p, traj_y, targets, kind):
    """(loss value, delta_t = dℓ_t/dy_t rows) for the read-out ``y`` of a trajectory."""
    k, ctx = kind_of(traj_y), mp_context(traj_y)
    o = _targets(targets, traj_y.shape[0] - 1, p.m, kind, k, ctx)
    a = traj_y[1:]
    if kind == "squared":
        delta = a - o
        return (delta * delta).sum() / 2, delta
    lse, sm = _softmax_parts(a, k, ctx)
    return (lse - (a * o).sum(axis=1)).sum(), sm - o


def lstm_loss(params: LSTMParams, xs, targets, *, kind: str = "squared", ltm0=None, wm0=None):
    """The loss of :func:`engine.loss` on the LSTM read-out :math:`y_t = W_{yh} wm_t + b_y`."""
    traj = lstm_forward(params, xs, ltm0=ltm0, wm0=wm0)
    return _head(params, traj.y, targets, kind)[0]


def gru_loss(params: GRUParams, xs, targets, *, kind: str = "squared", h0=None):
    """The loss of :func:`engine.loss` on the GRU read-out :math:`y_t = W_{yh} h_t + b_y`."""
    traj = gru_forward(params, xs, h0=h0)
    return _head(params, traj.y, targets, kind)[0]


def lstm_bptt(params: LSTMParams, xs, targets, *, kind: str = "squared", ltm0=None, wm0=None):
    r"""Loss and gradient of the LSTM by backpropagation through time.

    With :math:`g^{wm}_t = dL/dwm_t` and :math:`g^{ltm}_t = dL/dltm_t` (totals):

    .. math::
        g^{ltm}_t = g^{wm}_t\odot\mathrm{focus}_t\odot\tanh'(ltm_t) + g^{ltm}_{t+1}\odot\mathrm{rem}_{t+1},\quad
        \delta a_f = g^{wm}_t\odot\tanh(ltm_t)\odot\sigma'(a_f),\ \delta a_r = g^{ltm}_t\odot ltm_{t-1}\odot\sigma'(a_r),

        \delta a_s = g^{ltm}_t\odot ltm'_t\odot\sigma'(a_s),\ \delta a_l = g^{ltm}_t\odot\mathrm{save}_t\odot\tanh'(a_l),\
        g^{wm}_{t-1} = W_{yh}^\top\delta^y_{t-1} + \textstyle\sum_g U_g^\top\delta a_g

    and :math:`dL/dW_g = \sum_t\delta a_g x_t^\top`, :math:`dL/dU_g = \sum_t\delta a_g wm_{t-1}^\top`,
    :math:`dL/db_g = \sum_t\delta a_g` (Hochreiter & Schmidhuber 1997; Graves 2012, ch. 4).

    Returns ``(loss_value, LSTMParams-shaped gradient)``.
    """
    traj = lstm_forward(params, xs, ltm0=ltm0, wm0=wm0)
    k, ctx = kind_of(traj.wm), mp_context(traj.wm)
    p = params if params.kind == k else params.converted(k, ctx)
    value, delta = _head(p, traj.y, targets, kind)
    n, T = p.n, traj.T
    ds = _phi("sigmoid", np.concatenate([traj.a_r, traj.a_s, traj.a_f], axis=1)[1:], derivative=True, ctx=ctx)
    dl = _phi("tanh", traj.a_l[1:], derivative=True, ctx=ctx)
    tc, dtc = _phi("tanh", traj.ltm[1:], ctx=ctx), _phi("tanh", traj.ltm[1:], derivative=True, ctx=ctx)
    G = delta @ p.W_yh
    U = np.concatenate([p.U_r, p.U_s, p.U_f, p.U_l])
    DA = _zeros((T, 4 * n), k, ctx)
    carry_h, carry_c = _zeros((n,), k, ctx), _zeros((n,), k, ctx)
    for t in range(T, 0, -1):
        i = t - 1
        gh = G[i] + carry_h
        gc = gh * traj.focus[t] * dtc[i] + carry_c
        DA[i] = np.concatenate([gc * traj.ltm[t - 1] * ds[i, :n], gc * traj.ltmc[t] * ds[i, n:2 * n],
                                gh * tc[i] * ds[i, 2 * n:], gc * traj.save[t] * dl[i]])
        carry_h, carry_c = U.T @ DA[i], gc * traj.rem[t]
    gW, gU, gb = DA.T @ traj.x[1:], DA.T @ traj.wm[:-1], DA.sum(axis=0)
    grads = {}
    for j, g in enumerate("rsfl"):
        sl = slice(j * n, (j + 1) * n)
        grads.update({f"W_{g}": gW[sl], f"U_{g}": gU[sl], f"b_{g}": gb[sl]})
    grads.update(W_yh=delta.T @ traj.wm[1:], b_y=delta.sum(axis=0))
    return value, p.with_(**grads)


def gru_bptt(params: GRUParams, xs, targets, *, kind: str = "squared", h0=None):
    r"""Loss and gradient of the GRU by backpropagation through time.

    With :math:`g_t = dL/dh_t` (total), :math:`\delta a_u = g_t\odot(\tilde h_t - h_{t-1})\odot\sigma'(a_u)`,
    :math:`\delta a_h = g_t\odot u_t\odot\tanh'(a_h)`, :math:`c = W_h^\top\delta a_h` (gradient of
    :math:`r\odot h_{t-1}`), :math:`\delta a_r = c\odot h_{t-1}\odot\sigma'(a_r)` and

    .. math:: g_{t-1} = W_{yh}^\top\delta^y_{t-1} + g_t\odot(1-u_t) + c\odot r_t + W_u^\top\delta a_u + W_r^\top\delta a_r

    (reset-after variant: :math:`q = W_h h_{t-1} + b_{hn}`, :math:`\delta q = \delta a_h\odot r_t`,
    :math:`\delta a_r = \delta a_h\odot q\odot\sigma'(a_r)`, :math:`g_{t-1}\mathrel{+}= W_h^\top\delta q`).
    Cho et al. (2014); Chung et al. (2014).  Returns ``(loss_value, GRUParams-shaped gradient)``.
    """
    traj = gru_forward(params, xs, h0=h0)
    k, ctx = kind_of(traj.h), mp_context(traj.h)
    p = params if params.kind == k else params.converted(k, ctx)
    value, delta = _head(p, traj.y, targets, kind)
    n, T, H = p.n, traj.T, traj.h
    ds = _phi("sigmoid", np.concatenate([traj.a_u, traj.a_r], axis=1)[1:], derivative=True, ctx=ctx)
    dh = _phi("tanh", traj.a_h[1:], derivative=True, ctx=ctx)
    G = delta @ p.W_yh
    DA, DQ = _zeros((T, 3 * n), k, ctx), _zeros((T, n), k, ctx)
    carry = _zeros((n,), k, ctx)
    for t in range(T, 0, -1):
        i, u, r = t - 1, traj.u[t], traj.r[t]
        g = G[i] + carry
        da_u, da_h = g * (traj.hc[t] - H[t - 1]) * ds[i, :n], g * u * dh[i]
        if p.reset_after:
            q = p.W_h @ H[t - 1] + p.b_hn
            DQ[i] = da_h * r
            da_r = da_h * q * ds[i, n:]
            back = p.W_h.T @ DQ[i]
        else:
            c = p.W_h.T @ da_h
            da_r = c * H[t - 1] * ds[i, n:]
            back = c * r
        DA[i] = np.concatenate([da_u, da_r, da_h])
        carry = g * (1 - u) + back + p.W_u.T @ da_u + p.W_r.T @ da_r
    X, Hp = traj.x[1:], H[:-1]
    grads = {"W_u": DA[:, :n].T @ Hp, "W_r": DA[:, n:2 * n].T @ Hp,
             "W_h": DQ.T @ Hp if p.reset_after else DA[:, 2 * n:].T @ (traj.r[1:] * Hp),
             "W_yh": delta.T @ H[1:], "b_y": delta.sum(axis=0)}
    for j, g in enumerate("urh"):
        grads[f"U_{g}"], grads[f"b_{g}"] = DA[:, j * n:(j + 1) * n].T @ X, DA[:, j * n:(j + 1) * n].sum(axis=0)
    if p.reset_after:
        grads["b_hn"] = DQ.sum(axis=0)
    return value, p.with_(**grads)


def _env(params, traj, fields):
    out = {k: (v.reshape(-1, 1) if v.ndim == 1 else v) for k, v in params.arrays().items()}
    out.update({f: getattr(traj, f) for f in fields})
    return out


def lstm_env(params: LSTMParams, traj: LSTMTrajectory) -> dict:
    """Evaluator values (contract names): parameters (biases as ``(n, 1)``) and the 2-D time-indexed
    ``x, rem, save, focus, ltmc, ltm, wm, a_r, a_s, a_f, a_l, y`` (row ``t`` = time ``t``)."""
    return _env(params, traj, ("x", "rem", "save", "focus", "ltmc", "ltm", "wm", "a_r", "a_s", "a_f", "a_l", "y"))


def gru_env(params: GRUParams, traj: GRUTrajectory) -> dict:
    """Evaluator values (contract names): parameters (biases as ``(n, 1)``) and the 2-D time-indexed
    ``x, u, r, hc, h, a_u, a_r, a_h, y`` (row ``t`` = time ``t``)."""
    return _env(params, traj, ("x", "u", "r", "hc", "h", "a_u", "a_r", "a_h", "y"))
