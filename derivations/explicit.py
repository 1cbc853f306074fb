"""Explicit small Elman networks in exact SymPy arithmetic, for checking derivation steps.

A claim about a quantity that the forward map defines -- a state Jacobian, an immediate
partial, a loss gradient -- is checked by building a concrete network (sizes 1..4, random
rational weights and inputs), differentiating its forward map *exactly* with SymPy, and
comparing with the derived expression evaluated on the same trajectory.  Nothing here uses
the formulas being proved: the reference is the complex-step derivative of the forward map,
computed in a private mpmath context at twice ``DPS`` digits (step ``10**-DPS``, so the
truncation error ``O(eps^2)`` is far below the ``DPS``-digit tolerance).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from .mpctx import private_context
from . import sampling
from .functions import ACTIVATIONS, unfold

__all__ = ["ExplicitElman"]


@dataclass
class ExplicitElman:
    """A concrete Elman network ``z_t = W_hh h_{t-1} + W_xh x_t + b_h``, ``h_t = phi(z_t)``.

    Parameters
    ----------
    n, d, m : int
        Hidden, input and output sizes.
    T : int
        Sequence length.
    rng : numpy.random.Generator
        Source of the random rational weights, inputs, targets and ``h_0``.
    activation : {"tanh", "sigmoid"}
    row : bool
        Row-vector notation: ``h_t = phi(x_t W_xh + h_{t-1} W_hh + b)``; ``W_hh`` then
        stores the row-notation matrix and ``h`` values are still returned as columns.
    """

    n: int
    d: int
    T: int
    rng: np.random.Generator
    m: int = 1
    activation: str = "tanh"
    row: bool = False
    scale: float = 0.9
    params: dict = field(init=False)

    def __post_init__(self):
        r = self.rng
        mat = sampling.rational_matrix
        self.params = {
            "W_hh": mat(r, self.n, self.n, (-self.scale, self.scale)),
            "W_xh": mat(r, self.n, self.d, (-1, 1)),
            "b_h": mat(r, self.n, 1, (-0.5, 0.5)),
            "W_yh": mat(r, self.m, self.n, (-1, 1)),
            "b_y": mat(r, self.m, 1, (-0.5, 0.5)),
        }
        self.xs = {t: mat(r, self.d, 1, (-1, 1)) for t in range(1, self.T + 1)}
        self.targets = {t: mat(r, self.m, 1, (-1, 1)) for t in range(1, self.T + 1)}
        self.h0 = mat(r, self.n, 1, (-0.5, 0.5))
        self._phi = ACTIVATIONS[self.activation]

    # -- forward map in a private mpmath context (complex-capable, for complex-step derivatives)
    def _ctx(self):
        return private_context(2 * sampling.DPS)

    def _mp(self, ctx, M):
        return [[ctx.mpf(sp.Rational(v).p) / sp.Rational(v).q for v in M.row(r)] for r in range(M.rows)]

    def _phi_mp(self, ctx, v):
        return ctx.tanh(v) if self.activation == "tanh" else 1 / (1 + ctx.exp(-v))

    def _forward(self, ctx, p, h, t0, t1):
        """h_{t1} from h_{t0} = ``h`` (lists of numbers), with parameter lists ``p``."""
        W, U, b = p["W_hh"], p["W_xh"], p["b_h"]
        for t in range(t0 + 1, t1 + 1):
            x = [row[0] for row in self._xmp[t]]
            if self.row:  # z_j = sum_i h_i W[i][j] + sum_a x_a U[j][a] + b_j
                z = [sum(h[i] * W[i][j] for i in range(self.n)) + sum(x[a] * U[j][a] for a in range(self.d)) + b[j][0]
                     for j in range(self.n)]
            else:
                z = [sum(W[j][i] * h[i] for i in range(self.n)) + sum(U[j][a] * x[a] for a in range(self.d)) + b[j][0]
                     for j in range(self.n)]
            h = [self._phi_mp(ctx, v) for v in z]
        return h

    def _setup(self):
        ctx = self._ctx()
        self._xmp = {t: self._mp(ctx, x) for t, x in self.xs.items()}
        p = {k: self._mp(ctx, v) for k, v in self.params.items()}
        return ctx, p

    def trajectory(self):
        """``({t: h_t}, {t: z_t})`` as SymPy Floats at ``DPS`` digits, t = 0..T."""
        ctx, p = self._setup()
        h = [row[0] for row in self._mp(ctx, self.h0)]
        hs, zs = {0: self.h0}, {}
        for t in range(1, self.T + 1):
            hn = self._forward(ctx, p, h, t - 1, t)
            zs[t] = sp.Matrix([sp.Float(str(ctx.atanh(v) if self.activation == "tanh" else -ctx.log(1 / v - 1)), sampling.DPS) for v in hn])
            hs[t] = sp.Matrix([sp.Float(str(v), sampling.DPS) for v in hn])
            h = hn
        return hs, zs

    def env(self):
        """Values for :func:`derivations.evaluate.evaluate`: parameters, ``h``, ``z``, ``x``, ``o``."""
        hs, zs = self.trajectory()
        return {**self.params, "h": hs, "z": zs, "x": self.xs, "o": self.targets}

    def _complex_step(self, ctx, f, x0):
        """d f / d x at x0 for a vector ``f`` analytic in x: Im f(x0 + i eps) / eps."""
        eps = ctx.mpf(10) ** (-sampling.DPS)
        return [sp.Float(str(ctx.im(v) / eps), sampling.DPS) for v in f(ctx.mpc(x0, eps))]

    def state_jacobian(self, t: int, k: int) -> sp.Matrix:
        """:math:`\\partial h_t/\\partial h_k`: complex-step derivatives of the forward map at 80 digits."""
        if t == k:
            return sp.eye(self.n)
        ctx, p = self._setup()
        hs = self._forward_all(ctx, p)
        cols = []
        for b in range(self.n):
            def f(s, b=b):
                h = list(hs[k]); h[b] = s
                return self._forward(ctx, p, h, k, t)
            cols.append(self._complex_step(ctx, f, hs[k][b]))
        return sp.Matrix(cols).T

    def _forward_all(self, ctx, p):
        h = [row[0] for row in self._mp(ctx, self.h0)]
        hs = {0: h}
        for t in range(1, self.T + 1):
            hs[t] = self._forward(ctx, p, hs[t - 1], t - 1, t)
        return hs

    def parameter_jacobian(self, t: int, name: str, *, immediate: bool = False) -> sp.Matrix:
        """:math:`dh_t/d\\theta` (total, or immediate with ``h_{t-1}`` fixed), one column per
        entry of ``theta`` in row-major order."""
        ctx, p = self._setup()
        hs = self._forward_all(ctx, p)
        theta = p[name]
        cols = []
        for r in range(len(theta)):
            for c in range(len(theta[0])):
                def f(s, r=r, c=c):
                    q = {**p, name: [list(row) for row in theta]}
                    q[name][r][c] = s
                    return self._forward(ctx, q, hs[t - 1], t - 1, t) if immediate else self._forward(ctx, q, hs[0], 0, t)
                cols.append(self._complex_step(ctx, f, theta[r][c]))
        return sp.Matrix(cols).T

    def loss_gradient(self, name: str) -> sp.Matrix:
        """:math:`\\partial L/\\partial\\theta`, :math:`L = \\sum_t \\tfrac12\\lVert W_{yh}h_t + b_y - o_t\\rVert^2`,
        by complex step, shaped like ``theta``."""
        ctx, p = self._setup()
        theta = p[name]
        o = {t: self._mp(ctx, v) for t, v in self.targets.items()}

        def loss(q):
            h = [row[0] for row in self._mp(ctx, self.h0)]
            total = 0
            for t in range(1, self.T + 1):
                h = self._forward(ctx, q, h, t - 1, t)
                for a in range(self.m):
                    e = sum(q["W_yh"][a][i] * h[i] for i in range(self.n)) + q["b_y"][a][0] - o[t][a][0]
                    total += e * e / 2
            return [total]

        g = []
        for r in range(len(theta)):
            for c in range(len(theta[0])):
                def f(s, r=r, c=c):
                    q = {**p, name: [list(row) for row in theta]}
                    q[name][r][c] = s
                    return loss(q)
                g.append(self._complex_step(ctx, f, theta[r][c])[0])
        return sp.Matrix(len(theta), len(theta[0]), g)

    def _loss_term(self, ctx, p, h, o):
        """:math:`\\ell = \\tfrac12\\lVert W_{yh}h + b_y - o\\rVert^2` on lists of numbers."""
        total = 0
        for a in range(self.m):
            e = sum(p["W_yh"][a][q] * h[q] for q in range(self.n)) + p["b_y"][a][0] - o[a][0]
            total += e * e / 2
        return total

    def loss_by_state(self, t: int, *, terms=None) -> sp.Matrix:
        """:math:`\\partial(\\sum_{u\\in terms}\\ell_u)/\\partial h_t` as a column, by complex step.

        ``terms`` (times ``>= t``) defaults to ``t..T``, which gives the total
        :math:`g_t = \\partial L/\\partial h_t`; ``terms=[i]`` gives :math:`\\partial\\ell_i/\\partial h_t`.
        Later states are recomputed from the perturbed :math:`h_t` by the forward map.
        """
        ctx, p = self._setup()
        hs = self._forward_all(ctx, p)
        o = {u: self._mp(ctx, v) for u, v in self.targets.items()}
        terms = sorted(range(t, self.T + 1) if terms is None else terms)
        if terms and terms[0] < t:
            raise ValueError(f"loss terms must be at times >= {t}, got {terms}")

        def L(hv):
            total, cur, prev = 0, hv, t
            for u in terms:
                cur, prev = self._forward(ctx, p, cur, prev, u), u
                total += self._loss_term(ctx, p, cur, o[u])
            return [total]

        cols = []
        for b in range(self.n):
            def f(v, b=b):
                hv = list(hs[t]); hv[b] = v
                return L(hv)
            cols.append(self._complex_step(ctx, f, hs[t][b])[0])
        return sp.Matrix(cols)

