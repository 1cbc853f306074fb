r"""The generic checker: a derived Jacobian or gradient against a finite-difference reference.

Cheap first, precise on failure (STYLE.md 8): seeded random projections
:math:`v^\top D u` against :math:`v^\top (J u)` (one directional derivative each); only if one
fails, the full Jacobian, compared entry by entry, naming the worst entry.

Tolerance (never a bare constant) = the reference's own error estimate + the rounding of the
two computations, modelled probabilistically (Higham & Mary, SIAM J. Sci. Comput. 41 (2019)):
an accumulation of depth :math:`K` over terms whose absolute values sum to :math:`M` has
error at most :math:`\lambda\sqrt{K}\,\varepsilon M` with probability at least
:math:`1 - 2e^{-\lambda^2/2}`; :math:`\lambda` is set from :data:`FALSE_ALARM` (1e-9).
:math:`M` is the *magnitude*: for an Elman gradient the same BPTT recursion run on absolute
values (:func:`elman_magnitude`, which is how conditioning enters); otherwise the normwise
:math:`\max(\lVert D\rVert_\infty, \lVert J\rVert_\infty)` unless the caller passes one.
"""

from __future__ import annotations

import math

import numpy as np

from rnnproof.derivations.errors import InputError, ShapeError

from . import engine, fd
from .results import CheckResult

__all__ = ["check_jacobian", "check_gradient", "check_elman_gradient", "elman_rounding", "FALSE_ALARM",
           "LAMBDA", "rounding_tolerance"]

#: accepted probability that the rounding model under-estimates one entry's rounding error
FALSE_ALARM = 1e-9
LAMBDA = math.sqrt(2 * math.log(2 / FALSE_ALARM))
_METHODS = ("auto", "central", "complex", "mpmath")


def rounding_tolerance(magnitude, depth: int):
    r""":math:`\lambda\sqrt{K}\,\varepsilon M`: the probabilistic rounding bound of one computation."""
    return LAMBDA * math.sqrt(max(int(depth), 1)) * fd.EPS * np.asarray(magnitude, dtype=np.float64)


def _pick_method(f, x, method):
    if method not in _METHODS:
        raise InputError(f"method must be one of {_METHODS}, got {method!r}")
    if method != "auto":
        return method
    try:
        out = np.asarray(f(x + 1e-200j * np.ones_like(x)))
    except (TypeError, ValueError, engine.InputError):
        return "central"
    return "complex" if np.iscomplexobj(out) and np.any(out.imag != 0) else "central"


def _full(f, x, method):
    if method == "complex":
        J, err = fd.complex_step_jacobian(f, x)
        return J, err, 1e-200
    if method == "mpmath":
        J, err = fd.mpmath_jacobian(f, x)
        return J, err, math.nan
    J, err = fd.central_jacobian(f, x)
    return J, err, fd.EPS ** (1 / 3)


def check_jacobian(derived, f, x, *, identity: str, quantity: str, run: str = "", checkpoint: str = "",
                   seed: int = 0, method: str = "auto", directional_first: bool = True, magnitude=None,
                   depth: int | None = None, projections: int = 3, full_reference=None,
                   rounding=None) -> CheckResult:
    r"""Compare a derived Jacobian ``D`` (numerator layout, shape ``(q, p)``) with ``df/dx``.

    Parameters
    ----------
    derived : array
        The derived Jacobian; any shape with ``q * p`` entries is reshaped to ``(q, p)``.
    f : callable
        The actual forward map ``x (p,) -> array`` (``q`` values once flattened).
    x : array (p,)
    identity, quantity, run, checkpoint : str
        Labels carried into the result and its failure message.
    seed : int
        Seeds the random projections.
    method : {"auto", "central", "complex", "mpmath"}
        Reference; ``auto`` uses the complex step when ``f`` is analytic on complex input.
    directional_first : bool
        Run ``projections`` seeded projections first; the full comparison only on a failure.
    magnitude : array or float, optional
        :math:`M`: sum of absolute values of the terms making up each entry (conditioning).
    depth : int, optional
        :math:`K`, the accumulation depth (default ``p + q``).
    rounding : array, optional
        An absolute bound of the rounding error of one computation of each entry (replaces
        the ``magnitude``/``depth`` model; see :func:`elman_rounding`).
    full_reference : callable, optional
        ``() -> (J, err)``: a faster full reference than column-by-column differences.

    Returns
    -------
    CheckResult
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise ShapeError(f"{identity}: x must be a 1-D vector, got shape {x.shape}")
    q, p = np.asarray(f(x)).size, x.size
    D = np.asarray(derived)
    if D.size != q * p:
        raise ShapeError(f"{identity}: {quantity}: derived has shape {D.shape} ({D.size} entries), "
                         f"expected ({q}, {p}) for f: R^{p} -> R^{q}")
    D = D.reshape(q, p).astype(np.float64)
    K = p + q if depth is None else int(depth)
    method = _pick_method(f, x, method)
    label = dict(identity=identity, run=run, checkpoint=checkpoint, quantity=quantity, seed=seed,
                 shapes=((q, p), (q, p)), dtype="float64")
    if not np.all(np.isfinite(D)):
        return _full_result(D, np.zeros_like(D), np.zeros_like(D), np.zeros_like(D), label, "derived", math.nan,
                            note="derived value contains NaN or Inf")
    if directional_first and method != "mpmath":
        r = _directional(D, f, x, method, magnitude, K, projections, seed, label, rounding)
        if r.passed:
            return r
    J, err, step = (*full_reference(), 1e-200) if full_reference is not None else _full(f, x, method)
    J, err = np.asarray(J, dtype=np.float64).reshape(q, p), np.asarray(err, dtype=np.float64).reshape(q, p)
    if rounding is not None:
        tol = err + 2 * np.broadcast_to(np.asarray(rounding, dtype=np.float64), D.shape)
    else:
        mag = magnitude if magnitude is not None else max(np.abs(D).max(), np.abs(J).max())
        tol = err + 2 * rounding_tolerance(np.broadcast_to(mag, D.shape), K)
    return _full_result(D, J, err, tol, label, method if full_reference is None else f"{method}-batched",
                        step if full_reference is None else 1e-200)


def _directional(D, f, x, method, magnitude, K, projections, seed, label, rounding):
    rng = np.random.default_rng(seed)
    q, p = D.shape
    mag = np.broadcast_to(magnitude if magnitude is not None else np.abs(D).max(), D.shape)
    bound = None if rounding is None else np.broadcast_to(np.asarray(rounding, dtype=np.float64), D.shape)
    worst = None
    for _ in range(projections):
        u, v = fd.random_direction(p, rng), fd.random_direction(q, rng)
        Ju, err = fd.directional_derivative(f, x, u, method=method)
        lhs, rhs = float(v @ D @ u), float(v @ Ju)
        own = (2 * rounding_tolerance(np.abs(v) @ mag @ np.abs(u), K) if bound is None
               else 2 * np.abs(v) @ bound @ np.abs(u))
        tol = float(np.abs(v) @ err + own + rounding_tolerance(np.abs(v) @ np.abs(D) @ np.abs(u), p + q))
        gap = abs(lhs - rhs)
        if worst is None or gap / tol > worst[0]:
            worst = (gap / tol, lhs, rhs, tol, float(np.abs(v) @ err))
    _, lhs, rhs, tol, est = worst
    gap = abs(lhs - rhs)
    return CheckResult(**label, method="directional", step=1e-200 if method == "complex" else math.nan,
                       max_abs_err=gap, max_rel_err=gap / abs(rhs) if rhs else math.inf, worst_index=(),
                       derived=lhs, reference=rhs, error_estimate=est, tolerance=tol, passed=gap <= tol,
                       note=f"{projections} seeded projections v^T D u vs v^T (J u) ({method})")


def _full_result(D, J, err, tol, label, method, step, note=""):
    gap = np.abs(D - J)
    bad = ~np.isfinite(gap)
    ratio = np.where(bad, np.inf, gap / np.where(tol > 0, tol, np.finfo(float).tiny))
    idx = np.unravel_index(int(np.argmax(ratio)), D.shape)
    scale = np.abs(J).max()
    passed = bool(not bad.any() and np.all(gap <= tol))
    return CheckResult(**label, method=method, step=step, max_abs_err=float(np.max(gap)),
                       max_rel_err=float(np.max(gap)) / scale if scale else math.inf,
                       worst_index=tuple(int(i) for i in idx), derived=float(D[idx]), reference=float(J[idx]),
                       error_estimate=float(err[idx]), tolerance=float(tol[idx]), passed=passed,
                       note=note or f"full elementwise comparison, worst entry by err/tol")


def check_gradient(grad_value, f_scalar, x, *, identity: str = "gradient", quantity: str = "dL/dtheta",
                   **options) -> CheckResult:
    """:func:`check_jacobian` for a scalar function: ``grad_value`` has the shape of ``x``."""
    return check_jacobian(np.asarray(grad_value).reshape(1, -1), lambda y: np.asarray(f_scalar(y)).reshape(1),
                          x, identity=identity, quantity=quantity, **options)


def elman_rounding(params: "engine.ElmanParams", xs, targets, *, kind: str = "squared", h0=None) -> np.ndarray:
    r"""A high-probability bound of the rounding error of a float64 loss gradient, per entry.

    First-order error propagation through the backward recursion
    :math:`r_t = arphi'(z_t)\odot(W_{yh}^	op\delta^y_t + W_{hh}^	op r_{t+1})`: the rounding
    made at step :math:`t` has per-component standard deviation at most
    :math:`\sigma_t = \sqrt{n+m+2}\,arepsilon\,|arphi'(z_t)|\odot(|W_{yh}|^	op|\delta^y_t| +
    |W_{hh}|^	op|r_{t+1}|)` and is carried back by the *true* Jacobians
    :math:`A_t = \mathrm{diag}(arphi'(z_t))W_{hh}^	op`, so the error covariance obeys
    :math:`C_t = A_t C_{t+1} A_t^	op + \mathrm{diag}(\sigma_t^2)` (exact for a linear
    recursion; conditioning enters here, without the exponential looseness of norm products).
    With :math:`s_t = \sqrt{\mathrm{diag}\,C_t}`, e.g.
    :math:`B(W_{hh})_{ab} = \lambda\sum_t (s_{t,a} + \sqrt{T}arepsilon|r_{t,a}|)|h_{t-1,b}|`
    (the sum over time bounds correlated errors by Cauchy-Schwarz).  The trajectory is shared
    by the derived gradient and the reference, so its rounding cancels in the comparison.
    """
    traj = engine.forward(params, xs, h0=h0)
    T, n, m = traj.T, params.n, params.m
    o = engine._targets(targets, T, m, kind, "float", None)
    a = traj.y[1:]
    delta = a - o if kind == "squared" else engine._softmax_parts(a, "float", None)[1] - o
    dphi = engine._phi(params.activation, traj.z[1:], derivative=True)
    W, V = params.W_hh, params.W_yh
    G = delta @ V
    R, s = np.zeros((T, n)), np.zeros((T, n))
    carry, C = np.zeros(n), np.zeros((n, n))
    absW, absGV = np.abs(W).T, np.abs(delta) @ np.abs(V)
    r_next = np.zeros(n)
    for t in range(T - 1, -1, -1):
        R[t] = dphi[t] * (G[t] + carry)
        sigma = math.sqrt(n + m + 2) * fd.EPS * np.abs(dphi[t]) * (absGV[t] + absW @ np.abs(r_next))
        A = dphi[t][:, None] * W.T
        C = A @ C @ A.T
        C[np.diag_indices(n)] += sigma ** 2
        s[t] = np.sqrt(np.diag(C))
        carry, r_next = W.T @ R[t], R[t]
    Rb = LAMBDA * (s + math.sqrt(T) * fd.EPS * np.abs(R))
    H, X = np.abs(traj.h), np.abs(traj.x)
    out_b = LAMBDA * math.sqrt(T + n + 2) * fd.EPS * (np.abs(delta) + np.abs(a) + np.abs(o))
    parts = [Rb.T @ H[:-1], Rb.T @ X[1:], Rb.sum(0), out_b.T @ H[1:], out_b.sum(0)]
    return np.concatenate([v.ravel() for v in parts])


def check_elman_gradient(grad, params: "engine.ElmanParams", xs, targets, *, kind: str = "squared", h0=None,
                         identity: str = "loss_gradients", quantity: str = "dL/dtheta", seed: int = 0,
                         directional_first: bool = True, run: str = "", checkpoint: str = "") -> CheckResult:
    """Check a flat (or ElmanParams-shaped) loss gradient of an Elman network.

    Directional complex-step projections first; on failure the full batched complex-step
    gradient (:func:`fd.elman_gradient_complex_step`).  The rounding model is
    :func:`elman_rounding`.
    """
    g = grad.flat() if isinstance(grad, engine.ElmanParams) else np.asarray(grad).ravel()
    theta = params.flat()

    def f(th):
        return engine.loss(engine.ElmanParams.from_flat(th, params), xs, targets, kind=kind, h0=h0)

    return check_gradient(g, f, theta, identity=identity, quantity=quantity, seed=seed, method="complex",
                          directional_first=directional_first, run=run, checkpoint=checkpoint,
                          rounding=elman_rounding(params, xs, targets, kind=kind, h0=h0).reshape(1, -1),
                          full_reference=lambda: fd.elman_gradient_complex_step(params, xs, targets, kind=kind, h0=h0))
