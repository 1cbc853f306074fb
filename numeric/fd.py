r"""Finite-difference references, each returned with an error estimate.

Every function returns ``(value, error)``: the reference and an (elementwise) estimate of its
own error, so that a checker can derive its tolerance from the error model (STYLE.md 7).

* :func:`central_jacobian` -- central differences, step scaled to ``|x|``; error = Richardson
  truncation estimate (two step sizes) + rounding ``eps |f| / h``.
* :func:`complex_step_jacobian` -- :math:`\operatorname{Im} f(x + i h e_j)/h` (Squire & Trapp
  1998); no subtractive cancellation, so the error is rounding only.
* :func:`mpmath_jacobian` -- ``mpmath.diff`` in a private :class:`mpmath.MPContext` at raised
  precision; error = difference between two precisions.
* :func:`directional_derivative` -- ``J u`` with one evaluation (complex step) or two (central).
* :func:`elman_gradient_complex_step` -- the full loss gradient of an Elman network by a
  *batched* complex step (all P directions at once), fast enough for P = 4546.

References: Squire & Trapp, SIAM Review 40 (1998); Nocedal & Wright, *Numerical
Optimization*, sec. 8.1 (step ``eps^{1/3}`` for central differences); Higham, *Accuracy and
Stability of Numerical Algorithms*, ch. 3.
"""

from __future__ import annotations

import mpmath
import numpy as np

from rnnproof.derivations.errors import InputError, ShapeError

from . import engine

__all__ = ["EPS", "central_jacobian", "complex_step_jacobian", "mpmath_jacobian", "directional_derivative",
           "random_direction", "elman_gradient_complex_step"]

EPS = float(np.finfo(np.float64).eps)


def _vector(x, name="x"):
    x = np.asarray(x)
    if x.ndim != 1 or x.size == 0:
        raise ShapeError(f"{name}: expected a non-empty 1-D vector, got shape {x.shape}")
    if x.dtype != object and not np.all(np.isfinite(x)):
        raise InputError(f"{name} contains NaN or Inf")
    return x


def _call(f, x):
    return np.asarray(f(x)).ravel()


def central_jacobian(f, x, *, rel_step: float | None = None):
    r"""Central-difference Jacobian of ``f`` at ``x`` with an error estimate.

    .. math::
        J_{:,j} \approx \frac{f(x + h_j e_j) - f(x - h_j e_j)}{2 h_j},\qquad
        h_j = \varepsilon^{1/3}\max(|x_j|, 1)

    Error estimate per entry: :math:`|D_h - D_{2h}|/3` (the :math:`O(h^2)` truncation, by
    Richardson) plus rounding :math:`\varepsilon(|f(x+h)|+|f(x-h)|)/h_j` (twice, for the
    second step).

    Parameters
    ----------
    f : callable
        ``f(x) -> array``; flattened to ``q`` values.
    x : array (p,)
    rel_step : float, optional
        Replaces :math:`\varepsilon^{1/3}`.

    Returns
    -------
    (J, err) : arrays of shape (q, p)
    """
    x = _vector(x).astype(np.float64)
    r = EPS ** (1 / 3) if rel_step is None else float(rel_step)
    if not r > 0:
        raise InputError(f"rel_step must be > 0, got {rel_step}")
    cols, errs = [], []
    for j in range(x.size):
        h = r * max(abs(x[j]), 1.0)
        h = (x[j] + h) - x[j]  # exactly representable step
        f_p, f_m = _call(f, _set(x, j, x[j] + h)), _call(f, _set(x, j, x[j] - h))
        f_2p, f_2m = _call(f, _set(x, j, x[j] + 2 * h)), _call(f, _set(x, j, x[j] - 2 * h))
        d1 = (f_p - f_m) / (2 * h)
        d2 = (f_2p - f_2m) / (4 * h)
        rounding = EPS * (np.abs(f_p) + np.abs(f_m) + np.abs(f_2p) + np.abs(f_2m)) / h
        cols.append(d1)
        errs.append(np.abs(d1 - d2) / 3 + rounding)
    return np.column_stack(cols), np.column_stack(errs)


def _set(x, j, value):
    y = x.copy()
    y[j] = value
    return y


def complex_step_jacobian(f, x, *, h: float = 1e-200):
    r"""Complex-step Jacobian :math:`J_{:,j} = \operatorname{Im} f(x + i h e_j)/h`.

    Exact up to :math:`O(h^2)` (negligible for ``h = 1e-200``) and rounding; ``f`` must be
    analytic and accept complex input (the engine's functions are).  The error estimate is the
    rounding of the imaginary part, :math:`2\varepsilon |J|` per entry.

    Returns
    -------
    (J, err) : arrays of shape (q, p)
    """
    x = _vector(x).astype(np.float64)
    if not 0 < h < 1e-8:
        raise InputError(f"complex step h must be tiny and positive (0 < h < 1e-8), got {h}")
    cols = []
    for j in range(x.size):
        xc = x.astype(np.complex128)
        xc[j] += 1j * h
        cols.append(_call(f, xc).imag / h)
    J = np.column_stack(cols)
    return J, 2 * EPS * np.abs(J)


def mpmath_jacobian(f_mp, x, *, dps: int = 40, as_float: bool = True):
    r"""Jacobian by :func:`mpmath.diff` in a private context at ``dps`` digits.

    ``f_mp`` receives an object array of the context's ``mpf`` numbers and returns an array
    (the engine's functions are generic, so the float function usually works as is).  The
    error estimate is ``|J_dps - J_{dps+10}|`` plus half a unit in the ``dps``-th digit.
    The global mpmath precision is never touched.

    Returns
    -------
    (J, err) : float64 arrays (q, p), or object arrays of ``mpf`` if ``as_float=False``
    """
    x = _vector(x)
    if dps < 20:
        raise InputError(f"dps must be >= 20 for a raised-precision reference, got {dps}")
    J_lo = _mp_jac(f_mp, x, dps)
    J_hi = _mp_jac(f_mp, x, dps + 10)
    ctx = mpmath.MPContext()
    ctx.dps = dps + 10
    err = np.vectorize(lambda a, b: abs(a - b) + abs(b) * ctx.mpf(10) ** (-dps), otypes=[object])(J_lo, J_hi)
    if as_float:
        return J_hi.astype(np.float64), err.astype(np.float64)
    return J_hi, err


def _mp_jac(f_mp, x, dps):
    ctx = mpmath.MPContext()
    ctx.dps = dps
    xm = engine.to_mpmath(np.asarray(x, dtype=object if x.dtype == object else np.float64), ctx=ctx)
    cols = []
    for j in range(xm.size):
        cache = {}

        def g(s, j=j):
            if s not in cache:
                y = xm.copy()
                y[j] = s
                cache[s] = np.asarray(f_mp(y), dtype=object).ravel()
            return cache[s]

        q = g(xm[j]).size
        cols.append([ctx.diff(lambda s, i=i: g(s)[i], xm[j]) for i in range(q)])
    out = np.empty((len(cols[0]), len(cols)), dtype=object)
    for j, col in enumerate(cols):
        for i, v in enumerate(col):
            out[i, j] = v
    return out


def random_direction(size: int, rng: np.random.Generator) -> np.ndarray:
    """A seeded unit vector with independent normal entries (a random projection)."""
    u = rng.standard_normal(size)
    return u / np.linalg.norm(u)


def directional_derivative(f, x, u, *, method: str = "complex", h: float | None = None):
    r"""The directional derivative :math:`J u` with one (complex) or four (central) evaluations.

    Complex step: :math:`\operatorname{Im} f(x + i h u)/h`, error :math:`2\varepsilon|Ju|`.
    Central: step :math:`h = \varepsilon^{1/3}\max(\lVert x\rVert_\infty, 1)/\lVert u\rVert_\infty`,
    Richardson truncation estimate plus rounding, as in :func:`central_jacobian`.

    Returns
    -------
    (Ju, err) : arrays of shape (q,)
    """
    x, u = _vector(x).astype(np.float64), _vector(u, "u").astype(np.float64)
    if u.shape != x.shape:
        raise ShapeError(f"u: expected shape {x.shape} like x, got {u.shape}")
    if method == "complex":
        h = 1e-200 if h is None else h
        d = _call(f, x + 1j * h * u).imag / h
        return d, 2 * EPS * np.abs(d)
    if method != "central":
        raise InputError(f"method must be 'complex' or 'central', got {method!r}")
    h = EPS ** (1 / 3) * max(np.abs(x).max(), 1.0) / np.abs(u).max() if h is None else h
    fp, fm = _call(f, x + h * u), _call(f, x - h * u)
    f2p, f2m = _call(f, x + 2 * h * u), _call(f, x - 2 * h * u)
    d1, d2 = (fp - fm) / (2 * h), (f2p - f2m) / (4 * h)
    return d1, np.abs(d1 - d2) / 3 + EPS * (np.abs(fp) + np.abs(fm) + np.abs(f2p) + np.abs(f2m)) / h


def _head_gradient(a, o, kind, h):
    """dℓ_t/da_t for every t by complex step of the per-time loss, one output at a time."""
    T, m = a.shape
    q = np.empty((T, m))
    for j in range(m):
        ac = a.astype(np.complex128)
        ac[:, j] += 1j * h
        if kind == "squared":
            r = ac - o
            q[:, j] = ((r * r).sum(axis=1) / 2).imag / h
        else:
            shift = a.max(axis=1, keepdims=True)
            lse = shift[:, 0] + np.log(np.exp(ac - shift).sum(axis=1))
            q[:, j] = (lse - (ac * o).sum(axis=1)).imag / h
    return q


def elman_gradient_complex_step(params: "engine.ElmanParams", xs, targets, *, kind: str = "squared", h0=None,
                                h: float = 1e-200, chunk: int = 8192):
    r"""Full gradient of the loss w.r.t. the flat parameters by a batched complex step.

    All P directions :math:`\theta + i h e_k` are run at once.  With ``h = 1e-200`` the real
    part of every perturbed trajectory equals the unperturbed one (the difference is
    :math:`O(h^2) = 10^{-400}`) and the imaginary part is linear in the perturbation, so the
    batch shares the real trajectory and carries only imaginary parts:
    :math:`\operatorname{Im}\varphi(z + i h y) = h y\, s` with
    :math:`s = \operatorname{Im}\varphi(z + ih)/h` from a complex evaluation of the activation,
    and the per-time loss enters through its complex-step gradient.  The result equals
    column-by-column :func:`complex_step_jacobian` up to rounding (tested), at the cost of
    one ``(P, n) x (n, n)`` product per time step.

    Returns
    -------
    (grad, err) : arrays of shape (P,) in :meth:`ElmanParams.flat` order; ``err`` is the
        rounding estimate ``2 eps |grad|``.
    """
    p = params
    traj = engine.forward(p, xs, h0=h0)
    if engine.kind_of(traj.h) != "float":
        raise InputError("elman_gradient_complex_step needs float64 parameters and inputs")
    T, n, d = traj.T, p.n, p.d
    o = engine._targets(targets, T, p.m, kind, "float", None)
    s = engine._phi(p.activation, traj.z[1:] + 1j * h, ctx=None).imag / h  # complex step of phi
    q = _head_gradient(traj.y[1:], o, kind, h)
    c = q @ p.W_yh  # row t-1: tangent of L per unit tangent of h_t
    # direction k perturbs unit a_k of z_t by v_k(t): h_{t-1}[b], x_t[c] or 1
    a_idx = np.concatenate([np.repeat(np.arange(n), n), np.repeat(np.arange(n), d), np.arange(n)])
    src = np.concatenate([np.tile(np.arange(n), n), n + np.tile(np.arange(d), n), np.full(n, n + d)])
    hx1 = np.concatenate([traj.h[:-1], traj.x[1:], np.ones((T, 1))], axis=1)  # row t-1: [h_{t-1}, x_t, 1]
    B = a_idx.size
    grad_state = np.empty(B)
    WT = p.W_hh.T
    for lo in range(0, B, chunk):
        sl = slice(lo, min(B, lo + chunk))
        rows, ai, si = np.arange(sl.stop - sl.start), a_idx[sl], src[sl]
        hdot, zdot = np.zeros((rows.size, n)), np.empty((rows.size, n))
        acc = np.zeros(rows.size)
        for t in range(T):  # preallocated buffers: fresh 2 MB arrays per step cost more than the product
            np.matmul(hdot, WT, out=zdot)
            zdot[rows, ai] += hx1[t, si]
            np.multiply(zdot, s[t], out=hdot)
            acc += hdot @ c[t]
        grad_state[sl] = acc
    grad_out = np.concatenate([(q.T @ traj.h[1:]).ravel(), q.sum(axis=0)])  # a is linear in W_yh, b_y
    g = np.concatenate([grad_state, grad_out])
    return g, 2 * EPS * np.abs(g)
