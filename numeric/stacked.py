r"""Stacked (two-layer) and bidirectional tanh RNNs: forward maps, losses, BPTT, evaluator environments.

Stacked (Graves et al. 2013; Pascanu et al. 2014), the notation of ``stacked_rnn_jacobian``:

.. math::
   h_t = \tanh(W_{hh}h_{t-1} + W_{xh}x_t + b_h),\quad h^2_t = \tanh(W_2h^2_{t-1} + U_2h_t + b_2),\quad
   y_t = W_{yh}h^2_t + b_y.

Bidirectional (Schuster & Paliwal 1997), the notation of ``bidirectional_gradient``:

.. math::
   h_t = \tanh(W_{hh}h_{t-1} + W_{xh}x_t + b_h),\quad
   \overleftarrow h_t = \tanh(W_b\overleftarrow h_{t+1} + U_bx_t + b_b),\ \overleftarrow h_{T+1} = 0,\quad
   y_t = V_fh_t + V_b\overleftarrow h_t + c.

Losses as :mod:`.engine`: squared :math:`\tfrac12\sum_t\lVert y_t - o_t\rVert^2` or softmax cross-entropy
(``targets`` as class indices).  Every function works on float64 and complex128 (complex step); arrays
have time as the row index (row 0 = the initial state, zeros elsewhere; ``hb`` has rows 0..T+1).
The BPTT gradients are validated against the complex step in ``tests/numeric/test_stacked.py``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from rnnproof.derivations.errors import InputError, ShapeError

__all__ = ["StackedParams", "BidirParams", "stacked_forward", "bidir_forward", "loss_and_delta", "stacked_bptt",
           "bidir_bptt", "env", "forward_of", "bptt_of", "loss_of"]

STACKED_NAMES = ("W_hh", "W_xh", "b_h", "W_2", "U_2", "b_2", "W_yh", "b_y")
BIDIR_NAMES = ("W_hh", "W_xh", "b_h", "W_b", "U_b", "b_b", "V_f", "V_b", "c")


class _Params:
    def __post_init__(self):
        n, d, m = self.n, self.d, self.m
        for k, want in self._shapes(n, d, m).items():
            a = np.asarray(getattr(self, k))
            object.__setattr__(self, k, a)
            if a.shape != want:
                raise ShapeError(f"{type(self).__name__}.{k}: expected shape {want} (n={n}, d={d}, m={m}), got {a.shape}")

    n = property(lambda self: np.shape(self.W_hh)[0])
    d = property(lambda self: np.shape(self.W_xh)[1])
    activation = property(lambda self: "tanh", doc="both architectures are tanh RNNs")

    def arrays(self) -> dict:
        return {k: getattr(self, k) for k in self.names()}

    def flat(self) -> np.ndarray:
        return np.concatenate([np.ravel(getattr(self, k)) for k in self.names()])

    def from_flat(self, vec):
        vec, out, i = np.asarray(vec), {}, 0
        for k in self.names():
            size = np.size(getattr(self, k))
            out[k] = vec[i:i + size].reshape(np.shape(getattr(self, k)))
            i += size
        if i != vec.size:
            raise ShapeError(f"{type(self).__name__}.from_flat: expected {i} values, got {vec.size}")
        return dataclasses.replace(self, **out)


@dataclass(frozen=True)
class StackedParams(_Params):
    """Two-layer stacked RNN weights (both layers of size ``n``)."""

    W_hh: np.ndarray
    W_xh: np.ndarray
    b_h: np.ndarray
    W_2: np.ndarray
    U_2: np.ndarray
    b_2: np.ndarray
    W_yh: np.ndarray
    b_y: np.ndarray

    m = property(lambda self: np.shape(self.W_yh)[0])

    @staticmethod
    def names():
        return STACKED_NAMES

    @staticmethod
    def _shapes(n, d, m):
        return {"W_hh": (n, n), "W_xh": (n, d), "b_h": (n,), "W_2": (n, n), "U_2": (n, n), "b_2": (n,),
                "W_yh": (m, n), "b_y": (m,)}


@dataclass(frozen=True)
class BidirParams(_Params):
    """Bidirectional RNN weights: forward chain, backward chain, read-out on both."""

    W_hh: np.ndarray
    W_xh: np.ndarray
    b_h: np.ndarray
    W_b: np.ndarray
    U_b: np.ndarray
    b_b: np.ndarray
    V_f: np.ndarray
    V_b: np.ndarray
    c: np.ndarray

    m = property(lambda self: np.shape(self.V_f)[0])

    @staticmethod
    def names():
        return BIDIR_NAMES

    @staticmethod
    def _shapes(n, d, m):
        return {"W_hh": (n, n), "W_xh": (n, d), "b_h": (n,), "W_b": (n, n), "U_b": (n, d), "b_b": (n,),
                "V_f": (m, n), "V_b": (m, n), "c": (m,)}


def _xs(p, xs):
    xs = np.asarray(xs)
    if xs.ndim != 2 or xs.shape[1] != p.d or xs.shape[0] < 1:
        raise ShapeError(f"xs: expected shape (T, d) = (T, {p.d}) with T >= 1, got {xs.shape}")
    return xs


def _dtype(*arrays):
    return np.result_type(float, *[np.asarray(a) for a in arrays if a is not None])


def stacked_forward(p: StackedParams, xs, *, h0=None, h1_at=None) -> dict:
    r"""Both layers' states and pre-activations and the outputs; ``h0`` = ``[h_0; h2_0]`` (2n), zeros by default.

    ``h1_at = {time: vector}`` replaces layer 1's state at that time once computed (layer 2 and later
    times read the replacement): the actual map :math:`h_k \mapsto h^2_t` for finite differences.
    """
    h1_at = h1_at or {}
    xs = _xs(p, xs)
    T, n = xs.shape[0], p.n
    dt = _dtype(xs, h0, *p.arrays().values(), *h1_at.values())
    Z = lambda cols: np.zeros((T + 1, cols), dtype=dt)  # noqa: E731
    x, h, z, h2, z2 = Z(p.d), Z(n), Z(n), Z(n), Z(n)
    x[1:] = xs
    if h0 is not None:
        h[0], h2[0] = h0[:n], h0[n:]
    for t in range(1, T + 1):
        z[t] = p.W_hh @ h[t - 1] + p.W_xh @ x[t] + p.b_h
        h[t] = h1_at[t] if t in h1_at else np.tanh(z[t])
        z2[t] = p.W_2 @ h2[t - 1] + p.U_2 @ h[t] + p.b_2
        h2[t] = np.tanh(z2[t])
    y = Z(p.m)
    y[1:] = h2[1:] @ p.W_yh.T + p.b_y
    return {"x": x, "h": h, "z": z, "h2": h2, "z2": z2, "y": y, "T": T}


def bidir_forward(p: BidirParams, xs, *, xs_f=None, xs_b=None, hb_at=None) -> dict:
    """Both chains and the outputs; ``xs_f``/``xs_b`` (optional) are the inputs each chain reads instead of ``xs``;
    ``hb_at = {time: vector}`` replaces the backward state at that time once computed (earlier times read it)."""
    hb_at = hb_at or {}
    xs = _xs(p, xs)
    xf = xs if xs_f is None else np.asarray(xs_f)
    xb = xs if xs_b is None else np.asarray(xs_b)
    T, n = xs.shape[0], p.n
    dt = _dtype(xf, xb, *p.arrays().values(), *hb_at.values())
    Z = lambda rows, cols: np.zeros((rows, cols), dtype=dt)  # noqa: E731
    x, h, z, hb, zb = Z(T + 1, p.d), Z(T + 1, n), Z(T + 1, n), Z(T + 2, n), Z(T + 2, n)
    x[1:] = xs
    for t in range(1, T + 1):
        z[t] = p.W_hh @ h[t - 1] + p.W_xh @ xf[t - 1] + p.b_h
        h[t] = np.tanh(z[t])
    for t in range(T, 0, -1):
        zb[t] = p.W_b @ hb[t + 1] + p.U_b @ xb[t - 1] + p.b_b
        hb[t] = hb_at[t] if t in hb_at else np.tanh(zb[t])
    y = Z(T + 1, p.m)
    y[1:] = h[1:] @ p.V_f.T + hb[1:T + 1] @ p.V_b.T + p.c
    return {"x": x, "h": h, "z": z, "hb": hb, "zb": zb, "y": y, "T": T}


def loss_and_delta(y, targets, kind: str):
    """``(L, delta)``: the loss of the outputs ``y`` (rows 1..T) and :math:`\\delta_t = \\partial\\ell_t/\\partial y_t` (rows 1..T)."""
    a = y[1:]
    T, m = a.shape
    o = np.asarray(targets)
    if kind == "cross_entropy" and o.ndim == 1:
        o = np.eye(m)[o]
    if o.shape != (T, m):
        raise ShapeError(f"targets: expected shape (T, m) = ({T}, {m}), got {o.shape}")
    if kind == "squared":
        return (a - o) ** 2 @ np.ones(m) @ np.ones(T) / 2, a - o
    if kind != "cross_entropy":
        raise InputError(f"loss kind must be 'squared' or 'cross_entropy', got {kind!r}")
    shift = a.real.max(axis=1, keepdims=True)  # complex-safe log-sum-exp: shift by the real part only
    e = np.exp(a - shift)
    lse = np.log(e.sum(axis=1)) + shift[:, 0]
    return (lse - (a * o).sum(axis=1)).sum(), e / e.sum(axis=1, keepdims=True) - o


def stacked_bptt(p: StackedParams, xs, targets, *, kind="squared", h0=None):
    """``(L, gradient as StackedParams)`` by backpropagation through both layers and time."""
    f = stacked_forward(p, xs, h0=h0)
    L, delta = loss_and_delta(f["y"], targets, kind)
    h, h2, x, T = f["h"], f["h2"], f["x"], f["T"]
    g = {k: np.zeros_like(v, dtype=np.result_type(v, delta)) for k, v in p.arrays().items()}
    G2 = delta @ p.W_yh
    c1, c2 = np.zeros(p.n, dtype=G2.dtype), np.zeros(p.n, dtype=G2.dtype)
    for t in range(T, 0, -1):
        da2 = (G2[t - 1] + c2) * (1 - h2[t] ** 2)
        da1 = (p.U_2.T @ da2 + c1) * (1 - h[t] ** 2)
        c2, c1 = p.W_2.T @ da2, p.W_hh.T @ da1
        g["W_2"] += np.outer(da2, h2[t - 1]); g["U_2"] += np.outer(da2, h[t]); g["b_2"] += da2  # noqa: E702
        g["W_hh"] += np.outer(da1, h[t - 1]); g["W_xh"] += np.outer(da1, x[t]); g["b_h"] += da1  # noqa: E702
    g["W_yh"], g["b_y"] = delta.T @ h2[1:], delta.sum(axis=0)
    return L, dataclasses.replace(p, **g)


def bidir_bptt(p: BidirParams, xs, targets, *, kind="squared", h0=None):
    """``(L, gradient as BidirParams)``: BPTT along each chain in its own direction (``h0`` unused, zeros)."""
    f = bidir_forward(p, xs)
    L, delta = loss_and_delta(f["y"], targets, kind)
    h, hb, x, T = f["h"], f["hb"], f["x"], f["T"]
    g = {k: np.zeros_like(v, dtype=np.result_type(v, delta)) for k, v in p.arrays().items()}
    Gf, Gb = delta @ p.V_f, delta @ p.V_b
    carry = np.zeros(p.n, dtype=Gf.dtype)
    for t in range(T, 0, -1):
        da = (Gf[t - 1] + carry) * (1 - h[t] ** 2)
        carry = p.W_hh.T @ da
        g["W_hh"] += np.outer(da, h[t - 1]); g["W_xh"] += np.outer(da, x[t]); g["b_h"] += da  # noqa: E702
    carry = np.zeros(p.n, dtype=Gb.dtype)
    for t in range(1, T + 1):
        da = (Gb[t - 1] + carry) * (1 - hb[t] ** 2)
        carry = p.W_b.T @ da
        g["W_b"] += np.outer(da, hb[t + 1]); g["U_b"] += np.outer(da, x[t]); g["b_b"] += da  # noqa: E702
    g["V_f"], g["V_b"], g["c"] = delta.T @ h[1:], delta.T @ hb[1:T + 1], delta.sum(axis=0)
    return L, dataclasses.replace(p, **g)


def forward_of(p, xs, h0=None) -> dict:
    """The forward trajectory of either architecture."""
    return stacked_forward(p, xs, h0=h0) if isinstance(p, StackedParams) else bidir_forward(p, xs)


def bptt_of(p, xs, targets, h0, kind):
    """``(L, gradient)`` of either architecture."""
    return (stacked_bptt if isinstance(p, StackedParams) else bidir_bptt)(p, xs, targets, kind=kind, h0=h0)


def loss_of(p, xs, targets, kind, **over) -> complex:
    """The loss of either architecture (``over`` = ``xs_f``/``xs_b`` for the bidirectional one)."""
    f = stacked_forward(p, xs) if isinstance(p, StackedParams) else bidir_forward(p, xs, **over)
    return loss_and_delta(f["y"], targets, kind)[0]


def env(p, traj: dict, targets, kind: str) -> dict:
    """Evaluator values (contract names of the two identities): parameters (biases ``(n, 1)``) and the
    time-indexed rows ``x, h, z, h2, z2`` or ``x, h, z, hb, zb``, and ``delta`` (row 0 zeros)."""
    out = {k: (np.reshape(v, (-1, 1)) if np.ndim(v) == 1 else v) for k, v in p.arrays().items()}
    out.update({k: v for k, v in traj.items() if k != "T" and k != "y"})
    _, delta = loss_and_delta(traj["y"], targets, kind)
    out["delta"] = np.vstack([np.zeros((1, delta.shape[1])), delta])
    return out
