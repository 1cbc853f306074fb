r"""Numeric check of ``jacobian_norm_bound``: :math:`\lVert J_t\rVert \le \lVert\operatorname{diag}\varphi'(z_t)\rVert\lambda_1 \le \gamma\lambda_1`.

At a few times ``t`` of every checkpoint the identity's derived ``lhs``, ``middle`` and
``bound`` are evaluated on the run (the spectral norms by the evaluator's NumPy backend) and:

1. the matrix inside the derived ``lhs`` (:math:`J_t`) is compared with the complex-step
   Jacobian of the *actual* one-step map :math:`h_{t-1}\mapsto h_t` (directional projections
   first, elementwise on failure), so a transposed or otherwise wrong :math:`J_t` fails even
   though a transpose has the same norm;
2. the derived ``lhs`` (a number) is compared with :math:`\lVert J^{FD}\rVert`;
3. the actual :math:`\lVert J^{FD}\rVert \le` derived ``middle`` and ``middle`` :math:`\le`
   derived ``bound`` are checked as bounds, reporting slack = bound / actual.

Rounding model (Higham 2002, sec. 3.5).  :math:`\varphi'` is derived as
:math:`\cosh^{-2}` (tanh) or :math:`\tfrac14\cosh^{-2}(x/2)` (sigmoid), relatively accurate even
at saturation; but the derived value and the actual map round :math:`z_t` differently and
:math:`\varphi'` amplifies that (:func:`z_condition`), so entry :math:`(a,b)` of :math:`J_t` has
error :math:`\le\gamma_K c_a|J_{ab}|`: :math:`M = \operatorname{diag}(c)|J_t|`, :math:`c_a = 1 + 2Z_a`,
:math:`Z = |W_{hh}||h_{t-1}| + |W_{xh}||x_t| + |b_h|`, :math:`K = n + d + 5`.  A computed largest singular value is backward stable with
error :math:`\le\gamma_n\lVert A\rVert` (LAPACK), and :math:`|\sigma_1(A)-\sigma_1(B)| \le
\lVert A-B\rVert_2` (Weyl), so the norm comparison has tolerance
:math:`\lVert\mathrm{err}_{FD}\rVert_2 + \gamma_{K+n}(\lVert M\rVert_2 + 2\lVert J\rVert)`; a
bound of two such norms uses :math:`K = 2n + 8`.

The helpers :func:`actual_jacobian`, :func:`norm_result`, :func:`product_magnitude` and
:func:`scalar_value` are shared by the other norm-bound checks (section D).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import sympy as sp

from rnnproof.derivations.catalogue.product_norm_bound import unroll
from rnnproof.derivations.errors import ShapeError
from rnnproof.derivations.evaluate import evaluate
from rnnproof.derivations.matexpr import OrderedProduct, SpectralNorm
from rnnproof.derivations.symbols import t as T_SYM

from .. import fd
from ..gradcheck import check_jacobian
from .base import Context, bound_result, gamma, scalar_result

__all__ = ["RUNS", "check", "H", "actual_jacobian", "compare_matrix", "norm_result", "product_magnitude", "scalar_value", "inner_matrix",
           "SVD_DEPTH", "z_condition", "factor_depth"]

RUNS = ("text", "adding", "saturated", "text_large")
TIMES = 3
#: complex step of the actual-map Jacobians
H = 1e-100


def SVD_DEPTH(n: int) -> int:
    """Depth charged to one computed spectral norm of an ``n``-column matrix (LAPACK backward error)."""
    return int(n)


def actual_jacobian(ctx: Context, t: int, k: int):
    r"""``(J, err)``: complex-step Jacobian of the actual forward map :math:`h_k\mapsto h_t` at the run's :math:`h_k`.

    Step :data:`H` = 1e-100 rather than 1e-200: saturated products reach 1e-140 and
    :math:`\operatorname{Im} f = hJ` must stay a normal float; the truncation error
    :math:`O(h^2)` = 1e-200 (relative to third derivatives) is still far below rounding.
    """
    return fd.complex_step_jacobian(ctx.state_map(t, k), ctx.traj.h[k], h=H)


def compare_matrix(ctx: Context, *, quantity: str, derived, J, err, magnitude, depth: int):
    """Elementwise derived matrix vs the FD Jacobian, naming the worst entry (tolerance err + gamma_K M)."""
    D, J = np.atleast_2d(derived), np.atleast_2d(J)
    if D.shape != J.shape:
        raise ShapeError(f"{ctx.identity}: {quantity}: derived shape {D.shape} != actual Jacobian shape {J.shape} "
                         f"(run {ctx.run.name}/{ctx.checkpoint.name})")
    r = scalar_result(ctx, quantity=quantity, derived=D, reference=J, error_estimate=np.ravel(err), depth=depth,
                      magnitude=np.ravel(magnitude), method="complex-step", step=H,
                      note="full elementwise comparison with the complex-step Jacobian of the actual map")
    # worst entry by err/tol, with exact agreement (0/0 where both the gap and the tolerance vanish) as 0
    gap, tol = np.abs(D - J), r.tolerance
    tol_all = np.ravel(err) + gamma(depth) * np.ravel(magnitude)
    ratio = np.where(gap.ravel() == 0, 0.0, gap.ravel() / np.where(tol_all > 0, tol_all, np.finfo(float).tiny))
    w = int(np.argmax(ratio))
    worst = tuple(int(v) for v in np.unravel_index(w, D.shape))
    return dataclasses.replace(r, shapes=(D.shape, J.shape), worst_index=worst, derived=float(D[worst]),
                               reference=float(J[worst]), tolerance=float(tol_all[w]), max_abs_err=float(gap.max()),
                               error_estimate=float(np.ravel(err)[w]))


def scalar_value(ctx: Context, expr, bindings: dict) -> float:
    """A derived scalar (norms, products of norms) on the run: scalar ``Product`` nodes unrolled first.

    ``bindings`` maps the identity's own integer symbols (``t``, ``k``, ...) to values.
    """
    e = unroll(expr, bindings) if expr.has(sp.Product) else expr
    return float(np.real(evaluate(e, ctx.env, bindings, backend="numpy")))


def inner_matrix(norm_expr):
    """The matrix inside a derived ``SpectralNorm`` (the quantity whose norm is bounded)."""
    if not isinstance(norm_expr, SpectralNorm):
        raise TypeError(f"expected a SpectralNorm, got {type(norm_expr).__name__}: {norm_expr}")
    return norm_expr.args[0]


def z_condition(ctx: Context, time: int) -> np.ndarray:
    r"""Row factor :math:`c_a = 1 + 2Z_a`, :math:`Z = |W_{hh}||h_{t-1}| + |W_{xh}||x_t| + |b_h|` (column).

    The derived value and the actual map compute :math:`z_t` with different roundings (error
    :math:`\le\gamma_{n+d+1}Z_a`); :math:`\varphi'` amplifies a relative change of :math:`z` by
    :math:`|\varphi''/\varphi'| \le 2` (tanh and sigmoid), so :math:`\varphi'(z_{t,a})` carries a
    relative error :math:`\le\gamma_K(1 + 2Z_a)` with :math:`K = n + d + 5`.
    """
    p, tr = ctx.params, ctx.traj
    Z = np.abs(p.W_hh) @ np.abs(tr.h[time - 1]) + np.abs(p.W_xh) @ np.abs(tr.x[time]) + np.abs(p.b_h)
    return (1 + 2 * Z).reshape(-1, 1)


def factor_depth(ctx: Context) -> int:
    """:math:`K` of one Jacobian factor: :math:`z` (n + d + 1 terms) and :math:`\varphi'` (4 operations)."""
    return ctx.params.n + ctx.params.d + 5


def product_magnitude(ctx: Context, matrix_expr, bindings: dict, *, env=None) -> np.ndarray:
    r""":math:`M`, the first-order entrywise rounding magnitude of a derived product expression.

    For an ordered product :math:`P = F_h\cdots F_l` whose factors are computed with errors
    :math:`|E_v| \le \gamma_K\operatorname{diag}(c_v)|F_v|` (:func:`z_condition`) and accumulated by
    matrix products (error :math:`\le\gamma_n|F_v||P_{<v}|` at step ``v``), the first-order error is

    .. math:: |\delta P| \le \gamma_K \sum_{v=l}^{h} |P_{>v}|\,\operatorname{diag}(c_v)|F_v|\,|P_{<v}|,

    with the partial products :math:`P_{>v} = F_h\cdots F_{v+1}`, :math:`P_{<v} = F_{v-1}\cdots F_l`
    from the derived factors (Higham 2002, sec. 3.5; absolute values of *products*, not products of
    absolute values, so that long products of contracting factors keep a meaningful tolerance).
    Every other leaf enters in absolute value and adds one relative rounding (:math:`+|P|`).
    """
    env = ctx.env if env is None else env
    prods = sorted(matrix_expr.atoms(OrderedProduct), key=sp.default_sort_key)
    abs_env = {key: (np.abs(v) if isinstance(v, np.ndarray) else v) for key, v in env.items()}
    rest = matrix_expr
    for idx, p in enumerate(prods):
        lo, hi = (int(sp.sympify(e).xreplace(bindings)) for e in (p.lower, p.upper))
        F = [np.asarray(evaluate(p.term, env, {**bindings, p.var: v}, backend="numpy")) for v in range(lo, hi + 1)]
        before = [np.eye(ctx.params.n)]
        for f in F[:-1]:
            before.append(f @ before[-1])
        after = [np.eye(ctx.params.n)]
        for f in reversed(F[1:]):
            after.append(after[-1] @ f)
        after.reverse()
        acc = np.abs(after[0] @ F[0]) if F else np.eye(ctx.params.n)
        for v, f in enumerate(F):
            acc = acc + np.abs(after[v]) @ (z_condition(ctx, lo + v) * np.abs(f)) @ np.abs(before[v])
        name = f"_absprod{idx}"
        rest = rest.xreplace({p: sp.MatrixSymbol(name, *acc.shape)})
        abs_env[name] = acc
    return np.abs(evaluate(rest, abs_env, bindings, backend="numpy"))


def norm_result(ctx: Context, *, quantity: str, derived: float, J, err, magnitude, depth: int):
    """The derived norm against the norm of the actual (finite-difference) matrix ``J`` (Weyl)."""
    J = np.atleast_2d(J)
    actual = float(np.linalg.norm(J, 2))
    est = float(np.linalg.norm(np.atleast_2d(err), 2))
    mag = float(np.linalg.norm(np.atleast_2d(magnitude), 2)) + 2 * max(abs(derived), actual)
    return scalar_result(ctx, quantity=quantity, derived=np.array([derived]), reference=np.array([actual]),
                         error_estimate=est, depth=depth + SVD_DEPTH(J.shape[1]), magnitude=mag,
                         method="complex-step", step=H,
                         note="derived ||.|| vs ||FD Jacobian of the actual map|| (Weyl: |s1(A)-s1(B)| <= ||A-B||)")


def check(ctx: Context):
    out = []
    n = ctx.params.n
    lhs, middle, bound = (ctx.expression(name) for name in ("lhs", "middle", "bound"))
    for t in ctx.times(TIMES):
        b = {T_SYM: t}
        D = evaluate(inner_matrix(lhs), ctx.env, b, backend="numpy")
        J, err = actual_jacobian(ctx, t, t - 1)
        M, K = z_condition(ctx, t) * np.abs(D), factor_depth(ctx)
        out.append(check_jacobian(D, ctx.state_map(t, t - 1), ctx.traj.h[t - 1], quantity=f"J_t in lhs (t={t})",
                                  magnitude=M, depth=K, **ctx.labels))
        lhs_v, mid_v, bnd_v = (scalar_value(ctx, e, b) for e in (lhs, middle, bound))
        out.append(norm_result(ctx, quantity=f"||J_t|| lhs = ||FD|| (t={t})", derived=lhs_v, J=J, err=err,
                               magnitude=M, depth=K))
        actual = float(np.linalg.norm(J, 2))
        out.append(bound_result(ctx, quantity=f"||J_t|| <= ||diag phi'|| lambda_1 (t={t})", actual=actual,
                                bound=mid_v, depth=2 * n + 8, shapes=((n, n),)))
        out.append(bound_result(ctx, quantity=f"||diag phi'|| lambda_1 <= gamma lambda_1 (t={t})", actual=mid_v,
                                bound=bnd_v, depth=2 * n + 8, shapes=((n, n),)))
    return out
