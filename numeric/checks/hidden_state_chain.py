r"""Numeric check of ``hidden_state_chain``: :math:`\partial h_t/\partial h_k = J_t J_{t-1}\cdots J_{k+1}` (empty product I).

Both derived products -- ``"dh_t_dh_k"`` (:math:`J_i = \operatorname{diag}(\varphi'(z_i))W_{hh}`)
and ``"dh_t_dh_k_tanh"`` (:math:`J_i = \operatorname{diag}(1-h_i\odot h_i)W_{hh}`) -- are
evaluated on the run's states for pairs ``(t, k)``: ``t`` at :data:`TIMES` times, ``k`` in
``{t, t-1, t-LAG, 0}`` (the empty product, one factor, a long product, from the initial
state), and compared with the complex-step Jacobian of the actual multi-step map
:math:`h_k \mapsto h_t` (:meth:`Context.state_map`; directional first, full on failure).

Error model (Higham 2002, sec. 3.5, first order): the error made in factor :math:`J_q`
(magnitude :math:`(1+h_q^2)|W_{hh}|`, covering the :math:`1-\tanh^2` cancellation) is carried by
the *true* partial products on both sides,
:math:`M = \sum_q |J_t\cdots J_{q+1}|\,(1+h_q^2)|W_{hh}|\,|J_{q-1}\cdots J_{k+1}|`
(:func:`~rnnproof.numeric.checks.loss_to_hidden.row_magnitude` with :math:`c = I`), plus
:math:`\varepsilon` for the empty product; :math:`K = n + 4 + (t-k)`.  Only this error model
uses :math:`J_q` (``bptt_recursion``'s derived expression); complex-step reference error
:math:`2\varepsilon|Ju|`.
"""

from __future__ import annotations

import numpy as np

from ..gradcheck import check_jacobian
from .base import Context
from .bptt_recursion import evaluator, jacobians
from .loss_to_hidden import row_magnitude

__all__ = ["RUNS", "TIMES", "LAG", "check", "pairs"]

RUNS = ("adding", "exploding", "text_large")
TIMES = 3
LAG = 10
NAMES = ("dh_t_dh_k", "dh_t_dh_k_tanh")


def pairs(ctx: Context) -> list[tuple[int, int]]:
    """``(t, k)`` pairs: ``k`` in ``{t, t-1, t-LAG, 0}`` clipped to ``0..t``."""
    return [(t, k) for t in ctx.times(TIMES) for k in sorted({t, t - 1, max(t - LAG, 0), 0}, reverse=True)]


def check(ctx: Context):
    n = ctx.params.n
    ps = pairs(ctx)
    Js, Jmag = jacobians(ctx, max(t for t, _ in ps), identity="bptt_recursion")
    out = []
    # the tanh specialisation (1 - h (.) h) is only a claim about tanh networks
    names = NAMES if ctx.activation == "tanh" else tuple(nm for nm in NAMES if not nm.endswith("_tanh"))
    for name in names:
        chain = evaluator(ctx, name)
        for t, k in ps:
            M = row_magnitude(np.eye(n), np.eye(n), Js, Jmag, t, k)
            f = ctx.state_map(t, k) if t > k else (lambda hk: hk)  # zero steps: the identity map
            out.append(check_jacobian(chain(t=t, k=k), f, ctx.traj.h[k],
                                      quantity=f"dh_t/dh_k ({name}, t={t}, k={k})", magnitude=M,
                                      depth=n + 4 + (t - k), **ctx.labels))
    return out
