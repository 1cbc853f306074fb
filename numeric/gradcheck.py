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

For an Elman loss gradient (:func:`check_elman_gradient`) the same first-order model is used
twice: entry by entry for the full comparison (:func:`elman_rounding`, covariance recursion,
O(T n^3)), and projected on each random direction for the directional check
(:func:`_elman_projections`, O(k T n^2)): the projected error is a linear form in the
independent rounding errors, whose spread Hoeffding's inequality bounds exactly; it never
exceeds :math:`|u|^\top B` (tested), so the directional check is as honest and costs a few
forward passes.
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
                   rounding=None, directional_reference=None, out_size: int | None = None,
                   directional_rounding=None) -> CheckResult:
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
    rounding : array or callable, optional
        An absolute bound of the rounding error of one computation of each entry (replaces
        the ``magnitude``/``depth`` model; see :func:`elman_rounding`); a callable ``() -> array``
        is called only when the per-entry bound is needed.
    full_reference : callable, optional
        ``() -> (J, err)``: a faster full reference than column-by-column differences.
    directional_reference : callable, optional
        ``U (k, p) -> (JU (k, q), err (k, q))``: all ``k`` directional derivatives at once, a
        faster equivalent of ``k`` calls of :func:`fd.directional_derivative` (e.g.
        :func:`elman_directional_complex_step`).  The directions are drawn exactly as without it.
    directional_rounding : callable, optional
        ``U (k, p) -> (k,)``: a high-probability bound of the derived side's rounding error in
        each projection :math:`u_k^\top D` (``q = 1``); the reference's rounding must then be
        in ``directional_reference``'s error.  Replaces :math:`2|v|^\top B|u|`.
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
        r = _directional(D, ref, method, magnitude, K, projections, seed, label,
                         directional_rounding or (rounding() if callable(rounding) else rounding))
        if r.passed:
            return r
    rounding = rounding() if callable(rounding) else rounding
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
    if callable(rounding):  # projected bound of the derived side; the reference's is in ERR
        own = np.asarray(rounding(U), dtype=np.float64).reshape(projections)
    elif rounding is None:
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

    The backward-pass part of the calibrated model (:func:`rnnproof.numeric.errmodel.backward_bound`):
    a running error analysis of every step of
    :math:`r_t = \varphi'(z_t)\odot(W_{yh}^\top\delta^y_t + W_{hh}^\top r_{t+1})` from its signed
    partial sums (including :math:`\varphi'` computed from the output, :math:`1-h_t^2`), carried
    back by the *true* Jacobians :math:`A_t = \mathrm{diag}(\varphi'(z_t))W_{hh}^\top` through the
    error covariance :math:`C_t = A_t C_{t+1} A_t^\top + \mathrm{diag}(\sigma_t^2)` -- no absolute
    values are propagated.  The forward-trajectory part is
    :func:`rnnproof.numeric.errmodel.forward_sensitivity`; :func:`~rnnproof.numeric.errmodel.gradient_bound`
    is the sum.

    Parameters
    ----------
    trajectory : engine.Trajectory, optional
        ``engine.forward(params, xs, h0=h0)`` if the caller already has it (saves a forward pass).
    """
    from .errmodel import backward_bound
    traj = _trajectory(params, xs, h0, trajectory)
    return backward_bound(params, xs, targets, kind=kind, h0=h0, trajectory=traj)


def _trajectory(params, xs, h0, trajectory):
    traj = engine.forward(params, xs, h0=h0) if trajectory is None else trajectory
    if traj.h.shape != (traj.T + 1, params.n) or engine.kind_of(traj.h) != "float":
        raise ShapeError(f"trajectory must be a float64 forward pass with h of shape (T + 1, n) = "
                         f"({traj.T + 1}, {params.n}), got {traj.h.shape} ({engine.kind_of(traj.h)})")
    return traj


def _output_bound(traj, params, a, delta, o):
    """Per-time rounding bound of the output-layer terms (read-out, residual, depth T + n + 2)."""
    return LAMBDA * math.sqrt(traj.T + params.n + 2) * fd.EPS * (np.abs(delta) + np.abs(a) + np.abs(o))


def _elman_backward(params, traj, o, kind):
    """``a, delta, dphi, R, Gh, sigma`` of :func:`rnnproof.numeric.errmodel.backward_terms` (rows = time)."""
    from .errmodel import backward_terms
    b = backward_terms(params, traj, o, kind)
    return b["a"], b["delta"], b["dphi"], b["R"], b["Gh"], b["sd_r"]


def elman_directional_complex_step(params: "engine.ElmanParams", xs, targets, U, *, kind: str = "squared",
                                   h0=None, trajectory: "engine.Trajectory | None" = None, h: float = 1e-200):
    r"""Directional derivatives :math:`\nabla L(\theta)^\top u_k` for several directions, by complex step.

    The batched form of :func:`fd.directional_derivative` (method ``"complex"``) for the Elman
    loss, by the argument of :func:`fd.elman_gradient_complex_step`: with ``h = 1e-200`` the
    perturbed trajectory :math:`\theta + i h u_k` has the unperturbed real part (the change is
    :math:`O(h^2)`) and an imaginary part linear in :math:`u_k`, so one real forward pass is
    shared and only the imaginary parts (tangents) are carried, all directions at once:

    .. math::
        \dot z_t = W_{hh}\dot h_{t-1} + \dot W_{hh}h_{t-1} + \dot W_{xh}x_t + \dot b_h,\quad
        \dot h_t = s_t\odot\dot z_t,\quad s_t = \operatorname{Im}\varphi(z_t + ih)/h,

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
    (d, err) : arrays of shape (k,); ``err`` bounds the rounding of ``d`` (see :func:`_elman_projections`).
    """
    traj = _trajectory(params, xs, h0, trajectory)
    o = engine._targets(targets, traj.T, params.m, kind, "float", None)
    d, err, _ = _elman_projections(params, traj, o, kind, U, h)
    return d, err


def _elman_projections(params, traj, o, kind, U, h=1e-200):
    r"""Projections :math:`u_k^\top\nabla L` by forward-mode complex step, with two projected bounds.

    The error model of :func:`elman_rounding` (independent, mean-zero rounding errors, first-order
    propagation by the true Jacobians), projected instead of taken entry by entry:

    * derived (BPTT): the error :math:`\xi_t` made computing :math:`r_t` (scale :math:`\sigma_t`)
      reaches :math:`u^\top g` as :math:`\langle\mu_t,\xi_t\rangle` with the adjoint
      :math:`\mu_t = w_t + W_{hh}(\varphi'_{t-1}\odot\mu_{t-1})`,
      :math:`w_t = \dot W_{hh}h_{t-1} + \dot W_{xh}x_t + \dot b_h` -- which is :math:`\dot z_t`;
      Hoeffding's inequality gives :math:`\lambda(\sum_t\lVert\dot z_t\odot\sigma_t\rVert^2)^{1/2}`
      (:math:`\le |u|^\top B`, the exact spread of the same sum), plus :math:`|u|^\top` the
      accumulation and output terms of :func:`elman_rounding`;
    * reference (tangents): the error made computing :math:`\dot h_t`, scale
      :math:`\sqrt{2n+d+4}\,\varepsilon|s_t|\odot(|W_{hh}||\dot h_{t-1}| + |\dot W_{hh}||h_{t-1}| +
      |\dot W_{xh}||x_t| + |\dot b_h|)`, reaches the result through :math:`\partial L/\partial h_t`;
      plus the final sums (depth :math:`T+n+m+2`) and :math:`2\varepsilon|d|`.

    Returns ``(d, ref_err, derived_bound)``, each ``(k,)``.  O(k T n^2): no covariance matrices.
    """
    p, U = params, np.asarray(U, dtype=np.float64)
    if U.ndim != 2 or U.shape[1] != p.size:
        raise ShapeError(f"elman_directional_complex_step: U must have shape (k, P) = (k, {p.size}), got {U.shape}")
    T, n, dd, m, k = traj.T, p.n, p.d, p.m, U.shape[0]
    a, delta, _, R, Gh, sigma = _elman_backward(p, traj, o, kind)
    s = engine._phi(p.activation, traj.z[1:] + 1j * h).imag / h
    q = fd._head_gradient(a, o, kind, h)
    sl = p.slices()
    dW, dU = U[:, sl["W_hh"]].reshape(k, n, n), U[:, sl["W_xh"]].reshape(k, n, dd)
    db, dV, dc = U[:, sl["b_h"]], U[:, sl["W_yh"]].reshape(k, m, n), U[:, sl["b_y"]]
    H0, X1, H1 = traj.h[:-1], traj.x[1:], traj.h[1:]
    # (k, n, n) @ (n, T) batched in BLAS, then time first: row t is W-dot h_{t-1} + U-dot x_t + b-dot
    drive = (np.matmul(dW, H0.T) + np.matmul(dU, X1.T)).transpose(2, 0, 1) + db
    aH0, aX1, adW, adU, adb = np.abs(H0), np.abs(X1), np.abs(dW), np.abs(dU), np.abs(db)
    wabs = (np.matmul(adW, aH0.T) + np.matmul(adU, aX1.T)).transpose(2, 0, 1) + adb
    c, WT, absWT = q @ p.W_yh, p.W_hh.T, np.abs(p.W_hh).T
    Z, hdot = np.empty((T, k, n)), np.zeros((k, n))
    for t in range(T):  # the only sequential part: the tangent recursion itself
        np.matmul(hdot, WT, out=Z[t])
        Z[t] += drive[t]
        hdot = Z[t] * s[t]
    Hd = Z * s[:, None, :]
    Hprev = np.zeros_like(Hd)
    Hprev[1:] = np.abs(Hd[:-1])
    var_d = np.square(Z * sigma[:, None, :]).sum(axis=(0, 2))
    var_r = np.square((Gh * np.abs(s))[:, None, :] * (Hprev @ absWT + wabs)).sum(axis=(0, 2))
    acc, acc_abs = (Hd * c[:, None, :]).sum(axis=(0, 2)), (np.abs(Hd) * np.abs(c)[:, None, :]).sum(axis=(0, 2))
    out = (dV * (q.T @ H1)).sum(axis=(1, 2)) + dc @ q.sum(axis=0)
    out_abs = (np.abs(dV) * (np.abs(q).T @ np.abs(H1))).sum(axis=(1, 2)) + np.abs(dc) @ np.abs(q).sum(axis=0)
    d = acc + out
    eps, lam = fd.EPS, LAMBDA
    ref_err = (lam * math.sqrt(2 * n + dd + 4) * eps * np.sqrt(var_r)
               + lam * math.sqrt(T + n + m + 2) * eps * (acc_abs + out_abs) + 2 * eps * np.abs(d))
    out_b = _output_bound(traj, p, a, delta, o)
    aR = np.abs(R)  # |u|^T (accumulation terms of elman_rounding): sum_t |r_t| (|W-dot||h_{t-1}| + ...)
    accum = (adW * (aR.T @ aH0)).sum(axis=(1, 2)) + (adU * (aR.T @ aX1)).sum(axis=(1, 2)) + adb @ aR.sum(axis=0)
    derived = (lam * np.sqrt(var_d) + lam * math.sqrt(T) * eps * accum
               + (np.abs(dV) * (out_b.T @ np.abs(H1))).sum(axis=(1, 2)) + np.abs(dc) @ out_b.sum(axis=0))
    return d, ref_err, derived


def check_elman_gradient(grad, params: "engine.ElmanParams", xs, targets, *, kind: str = "squared", h0=None,
                         identity: str = "loss_gradients", quantity: str = "dL/dtheta", seed: int = 0,
                         directional_first: bool = True, run: str = "", checkpoint: str = "",
                         mode: str | None = None) -> CheckResult:
    """Check a flat (or ElmanParams-shaped) loss gradient of an Elman network; the deciding block's result.

    Block by block (:func:`rnnproof.numeric.elmancheck.check_blocks`): the full elementwise
    comparison whenever affordable (``mode="auto"``, the default; ``directional_first=False``
    forces it), else seeded projections per block; tolerance from the calibrated error model
    :func:`rnnproof.numeric.errmodel.gradient_bound`.  Returns the first failed block, else
    the first undecided one, else the tightest; its ``quantity`` names the block
    (``"<quantity>: dL/d<block>"``) and ``worst_index`` is ``(0, flat index in theta)``.
    """
    import dataclasses

    from .elmancheck import check_blocks, worst
    mode = mode or ("auto" if directional_first else "full")
    rs = check_blocks(grad, params, xs, targets, kind=kind, h0=h0, seed=seed, mode=mode, identity=identity,
                      run=run, checkpoint=checkpoint)
    r = worst(rs)
    name = r.quantity[len("dL/d"):]
    start = params.slices()[name].start
    idx = (0, start + r.worst_index[0]) if r.worst_index else ()
    return dataclasses.replace(r, quantity=f"{quantity}: {r.quantity}", worst_index=idx,
                               shapes=((1, params.size), (1, params.size)))
