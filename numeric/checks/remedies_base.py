r"""Check context for the section-H runs (residual, highway), with the API of :class:`.base.Context`.

A :class:`RemedyContext` is one checkpoint of one run of :mod:`rnnproof.numeric.remedies_runs` with its
trajectory, the evaluator environment (:func:`~rnnproof.numeric.remedies.env_of`) and the *actual* forward
maps that the complex step differentiates (``state_map``, ``local_map``).

Rounding model (Higham 2002, sec. 3.5), as :mod:`.gated_base`: :func:`residual_magnitude` and
:func:`highway_magnitude` give, entry by entry, the sum of the absolute values of the terms of the one-step
Jacobian in the derived formula, with :math:`\sigma(1-\sigma)\to\sigma(1+\sigma)`, :math:`1-\tilde h^2\to
1+\tilde h^2` (the cancellations) and the conditioning :math:`1 + 2Z` of :math:`\varphi'` at a pre-activation
rounded with absolute error :math:`\gamma_K Z`, :math:`Z = |W||h_{t-1}| + |U||x_t| + |b|` (the argument of
``jacobian_norm_bound``'s model, :math:`|\varphi''| \le 2|\varphi'|`).  They are only the *error model*;
the compared values are the derived ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rnnproof.derivations.errors import InputError

from .. import remedies
from .base import ContextAPI

__all__ = ["RemedyContext", "residual_magnitude", "highway_magnitude", "jacobian_magnitude", "require"]


@dataclass(frozen=True)
class RemedyContext(ContextAPI):
    """One checkpoint of one residual or highway run, ready for checks (same API as :class:`.base.Context`)."""

    identity: str
    run: Any
    checkpoint: Any
    seed: int
    traj: Any = field(init=False)
    env: dict = field(init=False)

    def __post_init__(self):
        cp = self.checkpoint
        traj = remedies.forward_of(cp.params, cp.xs, cp.h0)
        object.__setattr__(self, "traj", traj)
        object.__setattr__(self, "env", remedies.env_of(cp.params, traj))

    cell = property(lambda self: "highway" if isinstance(self.checkpoint.params, remedies.HighwayParams) else "residual")
    activation = property(lambda self: "tanh", doc="the candidate is tanh, the gate sigma")
    T = property(lambda self: self.traj.T)

    def state(self, t: int) -> np.ndarray:
        """:math:`h_t`."""
        return self.traj.h[t]

    def state_map(self, t: int, k: int):
        """The actual forward map :math:`h_k \\mapsto h_t` (inputs :math:`x_{k+1..t}` and weights fixed)."""
        xs, p = self.checkpoint.xs[k:t], self.params
        return lambda hk: remedies.forward_of(p, xs, hk).h[-1]

    def local_map(self, t: int, field_name: str):
        """The actual map :math:`h_{t-1}\\mapsto` ``field_name`` at time t (``g``, ``hc``, ``z``...)."""
        xs, p = self.checkpoint.xs[t - 1:t], self.params
        return lambda hp: getattr(remedies.forward_of(p, xs, hp), field_name)[-1]


def _z_scale(W, h, U, x, b):
    return np.abs(W) @ np.abs(h) + np.abs(U) @ np.abs(x) + np.abs(b)


def residual_magnitude(ctx: RemedyContext, t: int) -> np.ndarray:
    """Magnitude of the entries of :math:`I + \\operatorname{diag}(\\varphi'(z_t))W_{hh}` (n x n)."""
    p, e = ctx.params, ctx.env
    dphi = 1 / np.cosh(e["z"][t]) ** 2
    Z = _z_scale(p.W_hh, e["h"][t - 1], p.W_xh, e["x"][t], p.b_h)
    return np.eye(p.n) + (dphi * (1 + 2 * Z))[:, None] * np.abs(p.W_hh)


def highway_magnitude(ctx: RemedyContext, t: int) -> np.ndarray:
    """Magnitude of the entries of the highway Jacobian (n x n) in the derived formula."""
    p, e = ctx.params, ctx.env
    g, hc, h, x = e["g"][t], e["hc"][t], e["h"][t - 1], e["x"][t]
    Zz, Za = _z_scale(p.W_hh, h, p.W_xh, x, p.b_h), _z_scale(p.W_g, h, p.U_g, x, p.b_g)
    return (np.diag(1 + g) + (g * (1 + hc * hc) * (1 + 2 * Zz))[:, None] * np.abs(p.W_hh)
            + ((np.abs(hc) + np.abs(h)) * g * (1 + g) * (1 + 2 * Za))[:, None] * np.abs(p.W_g))


def jacobian_magnitude(ctx: RemedyContext, t: int) -> np.ndarray:
    """The one-step Jacobian's magnitude for either cell."""
    return highway_magnitude(ctx, t) if ctx.cell == "highway" else residual_magnitude(ctx, t)


def require(ctx, cell: str) -> RemedyContext:
    """``ctx`` when it is a checkpoint of a ``cell`` run ('residual' or 'highway'); else :class:`InputError`
    naming the run and the runs that fit (an identity about one cell says nothing about another's runs)."""
    if not isinstance(ctx, RemedyContext) or ctx.cell != cell:
        from ..remedies_runs import CONFIGS
        fits = ", ".join(k for k, c in CONFIGS.items() if c["cell"] == cell)
        raise InputError(f"{ctx.identity}: run {ctx.run.name!r} is not a {cell} RNN run (its parameters are "
                         f"{type(ctx.params).__name__}); {cell} runs: {fits}")
    return ctx
