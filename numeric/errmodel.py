r"""The calibrated error model of a float64 Elman loss gradient, and high-precision references.

A float64 BPTT gradient differs from the exact gradient of the float64 parameters by

* **backward rounding** -- the rounding made computing :math:`r_t = \varphi'(z_t)\odot g_t`,
  :math:`g_t = W_{yh}^\top\delta_t + W_{hh}^\top r_{t+1}`, *including* an absolute error
  :math:`|\Delta\varphi'_t| \le 3\varepsilon` when :math:`\varphi'` is computed from the output
  (:math:`1-h_t^2`, :math:`h_t(1-h_t)`), carried back by the *true, signed* Jacobians
  :math:`A_t = \mathrm{diag}(\varphi'_t)W_{hh}^\top` (a covariance recursion:
  :func:`rnnproof.numeric.gradcheck.elman_rounding`); no absolute values are propagated, so the
  bound follows :math:`\lVert A_t\cdots A_s\rVert` and not :math:`\rho(|W_{hh}|)^{T}`;
* **forward rounding** -- the trajectory :math:`h_t` itself is off by rounding, amplified by the
  forward Jacobians; this is *measured on the problem*: the gradient is recomputed on
  :data:`SAMPLES` trajectories perturbed at every step by random errors of the size float64
  rounding can make there, and the largest change per parameter block, times
  :data:`~rnnproof.numeric.gradcheck.LAMBDA`, is the forward term.  In a chaotic or exploding
  run it grows with the run and the check says it cannot decide.

:func:`gradient_bound` is the sum (per entry, :meth:`ElmanParams.flat` order): a bound of
*one* float64 computation's error, calibrated in ``bench/bench_calibration.py`` against
:func:`reference_gradient` (40-digit mpmath in a private context, or 64-bit-mantissa long
double for large ``n T``, validated against mpmath).

References: Higham, *Accuracy and Stability of Numerical Algorithms* (2002), ch. 3;
Higham & Mary, SIAM J. Sci. Comput. 41 (2019) (probabilistic rounding);
Wilkinson's running error analysis (first-order propagation through the computed quantities).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rnnproof.derivations.errors import InputError

from . import engine, fd

__all__ = ["ErrorBound", "gradient_bound", "backward_bound", "backward_terms", "forward_sensitivity",
           "reference_gradient", "running_sd", "SAMPLES", "MP_BUDGET", "DPHI_ABS_ERR"]

#: perturbed trajectories measured for the forward term
SAMPLES = 4
#: largest ``n^2 T`` for which :func:`reference_gradient` uses 40-digit mpmath by default
MP_BUDGET = 70_000
#: absolute error of phi' computed from the output (1 - h^2, h(1 - h)), in units of eps
DPHI_ABS_ERR = 3.0


@dataclass(frozen=True)
class ErrorBound:
    """Per-entry error bound of one float64 gradient computation (flat order) and its parts."""

    bound: np.ndarray
    backward: np.ndarray
    forward: np.ndarray

    def block(self, params, name: str) -> np.ndarray:
        """The bound of one parameter block, flat."""
        return self.bound[params.slices()[name]]


def gradient_bound(params: engine.ElmanParams, xs, targets, *, kind: str = "squared", h0=None,
                   trajectory=None, seed: int = 0, samples: int = SAMPLES) -> ErrorBound:
    r"""Bound of the error of a float64 loss gradient, per entry: backward (modelled) + forward (measured).

    .. math::
        B_i = B^{\mathrm{bwd}}_i + \lambda\max_{k\le S}\lVert\tilde g^{(k)}_{\mathrm{blk}(i)} - g_{\mathrm{blk}(i)}\rVert_\infty

    with :math:`B^{\mathrm{bwd}}` from :func:`rnnproof.numeric.gradcheck.elman_rounding` and
    :math:`\tilde g^{(k)}` the gradient on the :math:`k`-th perturbed trajectory
    (:func:`forward_sensitivity`).  Non-finite entries mean the model overflowed: the
    comparison then cannot decide.
    """
    traj = engine.forward(params, xs, h0=h0) if trajectory is None else trajectory
    with np.errstate(over="ignore", invalid="ignore"):
        bwd = backward_bound(params, xs, targets, kind=kind, h0=h0, trajectory=traj)
    fwd = forward_sensitivity(params, xs, targets, kind=kind, h0=h0, trajectory=traj, seed=seed, samples=samples)
    return ErrorBound(bound=bwd + fwd, backward=bwd, forward=fwd)


def running_sd(P, axis: int = -1) -> np.ndarray:
    r"""Running-error scale of summing the terms ``P`` along ``axis``, from the signed partial sums.

    Summing :math:`p_1, \ldots, p_K` makes an error :math:`\sum_k \delta_k S_k + \sum_k \eta_k p_k`
    with :math:`|\delta_k|, |\eta_k| \le u = \varepsilon/2` (Wilkinson's running error analysis,
    Higham 2002 sec. 3.3); with independent mean-zero errors its standard deviation is
    :math:`u/\sqrt3\,(\sum_k S_k^2 + \sum_k p_k^2)^{1/2}`.  This returns
    :math:`\varepsilon(\max(\sum_k S_k^2, \sum_k \bar S_k^2) + \sum_k p_k^2)^{1/2}` with
    :math:`S` the partial sums in natural and :math:`\bar S` in reverse order: 3.5 times the
    model's standard deviation, for either order (BLAS blocking, a user's backward loop).
    """
    P = np.asarray(P, dtype=np.float64)
    if axis not in (-1, P.ndim - 1):
        P = np.moveaxis(P, axis, -1)
    S = np.cumsum(P, axis=-1)
    tot = S[..., -1:]
    q = np.maximum((S * S).sum(-1), np.square(tot - S + P).sum(-1))
    return fd.EPS * np.sqrt(q + (P * P).sum(-1))


def _chunks(T, n, width):
    step = max(1, int(4_000_000 // max(1, n * width)))
    return [slice(lo, min(T, lo + step)) for lo in range(0, T, step)]


def backward_terms(params, traj, o, kind) -> dict:
    r"""BPTT quantities and per-step error scales of the backward pass (rows = time ``1..T``).

    ``g`` (:math:`\partial L/\partial h_t`), ``r = dphi * g``, ``delta``, ``dphi``, and the
    standard-deviation scales ``sd_delta`` (read-out and residual, :func:`running_sd` of
    :math:`W_{yh}h_t + b_y`), ``sd_r``: the error made computing :math:`r_t` given
    :math:`r_{t+1}`,

    .. math::
        \sigma_t = |\varphi'_t|\,\mathrm{rsd}(W_{yh}^\top\delta_t + W_{hh}^\top r_{t+1})
        \oplus |\varphi'_t|\,(W_{yh}^{\odot 2})^\top\sigma^{\delta}_t
        \oplus \varepsilon|r_t| \oplus \min(3\varepsilon, 8|\varphi'_t|)\,|g_t|

    (:math:`\oplus`: in quadrature; the last term is :math:`\varphi'` computed from the output
    as :math:`1-h_t^2`, whose absolute error is at most :math:`3\varepsilon`, and is exactly
    :math:`\varphi'_t` when :math:`h_t` rounds to :math:`\pm 1`).
    """
    p = params
    T, n, m = traj.T, p.n, p.m
    a = traj.y[1:]
    H1 = traj.h[1:]
    if kind == "squared":
        delta = a - o
        sm = None
    else:
        sm = engine._softmax_parts(a, "float", None)[1]
        delta = sm - o
    dphi = engine._phi(p.activation, traj.z[1:], derivative=True)
    W, V = p.W_hh, p.W_yh
    G, WT = delta @ V, W.T
    R, Gh, carry = np.zeros((T, n)), np.zeros((T, n)), np.zeros(n)
    for t in range(T - 1, -1, -1):
        Gh[t] = G[t] + carry
        R[t] = dphi[t] * Gh[t]
        carry = WT @ R[t]
    # read-out a_t = W_yh h_t + b_y and residual delta_t
    sd_a = running_sd(np.concatenate([V[None, :, :] * H1[:, None, :], np.broadcast_to(p.b_y[None, :, None],
                                                                                       (T, m, 1))], axis=2))
    sd_delta = np.hypot(sd_a, fd.EPS * np.abs(delta))
    if sm is not None:
        sd_delta = np.hypot(sd_delta, 4 * fd.EPS * np.abs(sm))
    # g_t = W_yh^T delta_t + W_hh^T r_{t+1}: products [V_ia delta_ti]_i, [W_ja r_{t+1,j}]_j per component a
    Rn = np.zeros((T, n))
    Rn[:-1] = R[1:]
    sd_g = np.empty((T, n))
    for sl in _chunks(T, n, n + m):
        prods = np.concatenate([V.T[None] * delta[sl, None, :], WT[None] * Rn[sl, None, :]], axis=2)
        sd_g[sl] = running_sd(prods)
    sd_g = np.hypot(sd_g, np.sqrt(np.square(sd_delta) @ np.square(V)))
    dphi_err = np.minimum(DPHI_ABS_ERR * fd.EPS, 8 * np.abs(dphi))
    sd_r = np.sqrt(np.square(np.abs(dphi) * sd_g) + np.square(fd.EPS * R) + np.square(dphi_err * Gh))
    return dict(a=a, delta=delta, dphi=dphi, R=R, Gh=Gh, sd_r=sd_r, sd_delta=sd_delta)


def _covariance_diagonals(WT, dphi, sigma2):
    r""":math:`s_t = \sqrt{\mathrm{diag}\,C_t}`, :math:`C_t = A_t C_{t+1} A_t^\top + \mathrm{diag}(\sigma_t^2)`,
    :math:`A_t = \mathrm{diag}(\varphi'_t) W_{hh}^\top` (the true, signed Jacobians), :math:`C_T = 0`."""
    T, n = dphi.shape
    C, M = np.zeros((n, n)), np.empty((n, n))
    W = np.ascontiguousarray(WT.T)
    s = np.empty((T, n))
    diag = np.diag_indices(n)
    for t in range(T - 1, -1, -1):
        np.matmul(C, W, out=M)       # C W
        np.matmul(WT, M, out=C)      # W^T C W
        C *= dphi[t][:, None]
        C *= dphi[t][None, :]
        C[diag] += sigma2[t]
        s[t] = np.sqrt(C[diag])
    return s


def _accumulation_sd(A, B):
    r""":func:`running_sd` of :math:`\sum_t a_t b_t^\top` over time (both orders), ``A (T, p)``, ``B (T, q)``."""
    T = A.shape[0]
    S = np.zeros((A.shape[1], B.shape[1]))
    q_fwd, s_sum, p2 = np.zeros_like(S), np.zeros_like(S), np.zeros_like(S)
    for t in range(T):
        P = np.multiply.outer(A[t], B[t])
        s_sum += S  # sum of S_{k-1}
        S += P
        q_fwd += S * S
        p2 += P * P
    # reverse order: partial sums tot - S_{k-1}; sum_k (tot - S_{k-1})^2 = T tot^2 - 2 tot sum S_{k-1} + sum S_{k-1}^2
    q_prev = q_fwd - S * S
    q_rev = T * S * S - 2 * S * s_sum + q_prev
    return fd.EPS * np.sqrt(np.maximum(q_fwd, np.maximum(q_rev, 0)) + p2)


def backward_bound(params, xs, targets, *, kind: str = "squared", h0=None, trajectory=None) -> np.ndarray:
    r"""High-probability bound of the backward-pass rounding of a float64 BPTT gradient, per entry (flat).

    The per-step errors of :func:`backward_terms` (standard deviations :math:`\sigma_t`) are
    carried back by the true Jacobians (:func:`_covariance_diagonals`, giving
    :math:`s_t = \mathrm{sd}(\Delta r_t)`); then, e.g.

    .. math::
        B(W_{hh})_{ab} = \lambda\Big(\sum_t s_{t,a}|h_{t-1,b}| + \mathrm{rsd}_t(r_{t,a}h_{t-1,b})\Big),\quad
        B(W_{yh})_{ij} = \lambda\Big(\big(\textstyle\sum_t (\sigma^\delta_{t,i}h_{t,j})^2\big)^{1/2}
        + \mathrm{rsd}_t(\delta_{t,i}h_{t,j})\Big)

    (the propagated errors of different times are correlated: summed; the read-out errors are
    independent over time: in quadrature; :math:`\mathrm{rsd}` is :func:`running_sd` of the
    accumulation over time).  :math:`\lambda` = :data:`rnnproof.numeric.gradcheck.LAMBDA`.
    """
    from .gradcheck import LAMBDA
    traj = engine.forward(params, xs, h0=h0) if trajectory is None else trajectory
    o = engine._targets(targets, traj.T, params.m, kind, "float", None)
    b = backward_terms(params, traj, o, kind)
    s = _covariance_diagonals(params.W_hh.T, b["dphi"], np.square(b["sd_r"]))
    H0, X1, H1, R, D = np.abs(traj.h[:-1]), traj.x[1:], traj.h[1:], b["R"], b["delta"]
    ones = np.ones((traj.T, 1))
    parts = [s.T @ H0 + _accumulation_sd(R, traj.h[:-1]),
             s.T @ np.abs(X1) + _accumulation_sd(R, X1),
             s.sum(0) + _accumulation_sd(R, ones)[:, 0],
             np.sqrt(np.square(b["sd_delta"]).T @ np.square(H1)) + _accumulation_sd(D, H1),
             np.sqrt(np.square(b["sd_delta"]).sum(0)) + _accumulation_sd(D, ones)[:, 0]]
    return LAMBDA * np.concatenate([v.ravel() for v in parts])


def _forward_sd(params, traj):
    """:func:`running_sd` of :math:`z_t = W_{hh}h_{t-1} + W_{xh}x_t + b_h` per step and component (T, n)."""
    p, T, n = params, traj.T, params.n
    out = np.empty((T, n))
    for sl in _chunks(T, n, n + p.d + 1):
        H0, X1 = traj.h[:-1][sl], traj.x[1:][sl]
        k = H0.shape[0]
        prods = np.concatenate([p.W_hh[None] * H0[:, None, :], p.W_xh[None] * X1[:, None, :],
                                np.broadcast_to(p.b_h[None, :, None], (k, n, 1))], axis=2)
        out[sl] = running_sd(prods)
    return out


def _perturbed_trajectory(params, traj, sd_z, rng):
    """A trajectory with random errors of float64-rounding size injected at every step."""
    p, T, n = params, traj.T, params.n
    h, z = traj.h.copy(), traj.z.copy()
    drive = traj.x[1:] @ p.W_xh.T + p.b_h
    for t in range(1, T + 1):
        z[t] = p.W_hh @ h[t - 1] + drive[t - 1] + sd_z[t - 1] * rng.standard_normal(n)
        h[t] = engine._phi(p.activation, z[t]) * (1 + fd.EPS * rng.standard_normal(n))
    y = traj.y.copy()
    y[1:] = h[1:] @ p.W_yh.T + p.b_y
    return engine.Trajectory(x=traj.x, z=z, h=h, y=y)


def _gradient_on(params, traj, o, kind):
    """BPTT gradient (flat) along a given trajectory (same formulas as :func:`engine.bptt`)."""
    a = traj.y[1:]
    delta = a - o if kind == "squared" else engine._softmax_parts(a, "float", None)[1] - o
    dphi = engine._phi(params.activation, traj.z[1:], derivative=True)
    G, WT = delta @ params.W_yh, params.W_hh.T
    R, carry = np.empty_like(G), np.zeros(params.n)
    for t in range(traj.T - 1, -1, -1):
        R[t] = dphi[t] * (G[t] + carry)
        carry = WT @ R[t]
    parts = [R.T @ traj.h[:-1], R.T @ traj.x[1:], R.sum(0), delta.T @ traj.h[1:], delta.sum(0)]
    return np.concatenate([v.ravel() for v in parts])


def forward_sensitivity(params: engine.ElmanParams, xs, targets, *, kind: str = "squared", h0=None,
                        trajectory=None, seed: int = 0, samples: int = SAMPLES) -> np.ndarray:
    r"""The forward-rounding term of :func:`gradient_bound`, measured on the problem (per entry, flat).

    Each of ``samples`` seeded trajectories carries, at every step, a random error of
    standard deviation :func:`running_sd` of :math:`W_{hh}h_{t-1} + W_{xh}x_t + b_h` in
    :math:`z_t` and :math:`\varepsilon|h_t|` in :math:`h_t` (3.5 times what float64 rounding
    makes there, in the running-error model); the gradient along it differs from the gradient along the unperturbed
    trajectory by :math:`\delta g^{(k)}`.  Every entry of a block gets
    :math:`\lambda\max_k\lVert\delta g^{(k)}_{\mathrm{blk}}\rVert_\infty`: the block maximum is a
    stable statistic where one entry's sample is not.
    """
    from .gradcheck import LAMBDA
    if samples < 1:
        raise InputError(f"samples must be >= 1, got {samples}")
    traj = engine.forward(params, xs, h0=h0) if trajectory is None else trajectory
    o = engine._targets(targets, traj.T, params.m, kind, "float", None)
    rng = np.random.default_rng([seed, 11])
    with np.errstate(over="ignore", invalid="ignore"):
        g = _gradient_on(params, traj, o, kind)
        worst, sd_z = np.zeros(params.size), _forward_sd(params, traj)
        for _ in range(samples):
            dg = np.abs(_gradient_on(params, _perturbed_trajectory(params, traj, sd_z, rng), o, kind) - g)
            for sl in params.slices().values():
                worst[sl] = np.maximum(worst[sl], dg[sl].max() if np.all(np.isfinite(dg[sl])) else np.inf)
    return LAMBDA * worst


def reference_gradient(params: engine.ElmanParams, xs, targets, *, kind: str = "squared", h0=None,
                       precision: str = "auto", dps: int = 40) -> tuple[np.ndarray, str]:
    """The exact gradient of the float64 parameters, to float64 accuracy: ``(flat gradient, method)``.

    ``precision="mpmath"``: :func:`engine.bptt` on mpmath numbers in a private context at
    ``dps`` digits (the lambdified activation of the derivations).  ``"longdouble"``: the same
    recursion in NumPy's 80-bit extended type (64-bit mantissa, :math:`\\varepsilon = 1.1\\cdot
    10^{-19}`, about 2000 times float64's), for sizes where mpmath takes minutes.  ``"auto"``:
    mpmath when :math:`n^2T \\le` :data:`MP_BUDGET`.
    """
    T = np.shape(xs)[0]
    if precision == "auto":
        precision = "mpmath" if params.n ** 2 * T <= MP_BUDGET else "longdouble"
    if precision == "mpmath":
        _, g = engine.bptt(engine.to_mpmath(params, dps=dps), xs, targets, kind=kind, h0=h0)
        return np.array([float(v) for v in g.flat()]), f"mpmath {dps} digits"
    if precision != "longdouble":
        raise InputError(f"precision must be 'auto', 'mpmath' or 'longdouble', got {precision!r}")
    if np.finfo(np.longdouble).eps > 1e-18:
        raise InputError("numpy.longdouble is not an extended type on this platform; use precision='mpmath'")
    return _longdouble_gradient(params, xs, targets, kind, h0), "long double (64-bit mantissa)"


def _longdouble_gradient(params, xs, targets, kind, h0):
    L = np.longdouble
    W, U, b, V, c = (np.asarray(params.arrays()[k], dtype=L) for k in engine.PARAM_NAMES)
    X = np.asarray(xs, dtype=L)
    T, n = X.shape[0], params.n
    o = np.asarray(engine._targets(targets, T, params.m, kind, "float", None), dtype=L)
    h, z = np.zeros((T + 1, n), L), np.zeros((T + 1, n), L)
    if h0 is not None:
        h[0] = np.asarray(h0, dtype=L)
    drive = X @ U.T + b
    for t in range(1, T + 1):
        z[t] = W @ h[t - 1] + drive[t - 1]
        h[t] = engine._phi(params.activation, z[t])
    a = h[1:] @ V.T + c
    if kind == "squared":
        delta = a - o
    else:
        e = np.exp(a - a.max(axis=1, keepdims=True))
        delta = e / e.sum(axis=1, keepdims=True) - o
    dphi = engine._phi(params.activation, z[1:], derivative=True)
    G, R, carry = delta @ V, np.zeros((T, n), L), np.zeros(n, L)
    for t in range(T - 1, -1, -1):
        R[t] = dphi[t] * (G[t] + carry)
        carry = W.T @ R[t]
    parts = [R.T @ h[:-1], R.T @ X, R.sum(0), delta.T @ h[1:], delta.sum(0)]
    return np.concatenate([v.ravel() for v in parts]).astype(np.float64)
