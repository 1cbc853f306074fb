r"""Explicit small residual and highway cells in exact arithmetic (section H derivation steps).

The pattern of :mod:`derivations.explicit_gated`: random *rational* weights, inputs and initial
state; the forward map runs in a private mpmath context at ``2 * DPS`` digits, and every reference
Jacobian is the complex-step derivative of that forward map.  Nothing here uses a formula being proved.

Residual RNN (He et al. 2016, recurrent form): :math:`z_t = W_{hh}h_{t-1} + W_{xh}x_t + b_h`,
:math:`h_t = h_{t-1} + \tanh(z_t)`.

Highway RNN (Srivastava et al. 2015; Zilly et al. 2017): :math:`z_t = W_{hh}h_{t-1} + W_{xh}x_t + b_h`,
:math:`\tilde h_t = \tanh(z_t)` (env key ``hc``), :math:`a_{g,t} = W_g h_{t-1} + U_g x_t + b_g`,
:math:`g_t = \sigma(a_{g,t})`, :math:`h_t = g_t\odot\tilde h_t + (1-g_t)\odot h_{t-1}`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .explicit_gated import _ExplicitCell, _sig

__all__ = ["ExplicitResidual", "ExplicitHighway"]


@dataclass
class ExplicitResidual(_ExplicitCell):
    """A concrete residual cell: ``W_hh`` (n x n), ``W_xh`` (n x d), ``b_h``; state ``h``; values ``z``, ``h``.

    >>> import numpy as np
    >>> ExplicitResidual(n=2, d=1, T=3, rng=np.random.default_rng(0)).state_jacobian(3, 1).shape
    (2, 2)
    """

    _SHAPES = (("W_hh", "n", "n"), ("W_xh", "n", "d"), ("b_h", "n", "1"))
    _STATE = ("h",)

    def _cell(self, ctx, p, prev, x):
        h = prev["h"]
        z = self._affine(p, "W_hh", h, "W_xh", x, "b_h", self.n)
        return {"z": z, "h": [h[q] + ctx.tanh(z[q]) for q in range(self.n)]}


@dataclass
class ExplicitHighway(_ExplicitCell):
    """A concrete highway cell: candidate ``W_hh, W_xh, b_h``, gate ``W_g`` (n x n), ``U_g`` (n x d), ``b_g``.

    >>> import numpy as np
    >>> ExplicitHighway(n=3, d=1, T=2, rng=np.random.default_rng(1)).state_jacobian(2, 1).shape
    (3, 3)
    """

    _SHAPES = (("W_hh", "n", "n"), ("W_xh", "n", "d"), ("b_h", "n", "1"),
               ("W_g", "n", "n"), ("U_g", "n", "d"), ("b_g", "n", "1"))
    _STATE = ("h",)

    def _cell(self, ctx, p, prev, x):
        h, n = prev["h"], self.n
        z = self._affine(p, "W_hh", h, "W_xh", x, "b_h", n)
        a_g = self._affine(p, "W_g", h, "U_g", x, "b_g", n)
        hc, g = [ctx.tanh(v) for v in z], [_sig(ctx, v) for v in a_g]
        return {"z": z, "a_g": a_g, "hc": hc, "g": g, "h": [g[q] * hc[q] + (1 - g[q]) * h[q] for q in range(n)]}
