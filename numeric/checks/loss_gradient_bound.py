r"""Numeric check of ``loss_gradient_bound``: :math:`\lVert\partial\ell_i/\partial h_j\rVert \le \lVert\partial\ell_i/\partial h_i\rVert(\gamma\lambda_1)^{i-j}`.

The leaf of the derived expressions is the row :math:`\partial\ell_i/\partial h_i` (env key
``dl_dh``).  It is obtained from the *actual* network only, without any formula of the identity:
the complex-step gradient of :math:`b\mapsto\ell_i` (one step from the run's :math:`h_{i-1}` with
bias :math:`b`, which is :math:`\partial\ell_i/\partial z_i`) divided entrywise by the complex-step
derivative of the diagonal map :math:`b\mapsto h_i` (:math:`\varphi'(z_i)`): the chain rule through
a diagonal map.  Then, for pairs :math:`(i, j)` (lags 1, 4, 12 at two late times, and
:math:`(T, 0)`):

1. the derived row :math:`(\partial\ell_i/\partial h_i)\prod_{t=j+1}^{i}J_t` is compared entry by
   entry with the complex-step gradient of the actual map :math:`h_j\mapsto\ell_i`
   (:meth:`Context.state_map` followed by one step of :func:`engine.loss`);
2. the derived ``lhs`` equals the norm of that actual gradient;
3. actual :math:`\le` derived ``bound`` (slack = bound / actual).

Rounding model: ``product_norm_bound``'s first-order magnitude (partial products of the derived
factors) multiplied on the left by :math:`|\partial\ell_i/\partial h_i|` + :func:`leaf_rounding` (the
output head's cancellation in :math:`y_i - o_i`), depth :math:`2n + d + 15`
(the factor, the accumulation, and the leaf's two complex steps and one division).  The bound is a
product of :math:`2(i-j) + 1` computed norms: depth :math:`(i-j)(2n+8) + n + 10`.
"""

from __future__ import annotations

import numpy as np

from rnnproof.derivations.evaluate import evaluate
from rnnproof.derivations.symbols import i as I_SYM
from rnnproof.derivations.symbols import j as J_SYM

from .. import engine, fd
from .base import Context, bound_result, gamma
from .jacobian_norm_bound import H, compare_matrix, factor_depth, inner_matrix, norm_result, product_magnitude, \
    scalar_value

__all__ = ["RUNS", "check", "leaf_gradient", "leaf_rounding", "loss_map", "pairs", "LAGS"]

RUNS = ("text", "adding")
LAGS = (1, 4, 12)


def _one_step(ctx: Context, i: int):
    cp = ctx.checkpoint
    return cp.xs[i - 1:i], cp.targets[i - 1:i]


def leaf_gradient(ctx: Context, i: int) -> np.ndarray:
    r""":math:`\partial\ell_i/\partial h_i` (a ``1 x n`` row) from complex steps of the actual network in the bias."""
    cp, p = ctx.checkpoint, ctx.params
    xs, o = _one_step(ctx, i)
    h_prev = ctx.traj.h[i - 1]

    def loss_of_bias(b):
        return engine.loss(p.with_(b_h=b), xs, o, kind=cp.loss_kind, h0=h_prev)

    dl_dz, _ = fd.complex_step_jacobian(loss_of_bias, p.b_h, h=H)
    dphi = np.imag(engine.forward(p.with_(b_h=p.b_h + 1j * H), xs, h0=h_prev).h[-1]) / H
    return (np.ravel(dl_dz) / dphi).reshape(1, -1)


def leaf_rounding(ctx: Context, i: int) -> np.ndarray:
    r"""A bound (row) of the rounding of :math:`\partial\ell_i/\partial h_i` from the output head.

    :math:`\delta^y_i = \partial\ell_i/\partial y_i` is :math:`y_i - o_i` (squared) or
    :math:`\mathrm{softmax}(y_i) - o_i`; both have a Jacobian in :math:`y` with entries of size
    :math:`\le 1`, so a rounding of :math:`y_i` of size :math:`Y = |W_{yh}||h_i| + |b_y| + |o_i|` moves
    :math:`\delta^y` by at most :math:`2\max Y` per entry (cancellation in :math:`y - o` is the
    reason this is not relative to the leaf), and :math:`W_{yh}^\top` carries it to the row.
    """
    p, cp = ctx.params, ctx.checkpoint
    o = np.asarray(ctx.env["o"][i]) if "o" in ctx.env else np.eye(p.m)[np.asarray(cp.targets)[i - 1]]
    Y = np.abs(p.W_yh) @ np.abs(ctx.traj.h[i]) + np.abs(p.b_y) + np.abs(o)
    return (2 * Y.max() * np.abs(p.W_yh).sum(axis=0)).reshape(1, -1)


def loss_map(ctx: Context, i: int, j: int):
    r"""The actual map :math:`h_j\mapsto\ell_i` (the states in between recomputed by the engine)."""
    cp, p = ctx.checkpoint, ctx.params
    xs, o = _one_step(ctx, i)
    to_prev = (lambda h: h) if j == i - 1 else ctx.state_map(i - 1, j)

    def f(hj):
        return engine.loss(p, xs, o, kind=cp.loss_kind, h0=to_prev(hj))
    return f


def pairs(ctx: Context) -> list[tuple[int, int]]:
    """``(i, j)`` pairs: lags :data:`LAGS` at two late times, plus :math:`(T, 0)`."""
    out = [(i, i - lag) for i in ctx.times(2, lo=ctx.T // 2) for lag in LAGS if i - lag >= 0]
    return sorted(set(out + [(ctx.T, 0)]))


def check(ctx: Context):
    n = ctx.params.n
    lhs, bound = ctx.expression("lhs"), ctx.expression("bound")
    ps = pairs(ctx)
    env = {**ctx.env, "dl_dh": {i: leaf_gradient(ctx, i) for i in sorted({i for i, _ in ps})}}
    mag_env = {**env, "dl_dh": {i: np.abs(v) + leaf_rounding(ctx, i) for i, v in env["dl_dh"].items()}}
    shadow = type("EnvContext", (), {"env": env, "params": ctx.params})()
    out = []
    for i, j in ps:
        b = {I_SYM: i, J_SYM: j}
        D = evaluate(inner_matrix(lhs), env, b, backend="numpy")
        G, err = fd.complex_step_jacobian(loss_map(ctx, i, j), ctx.traj.h[j], h=H)
        M = product_magnitude(ctx, inner_matrix(lhs), b, env=mag_env)
        depth = factor_depth(ctx) + n + 10
        out.append(compare_matrix(ctx, quantity=f"dl_i/dh_j row (i={i}, j={j})", derived=D, J=G, err=err,
                                  magnitude=M, depth=depth))
        out.append(norm_result(ctx, quantity=f"||dl_i/dh_j|| lhs = ||FD|| (i={i}, j={j})",
                               derived=scalar_value(shadow, lhs, b), J=G, err=err, magnitude=M, depth=depth))
        out.append(bound_result(ctx, quantity=f"||dl_i/dh_j|| <= ||dl_i/dh_i|| (gamma lambda_1)^(i-j) (i={i}, j={j})",
                                actual=float(np.linalg.norm(G, 2)), bound=scalar_value(shadow, bound, b),
                                depth=(i - j) * (2 * n + 8) + n + 10, shapes=((1, n),),
                                # ||G|| is measured by complex step; it may exceed the true norm by its own
                                # error: the step's estimate plus the rounding of the same terms the derived row
                                # accumulates (magnitude M, depth K) -- where they cancel exactly (a zero leaf
                                # dl_i/dh_i) the reference is left with rounding noise such as 8.8e-93
                                error_estimate=float(np.linalg.norm(err, 2) + gamma(depth) * np.linalg.norm(M, 2))))
    return out
