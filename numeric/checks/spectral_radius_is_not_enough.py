r"""Numeric check of ``spectral_radius_is_not_enough``: :math:`\rho(W_{hh}) < 1/\gamma` does not bound :math:`\lVert\partial h_t/\partial h_{t-2}\rVert`.

On every checkpoint, at a few times ``t``, the identity's derived ``lhs``
(:math:`\lVert J_tJ_{t-1}\rVert`, an ordered product of two derived Jacobians) is evaluated on
the run and compared with the complex-step Jacobian of the *actual* map
:math:`h_{t-2}\mapsto h_t` (entrywise, then the norm), and the bound with the largest singular
value, ``product_norm_bound``'s derived ``bound`` at :math:`k = t-2`, is checked (it always holds).

On the ``spectral_witness`` run (block-diagonal :math:`[[0.5, 3], [0, 0.5]]`, inputs of size
1e-3, so nearly the linear regime) the witness itself is measured: the derived ``radius_bound``
:math:`(\gamma\rho(W_{hh}))^2 < 1` (``SpectralRadius`` is bound on the check side to
:math:`\max|\mathrm{eig}|` of the evaluated matrix, NumPy ``eigvals``), while the measured
:math:`\max_t\lVert\partial h_t/\partial h_{t-2}\rVert > 1` and exceeds that wrong bound.  On its
``initial`` checkpoint the identity's exact witness matrix ``W`` is also evaluated numerically:
derived ``lhs`` with :math:`z = 0` against the complex step of the actual 2-unit network with zero
input and bias, and :math:`\lVert W^2\rVert > 1`.

Rounding model: the ``product_norm_bound`` one (first-order magnitude from the partial products,
depth :math:`2n+d+5`); the computed eigenvalues of the non-normal witness
are ill-conditioned (a 2x2 Jordan-like block: error :math:`\sim\sqrt{\epsilon\lVert W\rVert}`), so
the spectral radius is charged :math:`\sqrt{\gamma_n\lVert W\rVert_F}` on top of the bound's own
tolerance -- the premise :math:`(\gamma\rho)^2 < 1` is still decided with a margin of 0.75.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from rnnproof.derivations import registry
from rnnproof.derivations.catalogue.spectral_radius_is_not_enough import SpectralRadius
from rnnproof.derivations.evaluate import evaluate
from rnnproof.derivations.symbols import k as K_SYM
from rnnproof.derivations.symbols import t as T_SYM

from .. import engine, fd
from .base import Context, bound_result, gamma
from .jacobian_norm_bound import (H, actual_jacobian, compare_matrix, factor_depth, inner_matrix, norm_result,
                                  product_magnitude, scalar_value)

__all__ = ["RUNS", "check", "radius_value", "witness_matrix_results"]

RUNS = ("spectral_witness", "vanishing")
TIMES = 3
LAG = 2


def radius_value(expr, env, bindings) -> tuple[float, float]:
    """``(value, rounding)`` of a derived scalar with every ``SpectralRadius(M)`` bound to ``max|eig(M)|``."""
    nodes = sorted(expr.atoms(SpectralRadius), key=sp.default_sort_key)
    values, extra = {}, 0.0
    for idx, node in enumerate(nodes):
        M = np.asarray(evaluate(node.args[0], env, bindings, backend="numpy"), dtype=float)
        values[sp.Symbol(f"_rho{idx}")] = float(np.max(np.abs(np.linalg.eigvals(M))))
        extra += float(np.sqrt(gamma(M.shape[0]) * np.linalg.norm(M)))
    e = expr.xreplace({node: sp.Symbol(f"_rho{idx}") for idx, node in enumerate(nodes)})
    return float(np.real(evaluate(e, env, {**bindings, **values}, backend="numpy"))), extra


def _pair_results(ctx: Context, t: int, lhs, lam_bound):
    n = ctx.params.n
    b = {T_SYM: t, K_SYM: t - LAG}
    D = evaluate(inner_matrix(lhs), ctx.env, b, backend="numpy")
    J, err = actual_jacobian(ctx, t, t - LAG)
    M, depth = product_magnitude(ctx, inner_matrix(lhs), b), factor_depth(ctx) + n
    actual = float(np.linalg.norm(J, 2))
    return actual, [
        compare_matrix(ctx, quantity=f"J_t J_(t-1) = dh_t/dh_(t-2) (t={t})", derived=D, J=J, err=err, magnitude=M,
                       depth=depth),
        norm_result(ctx, quantity=f"||dh_t/dh_(t-2)|| lhs = ||FD|| (t={t})", derived=scalar_value(ctx, lhs, b), J=J,
                    err=err, magnitude=M, depth=depth),
        bound_result(ctx, quantity=f"||dh_t/dh_(t-2)|| <= (gamma lambda_1)^2 (t={t})", actual=actual,
                     bound=scalar_value(ctx, lam_bound, b), depth=depth + 2 * n, shapes=((n, n),)),
    ]


def witness_matrix_results(ctx: Context, lhs):
    """The identity's exact witness ``W`` in the linear regime: derived lhs vs the actual 2-unit network."""
    W = np.array(registry.get(ctx.identity).witnesses["W"].tolist(), dtype=float)
    size = W.shape[0]
    params = engine.ElmanParams(W, np.zeros((size, 1)), np.zeros(size), np.zeros((1, size)), np.zeros(1), "tanh")
    xs = np.zeros((LAG, 1))

    def f(h):
        return engine.forward(params, xs, h0=h).h[-1]
    zero = np.zeros((LAG + 1, size))
    env = {"W_hh": W, "z": zero, "h": zero}
    D = evaluate(inner_matrix(lhs), env, {T_SYM: LAG}, backend="numpy")
    J, err = fd.complex_step_jacobian(f, np.zeros(size), h=H)
    v = float(np.real(evaluate(lhs, env, {T_SYM: LAG}, backend="numpy")))
    q = "witness W = [[1/2, 3], [0, 1/2]], h = 0"
    return [compare_matrix(ctx, quantity=f"{q}: J_2 J_1 = W^2", derived=D, J=J, err=err, magnitude=np.abs(W) @ np.abs(W),
                           depth=2 * size + 8),
            bound_result(ctx, quantity=f"{q}: ||dh_2/dh_0|| > 1", actual=1.0, bound=v, depth=2 * size + 8,
                         shapes=((size, size),), note="slack = ||W^2|| (about 3.02)")]


def check(ctx: Context):
    lhs = ctx.expression("lhs")
    lam_bound = registry.get("product_norm_bound").expression("bound", ctx.activation)
    out, norms = [], []
    for t in ctx.times(TIMES, lo=LAG):
        actual, results = _pair_results(ctx, t, lhs, lam_bound)
        norms.append((actual, t))
        out.extend(results)
    if ctx.run.name != "spectral_witness":
        return out
    n = ctx.params.n
    rb, extra = radius_value(ctx.expression("radius_bound"), ctx.env, {})
    worst, t_worst = max(norms)
    depth = LAG * (factor_depth(ctx) + n) + n
    tol_rho = 2 * extra * max(rb, 1.0) ** 0.5
    out.append(bound_result(ctx, quantity="premise: (gamma rho(W_hh))^2 < 1, i.e. rho < 1/gamma", actual=rb + tol_rho,
                            bound=1.0, depth=n + 4, note=f"rho computed by eigvals, charged {tol_rho:.2g}"))
    out.append(bound_result(ctx, quantity=f"witness: max_t ||dh_t/dh_(t-2)|| > 1 (t={t_worst})", actual=1.0,
                            bound=worst, depth=depth, note="measured on the actual map"))
    out.append(bound_result(ctx, quantity=f"witness: the radius bound (gamma rho)^2 fails (t={t_worst})",
                            actual=rb + tol_rho, bound=worst, depth=depth,
                            note=f"(gamma rho)^2 = {rb:.4g} < measured {worst:.4g}: slack = measured / radius bound"))
    if ctx.checkpoint.name == "initial":
        out.extend(witness_matrix_results(ctx, lhs))
    return out
