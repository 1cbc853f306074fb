r"""``gradient_clipping``: :math:`\hat g = g\min(1, \tau/\lVert g\rVert) \Rightarrow \lVert\hat g\rVert = \min(\lVert g\rVert, \tau) \le \tau`, same direction.

.. math::
   \hat g = c\,g,\quad c = \min\!\Big(1, \frac{\tau}{\lVert g\rVert}\Big) > 0,\qquad
   \lVert\hat g\rVert = c\lVert g\rVert = \min(\lVert g\rVert, \tau) \le \tau,\qquad
   \cos\angle(\hat g, g) = \frac{c\,g^\top g}{|c|\,\lVert g\rVert^2} = 1 .

Symbols of the derived expression ``clipped``: ``g`` is a ``MatrixSymbol("g", P, 1)`` (the whole
gradient flattened to a column of ``P`` entries, ``env["g"]``), ``tau`` a positive ``Symbol("tau")``
(the threshold, bound in ``bindings``); ``||g||`` is the Euclidean norm (the spectral norm of a
column).  ``g != 0`` is assumed (Algorithm 1 clips only when ``||g|| >= tau > 0``).

Proved by a case split with positive symbols (``N = ||g||``): ``tau = N + s0`` (``s0 >= 0``) and
``N = tau + s`` (``s > 0``); in the second case SymPy cannot simplify ``min(1, tau/(tau+s))`` itself,
so the step proves ``tau/(tau+s) < 1`` and the minimum is resolved by its definition.  Homogeneity
``||c g|| = |c| ||g||`` is proved at symbolic ``P`` with ``Indexed`` sums; explicit vectors
(``P = 1..4``) cross-check the norm (numerically confirmed).

Reference: IDENTITIES.md section E; Pascanu, Mikolov, Bengio (2013), Algorithm 1.
"""

from __future__ import annotations

import sympy as sp

from ..claims import Rel
from ..forall import ForAll
from ..matexpr import SpectralNorm
from ..matrixclaims import Instance, MatrixEq, MatrixRel
from ..model import Identity, Step, SymbolSpec
from .. import sampling

__all__ = ["IDENTITY", "P", "g", "tau", "clipped", "factor", "substitute", "norm_claim", "ForAll"]

#: number of gradient entries, the gradient column and the threshold
P = sp.Symbol("P", integer=True, positive=True)
g = sp.MatrixSymbol("g", P, 1)
tau = sp.Symbol("tau", positive=True)
_N = sp.Symbol("N", positive=True)
_s0 = sp.Symbol("s_0", nonnegative=True)
_s = sp.Symbol("s", positive=True)
_c = sp.Symbol("c", positive=True)
_S = sp.Symbol("S", positive=True)
_p = sp.Symbol("p", integer=True)
_gi = sp.IndexedBase("g", real=True)


def _factor(norm, threshold):
    return sp.Min(1, threshold / norm)


#: the clipped gradient g * min(1, tau/||g||)
clipped = _factor(SpectralNorm(g), tau) * g


def substitute(expr, G, tau_value):
    """``expr`` with the explicit column ``G`` for ``g`` (its norm exactly ``sqrt(G^T G)``) and ``tau``."""
    G = sp.ImmutableMatrix(G)
    e = expr.xreplace({SpectralNorm(g): sp.sqrt((G.T * G)[0, 0])}).xreplace({g: G, tau: sp.sympify(tau_value)})
    return e.doit() if isinstance(e, sp.MatrixExpr) else e


#: the clipping factor c = min(1, tau/||g||), as derived
factor = _factor(SpectralNorm(g), tau)
#: the clipped gradient as an opaque column (what Algorithm 1 returns)
g_hat = sp.MatrixSymbol("g_hat", P, 1)
_COS = sp.Symbol(r"cos(g_hat, g)")


def _draw(rng, size):
    G = sampling.rational_matrix(rng, size, 1, (-2.0, 2.0))
    if G.is_zero_matrix:
        G = sp.ImmutableMatrix.ones(size, 1)
    return G, sp.Rational(int(rng.integers(1, 60)), 20)  # about half the draws clip


def _algorithm(rng, size, values):
    """``explicit`` hook: Algorithm 1 run on a random rational column in exact arithmetic (if ||g|| > tau:
    g <- tau g/||g||), the result standing for ``g_hat``; the claim evaluates its own sides."""
    G, t = _draw(rng, size)
    norm = sp.sqrt((G.T * G)[0, 0])
    out = G * t / norm if norm > t else G
    cos = (out.T * G)[0, 0] / (sp.sqrt((out.T * out)[0, 0]) * norm)
    return Instance({"g": G, "g_hat": out}, {tau: t, _COS: cos})


def norm_claim(expr=None, *, trials: int = 2) -> MatrixRel:
    """``||expr|| = min(||g||, tau)`` on explicit rational columns (``expr`` defaults to ``clipped``)."""
    expr = clipped if expr is None else expr
    return MatrixRel(SpectralNorm(expr), "=", sp.Min(SpectralNorm(g), tau), size=P, explicit=_algorithm, trials=trials,
                     why_not="the cases above prove it; this is the cross-check on explicit vectors")


def _steps():
    N = SpectralNorm(g)
    small, big = {N: _N, tau: _N + _s0}, {N: _N, tau: _N / (1 + _s)}  # ||g|| <= tau; ||g|| > tau
    S = sp.Sum(_gi[_p] ** 2, (_p, 0, P - 1))
    cosine = factor * _S / (sp.Abs(factor) * sp.sqrt(_S) * sp.sqrt(_S))
    return (
        Step(MatrixEq(g_hat, clipped, size=P, explicit=_algorithm, sizes=(1, 2, 3, 4),
                      why_not="a definition (Algorithm 1) checked on explicit vectors"),
             "Algorithm 1: if ||g|| > tau then g <- tau g/||g||, i.e. g_hat = min(1, tau/||g||) g"),
        Step(ForAll(factor, "=", 1, small), "case ||g|| <= tau (tau = ||g|| + s0, s0 >= 0): tau/||g|| >= 1, so c = 1"),
        Step(ForAll(sp.Abs(factor) * N, "=", sp.Min(N, tau), small), "case ||g|| <= tau: ||g_hat|| = |c| ||g|| = min(||g||, tau)"),
        Step(ForAll(sp.Min(N, tau), "<=", tau, small), "case ||g|| <= tau: min(||g||, tau) <= tau"),
        Step(ForAll(factor, "=", tau / N, big), "case ||g|| > tau (tau = ||g||/(1 + s), s > 0): c = tau/||g|| (definition of min)"),
        Step(ForAll(sp.Abs(factor) * N, "=", sp.Min(N, tau), big), "case ||g|| > tau: ||g_hat|| = (tau/||g||) ||g|| = tau = min(||g||, tau)"),
        Step(ForAll(sp.Min(N, tau), "<=", tau, big), "case ||g|| > tau: min(||g||, tau) <= tau"),
        Step(ForAll(factor, ">", 0, {N: _N}), "c = min(1, tau/||g||) > 0 for tau > 0, g != 0"),
        Step(Rel(sp.sqrt(sp.Sum((_c * _gi[_p]) ** 2, (_p, 0, P - 1))), "=", _c * sp.sqrt(S)),
             "homogeneity of the Euclidean norm at symbolic P: ||c g|| = c ||g|| for c > 0"),
        Step(ForAll(cosine, "=", 1, {N: sp.sqrt(_S)}),
             "cosine: g_hat^T g / (||g_hat|| ||g||) = c g^T g / (|c| ||g||^2) = 1, with g^T g = ||g||^2 = S > 0"),
        Step(norm_claim(), "cross-check ||g_hat|| = min(||g||, tau) on explicit rational vectors (P = 1..4)"),
        Step(MatrixRel(_COS, "=", sp.Integer(1), size=P, explicit=_algorithm, trials=1,
                       why_not="the cosine step above proves it; this is the cross-check on explicit vectors"),
             "cross-check cosine 1 on explicit rational vectors (P = 1..4)"),
    )


IDENTITY = Identity(
    id="gradient_clipping",
    title="Gradient norm clipping keeps the direction and caps the norm",
    section="E",
    summary="g_hat = g min(1, tau/||g||)  =>  ||g_hat|| = min(||g||, tau) <= tau and g_hat = c g with c > 0",
    statement=sp.Eq(SpectralNorm(clipped), sp.Min(SpectralNorm(g), tau), evaluate=False),
    steps=_steps(),
    symbols=(
        SymbolSpec(g, "the whole gradient as one column of P entries (env key 'g'), g != 0", (P, 1), (-2.0, 2.0)),
        SymbolSpec(tau, "clipping threshold tau > 0", (), (1e-6, 40.0)),
        SymbolSpec(_N, "||g|| (Euclidean)", (), (1e-6, 40.0)),
        SymbolSpec(_s0, "tau - ||g|| >= 0 (first case)", (), (0.0, 40.0)),
        SymbolSpec(_s, "||g||/tau - 1 > 0 (second case)", (), (1e-6, 40.0)),
        SymbolSpec(_c, "a positive scale factor", (), (1e-6, 40.0)),
        SymbolSpec(_S, "g^T g = ||g||^2 > 0", (), (1e-6, 40.0)),
    ),
    derived={"clipped": clipped, "factor": factor},
    sources=("IDENTITIES.md E", "Pascanu, Mikolov, Bengio 2013, Algorithm 1"),
)
