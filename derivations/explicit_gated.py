r"""Explicit small LSTM and GRU cells in exact arithmetic, for checking section-G derivation steps.

The pattern of :class:`derivations.explicit.ExplicitElman`: a concrete cell of size ``n``
(1..4) with random *rational* weights, inputs and initial state; its forward map runs in a
private mpmath context at ``2 * DPS`` digits, and every reference Jacobian is the complex-step
derivative of that forward map (step ``10**-DPS``, truncation error far below the ``DPS``-digit
tolerance).  Nothing here uses a formula being proved.

LSTM, in the notation of IDENTITIES.md section G (usual names in brackets: rem = forget gate
*f*, save = input gate *i*, focus = output gate *o*, ltm = cell state *c*, wm = hidden state
*h*, ltm' = ``ltmc`` = candidate *g* / :math:`\tilde c`):

.. math::
   rem_t = \sigma(W_r x_t + U_r wm_{t-1} + b_r),\ save_t = \sigma(W_s x_t + U_s wm_{t-1} + b_s),\
   focus_t = \sigma(W_f x_t + U_f wm_{t-1} + b_f),\ ltm'_t = \tanh(W_l x_t + U_l wm_{t-1} + b_l),

   ltm_t = rem_t\odot ltm_{t-1} + save_t\odot ltm'_t,\qquad wm_t = focus_t\odot\tanh(ltm_t).

GRU (Cho et al. 2014): :math:`u_t = \sigma(W_u h_{t-1} + U_u x_t + b_u)`,
:math:`r_t = \sigma(W_r h_{t-1} + U_r x_t + b_r)`,
:math:`\tilde h_t = \tanh(W_h(r_t\odot h_{t-1}) + U_h x_t + b_h)`,
:math:`h_t = (1-u_t)\odot h_{t-1} + u_t\odot\tilde h_t` (``hc`` is :math:`\tilde h`).

Values for :func:`derivations.evaluate.evaluate` follow the gated contract (env keys ``rem``,
``save``, ``focus``, ``ltmc``, ``ltm``, ``wm``, ``a_r``... and ``u``, ``r``, ``hc``, ``h``,
``a_u``...), as ``{time: column}`` dicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from .mpctx import private_context
from . import sampling

__all__ = ["ExplicitLSTM", "ExplicitGRU"]


@dataclass
class _ExplicitCell:
    """Shared machinery: rational parameters, mpmath forward map, complex-step Jacobians."""

    n: int
    d: int
    T: int
    rng: np.random.Generator
    scale: float = 0.9
    params: dict = field(init=False)

    #: (parameter name, rows, cols kind) -- filled by subclasses
    _SHAPES = ()
    #: names of the state parts, in the order of the stacked state
    _STATE = ()

    def __post_init__(self):
        mat, r = _rational_matrix, self.rng
        size = {"n": self.n, "d": self.d, "1": 1}
        self.params = {name: mat(r, size[rows], size[cols], (-self.scale, self.scale) if cols == "n" else (-1, 1))
                       for name, rows, cols in self._SHAPES}
        self.xs = {t: mat(r, self.d, 1, (-1, 1)) for t in range(1, self.T + 1)}
        self.init = {name: mat(r, self.n, 1, (-0.5, 0.5)) for name in self._STATE}

    def _ctx(self):
        return private_context(2 * sampling.DPS)

    @staticmethod
    def _mp(ctx, M):
        return [[ctx.mpf(int(v.p)) / int(v.q) for v in row] for row in M.tolist()]

    def _setup(self):
        """``(ctx, parameters, inputs, run)`` in the private context, computed once per cell."""
        if getattr(self, "_cache", None) is None:
            ctx = self._ctx()
            p = {k: self._mp(ctx, v) for k, v in self.params.items()}
            xs = {t: [row[0] for row in self._mp(ctx, x)] for t, x in self.xs.items()}
            self._cache = (ctx, p, xs, self._run(ctx, p, xs))
        return self._cache

    @staticmethod
    def _affine(p, Wname, v, Uname, x, bname, n):
        """``W v + U x + b`` on lists (``W`` acts on ``v``)."""
        W, U, b = p[Wname], p[Uname], p[bname]
        return [sum(W[a][q] * v[q] for q in range(len(v))) + sum(U[a][q] * x[q] for q in range(len(x))) + b[a][0]
                for a in range(n)]

    def _run(self, ctx, p, xs):
        """All cell values for t = 1..T: ``{t: {name: list}}``; ``{0: initial state}``."""
        out = {0: {name: [row[0] for row in self._mp(ctx, v)] for name, v in self.init.items()}}
        for t in range(1, self.T + 1):
            out[t] = self._cell(ctx, p, out[t - 1], xs[t])
        return out

    def trajectory(self):
        """``{name: {t: column}}`` of every cell value as SymPy Floats at ``DPS`` digits (computed once)."""
        if getattr(self, "_traj", None) is None:
            self._traj = self._trajectory()
        return self._traj

    def _trajectory(self):
        ctx, p, xs, run = self._setup()
        names = {nm for vals in run.values() for nm in vals}
        return {nm: {t: sp.Matrix([sp.Float(str(v), sampling.DPS) for v in vals[nm]])
                     for t, vals in run.items() if nm in vals} for nm in sorted(names)}

    def env(self):
        """Values for :func:`derivations.evaluate.evaluate`: parameters, ``x`` and every cell value."""
        return {**self.params, "x": self.xs, **self.trajectory()}

    def _complex_step(self, ctx, f, x0):
        eps = ctx.mpf(10) ** (-sampling.DPS)
        return [sp.Float(str(ctx.im(v) / eps), sampling.DPS) for v in f(ctx.mpc(x0, eps))]

    def _jacobian(self, ctx, f, point):
        """Numerator-layout Jacobian of the list map ``f`` at the list ``point``, column by column."""
        cols = []
        for b in range(len(point)):
            def g(s, b=b):
                v = list(point); v[b] = s
                return f(v)
            cols.append(self._complex_step(ctx, g, point[b]))
        return sp.Matrix(cols).T

    def local_jacobian(self, t: int, out: str, wrt: str) -> sp.Matrix:
        """:math:`\\partial out_t/\\partial wrt_{t-1}`, the other parts of the state at ``t-1`` held."""
        ctx, p, xs, run = self._setup()
        prev = run[t - 1]
        return self._jacobian(ctx, lambda v: self._cell(ctx, p, {**prev, wrt: v}, xs[t])[out], prev[wrt])

    def state_jacobian(self, t: int, k: int) -> sp.Matrix:
        """:math:`\\partial s_t/\\partial s_k` of the stacked state (parts in ``_STATE`` order)."""
        size = self.n * len(self._STATE)
        if t == k:
            return sp.eye(size)
        ctx, p, xs, run = self._setup()

        def f(v):
            cur = {nm: v[a * self.n:(a + 1) * self.n] for a, nm in enumerate(self._STATE)}
            for s in range(k + 1, t + 1):
                cur = self._cell(ctx, p, cur, xs[s])
            return [e for nm in self._STATE for e in cur[nm]]
        return self._jacobian(ctx, f, [e for nm in self._STATE for e in run[k][nm]])


def _rational_matrix(rng, rows, cols, domain=(-1.0, 1.0), denominator=97):
    """Random rationals ``p/97`` inside ``domain`` (the grid of :func:`sampling.rational_matrix`, drawn faster)."""
    lo, hi = domain
    vals = np.rint(rng.uniform(lo, hi, size=rows * cols) * denominator).astype(int)
    return sp.ImmutableMatrix(rows, cols, [sp.Rational(int(v), denominator) for v in vals])


def _sig(ctx, v):
    return 1 / (1 + ctx.exp(-v))


@dataclass
class ExplicitLSTM(_ExplicitCell):
    """A concrete LSTM cell (sheet notation; rem/save/focus = forget/input/output gate,
    ltm = cell state c, wm = hidden state h, ltmc = candidate ltm').

    Parameters ``W_g`` (n x d, input), ``U_g`` (n x n, recurrent), ``b_g`` (n x 1) for
    g in r (rem), s (save), f (focus), l (candidate ltm').  The stacked state is
    ``[ltm; wm]`` (2n).

    >>> import numpy as np
    >>> net = ExplicitLSTM(n=2, d=1, T=2, rng=np.random.default_rng(0))
    >>> net.state_jacobian(2, 1).shape
    (4, 4)
    """

    _SHAPES = tuple((f"{k}_{g}", r, c) for g in "rsfl" for k, r, c in (("W", "n", "d"), ("U", "n", "n"), ("b", "n", "1")))
    _STATE = ("ltm", "wm")

    def _cell(self, ctx, p, prev, x):
        n, wm, ltm = self.n, prev["wm"], prev["ltm"]
        a = {g: self._affine(p, f"U_{g}", wm, f"W_{g}", x, f"b_{g}", n) for g in "rsfl"}
        rem, save, focus = ([_sig(ctx, v) for v in a[g]] for g in "rsf")
        ltmc = [ctx.tanh(v) for v in a["l"]]
        new = [rem[q] * ltm[q] + save[q] * ltmc[q] for q in range(n)]
        return {"a_r": a["r"], "a_s": a["s"], "a_f": a["f"], "a_l": a["l"], "rem": rem, "save": save,
                "focus": focus, "ltmc": ltmc, "ltm": new, "wm": [focus[q] * ctx.tanh(new[q]) for q in range(n)]}

    def output_jacobian(self, t: int) -> sp.Matrix:
        """:math:`\\partial wm_t/\\partial ltm_t` with :math:`focus_t` held (complex step of ``focus * tanh(.)``)."""
        ctx, p, xs, run = self._setup()
        vals = run[t]
        return self._jacobian(ctx, lambda v: [vals["focus"][q] * ctx.tanh(v[q]) for q in range(self.n)], vals["ltm"])


@dataclass
class ExplicitGRU(_ExplicitCell):
    """A concrete GRU cell: ``W_g`` (n x n, recurrent), ``U_g`` (n x d, input), ``b_g`` for
    g in u (update), r (reset), h (candidate ``hc``); state ``h``.

    Besides the contract's values the cell exposes ``rh`` = :math:`r_t\\odot h_{t-1}` for
    the product-rule step.

    >>> import numpy as np
    >>> ExplicitGRU(n=3, d=2, T=2, rng=np.random.default_rng(1)).state_jacobian(2, 1).shape
    (3, 3)
    """

    _SHAPES = tuple((f"{k}_{g}", r, c) for g in "urh" for k, r, c in (("W", "n", "n"), ("U", "n", "d"), ("b", "n", "1")))
    _STATE = ("h",)

    def _cell(self, ctx, p, prev, x):
        n, h = self.n, prev["h"]
        a_u = self._affine(p, "W_u", h, "U_u", x, "b_u", n)
        a_r = self._affine(p, "W_r", h, "U_r", x, "b_r", n)
        u, r = [_sig(ctx, v) for v in a_u], [_sig(ctx, v) for v in a_r]
        rh = [r[q] * h[q] for q in range(n)]
        a_h = self._affine(p, "W_h", rh, "U_h", x, "b_h", n)
        hc = [ctx.tanh(v) for v in a_h]
        return {"a_u": a_u, "a_r": a_r, "a_h": a_h, "u": u, "r": r, "rh": rh, "hc": hc,
                "h": [(1 - u[q]) * h[q] + u[q] * hc[q] for q in range(n)]}
