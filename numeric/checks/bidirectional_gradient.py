r"""Numeric check of ``bidirectional_gradient`` on the bidirectional runs.

At :data:`TIMES` times :math:`k` the derived row gradients ``"forward_part"``, ``"backward_part"`` and
their sum (the statement's right side) are compared with the complex step of the *actual loss*
(:func:`rnnproof.numeric.stacked.loss_of`) with respect to :math:`x_k` as read by the forward chain only
(``xs_f``), by the backward chain only (``xs_b``), and by both: so a part that belongs to the other
direction, a product in the wrong order or an off-by-one sum fails on its own.  The derived one-step
backward Jacobian ``"A_back"`` is compared with the complex step of :math:`\overleftarrow h_{t+1}\mapsto
\overleftarrow h_t` (``hb_at``).  Each direction's vanishing bound is checked separately:
:math:`\lVert\text{part}\rVert \le` ``*_norm_terms`` :math:`\le` ``*_bound``, with slack.

Rounding model: each term's factors' errors carried by the true partial products (:func:`part_magnitude`: first order, each factor's error carried by the true partial products), depth :math:`K = n + d + m + 2|t - k| + 8`; the complex-step
reference's own error from :mod:`rnnproof.numeric.fd`.  Reference: Schuster & Paliwal (1997).
"""

from __future__ import annotations

import numpy as np

from .. import stacked
from ..gradcheck import check_jacobian
from .base import bound_result
from .stacked_base import StackContext, abs_factor, derived, guarded, scalar, signed_factor

__all__ = ["RUNS", "TIMES", "check", "part_magnitude"]

RUNS = ("adding_bidir", "text_bidir")
TIMES = 3
_PARTS = (("forward_part", ("xs_f",)), ("backward_part", ("xs_b",)), ("gradient", ("xs_f", "xs_b")))


def _direction_magnitude(heads, factors, tail):
    r"""First-order magnitude (1 x d) of :math:`\sum_t c_t F_{s_t}\cdots F_{r-1}R`, term by term.

    ``factors = [(F_q, |F_q|_abs)]`` is the chain from the far end to ``k``; ``heads[q] = (c, |c|_abs)`` is the
    head row (:math:`\delta_t^\top V`) of the term starting at position ``q`` (``heads[-1]`` starts at ``k``:
    no factor); ``tail = (R, |R|_abs)`` (:math:`\operatorname{diag}(1-h_k^2)U`).  Each term is charged
    :func:`.stacked_base.chain_magnitude` of its own chain (the head's two factors counted apart), with the
    partial products on the right shared between the terms: O(T^2 n^2) instead of O(T^2 n^3).
    """
    r = len(factors)
    right = [None] * (r + 1)
    right[r] = tail[0]
    for q in range(r - 1, -1, -1):
        right[q] = factors[q][0] @ right[q + 1]
    abs_right = [np.abs(R) for R in right]
    M = np.zeros((1, tail[0].shape[1]))
    for s, (c, c_abs) in enumerate(heads):
        M = M + 2 * c_abs @ abs_right[s]  # delta_t and V: each bounded by |delta_t||V||F...R|
        left = c
        for q in range(s, r):
            M = M + (np.abs(left) @ factors[q][1]) @ abs_right[q + 1]
            left = left @ factors[q][0]
        M = M + np.abs(left) @ tail[1]
    return M


def part_magnitude(ctx: StackContext, k: int, part: str) -> np.ndarray:
    r"""First-order rounding magnitude (1 x d) of the derived ``forward_part``/``backward_part``/``gradient``:
    each factor's error (:math:`(1+h^2)|W|`) carried by the true partial products on both sides."""
    p, tr, T = ctx.params, ctx.traj, ctx.T
    delta = ctx.env["delta"]
    head = lambda t, V: (delta[t][None, :] @ V, np.abs(delta[t])[None, :] @ np.abs(V))  # noqa: E731
    M = np.zeros((1, p.d))
    if part in ("forward_part", "gradient"):
        times = range(T, k, -1)  # A_T ... A_{k+1}: the term of output t starts at position T - t
        M = M + _direction_magnitude([head(t, p.V_f) for t in range(T, k - 1, -1)],
                                     [(signed_factor(tr["h"][i], p.W_hh), abs_factor(tr["h"][i], p.W_hh)) for i in times],
                                     (signed_factor(tr["h"][k], p.W_xh), abs_factor(tr["h"][k], p.W_xh)))
    if part in ("backward_part", "gradient"):
        times = range(1, k)  # A<-_1 ... A<-_{k-1}: the term of output t starts at position t - 1
        M = M + _direction_magnitude([head(t, p.V_b) for t in range(1, k + 1)],
                                     [(signed_factor(tr["hb"][i], p.W_b), abs_factor(tr["hb"][i], p.W_b)) for i in times],
                                     (signed_factor(tr["hb"][k], p.U_b), abs_factor(tr["hb"][k], p.U_b)))
    return M


def _at(ctx: StackContext, k: int) -> list:
    """The results at one time ``k``: the two parts and their sum against the loss, each direction's bounds."""
    p, cp, T = ctx.params, ctx.checkpoint, ctx.T
    n, d, m, out = p.n, p.d, p.m, []
    # each derived part evaluated once (the evaluator walks O(T^2) factors); the statement's right side is their sum
    parts = {name: derived(ctx, name, k=k, T=T) for name in ("forward_part", "backward_part")}
    parts["gradient"] = parts["forward_part"] + parts["backward_part"]
    for name, copies in _PARTS:
        def loss(v, k=k, copies=copies):
            xs = np.array(cp.xs, dtype=np.result_type(v, float))
            xs[k - 1] = v
            return np.array([stacked.loss_of(p, cp.xs, cp.targets, cp.loss_kind, **{c: xs for c in copies})])
        out.append(check_jacobian(parts[name], loss, cp.xs[k - 1], out_size=1,
                                  magnitude=part_magnitude(ctx, k, name), depth=n + d + m + 2 * T + 8,
                                  quantity=f"dL/dx_k {name} (k={k}, T={T})", **ctx.labels))
    for name, lo, hi in (("forward", k, T), ("backward", 1, k)):
        part = parts[f"{name}_part"]
        terms, bound = scalar(ctx, f"{name}_norm_terms", k=k, T=T), scalar(ctx, f"{name}_bound", k=k, T=T)
        depth = (hi - lo + 2) * (2 * n + d + m + 8)
        out.append(bound_result(ctx, quantity=f"||{name} part|| <= sum_t of products of norms (k={k})",
                                actual=float(np.linalg.norm(part, 2)), bound=terms, depth=depth, shapes=((1, d),)))
        out.append(bound_result(ctx, quantity=f"{name} part: sum_t of products of norms <= vanishing bound (k={k})",
                                actual=terms, bound=bound, depth=depth, shapes=((1, d),)))
    return out


def check(ctx: StackContext):
    p, cp, tr, T = ctx.params, ctx.checkpoint, ctx.traj, ctx.T
    n, out = p.n, []
    for k in ctx.times(TIMES):
        guarded(ctx, out, f"dL/dx_k parts and bounds (k={k}, T={T})", lambda k=k: _at(ctx, k))
    for t in ctx.times(TIMES, hi=T - 1):
        step = lambda v, t=t: stacked.bidir_forward(p, cp.xs, hb_at={t + 1: v})["hb"][t]  # noqa: E731
        guarded(ctx, out, f"A_back = dhb_t/dhb_(t+1) (t={t})", lambda t=t, step=step: [check_jacobian(
            derived(ctx, "A_back", t=t), step, tr["hb"][t + 1], depth=n + 4, magnitude=abs_factor(tr["hb"][t], p.W_b),
            quantity=f"A_back = dhb_t/dhb_(t+1) (t={t})", **ctx.labels)])
    return out
