r"""Numeric check of ``product_norm_bound``: :math:`\lVert\partial h_t/\partial h_k\rVert \le \prod_{i=k+1}^{t}\lVert\operatorname{diag}\varphi'(z_i)\rVert\lambda_1 \le (\gamma\lambda_1)^{t-k}`.

For several pairs :math:`(t, k)` (lags 1, 4, 12 and the whole sequence :math:`k = 0`) on every
checkpoint, the identity's derived ``lhs`` (the norm of the ordered product
:math:`\prod_{i=k+1}^{t}J_i`), ``middle`` (a scalar ``Product``, unrolled on the check side with
the identity module's own :func:`~rnnproof.derivations.catalogue.product_norm_bound.unroll`)
and ``bound`` are evaluated on the run, and:

1. the derived product matrix is compared entry by entry with the complex-step Jacobian of the
   *actual* map :math:`h_k\mapsto h_t` (:meth:`Context.state_map`), so an off-by-one product or a
   transposed factor fails;
2. the derived ``lhs`` equals :math:`\lVert\partial h_t/\partial h_k\rVert` of the actual map;
3. actual :math:`\le` ``middle`` :math:`\le` ``bound``, with slack = bound / actual.

Rounding model: each factor has the entry model of ``jacobian_norm_bound``
(:math:`|E_i| \le \gamma_K\operatorname{diag}(c_i)|J_i|`, including the conditioning of
:math:`\varphi'` at the rounded :math:`z_i`) and each product adds :math:`\gamma_n`; the first-order
error of the product is :math:`\gamma_K M`, :math:`M = \sum_v |P_{>v}|\operatorname{diag}(c_v)|J_v||P_{<v}|`
(:func:`~rnnproof.numeric.checks.jacobian_norm_bound.product_magnitude`, partial products from the
derived factors), :math:`K = 2n + d + 5`.  ``middle`` is a product of :math:`2(t-k)` computed norms
and ``bound`` a power: relative errors add, depth :math:`(t-k)(2n+8)` for the bound rows.
"""

from __future__ import annotations

import numpy as np

from rnnproof.derivations.evaluate import evaluate
from rnnproof.derivations.symbols import k as K_SYM
from rnnproof.derivations.symbols import t as T_SYM

from .base import Context, bound_result
from .jacobian_norm_bound import (actual_jacobian, compare_matrix, factor_depth, inner_matrix, norm_result,
                                  product_magnitude, scalar_value)

__all__ = ["RUNS", "check", "pairs", "product_results", "LAGS"]

RUNS = ("text", "exploding", "vanishing", "saturated")
LAGS = (1, 4, 12)


def pairs(ctx: Context) -> list[tuple[int, int]]:
    """``(t, k)`` pairs: lags :data:`LAGS` at two late times, plus :math:`(T, 0)`."""
    out = [(t, t - lag) for t in ctx.times(2, lo=ctx.T // 2) for lag in LAGS if t - lag >= 0]
    return sorted(set(out + [(ctx.T, 0)]))


def check(ctx: Context):
    out = []
    n = ctx.params.n
    lhs, middle, bound = (ctx.expression(name) for name in ("lhs", "middle", "bound"))
    for t, k in pairs(ctx):
        res, _, _, mid_v = product_results(ctx, lhs, middle, t, k, middle_text="prod ||diag phi'|| lambda_1")
        out.extend(res)
        bnd_v = scalar_value(ctx, bound, {T_SYM: t, K_SYM: k})
        out.append(bound_result(ctx, quantity=f"prod ||diag phi'|| lambda_1 <= (gamma lambda_1)^(t-k) (t={t}, k={k})",
                                actual=mid_v, bound=bnd_v, depth=(t - k) * (2 * n + 8), shapes=((n, n),)))
    return out


def product_results(ctx: Context, lhs, middle, t: int, k: int, *, middle_text: str):
    """``(results, J, err, middle value)``: the derived product :math:`\prod J_i` (inside ``lhs``)
    against the complex-step :math:`J = \partial h_t/\partial h_k` (error ``err``), its norm, and
    :math:`\lVert J\rVert \le` ``middle`` (printed as ``middle_text``); rounding models of
    :mod:`.jacobian_norm_bound`."""
    n = ctx.params.n
    b = {T_SYM: t, K_SYM: k}
    D = evaluate(inner_matrix(lhs), ctx.env, b, backend="numpy")
    J, err = actual_jacobian(ctx, t, k)
    M = product_magnitude(ctx, inner_matrix(lhs), b)
    depth = factor_depth(ctx) + n
    mid_v = scalar_value(ctx, middle, b)
    return [compare_matrix(ctx, quantity=f"prod J_i = dh_t/dh_k (t={t}, k={k})", derived=D, J=J, err=err,
                           magnitude=M, depth=depth),
            norm_result(ctx, quantity=f"||dh_t/dh_k|| lhs = ||FD|| (t={t}, k={k})",
                        derived=scalar_value(ctx, lhs, b), J=J, err=err, magnitude=M, depth=depth),
            bound_result(ctx, quantity=f"||dh_t/dh_k|| <= {middle_text} (t={t}, k={k})",
                         actual=float(np.linalg.norm(J, 2)), bound=mid_v, depth=(t - k) * (2 * n + 8),
                         shapes=((n, n),))], J, err, mid_v
