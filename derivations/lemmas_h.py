r"""Section H lemmas, registered in :data:`derivations.lemmas.LEMMAS` (imported at the end of that module).

- ``orthogonal_norm``: :math:`Q^\top Q = I \Rightarrow \lVert Q\rVert = 1` (Horn & Johnson 2013, §2.1);
- ``tanh_lipschitz``: :math:`|\tanh a - \tanh b| \le |a - b|` (mean value theorem with :math:`\tanh' \le 1`), hence
  :math:`\lVert h_s - h'_s\rVert \le \lVert W(h_{s-1} - h'_{s-1})\rVert` for two tanh states of one network
  (Jaeger 2001; Yildiz, Jaeger, Kiebel 2012).
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from .lemmas import LEMMAS, Lemma, _exceeds, _norm
from .matexpr import SpectralNorm

__all__ = []


def _prove_orthogonal_norm():
    from .orthclaims import gram_rewrite
    n = sp.Symbol("n", integer=True, positive=True)
    Q, x = sp.MatrixSymbol("Q", n, n), sp.MatrixSymbol("x", n, 1)
    if gram_rewrite((Q * x).T * (Q * x), (Q,)) != x.T * x:
        return False, "(Qx)^T (Qx) does not rewrite to x^T x", ""
    return (True, "(Qx)^T(Qx) = x^T Q^T Q x rewrites to x^T x at symbolic n, so ||Qx|| = ||x|| and ||Q|| = 1",
            "every n (induced norm: Horn & Johnson 2013, §5.6)")


def _orthogonal_explicit(rng):
    from .orthclaims import cayley
    count = 0
    for size in (1, 2, 3, 4):
        for _ in range(3):
            Q = cayley(rng, size)
            a = _norm(Q)
            count += 1
            if _exceeds(a, 1) or _exceeds(1, a):
                return count, f"n={size}: ||Q|| = {a} for an orthogonal Q"
    return count, None


def _match_orthogonal_norm(lhs, rel, rhs, premise=None):
    """||M|| = 1 given the premise M^T M = I."""
    if rel != "=" or not isinstance(lhs, SpectralNorm) or rhs != 1:
        return "not of the form ||M|| = 1"
    M = lhs.matrix
    if premise is None or getattr(premise, "lhs", None) != sp.MatMul(sp.Transpose(M), M) \
            or not isinstance(getattr(premise, "rhs", None), sp.Identity):
        return "no premise M^T M = I for this M"
    return None


def _prove_tanh_lipschitz():
    a, b, s = sp.symbols("a b s", real=True)
    ftc = sp.simplify(sp.integrate(1 - sp.tanh(s) ** 2, (s, b, a)) - (sp.tanh(a) - sp.tanh(b)))
    if ftc != 0:
        return False, f"int_b^a tanh' - (tanh a - tanh b) = {ftc}", ""
    x = sp.Symbol("x", real=True)
    gap = sp.expand(1 - (1 - sp.tanh(x) ** 2))  # 1 - tanh'(x) = tanh(x)^2 >= 0
    if not gap.is_nonnegative:
        return False, f"1 - tanh'(x) = {gap} not decided nonnegative", ""
    return (True, "tanh a - tanh b = int_b^a tanh' (SymPy) and 0 < tanh' <= 1 (1 - tanh' = tanh^2 >= 0 decided), so "
                  "|tanh a - tanh b| <= |a - b| componentwise, with a - b = (W(h_{s-1} - h'_{s-1}))_a",
            "every n; the monotonicity of the integral is cited (Apostol, Calculus I, Thm 1.19)")


def _tanh_lipschitz_explicit(rng):
    count = 0
    for size in (1, 2, 3, 4):
        for scale in (1e-3, 0.5, 3.0):
            u = rng.normal(0, scale, size)
            v = u + rng.normal(0, scale, size)
            lhs = sp.Float(float(np.linalg.norm(np.tanh(u) - np.tanh(v))), 15)
            rhs = sp.Float(float(np.linalg.norm(u - v)), 15)
            count += 1
            if float(lhs - rhs) > 4 * size * float(np.finfo(float).eps) * float(rhs):
                return count, f"n={size}: ||tanh u - tanh v|| = {lhs} > ||u - v|| = {rhs}"
    return count, None


def _match_tanh_lipschitz(lhs, rel, rhs, premise=None):
    """||h_s - h'_s|| <= ||W_hh (h_{s-1} - h'_{s-1})|| for two tanh states of the same network."""
    from .matexpr import TimeIndexed
    if rel not in ("<=", "<") or not (isinstance(lhs, SpectralNorm) and isinstance(rhs, SpectralNorm)):
        return "not of the form ||h_s - h'_s|| <= ||W (h_{s-1} - h'_{s-1})||"
    d = lhs.matrix
    if not (isinstance(d, sp.MatAdd) and len(d.args) == 2):
        return "the left side is not the difference of two states"
    pos = [a for a in d.args if isinstance(a, TimeIndexed)]
    neg = [a.args[1] for a in d.args if isinstance(a, sp.MatMul) and len(a.args) == 2 and a.args[0] == -1
           and isinstance(a.args[1], TimeIndexed)]
    if len(pos) != 1 or len(neg) != 1 or {str(pos[0].name), str(neg[0].name)} != {"h", "h'"} \
            or pos[0].time != neg[0].time:
        return "the left side is not h_s - h'_s at one time s"
    a, b = pos[0], neg[0]
    W = sp.MatrixSymbol("W_hh", a.shape[0], a.shape[0])
    if rhs.matrix != W * (a.at(a.time - 1) - b.at(b.time - 1)):
        return "the right side is not ||W_hh (h_{s-1} - h'_{s-1})|| for the same states"
    return None


LEMMAS["orthogonal_norm"] = Lemma(
    "orthogonal_norm", "Q^T Q = I gives ||Q|| = 1 (an orthogonal matrix preserves the Euclidean norm)",
    "Horn & Johnson 2013, §2.1", _prove_orthogonal_norm, _orthogonal_explicit, _match_orthogonal_norm)
LEMMAS["tanh_lipschitz"] = Lemma(
    "tanh_lipschitz", "|tanh a - tanh b| <= |a - b|, so ||h_s - h'_s|| <= ||W (h_{s-1} - h'_{s-1})|| for "
    "h_s = tanh(W h_{s-1} + U x_s + b), h'_s = tanh(W h'_{s-1} + U x_s + b)",
    "mean value theorem with tanh' <= 1 (tanh_derivative); Jaeger 2001, Yildiz et al. 2012",
    _prove_tanh_lipschitz, _tanh_lipschitz_explicit, _match_tanh_lipschitz)
