r"""Numeric check of ``orthogonal_initialisation`` on the orthogonally initialised runs.

On the ``initial`` checkpoint of ``adding_orth`` / ``text_orth`` (:math:`W_{hh}` orthogonal up to the rounding
of its QR factorisation; that premise is checked first, :math:`\delta = \lVert W^\top W - I\rVert \le 2n\gamma_n`),
and on any other checkpoint whose :math:`W_{hh}` meets that premise:

1. for **every** length :math:`m = t - k = 1..T`, the derived ``linear_norm``
   :math:`\lVert\prod_{i=k+1}^{t} W_{hh}\rVert` equals the derived ``one`` (1) within
   :math:`m(\delta/2 + n\gamma_n) + \gamma_n` (first order: :math:`\lVert W\rVert \in [\sqrt{1-\delta}, \sqrt{1+\delta}]`,
   each matrix product adds :math:`\gamma_n\lVert|W||P|\rVert \le n\gamma_n`, one SVD);
2. at a few lengths the *matrix* inside ``linear_norm`` is compared entrywise with the complex-step Jacobian of
   the actual linear RNN map :math:`h_k \mapsto h_t` (:math:`h \mapsto W_{hh}h + W_{xh}x + b_h`), so a transposed or
   shifted product fails although its norm is also 1;
3. :math:`\lVert\partial h_t/\partial h_k\rVert \le` derived ``diag_product`` (orthogonal :math:`W`, charged
   :math:`\lVert W\rVert^{t-k} - 1`);
4. IRNN (no trained ReLU run exists -- the engine's activations are tanh and sigmoid): a *constructed* IRNN
   (:math:`W_{hh} = I`, the run's :math:`W_{xh}` and inputs, a bias that keeps every unit active, measured) and the
   derived ``irnn_jacobian`` :math:`\operatorname{diag}(\mathbf 1)I` to the power :math:`t-k` against its complex step.

On **every** checkpoint (trained :math:`W_{hh}` is no longer orthogonal): the derived product of Jacobians
(matrix inside ``lhs``) against the complex step of the actual tanh map, the derived ``lhs`` norm, the bound
``lhs`` :math:`\le` ``middle`` (submultiplicativity), and ``diag_product`` :math:`=\prod\lVert\operatorname{diag}(1-h_i^2)\rVert \le 1`.
Rounding model as ``product_norm_bound`` (Higham 2002, sec. 3.5).
"""

from __future__ import annotations

import numpy as np

from rnnproof.derivations.errors import InputError
from rnnproof.derivations.evaluate import evaluate
from rnnproof.derivations.symbols import k as K_SYM
from rnnproof.derivations.symbols import n as N_SYM
from rnnproof.derivations.symbols import t as T_SYM

from .. import fd
from .base import Context, bound_result, gamma, scalar_result
from .jacobian_norm_bound import H, compare_matrix, inner_matrix, scalar_value
from .product_norm_bound import pairs, product_results

__all__ = ["RUNS", "check", "orthogonality_defect", "linear_map", "irnn_map", "irnn_results"]

RUNS = ("adding_orth", "text_orth")
#: lengths at which the linear product matrix is compared entrywise with the complex step
MATRIX_LAGS = (1, 2, 7)


def orthogonality_defect(W) -> float:
    r""":math:`\delta = \lVert W^\top W - I\rVert_2`."""
    return float(np.linalg.norm(W.T @ W - np.eye(W.shape[0]), 2))


def linear_map(ctx: Context, t: int, k: int):
    """The actual linear RNN map :math:`h_k\\mapsto h_t` with the checkpoint's weights and inputs."""
    p, xs = ctx.params, ctx.checkpoint.xs[k:t]

    def f(hk):
        hv = hk
        for x in xs:
            hv = p.W_hh @ hv + p.W_xh @ x + p.b_h
        return hv
    return f


def irnn_map(ctx: Context, t: int, k: int, b):
    r"""The IRNN map :math:`h_k\mapsto h_t`, :math:`h_s = \mathrm{ReLU}(h_{s-1} + W_{xh}x_s + b)` (:math:`W_{hh} = I`;
    Le et al. 2015) on the checkpoint's inputs; ReLU written as ``where(Re z > 0, z, 0)`` so that the
    complex step differentiates it wherever every unit is active (there it is the identity)."""
    p, xs = ctx.params, ctx.checkpoint.xs[k:t]

    def f(hk):
        hv = hk
        for x in xs:
            z = hv + p.W_xh @ x + b
            hv = np.where(np.real(z) > 0, z, 0)
        return hv
    return f


def irnn_results(ctx: Context):
    """The derived IRNN Jacobian (every unit active) against the complex step of a constructed IRNN on the run's
    inputs, with the bias chosen so that every unit stays active (the premise, measured)."""
    p, n, T = ctx.params, ctx.params.n, ctx.T
    b = np.abs(p.W_xh) @ np.abs(ctx.checkpoint.xs).max(axis=0) + 1.0  # z_s >= h_{s-1} + 1 > 0 from h_0 = |.|
    h0 = np.abs(ctx.traj.h[0])
    zs, hv = [], h0
    for x in ctx.checkpoint.xs:
        z = hv + p.W_xh @ x + b
        zs.append(z.min())
        hv = np.maximum(z, 0)
    out = [bound_result(ctx, quantity="IRNN premise: every unit active, min_(s,a) z_(s,a) > 0", actual=0.0,
                        bound=float(min(zs)), depth=1, note="constructed IRNN: W_hh = I, the run's W_xh and inputs")]
    D = np.asarray(evaluate(ctx.expression("irnn_jacobian"), {}, {N_SYM: n}, backend="numpy"), dtype=float)
    for t, k in ((1, 0), (T, 0)):
        J, err = fd.complex_step_jacobian(irnn_map(ctx, t, k, b), h0, h=H)
        P = np.linalg.matrix_power(D, t - k)
        out.append(compare_matrix(ctx, quantity=f"IRNN: dh_t/dh_k = (diag(1) I)^(t-k) = I (t={t}, k={k})",
                                  derived=P, J=J, err=err, magnitude=np.ones((n, n)), depth=t - k + 1))
    return out


def _linear_results(ctx: Context):
    n, T = ctx.params.n, ctx.T
    W = ctx.params.W_hh
    delta = orthogonality_defect(W)
    out = [bound_result(ctx, quantity="premise: ||W_hh^T W_hh - I|| <= 2 n gamma_n (orthogonal up to rounding)",
                        actual=delta, bound=2 * n * gamma(n), depth=1, shapes=((n, n),),
                        note="QR-computed orthogonal factor: backward error O(n eps) (Higham 2002, Thm 19.4)")]
    lin, one = ctx.expression("linear_norm"), float(ctx.expression("one"))
    values = np.array([scalar_value(ctx, lin, {T_SYM: m, K_SYM: 0}) for m in range(1, T + 1)])
    tols = np.array([m * (delta / 2 + n * gamma(n)) + gamma(n) for m in range(1, T + 1)])
    gap = np.abs(values - one)
    w = int(np.argmax(gap / tols))
    out.append(scalar_result(ctx, quantity=f"||prod_(i=1)^t W_hh|| = 1 for every t = 1..{T} (worst t={w + 1})",
                             derived=values, reference=np.full(T, one), error_estimate=tols, depth=0, magnitude=0.0,
                             method="exact-norm", step=float("nan"),
                             note=f"delta = ||W^T W - I|| = {delta:.2g}; tol = m (delta/2 + n gamma_n) + gamma_n"))
    for m in MATRIX_LAGS:
        t, k = T, T - m
        D = np.asarray(evaluate(inner_matrix(lin), ctx.env, {T_SYM: t, K_SYM: k}, backend="numpy"))
        J, err = fd.complex_step_jacobian(linear_map(ctx, t, k), ctx.traj.h[k], h=H)
        M = np.linalg.matrix_power(np.abs(W), m)
        out.append(compare_matrix(ctx, quantity=f"prod W_hh = dh_t/dh_k of the linear RNN (t={t}, k={k})",
                                  derived=D, J=J, err=err, magnitude=M, depth=m * n + 1))
    return out, delta


def check(ctx: Context):
    if ctx.activation != "tanh":
        raise InputError(f"orthogonal_initialisation: the derivation is for tanh (1-Lipschitz, tanh' <= 1); run {ctx.run.name!r} uses "
                         f"{ctx.activation}")
    out, n = [], ctx.params.n
    lhs, middle, diag_product = (ctx.expression(name) for name in ("lhs", "middle", "diag_product"))
    one = float(ctx.expression("one"))
    # the orthogonal claims: asserted on the initial checkpoint of an orthogonally initialised run (the premise is
    # then checked, never assumed), and applied to any other network whose W_hh is orthogonal to rounding
    delta = orthogonality_defect(ctx.params.W_hh)
    expected = ctx.checkpoint.name == "initial" and ctx.run.config.get("init") == "orthogonal"
    orth = expected or delta <= 2 * n * gamma(n)
    if orth:
        res, delta = _linear_results(ctx)
        out.extend(res)
    if ctx.checkpoint.name == "initial":
        out.extend(irnn_results(ctx))
    for t, k in pairs(ctx):
        lag = t - k
        res, J, err, _ = product_results(ctx, lhs, middle, t, k, middle_text="prod ||diag(1-h_i^2)|| ||W_hh||")
        out.extend(res)
        actual = float(np.linalg.norm(J, 2))
        dp = scalar_value(ctx, diag_product, {T_SYM: t, K_SYM: k})
        out.append(bound_result(ctx, quantity=f"prod ||diag(1-h_i^2)|| <= 1 (t={t}, k={k})", actual=dp, bound=one,
                                depth=lag * (n + 8), shapes=((n, n),)))
        if orth:
            lam_excess = max(0.0, float(np.linalg.norm(ctx.params.W_hh, 2)) ** lag - 1.0)
            out.append(bound_result(ctx, quantity=f"orthogonal W: ||dh_t/dh_k|| <= prod ||diag(1-h_i^2)|| (t={t}, k={k})",
                                    actual=actual, bound=dp, depth=lag * (2 * n + 8), shapes=((n, n),),
                                    error_estimate=lam_excess * dp + float(np.linalg.norm(err, 2)),
                                    note=f"charged ||W||^(t-k) - 1 = {lam_excess:.2g} (delta = {delta:.2g})"))
    return out
