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
           "LAMBDA", "rounding_tolerance", "elman_directional_complex_step"]

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
                   rounding=None, directional_reference=None, out_size: int | None = None) -> CheckResult:
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
    directional_reference : callable, optional
        ``U (k, p) -> (JU (k, q), err (k, q))``: all ``k`` directional derivatives at once, a
        faster equivalent of ``k`` calls of :func:`fd.directional_derivative` (e.g.
        :func:`elman_directional_complex_step`).  The directions are drawn exactly as without it.
    out_size : int, optional
        ``q`` when the caller knows it (saves one evaluation of ``f``, which is otherwise
        called once to learn the output size).

    Returns
    -------
    CheckResult
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise ShapeError(f"{identity}: x must be a 1-D vector, got shape {x.shape}")
    q, p = (np.asarray(f(x)).size if out_size is None else int(out_size)), x.size
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
        ref = directional_reference or (lambda U: _directional_each(f, x, U, method))
        r = _directional(D, ref, method, magnitude, K, projections, seed, label, rounding)
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


def _directional_each(f, x, U, method):
    """``k`` directional derivatives of ``f``, one :func:`fd.directional_derivative` each."""
    pairs = [fd.directional_derivative(f, x, u, method=method) for u in U]
    return np.array([d for d, _ in pairs]), np.array([e for _, e in pairs])


def _directional(D, reference, method, magnitude, K, projections, seed, label, rounding):
    r"""Seeded projections :math:`v^\top D u` against :math:`v^\top (Ju)`, worst one by gap/tol.

    Tolerance of one projection: the reference's error projected, twice the projected rounding
    bound :math:`|v|^\top B |u|` (derived and reference) and the rounding of the two dot
    products (depth ``p + q``).  ``B`` is computed once per check and shared by all projections.
    """
    rng = np.random.default_rng(seed)
    q, p = D.shape
    pairs = [(fd.random_direction(p, rng), fd.random_direction(q, rng)) for _ in range(projections)]
    U, V = np.array([u for u, _ in pairs]), np.array([v for _, v in pairs])
    JU, ERR = reference(U)
    JU, ERR = np.asarray(JU, dtype=np.float64).reshape(projections, q), np.asarray(ERR).reshape(projections, q)
    absU, absV = np.abs(U), np.abs(V)
    if rounding is None:
        mag = np.broadcast_to(magnitude if magnitude is not None else np.abs(D).max(), D.shape)
        own = 2 * rounding_tolerance(np.einsum("kq,qp,kp->k", absV, mag, absU), K)
    else:
        bound = np.broadcast_to(np.asarray(rounding, dtype=np.float64), D.shape)
        own = 2 * np.einsum("kq,qp,kp->k", absV, bound, absU)
    lhs, rhs = np.einsum("kq,qp,kp->k", V, D, U), np.einsum("kq,kq->k", V, JU)
    est = np.einsum("kq,kq->k", absV, ERR)
    tol = est + own + rounding_tolerance(np.einsum("kq,qp,kp->k", absV, np.abs(D), absU), p + q)
    gap = np.abs(lhs - rhs)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(tol > 0, gap / np.where(tol > 0, tol, 1.0), np.where(gap > 0, np.inf, 0.0))
    w = int(np.argmax(ratio))
    lhs, rhs, tol, gap = float(lhs[w]), float(rhs[w]), float(tol[w]), float(gap[w])
    return CheckResult(**label, method="directional", step=1e-200 if method == "complex" else math.nan,
                       max_abs_err=gap, max_rel_err=gap / abs(rhs) if rhs else math.inf, worst_index=(),
                       derived=lhs, reference=rhs, error_estimate=float(est[w]), tolerance=tol, passed=gap <= tol,
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
    options.setdefault("out_size", 1)  # f_scalar's value is reshaped to (1,): q is known
    return check_jacobian(np.asarray(grad_value).reshape(1, -1), lambda y: np.asarray(f_scalar(y)).reshape(1),
                          x, identity=identity, quantity=quantity, **options)


def elman_rounding(params: "engine.ElmanParams", xs, targets, *, kind: str = "squared", h0=None,
                   trajectory: "engine.Trajectory | None" = None) -> np.ndarray:
    r"""A high-probability bound of the rounding error of a float64 loss gradient, per entry.

    First-order error propagation through the backward recursion
    :math:`r_t = \varphi'(z_t)\odot(W_{yh}^\top\delta^y_t + W_{hh}^\top r_{t+1})`: the rounding
    made at step :math:`t` has per-component standard deviation at most
    :math:`\sigma_t = \sqrt{n+m+2}\,\varepsilon\,|\varphi'(z_t)|\odot(|W_{yh}|^\top|\delta^y_t| +
    |W_{hh}|^\top|r_{t+1}|)` and is carried back by the *true* Jacobians
    :math:`A_t = \mathrm{diag}(\varphi'(z_t))W_{hh}^\top`, so the error covariance obeys
    :math:`C_t = A_t C_{t+1} A_t^\top + \mathrm{diag}(\sigma_t^2)` (exact for a linear
    recursion; conditioning enters here, without the exponential looseness of norm products).
    With :math:`s_t = \sqrt{\mathrm{diag}\,C_t}`, e.g.
    :math:`B(W_{hh})_{ab} = \lambda\sum_t (s_{t,a} + \sqrt{T}\varepsilon|r_{t,a}|)|h_{t-1,b}|`
    (the sum over time bounds correlated errors by Cauchy-Schwarz).  The trajectory is shared
    by the derived gradient and the reference, so its rounding cancels in the comparison.

    The covariance step is computed as
    :math:`A_t C A_t^\top = \mathrm{diag}(\varphi'_t)\,(W_{hh}^\top C\,W_{hh})\,\mathrm{diag}(\varphi'_t)`
    (two ``n x n`` products in preallocated buffers); the :math:`r_t` and :math:`\sigma_t` are
    computed before it.  Same model and same bound as before, less work per step.

    Parameters
    ----------
    trajectory : engine.Trajectory, optional
        ``engine.forward(params, xs, h0=h0)`` if the caller already has it (saves a forward pass).
    """
    traj = engine.forward(params, xs, h0=h0) if trajectory is None else trajectory
    T, n, m = traj.T, params.n, params.m
    if traj.h.shape != (T + 1, n) or engine.kind_of(traj.h) != "float":
        raise ShapeError(f"elman_rounding: trajectory must be a float64 forward pass with h of shape "
                         f"(T + 1, n) = ({T + 1}, {n}), got {traj.h.shape} ({engine.kind_of(traj.h)})")
    o = engine._targets(targets, T, m, kind, "float", None)
    a = traj.y[1:]
    delta = a - o if kind == "squared" else engine._softmax_parts(a, "float", None)[1] - o
    dphi = engine._phi(params.activation, traj.z[1:], derivative=True)
    W, V = params.W_hh, params.W_yh
    G, WT = delta @ V, W.T
    R, carry = np.zeros((T, n)), np.zeros(n)
    for t in range(T - 1, -1, -1):
        R[t] = dphi[t] * (G[t] + carry)
        carry = WT @ R[t]
    absR_next = np.zeros((T, n))
    absR_next[:-1] = np.abs(R[1:])
    # row t: |W_yh|^T |delta_t| + |W_hh|^T |r_{t+1}|, as rows
    sigma2 = (math.sqrt(n + m + 2) * fd.EPS * np.abs(dphi) * (np.abs(delta) @ np.abs(V) + absR_next @ np.abs(W))) ** 2
    s = _covariance_diagonals(WT, dphi, sigma2)
    Rb = LAMBDA * (s + math.sqrt(T) * fd.EPS * np.abs(R))
    H, X = np.abs(traj.h), np.abs(traj.x)
    out_b = LAMBDA * math.sqrt(T + n + 2) * fd.EPS * (np.abs(delta) + np.abs(a) + np.abs(o))
    parts = [Rb.T @ H[:-1], Rb.T @ X[1:], Rb.sum(0), out_b.T @ H[1:], out_b.sum(0)]
    return np.concatenate([v.ravel() for v in parts])


def _covariance_diagonals(WT, dphi, sigma2):
    r""":math:`s_t = \sqrt{\mathrm{diag}\,C_t}` for :math:`C_t = A_t C_{t+1} A_t^\top + \mathrm{diag}(\sigma_t^2)`,
    :math:`A_t = \mathrm{diag}(\varphi'_t) W_{hh}^\top`, :math:`C_T = 0`, from ``t = T-1`` down to 0."""
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


def elman_directional_complex_step(params: "engine.ElmanParams", xs, targets, U, *, kind: str = "squared",
                                   h0=None, trajectory: "engine.Trajectory | None" = None, h: float = 1e-200):
    r"""Directional derivatives :math:`\nabla L(\theta)^\top u_k` for several directions, by complex step.

    The batched form of :func:`fd.directional_derivative` (method ``"complex"``) for the Elman
    loss, by the argument of :func:`fd.elman_gradient_complex_step`: with ``h = 1e-200`` the
    perturbed trajectory :math:`\theta + i h u_k` has the unperturbed real part (the change is
    :math:`O(h^2)`) and an imaginary part linear in :math:`u_k`, so one real forward pass is
    shared and only the imaginary parts (tangents) are carried, all directions at once:

    .. math::
        \dot h_t = s_t\odot(W_{hh}\dot h_{t-1} + \dot W_{hh}h_{t-1} + \dot W_{xh}x_t + \dot b_h),\quad
        s_t = \operatorname{Im}\varphi(z_t + ih)/h,

        \nabla L^\top u = \textstyle\sum_t q_t^\top(W_{yh}\dot h_t + \dot W_{yh}h_t + \dot b_y),\quad
        q_t = \operatorname{Im}\nabla\ell_t(a_t + ih\,\cdot)/h.

    This is forward mode, independent of the BPTT (reverse-mode) code it checks; it equals the
    column-by-column complex step up to rounding (tested).

    Parameters
    ----------
    U : array (k, P)
        Directions in :meth:`ElmanParams.flat` order.

    Returns
    -------
    (d, err) : arrays of shape (k,); ``err`` is ``2 eps |d|`` as for :func:`fd.directional_derivative`.
    """
    p = params
    traj = engine.forward(p, xs, h0=h0) if trajectory is None else trajectory
    U = np.asarray(U, dtype=np.float64)
    if U.ndim != 2 or U.shape[1] != p.size:
        raise ShapeError(f"elman_directional_complex_step: U must have shape (k, P) = (k, {p.size}), got {U.shape}")
    T, n, d, m, k = traj.T, p.n, p.d, p.m, U.shape[0]
    o = engine._targets(targets, T, m, kind, "float", None)
    s = engine._phi(p.activation, traj.z[1:] + 1j * h).imag / h
    q = fd._head_gradient(traj.y[1:], o, kind, h)
    sl = p.slices()
    dW, dU = U[:, sl["W_hh"]].reshape(k, n, n), U[:, sl["W_xh"]].reshape(k, n, d)
    db, dV, dc = U[:, sl["b_h"]], U[:, sl["W_yh"]].reshape(k, m, n), U[:, sl["b_y"]]
    drive = np.einsum("kab,tb->tka", dW, traj.h[:-1]) + np.einsum("kac,tc->tka", dU, traj.x[1:]) + db
    c, WT = q @ p.W_yh, p.W_hh.T
    hdot, acc = np.zeros((k, n)), np.zeros(k)
    for t in range(T):
        hdot = (hdot @ WT + drive[t]) * s[t]
        acc += hdot @ c[t]
    acc += np.einsum("kmn,tn,tm->k", dV, traj.h[1:], q) + dc @ q.sum(axis=0)
    return acc, 2 * fd.EPS * np.abs(acc)


def check_elman_gradient(grad, params: "engine.ElmanParams", xs, targets, *, kind: str = "squared", h0=None,
                         identity: str = "loss_gradients", quantity: str = "dL/dtheta", seed: int = 0,
                         directional_first: bool = True, run: str = "", checkpoint: str = "") -> CheckResult:
    """Check a flat (or ElmanParams-shaped) loss gradient of an Elman network.

    Directional complex-step projections first (all at once, by
    :func:`elman_directional_complex_step`); on failure the full batched complex-step gradient
    (:func:`fd.elman_gradient_complex_step`).  The rounding model is :func:`elman_rounding`;
    one forward pass is shared by the bound and the directional reference.
    """
    g = grad.flat() if isinstance(grad, engine.ElmanParams) else np.asarray(grad).ravel()
    theta = params.flat()
    traj = engine.forward(params, xs, h0=h0)  # one float64 forward pass, shared by bound and reference

    def f(th):
        return engine.loss(engine.ElmanParams.from_flat(th, params), xs, targets, kind=kind, h0=h0)

    def directional(U):
        d, err = elman_directional_complex_step(params, xs, targets, U, kind=kind, h0=h0, trajectory=traj)
        return d[:, None], err[:, None]

    return check_gradient(g, f, theta, identity=identity, quantity=quantity, seed=seed, method="complex",
                          directional_first=directional_first, run=run, checkpoint=checkpoint,
                          rounding=elman_rounding(params, xs, targets, kind=kind, h0=h0,
                                                  trajectory=traj).reshape(1, -1),
                          directional_reference=directional,
                          full_reference=lambda: fd.elman_gradient_complex_step(params, xs, targets, kind=kind, h0=h0))
