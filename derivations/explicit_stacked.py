"""Explicit small stacked and bidirectional tanh RNNs in exact arithmetic, for checking derivation steps.

As :mod:`.explicit` does for the Elman cell: random rational weights and inputs, the forward map run
in a private mpmath context at ``2 * DPS`` digits, and derivatives of the *forward map* by the
complex step (step ``10**-DPS``).  Nothing here uses the formulas being proved.

* :class:`ExplicitStacked` -- two layers, ``h_t = tanh(W_hh h_{t-1} + W_xh x_t + b_h)`` (layer 1) and
  ``h2_t = tanh(W_2 h2_{t-1} + U_2 h_t + b_2)`` (layer 2, its input is layer 1's state).
* :class:`ExplicitBidirectional` -- a forward chain ``h_t = tanh(W_hh h_{t-1} + W_xh x_t + b_h)``, a
  backward chain ``hb_t = tanh(W_b hb_{t+1} + U_b x_t + b_b)`` (``hb_{T+1} = 0``), the read-out
  ``y_t = V_f h_t + V_b hb_t + c`` and ``L = sum_t 1/2 ||y_t - o_t||^2``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from .mpctx import private_context
from . import sampling

__all__ = ["ExplicitStacked", "ExplicitBidirectional"]


class _Exact:
    """Shared machinery: an mpmath context, conversions, the complex step."""

    def _ctx(self):
        return private_context(2 * sampling.DPS)

    @staticmethod
    def _mp(ctx, M):
        return [[ctx.mpf(sp.Rational(v).p) / sp.Rational(v).q for v in M.row(r)] for r in range(M.rows)]

    @staticmethod
    def _affine(terms, bias):
        """``sum_k A_k v_k + b`` for lists ``A_k`` (rows) and vectors ``v_k``."""
        return [sum(A[r][c] * v[c] for A, v in terms for c in range(len(v))) + bias[r][0] for r in range(len(bias))]

    @staticmethod
    def _column(ctx, v):
        return sp.Matrix([sp.Float(str(ctx.re(e)), sampling.DPS) for e in v])

    def _jacobian(self, ctx, f, x0):
        """Columns ``d f / d x_b`` at ``x0`` (a list) by the complex step; ``f(list) -> list``."""
        eps = ctx.mpf(10) ** (-sampling.DPS)
        cols = []
        for b in range(len(x0)):
            x = list(x0)
            x[b] = ctx.mpc(x0[b], eps)
            cols.append([sp.Float(str(ctx.im(v) / eps), sampling.DPS) for v in f(x)])
        return sp.Matrix(cols).T


@dataclass
class ExplicitStacked(_Exact):
    """A concrete two-layer stacked tanh RNN (both layers of size ``n``)."""

    n: int
    d: int
    T: int
    rng: np.random.Generator
    scale: float = 0.9
    params: dict = field(init=False)

    def __post_init__(self):
        r, mat, n = self.rng, sampling.rational_matrix, self.n
        self.params = {"W_hh": mat(r, n, n, (-self.scale, self.scale)), "W_xh": mat(r, n, self.d, (-1, 1)),
                       "b_h": mat(r, n, 1, (-0.5, 0.5)), "W_2": mat(r, n, n, (-self.scale, self.scale)),
                       "U_2": mat(r, n, n, (-1, 1)), "b_2": mat(r, n, 1, (-0.5, 0.5))}
        self.xs = {t: mat(r, self.d, 1, (-1, 1)) for t in range(1, self.T + 1)}

    def _data(self, ctx):
        """Parameters and inputs as mpmath numbers (converted once per context: the conversion dominates)."""
        key = id(ctx)
        if getattr(self, "_cache_key", None) != key:
            self._cache_key, self._cache = key, ({k: self._mp(ctx, v) for k, v in self.params.items()},
                                                 {t: [row[0] for row in self._mp(ctx, v)] for t, v in self.xs.items()})
        return self._cache

    def _run(self, ctx, override=None):
        """``({t: h_t}, {t: h2_t}, {t: z_t}, {t: z2_t})``; ``override = (layer, time, vector)`` replaces a state."""
        p, x = self._data(ctx)
        h1, h2, z1, z2 = {0: [ctx.mpf(0)] * self.n}, {0: [ctx.mpf(0)] * self.n}, {}, {}
        if override is not None and override[1] == 0:
            (h1 if override[0] == 1 else h2)[0] = override[2]
        for t in range(1, self.T + 1):
            z1[t] = self._affine([(p["W_hh"], h1[t - 1]), (p["W_xh"], x[t])], p["b_h"])
            h1[t] = [ctx.tanh(v) for v in z1[t]]
            if override is not None and override[:2] == (1, t):
                h1[t] = override[2]
            z2[t] = self._affine([(p["W_2"], h2[t - 1]), (p["U_2"], h1[t])], p["b_2"])
            h2[t] = [ctx.tanh(v) for v in z2[t]]
            if override is not None and override[:2] == (2, t):
                h2[t] = override[2]
        return h1, h2, z1, z2

    def env(self):
        """Values for :func:`derivations.evaluate.evaluate`: parameters, ``x``, ``h``, ``z``, ``h2``, ``z2``."""
        ctx = self._ctx()
        h1, h2, z1, z2 = self._run(ctx)
        col = lambda seq: {t: self._column(ctx, v) for t, v in seq.items()}  # noqa: E731
        return {**self.params, "x": self.xs, "h": col(h1), "h2": col(h2), "z": col(z1), "z2": col(z2)}

    def jacobian(self, layer: int, t: int, source: int, k: int) -> sp.Matrix:
        """:math:`\\partial h^{layer}_t/\\partial h^{source}_k` (layers 1, 2) by the complex step at ``2*DPS`` digits."""
        memo = self.__dict__.setdefault("_memo", {})
        if (layer, t, source, k) not in memo:
            ctx = self._ctx()
            base = self._run(ctx)[source - 1][k]
            memo[layer, t, source, k] = self._jacobian(ctx, lambda v: self._run(ctx, (source, k, v))[layer - 1][t], base)
        return memo[layer, t, source, k]


@dataclass
class ExplicitBidirectional(_Exact):
    """A concrete bidirectional tanh RNN with a linear read-out on both chains and the squared loss."""

    n: int
    d: int
    T: int
    rng: np.random.Generator
    m: int = 1
    scale: float = 0.9
    params: dict = field(init=False)

    def __post_init__(self):
        r, mat, n = self.rng, sampling.rational_matrix, self.n
        self.params = {"W_hh": mat(r, n, n, (-self.scale, self.scale)), "W_xh": mat(r, n, self.d, (-1, 1)),
                       "b_h": mat(r, n, 1, (-0.5, 0.5)), "W_b": mat(r, n, n, (-self.scale, self.scale)),
                       "U_b": mat(r, n, self.d, (-1, 1)), "b_b": mat(r, n, 1, (-0.5, 0.5)),
                       "V_f": mat(r, self.m, n, (-1, 1)), "V_b": mat(r, self.m, n, (-1, 1)),
                       "c": mat(r, self.m, 1, (-0.5, 0.5))}
        self.xs = {t: mat(r, self.d, 1, (-1, 1)) for t in range(1, self.T + 1)}
        self.targets = {t: mat(r, self.m, 1, (-1, 1)) for t in range(1, self.T + 1)}

    def _run(self, ctx, xs_f=None, xs_b=None, hb_override=None):
        """Both chains, outputs and loss; ``xs_f``/``xs_b`` override the inputs each chain sees."""
        p, x, o = self._data(ctx)
        xf, xb = {**x, **(xs_f or {})}, {**x, **(xs_b or {})}
        h, z, hb, zb = {0: [ctx.mpf(0)] * self.n}, {}, {self.T + 1: [ctx.mpf(0)] * self.n}, {}
        for t in range(1, self.T + 1):
            z[t] = self._affine([(p["W_hh"], h[t - 1]), (p["W_xh"], xf[t])], p["b_h"])
            h[t] = [ctx.tanh(v) for v in z[t]]
        for t in range(self.T, 0, -1):
            zb[t] = self._affine([(p["W_b"], hb[t + 1]), (p["U_b"], xb[t])], p["b_b"])
            hb[t] = [ctx.tanh(v) for v in zb[t]]
            if hb_override is not None and hb_override[0] == t:
                hb[t] = hb_override[1]
        y = {t: self._affine([(p["V_f"], h[t]), (p["V_b"], hb[t])], p["c"]) for t in range(1, self.T + 1)}
        loss = sum((y[t][a] - o[t][a]) ** 2 / 2 for t in y for a in range(self.m))
        return {"h": h, "z": z, "hb": hb, "zb": zb, "y": y, "delta": {t: [y[t][a] - o[t][a] for a in range(self.m)]
                                                                     for t in y}, "loss": loss}

    def _data(self, ctx):
        """Parameters, inputs and targets as mpmath numbers, converted once per context."""
        key = id(ctx)
        if getattr(self, "_cache_key", None) != key:
            col = lambda seq: {t: [row[0] for row in self._mp(ctx, v)] for t, v in seq.items()}  # noqa: E731
            self._cache_key = key
            self._cache = ({k: self._mp(ctx, v) for k, v in self.params.items()}, col(self.xs), col(self.targets))
        return self._cache

    def env(self):
        """Values for :func:`derivations.evaluate.evaluate`: parameters, ``x``, ``o``, ``h``, ``z``, ``hb``, ``zb``, ``delta``."""
        ctx = self._ctx()
        r = self._run(ctx)
        col = lambda seq: {t: self._column(ctx, v) for t, v in seq.items()}  # noqa: E731
        return {**self.params, "x": self.xs, "o": self.targets, **{k: col(r[k]) for k in ("h", "z", "hb", "zb", "delta")}}

    def input_gradient(self, k: int, *, chain: str = "both") -> sp.Matrix:
        """:math:`\\partial L/\\partial x_k` as a row (1 x d), numerator layout, by the complex step;
        ``chain`` = ``"forward"``/``"backward"`` perturbs the input that one chain sees only."""
        ctx = self._ctx()
        x0 = [row[0] for row in self._mp(ctx, self.xs[k])]

        def f(v):
            over = {"xs_f": {k: v} if chain in ("both", "forward") else None,
                    "xs_b": {k: v} if chain in ("both", "backward") else None}
            return [self._run(ctx, **over)["loss"]]
        return self._jacobian(ctx, f, x0)

    def backward_jacobian(self, t: int, k: int) -> sp.Matrix:
        """:math:`\\partial hb_t/\\partial hb_k` for ``t <= k`` (the backward chain runs from ``T`` down)."""
        ctx = self._ctx()
        base = self._run(ctx)["hb"][k]
        return self._jacobian(ctx, lambda v: self._run(ctx, hb_override=(k, v))["hb"][t], base)

    def input_jacobian(self, chain: str, k: int) -> sp.Matrix:
        """:math:`\\partial h_k/\\partial x_k` (``chain="forward"``) or :math:`\\partial hb_k/\\partial x_k`."""
        ctx = self._ctx()
        x0 = [row[0] for row in self._mp(ctx, self.xs[k])]
        key = "h" if chain == "forward" else "hb"
        over = "xs_f" if chain == "forward" else "xs_b"
        return self._jacobian(ctx, lambda v: self._run(ctx, **{over: {k: v}})[key][k], x0)
