r"""Numeric check of ``loss_to_hidden``: :math:`\frac{\partial\ell_i}{\partial h_j} = \frac{\partial\ell_i}{\partial h_i}\prod_{j<q\le i}J_q` (``1 x n`` rows, ``j <= i``).

The derived ``"dl_i_dh_j"`` (:math:`\delta_i^\top W_{yh}\prod_{q=j+1}^{i}J_q`, squared loss) is
evaluated on a real run with ``loss_kind == "squared"`` for pairs ``(i, j)``: ``i`` at
:data:`TIMES` times spread over the sequence, ``j`` in ``{i, i-1, i-LAG, 1}`` (the empty
product, one factor, a long product).  The reference is the complex-step gradient of the
actual loss term :math:`\ell_i` as a function of :math:`h_j` (the states
:math:`h_{j+1}\dots h_i` recomputed by :func:`rnnproof.numeric.engine.forward`).

Error model (Higham 2002, sec. 3.5, first order): the product is accumulated factor by
factor; the error made in :math:`J_q` (magnitude :math:`(1+h_q^2)|W_{hh}|`, which covers the
:math:`1-\tanh^2` cancellation) is carried by the *true* partial products on both sides, and
the row :math:`c = \delta_i^\top W_{yh}` (the derived expression at ``j = i``) has magnitude
:math:`c^{abs}` from :func:`~rnnproof.numeric.checks.bptt_recursion.abs_env`:
:math:`M = |c|\sum_{q}|J_i\cdots J_{q+1}|\,(1+h_q^2)|W_{hh}|\,|J_{q-1}\cdots J_{j+1}| +
c^{abs}|J_i\cdots J_{j+1}|` (:func:`row_magnitude`), :math:`K = n + m + 4 + (i-j)`.  Only this
error model uses :math:`J_q` (from ``bptt_recursion``'s derived expressions); complex-step
reference error :math:`2\varepsilon|Ju|`.

Reference: IDENTITIES.md section C; Pascanu, Mikolov, Bengio (2013), eq. (5).
"""

from __future__ import annotations

import numpy as np

from rnnproof.derivations.errors import InputError
from rnnproof.numeric import engine

from ..gradcheck import check_jacobian
from .base import Context
from .bptt_recursion import abs_env, evaluator, jacobians
from .loss_gradients import head_loss

__all__ = ["RUNS", "TIMES", "LAG", "check", "pairs", "loss_term_by_state", "row_magnitude"]

RUNS = ("adding", "vanishing")
TIMES = 3
LAG = 12


def pairs(ctx: Context) -> list[tuple[int, int]]:
    """The ``(i, j)`` pairs checked: ``j`` in ``{i, i-1, i-LAG, 1}`` clipped to ``1..i``."""
    out = []
    for i in ctx.times(TIMES):
        out += [(i, j) for j in sorted({i, max(i - 1, 1), max(i - LAG, 1), 1}, reverse=True)]
    return out


def loss_term_by_state(ctx: Context, i: int, j: int):
    r"""The actual :math:`h_j \mapsto \ell_i` (inputs :math:`x_{j+1..i}` and weights fixed)."""
    cp = ctx.checkpoint

    def f(hj):
        hi = engine.forward(cp.params, cp.xs[j:i], h0=hj).h[-1] if i > j else hj
        return head_loss(cp.params, hi, cp.targets[i - 1])
    return f


def row_magnitude(c, cmag, Js, Jmag, i: int, j: int) -> np.ndarray:
    r"""First-order rounding magnitude of the computed row :math:`c\,J_i\cdots J_{j+1}` (see module docstring)."""
    n = Js[1].shape[0] if Js else c.shape[1]
    pref, E, S = {j + 1: np.eye(n)}, np.zeros((n, n)), np.eye(n)
    for q in range(j + 2, i + 1):
        pref[q] = Js[q - 1] @ pref[q - 1]
    for q in range(i, j, -1):  # S = J_i ... J_{q+1}
        E += np.abs(S) @ Jmag[q] @ np.abs(pref[q])
        S = S @ Js[q]
    return np.abs(c) @ E + cmag @ np.abs(S)


def check(ctx: Context):
    if ctx.checkpoint.loss_kind != "squared":
        raise InputError(f"loss_to_hidden: the derivation is for squared loss; run {ctx.run.name!r} uses "
                         f"{ctx.checkpoint.loss_kind!r} (pick a run with loss_kind 'squared')")
    n, m = ctx.params.n, ctx.params.m
    row, rabs = evaluator(ctx, "dl_i_dh_j"), evaluator(ctx, "dl_i_dh_j", abs_env(ctx.env))
    ps = pairs(ctx)
    Js, Jmag = jacobians(ctx, max(i for i, _ in ps), identity="bptt_recursion")
    out = []
    for i, j in ps:
        M = row_magnitude(row(i=i, j=i), np.abs(rabs(i=i, j=i)), Js, Jmag, i, j)
        out.append(check_jacobian(row(i=i, j=j), loss_term_by_state(ctx, i, j), ctx.traj.h[j],
                                  quantity=f"dl_i/dh_j (i={i}, j={j})", magnitude=M,
                                  depth=n + m + 4 + (i - j), **ctx.labels))
    return out
