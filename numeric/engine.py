r"""The Elman RNN engine: parameters, forward pass with its trajectory, losses and BPTT.

Conventions (IDENTITIES.md): column vectors, numerator-layout Jacobians,

.. math::
    z_t = W_{hh} h_{t-1} + W_{xh} x_t + b_h,\quad h_t = \varphi(z_t),\quad
    y_t = W_{yh} h_t + b_y,\quad L = \sum_{t=1}^{T} \ell_t(y_t, o_t).

Arrays are stored with time as the row index (row ``t`` = value at time ``t``, row 0 unused
except ``h[0] = h_0``).  Every function is generic over three number kinds, chosen from the
arrays it is given: ``float64``, ``complex128`` (for the complex step) and ``mpmath``
(object arrays of ``mpf``/``mpc`` from a private :class:`mpmath.MPContext`; see
:func:`to_mpmath`).  The activation and its derivative are never written by hand: they are
the SymPy lambdas of :mod:`rnnproof.derivations.functions`, lambdified.

Reference: Elman, "Finding structure in time", Cognitive Science 14 (1990); BPTT as in
Werbos (1990) and Pascanu, Mikolov & Bengio, ICML 2013, sec. 2.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from rnnproof.derivations.errors import InputError, ShapeError
from rnnproof.derivations.evaluate import scalar_function
from rnnproof.derivations.functions import activation, activation_derivative, unfold

__all__ = ["ElmanParams", "Trajectory", "forward", "loss", "bptt", "env", "to_mpmath", "kind_of",
           "mp_context", "LOSS_KINDS", "PARAM_NAMES"]

PARAM_NAMES = ("W_hh", "W_xh", "b_h", "W_yh", "b_y")
LOSS_KINDS = ("squared", "cross_entropy")
_KINDS = ("float", "complex", "mpmath")


def kind_of(a) -> str:
    """Number kind of an array: ``"float"``, ``"complex"`` or ``"mpmath"`` (object arrays)."""
    a = np.asarray(a)
    if a.dtype == object:
        return "mpmath"
    return "complex" if np.iscomplexobj(a) else "float"


def mp_context(*arrays) -> mpmath.MPContext | None:
    """The private mpmath context of the first mpmath number found in ``arrays`` (or ``None``)."""
    for a in arrays:
        a = np.asarray(a)
        if a.dtype == object and a.size:
            ctx = getattr(a.flat[0], "context", None)
            if ctx is not None:
                return ctx
    return None


def _convert(a, kind, ctx, name):
    a = np.asarray(a)
    if kind == "mpmath":
        if a.dtype != object or mp_context(a) is not ctx:
            conv = (lambda v: ctx.mpc(v) if isinstance(v, complex) or np.iscomplexobj(v) else ctx.mpf(v))
            flat = [conv(v.item() if hasattr(v, "item") else v) for v in a.ravel()]
            out = np.empty(a.shape, dtype=object)
            for i, v in enumerate(flat):
                out.flat[i] = v
            return out
        return a
    if a.dtype == object:
        raise InputError(f"{name}: cannot convert an mpmath array to {kind}; convert the other arrays with to_mpmath")
    if a.dtype.kind not in "biufc":
        raise InputError(f"{name}: expected a numeric array, got dtype {a.dtype}")
    return a.astype(np.complex128 if kind == "complex" else np.float64)


def _check_finite(a, name, ctx):
    if a.dtype == object:
        bad = [i for i, v in enumerate(a.ravel()) if not ctx.isfinite(v)]
        if bad:
            raise InputError(f"{name} contains NaN or Inf (first at flat index {bad[0]}); refusing to run")
    elif not np.all(np.isfinite(a)):
        idx = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0])
        raise InputError(f"{name} contains NaN or Inf (first at index {idx}); refusing to run")


def _common(arrays: dict, ctx=None):
    """Convert every array to the widest kind present; return (converted dict, kind, ctx)."""
    kinds = [kind_of(v) for v in arrays.values() if v is not None]
    kind = max(kinds, key=_KINDS.index) if kinds else "float"
    if kind == "mpmath":
        ctx = ctx or mp_context(*[v for v in arrays.values() if v is not None])
    out = {k: None if v is None else _convert(v, kind, ctx, k) for k, v in arrays.items()}
    return out, kind, ctx


@dataclass(frozen=True)
class ElmanParams:
    r"""Weights of an Elman network with a linear read-out.

    Shapes: ``W_hh (n, n)``, ``W_xh (n, d)``, ``b_h (n,)``, ``W_yh (m, n)``, ``b_y (m,)``.
    Arrays are converted to one common kind (float64, complex128 or mpmath); shapes and
    finiteness are validated on construction.

    Raises
    ------
    ShapeError
        Inconsistent shapes; the message names the array and both shapes.
    InputError
        NaN or Inf in an array (named), or an unknown activation.

    Examples
    --------
    >>> p = ElmanParams(np.zeros((2, 2)), np.zeros((2, 1)), np.zeros(2), np.zeros((1, 2)), np.zeros(1), "tanh")
    >>> (p.n, p.d, p.m, p.flat().shape)
    (2, 1, 1, (9,))
    """

    W_hh: np.ndarray
    W_xh: np.ndarray
    b_h: np.ndarray
    W_yh: np.ndarray
    b_y: np.ndarray
    activation: str = "tanh"

    def __post_init__(self):
        if self.activation not in ("tanh", "sigmoid"):
            raise InputError(f"activation must be 'tanh' or 'sigmoid', got {self.activation!r}")
        arrays, _, ctx = _common({k: getattr(self, k) for k in PARAM_NAMES})
        for k, v in arrays.items():
            object.__setattr__(self, k, v)
        n = self.W_hh.shape[0] if self.W_hh.ndim == 2 else None
        if self.W_hh.ndim != 2 or self.W_hh.shape[0] != self.W_hh.shape[1]:
            raise ShapeError(f"W_hh: expected a square (n, n) matrix, got shape {self.W_hh.shape}")
        d = self.W_xh.shape[1] if self.W_xh.ndim == 2 else -1
        m = self.W_yh.shape[0] if self.W_yh.ndim == 2 else -1
        want = {"W_xh": (n, d), "b_h": (n,), "W_yh": (m, n), "b_y": (m,)}
        for k, shape in want.items():
            got = getattr(self, k).shape
            if got != shape:
                raise ShapeError(f"{k}: expected shape {shape} (n={n}, d={d}, m={m} from W_hh and W_xh/W_yh), got {got}")
        for k in PARAM_NAMES:
            _check_finite(getattr(self, k), k, ctx)

    n = property(lambda self: self.W_hh.shape[0], doc="hidden size")
    d = property(lambda self: self.W_xh.shape[1], doc="input size")
    m = property(lambda self: self.W_yh.shape[0], doc="output size")
    kind = property(lambda self: kind_of(self.W_hh), doc="number kind: float, complex or mpmath")
    ctx = property(lambda self: mp_context(self.W_hh), doc="private mpmath context (mpmath kind only)")

    @property
    def size(self) -> int:
        """Number of parameters P = n² + nd + n + mn + m."""
        return sum(getattr(self, k).size for k in PARAM_NAMES)

    @staticmethod
    def names() -> tuple:
        """The parameter names, in the order of :meth:`flat`."""
        return PARAM_NAMES

    def arrays(self) -> dict:
        """``name -> array`` for the five parameters."""
        return {k: getattr(self, k) for k in PARAM_NAMES}

    def flat(self) -> np.ndarray:
        """All parameters as one 1-D vector, row-major, in the order W_hh, W_xh, b_h, W_yh, b_y."""
        return np.concatenate([getattr(self, k).ravel() for k in PARAM_NAMES])

    @classmethod
    def from_flat(cls, vec, like: "ElmanParams") -> "ElmanParams":
        """Inverse of :meth:`flat`, with the shapes and activation of ``like``."""
        vec = np.asarray(vec)
        if vec.ndim != 1 or vec.size != like.size:
            raise ShapeError(f"from_flat: expected a vector of shape ({like.size},), got {vec.shape}")
        out, i = {}, 0
        for k in PARAM_NAMES:
            shape = getattr(like, k).shape
            size = int(np.prod(shape))
            out[k] = vec[i:i + size].reshape(shape)
            i += size
        return cls(**out, activation=like.activation)

    def slices(self) -> dict:
        """``name -> slice`` of each parameter inside :meth:`flat`."""
        out, i = {}, 0
        for k in PARAM_NAMES:
            size = getattr(self, k).size
            out[k] = slice(i, i + size)
            i += size
        return out

    def with_(self, **arrays) -> "ElmanParams":
        """A copy with some arrays (or the activation) replaced; validated again."""
        unknown = set(arrays) - set(PARAM_NAMES) - {"activation"}
        if unknown:
            raise InputError(f"with_: unknown parameter(s) {sorted(unknown)}; known: {PARAM_NAMES}")
        return dataclasses.replace(self, **arrays)


@dataclass(frozen=True)
class Trajectory:
    """The forward trajectory; row ``t`` is time ``t`` (``x[0] = z[0] = y[0] = 0``, ``h[0] = h_0``)."""

    x: np.ndarray
    z: np.ndarray
    h: np.ndarray
    y: np.ndarray

    @property
    def T(self) -> int:
        """Sequence length."""
        return self.h.shape[0] - 1


def to_mpmath(obj, *, dps: int = 40, ctx: mpmath.MPContext | None = None):
    """Convert an :class:`ElmanParams` or array to mpmath numbers in a private context.

    Returns the converted object; its context is ``result.ctx`` (params) or
    :func:`mp_context` (arrays).  The global mpmath precision is never touched.
    """
    if ctx is None:
        ctx = mpmath.MPContext()
        ctx.dps = dps
    if isinstance(obj, ElmanParams):
        return obj.with_(**{k: _convert(v, "mpmath", ctx, k) for k, v in obj.arrays().items()})
    return _convert(obj, "mpmath", ctx, "array")


# -- the activation and its derivative, from the derivations -----------------------------
@functools.lru_cache(maxsize=None)
def _lambdas(name: str, derivative: bool):
    lam = activation_derivative(name) if derivative else activation(name)
    return lam


def _mp_function(lam, ctx):
    ns = {"cosh": ctx.cosh, "sinh": ctx.sinh, "exp": ctx.exp, "tanh": ctx.tanh, "log": ctx.log, "mpf": ctx.mpf}
    f = sp.lambdify(lam.variables, unfold(lam.expr), modules=[ns])  # only the private context's functions
    return np.frompyfunc(f, 1, 1)


_MP_CACHE: dict = {}


def _phi(name: str, z, *, derivative: bool = False, ctx=None):
    """φ(z) or φ'(z), elementwise, from the SymPy definitions (lambdified)."""
    lam = _lambdas(name, derivative)
    if z.dtype == object:
        key = (name, derivative, id(ctx))
        if key not in _MP_CACHE or _MP_CACHE[key][0] is not ctx:
            _MP_CACHE[key] = (ctx, _mp_function(lam, ctx))
        return _MP_CACHE[key][1](z)
    f = scalar_function(lam.expr, tuple(lam.variables), "numpy")
    with np.errstate(over="ignore"):  # cosh/exp overflow at saturation gives the right limit 0 or 1
        return np.asarray(f(z), dtype=z.dtype)


def _inputs(params, xs, h0, targets=None, *, loss_kind=None):
    """Validate sequence arrays and convert everything to one kind."""
    xs_arr = np.asarray(xs)
    if xs_arr.ndim != 2 or xs_arr.shape[1] != params.d or xs_arr.shape[0] < 1:
        raise ShapeError(f"xs: expected shape (T, d) = (T, {params.d}) with T >= 1, got {xs_arr.shape}")
    if h0 is not None and np.shape(h0) != (params.n,):
        raise ShapeError(f"h0: expected shape ({params.n},), got {np.shape(h0)}")
    arrays = {**params.arrays(), "xs": xs_arr, "h0": h0}
    conv, kind, ctx = _common(arrays, params.ctx)
    for k in ("xs", "h0"):
        if conv[k] is not None:
            _check_finite(conv[k], k, ctx)
    p = params if all(conv[k] is getattr(params, k) for k in PARAM_NAMES) else params.with_(
        **{k: conv[k] for k in PARAM_NAMES})
    return p, conv["xs"], conv["h0"], kind, ctx


def _zeros(shape, kind, ctx):
    if kind == "mpmath":
        out = np.empty(shape, dtype=object)
        out.fill(ctx.mpf(0))
        return out
    return np.zeros(shape, dtype=np.complex128 if kind == "complex" else np.float64)


def forward(params: ElmanParams, xs, *, h0=None) -> Trajectory:
    r"""Run the Elman recursion and keep the trajectory.

    .. math:: z_t = W_{hh} h_{t-1} + W_{xh} x_t + b_h,\ h_t = \varphi(z_t),\ y_t = W_{yh} h_t + b_y

    Parameters
    ----------
    params : ElmanParams
    xs : array (T, d)
        Inputs ``x_1..x_T`` (row ``t-1`` is ``x_t``).
    h0 : array (n,), optional
        Initial state (zeros by default).

    Returns
    -------
    Trajectory
        Arrays with ``T + 1`` rows, of the widest kind among ``params``, ``xs`` and ``h0``.
    """
    p, xs, h0, kind, ctx = _inputs(params, xs, h0)
    T, n = xs.shape[0], p.n
    x = _zeros((T + 1, p.d), kind, ctx)
    x[1:] = xs
    z, h, y = _zeros((T + 1, n), kind, ctx), _zeros((T + 1, n), kind, ctx), _zeros((T + 1, p.m), kind, ctx)
    if h0 is not None:
        h[0] = h0
    drive = xs @ p.W_xh.T + p.b_h  # W_xh x_t + b_h for all t at once
    for t in range(1, T + 1):
        z[t] = p.W_hh @ h[t - 1] + drive[t - 1]
        h[t] = _phi(p.activation, z[t], ctx=ctx)
    y[1:] = h[1:] @ p.W_yh.T + p.b_y
    return Trajectory(x=x, z=z, h=h, y=y)


def _targets(targets, T, m, loss_kind, kind, ctx):
    if loss_kind not in LOSS_KINDS:
        raise InputError(f"loss kind must be one of {LOSS_KINDS}, got {loss_kind!r}")
    o = np.asarray(targets)
    if loss_kind == "cross_entropy" and o.ndim == 1:
        if o.shape != (T,) or o.dtype.kind not in "iu" or o.min() < 0 or o.max() >= m:
            raise ShapeError(f"targets: expected T={T} integer classes in [0, {m}), got shape {o.shape} dtype {o.dtype}")
        o = np.eye(m)[o]
    if o.shape != (T, m):
        raise ShapeError(f"targets: expected shape (T, m) = ({T}, {m}), got {o.shape}")
    o = _convert(o, kind, ctx, "targets")
    _check_finite(o, "targets", ctx)
    return o


def _exp_log(kind, ctx):
    if kind == "mpmath":
        return np.frompyfunc(ctx.exp, 1, 1), np.frompyfunc(ctx.log, 1, 1)
    return np.exp, np.log


def _softmax_parts(a, kind, ctx):
    """(log-sum-exp per row, softmax) with the max of the real part subtracted for stability."""
    exp, log = _exp_log(kind, ctx)
    shift = np.array([max(row, key=lambda v: v.real) for row in a]) if kind == "mpmath" else a.real.max(axis=1)
    e = exp(a - shift[:, None])
    s = e.sum(axis=1)
    return shift + log(s), e / s[:, None]


def loss(params: ElmanParams, xs, targets, *, kind: str = "squared", h0=None):
    r"""The loss of a sequence.

    .. math::
        L = \sum_t \tfrac12 \lVert W_{yh}h_t + b_y - o_t\rVert^2 \ \text{(squared)},\qquad
        L = \sum_t \Big(\log\sum_j e^{a_{t,j}} - a_{t,c_t}\Big),\ a_t = W_{yh}h_t + b_y
        \ \text{(cross_entropy)}

    ``targets`` is ``(T, m)`` (squared; one-hot for cross-entropy) or ``(T,)`` integer classes
    (cross-entropy).  Returns a scalar of the arrays' kind.
    """
    traj = forward(params, xs, h0=h0)
    k = kind_of(traj.h)
    ctx = mp_context(traj.h)
    o = _targets(targets, traj.T, params.m, kind, k, ctx)
    a = traj.y[1:]
    if kind == "squared":
        r = a - o
        return (r * r).sum() / 2
    lse, _ = _softmax_parts(a, k, ctx)
    return (lse - (a * o).sum(axis=1)).sum()


def bptt(params: ElmanParams, xs, targets, *, kind: str = "squared", h0=None):
    r"""Loss and its gradient by backpropagation through time (vectorised over time).

    .. math::
        g_T = W_{yh}^\top\delta^y_T,\quad g_t = W_{yh}^\top\delta^y_t + W_{hh}^\top r_{t+1},\quad
        r_t = \varphi'(z_t)\odot g_t,

        \partial L/\partial W_{hh} = \textstyle\sum_t r_t h_{t-1}^\top,\ \partial L/\partial W_{xh}
        = \sum_t r_t x_t^\top,\ \partial L/\partial b_h = \sum_t r_t,\
        \partial L/\partial W_{yh} = \sum_t \delta^y_t h_t^\top,\ \partial L/\partial b_y = \sum_t \delta^y_t

    with :math:`\delta^y_t = y_t - o_t` (squared) or :math:`\mathrm{softmax}(a_t) - o_t`
    (cross-entropy).  :math:`\varphi'` is the lambdified
    :func:`~rnnproof.derivations.functions.activation_derivative`.  (IDENTITIES.md
    ``loss_gradients``; Pascanu et al. 2013, eqs. 3-5.)

    Returns
    -------
    (loss_value, ElmanParams)
        The gradient has the parameters' shapes (and activation).
    """
    traj = forward(params, xs, h0=h0)
    k, ctx = kind_of(traj.h), mp_context(traj.h)
    p = params if params.kind == k else params.with_(**{n: _convert(v, k, ctx, n) for n, v in params.arrays().items()})
    o = _targets(targets, traj.T, p.m, kind, k, ctx)
    a = traj.y[1:]
    if kind == "squared":
        delta = a - o
        value = (delta * delta).sum() / 2
    else:
        lse, sm = _softmax_parts(a, k, ctx)
        delta = sm - o
        value = (lse - (a * o).sum(axis=1)).sum()
    dphi = _phi(p.activation, traj.z[1:], derivative=True, ctx=ctx)
    G = delta @ p.W_yh  # row t-1 is (W_yh^T delta_t)^T
    R = _zeros(G.shape, k, ctx)
    carry = _zeros((p.n,), k, ctx)
    WT = p.W_hh.T
    for t in range(traj.T - 1, -1, -1):
        R[t] = dphi[t] * (G[t] + carry)
        carry = WT @ R[t]
    grads = {"W_hh": R.T @ traj.h[:-1], "W_xh": R.T @ traj.x[1:], "b_h": R.sum(axis=0),
             "W_yh": delta.T @ traj.h[1:], "b_y": delta.sum(axis=0)}
    return value, p.with_(**grads)


def env(params: ElmanParams, traj: Trajectory, targets=None) -> dict:
    """Values for :func:`rnnproof.derivations.evaluate.evaluate`.

    Keys ``W_hh, W_xh, b_h (n, 1), W_yh, b_y (m, 1)`` and the time-indexed ``h, z, x, y, o``
    as 2-D arrays whose row ``t`` is the value at time ``t`` (``o`` is present when
    ``targets`` (T, m) is given; its row 0 is zero).
    """
    out = {"W_hh": params.W_hh, "W_xh": params.W_xh, "b_h": params.b_h.reshape(-1, 1),
           "W_yh": params.W_yh, "b_y": params.b_y.reshape(-1, 1),
           "h": traj.h, "z": traj.z, "x": traj.x, "y": traj.y}
    if targets is not None:
        o = np.asarray(targets)
        if o.ndim == 1 and o.dtype.kind in "iu":
            o = np.eye(params.m)[o]
        if o.shape != (traj.T, params.m):
            raise ShapeError(f"targets: expected shape (T, m) = ({traj.T}, {params.m}), got {o.shape}")
        full = np.zeros((traj.T + 1, params.m), dtype=o.dtype if o.dtype == object else np.result_type(o, float))
        full[1:] = o
        out["o"] = full
    return out
