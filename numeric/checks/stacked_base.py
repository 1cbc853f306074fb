r"""Check context for the stacked and bidirectional runs (:mod:`rnnproof.numeric.stacked_runs`).

A :class:`StackContext` is one checkpoint of one run with its trajectory, the evaluator environment of
the contract (:func:`rnnproof.numeric.stacked.env`) and the *actual* forward maps finite differences
differentiate (:mod:`rnnproof.numeric.stacked` with its ``h1_at``/``hb_at``/``xs_f``/``xs_b`` hooks), with
the API of :class:`.base.Context` (``labels``, ``expression``, ``times``, ``T``, ``params``).

Rounding model (Higham 2002, sec. 3.5, first order; probabilistic form in :mod:`rnnproof.numeric.gradcheck`):
the rounding error of one factor :math:`F_q` of a product (magnitude :math:`|F_q|_{abs}`, for a tanh
Jacobian :math:`(1 + h^2)|W|`, the :math:`1 - \tanh^2` cancellation: :func:`abs_factor`) is carried to
the result by the *true* partial products on both sides, :math:`M = \sum_q |F_1\cdots F_{q-1}|\,
|F_q|_{abs}\,|F_{q+1}\cdots F_r|` (:func:`chain_magnitude`; Higham 2002, eq. 3.6 to first order).  Taking
absolute values of whole long products instead grows like :math:`\lVert|W|\rVert^{t-k}`
and would swallow the quantity it guards.  Only the error model is built here; the compared values are
the derived expressions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from rnnproof.derivations.evaluate import evaluate
from rnnproof.derivations.matexpr import unroll

from .. import stacked
from .base import ContextAPI

__all__ = ["StackContext", "derived", "scalar", "abs_factor", "signed_factor", "chain_magnitude", "guarded"]


@dataclass(frozen=True)
class StackContext(ContextAPI):
    """One checkpoint of one stacked or bidirectional run, ready for checks."""

    identity: str
    run: Any
    checkpoint: Any
    seed: int
    traj: dict = field(init=False)
    env: dict = field(init=False)

    def __post_init__(self):
        cp = self.checkpoint
        traj = stacked.forward_of(cp.params, cp.xs, cp.h0 if isinstance(cp.params, stacked.StackedParams) else None)
        object.__setattr__(self, "traj", traj)
        object.__setattr__(self, "env", stacked.env(cp.params, traj, cp.targets, cp.loss_kind))

    activation = property(lambda self: "tanh")
    T = property(lambda self: self.traj["T"])


def derived(ctx: StackContext, name: str, **bindings) -> np.ndarray:
    """The derived matrix expression ``name`` evaluated on the run (float64)."""
    return np.asarray(evaluate(ctx.expression(name), ctx.env, bindings, backend="numpy"), dtype=np.float64)


def scalar(ctx: StackContext, name: str, **bindings) -> float:
    """A derived scalar (a ``Sum`` of norms), unrolled for the concrete times, evaluated on the run."""
    e = ctx.expression(name)
    by_name = {str(s): s for s in e.free_symbols}
    b = {by_name.get(k, sp.Symbol(k, integer=True)): v for k, v in bindings.items()}
    return float(np.real(evaluate(unroll(e, b), ctx.env, b, backend="numpy")))


def abs_factor(state: np.ndarray, W: np.ndarray) -> np.ndarray:
    """:math:`\\operatorname{diag}(1 + h\\odot h)|W|`: magnitude of the terms of :math:`\\operatorname{diag}(1 - h\\odot h)W`."""
    return (1 + state ** 2)[:, None] * np.abs(W)


def signed_factor(state: np.ndarray, W: np.ndarray) -> np.ndarray:
    r""":math:`\operatorname{diag}(1 - h\odot h)W` from the run's state (error model only: the partial products
    that carry one factor's rounding error)."""
    return (1 - state ** 2)[:, None] * W


def chain_magnitude(factors: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    r""":math:`\sum_q |F_1\cdots F_{q-1}|\,|F_q|_{abs}\,|F_{q+1}\cdots F_r|` for ``factors = [(F_q, |F_q|_abs)]``
    in left-to-right order (rectangular factors allowed)."""
    r = len(factors)
    left = [np.eye(factors[0][0].shape[0])]
    for F, _ in factors[:-1]:
        left.append(left[-1] @ F)
    right = [np.eye(factors[-1][0].shape[1])]
    for F, _ in reversed(factors[1:]):
        right.append(F @ right[-1])
    right.reverse()
    return sum(np.abs(left[q]) @ factors[q][1] @ np.abs(right[q]) for q in range(r))


def guarded(ctx: StackContext, out: list, quantity: str, compute) -> None:
    """``out.extend(compute())``; a derived expression that cannot be evaluated on the run (it asks for a time
    outside the sequence, a leaf the run does not have) is a *failed* result naming why, not a crash."""
    import math

    from rnnproof.derivations.errors import InputError, ShapeError

    from .base import _result
    try:
        out.extend(compute())
    except (InputError, ShapeError) as err:
        out.append(_result(ctx, quantity=quantity, method="derived", derived=math.nan, reference=math.nan,
                           abs_err=math.inf, tol=0.0, passed=False, note=f"derived expression not evaluable: {err}"))
