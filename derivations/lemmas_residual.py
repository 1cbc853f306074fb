r"""Section H lemmas of ``residual_jacobian``, registered in :data:`derivations.lemmas.LEMMAS`
(imported at the end of that module): Weyl-type bounds for the singular values of :math:`I + A` and
the floor of a product.

- ``identity_perturbation_floor``: :math:`\lVert A\rVert \le c \Rightarrow \max(0, 1-c) \le \sigma_{\min}(I+A)`;
- ``identity_perturbation_ceiling``: :math:`\lVert A\rVert \le c \Rightarrow \lVert I+A\rVert \le 1+c`;
- ``min_singular_product``: :math:`\prod_i\sigma_{\min}(F_i) \le \sigma_{\min}(\prod_i F_i)`;
- ``bounded_product_below``: :math:`0 \le c \le a_i \Rightarrow c^{t-k} \le \prod_{i=k+1}^{t} a_i`.

References: Horn & Johnson, *Matrix Analysis*, 2nd ed., 2013, Thm 3.3.16 (Weyl) and §7.3.
"""

from __future__ import annotations

import sympy as sp

from . import sampling
from .lemmas import LEMMAS, Lemma, _exceeds, _no_explicit, _norm, _prove_triangle, adversarial_matrices
from .matexpr import OrderedProduct, SpectralNorm
from .singular import MinSingular

__all__: list[str] = []

def _prove_identity_perturbation():
    # unit x: ||(I+A)x|| >= ||x|| - ||Ax|| >= 1 - ||A|| >= 1 - c   (reverse triangle: ||x|| <= ||(I+A)x|| + ||Ax||)
    #         ||(I+A)x|| <= ||x|| + ||Ax|| <= 1 + ||A|| <= 1 + c
    ok, how, _ = _prove_triangle()
    if not ok:
        return False, how, ""
    a, s, r = sp.symbols("a s r", nonnegative=True)  # ||Ax|| = a - s, c = a + r
    floor_gap = sp.expand((1 - (a - s)) - (1 - (a + r)))      # 1 - ||Ax|| - (1 - c) = s + r
    ceil_gap = sp.expand((1 + a + r) - (1 + (a - s)))         # 1 + c - (1 + ||Ax||) = r + s
    if not (floor_gap.is_nonnegative and ceil_gap.is_nonnegative):
        return False, f"gaps {floor_gap}, {ceil_gap} not decided nonnegative", ""
    return (True, f"for unit x, ||x|| - ||Ax|| <= ||(I+A)x|| <= ||x|| + ||Ax|| (triangle); gaps {floor_gap} >= 0 "
                  "decided by SymPy's assumptions",
            "every size (Horn & Johnson 2013, Thm 3.3.16); sigma_min >= 0 gives the max(0, .)")


def _prove_min_singular_product():
    # unit x: ||ABx|| >= sigma_min(A) ||Bx|| >= sigma_min(A) sigma_min(B); induction on the number of factors
    a, b, s, r = sp.symbols("a b s r", nonnegative=True)  # ||Bx|| = b + s, ||A y|| >= a ||y||
    gap = sp.expand(a * (b + s) - a * b)
    if not gap.is_nonnegative:
        return False, f"gap {gap} not decided", ""
    return (True, f"for unit x, ||ABx|| >= sigma_min(A) ||Bx|| >= sigma_min(A) sigma_min(B) (gap {gap} >= 0 decided "
                  "by SymPy's assumptions); induction on the number of factors",
            "every size (Horn & Johnson 2013, §7.3)")


def _prove_bounded_product_below():
    # 0 <= c <= a_i  =>  c^(t-k) <= prod_{i=k+1}^{t} a_i, by induction on t - k
    s, r, Q, c = sp.symbols("s r Q c", nonnegative=True)
    i, k = sp.symbols("i k", integer=True)
    base = sp.Product(sp.IndexedBase("a")[i], (i, k + 1, k)).doit()
    step = sp.expand((Q + r) * (c + s) - Q * c)  # prod a_i = Q + r with Q = c^(t-k); a_{t+1} = c + s
    if base != 1 or not step.is_nonnegative:
        return False, f"base {base}, step gap {step}", ""
    return (True, "induction on t - k: base, the empty product is 1 = c^0; step, with a_{t+1} = c + s and "
                  f"prod = c^(t-k) + r, the gap {step} >= 0 is decided by SymPy's assumptions", "every t >= k; needs c >= 0")


def _perturbation_explicit(which):
    def run(rng):
        count = 0
        for size in (1, 2, 3, 4):
            for A in adversarial_matrices(rng, size):
                M = sp.eye(size) + A
                c = _norm(A)
                if which == "floor":
                    lo = sp.Float(MinSingular(sp.ImmutableMatrix(M)).evaluate(sampling.DPS + 5), sampling.DPS + 5)
                    bad = _exceeds(sp.Max(0, 1 - c), lo)
                else:
                    bad = _exceeds(_norm(M), 1 + c)
                count += 1
                if bad:
                    return count, f"fails at n={size}"
        return count, None
    return run


def _min_singular_explicit(rng):
    """sigma_min(A) sigma_min(B) <= sigma_min(AB) on the adversarial matrices paired with their reversal
    (n = 1..4: rank one, nilpotent and non-normal against random and identity; 28 pairs, three SVDs each)."""
    def smin(M):
        return sp.Float(MinSingular(sp.ImmutableMatrix(M)).evaluate(sampling.DPS + 5), sampling.DPS + 5)
    count = 0
    for size in (1, 2, 3, 4):
        mats = adversarial_matrices(rng, size)
        for A, B in zip(mats, mats[::-1]):
            count += 1
            if _exceeds(smin(A) * smin(B), smin(A * B)):
                return count, f"fails at n={size}"
    return count, None


def _premise_norm(premise):
    """``(A, c)`` of a premise ``||A|| <= c``, else ``None``."""
    if premise is None or not isinstance(getattr(premise, "lhs", None), SpectralNorm) or \
            getattr(premise, "rel", "<=") not in ("<=", "<"):
        return None
    return premise.lhs.matrix, premise.rhs


def _plus_identity(M):
    """``A`` of ``I + A`` (a MatAdd with exactly one Identity term), else ``None``."""
    if not isinstance(M, sp.MatAdd):
        return None
    eye = [a for a in M.args if isinstance(a, sp.Identity)]
    rest = [a for a in M.args if not isinstance(a, sp.Identity)]
    if len(eye) != 1 or not rest:
        return None
    return rest[0] if len(rest) == 1 else sp.MatAdd(*rest)


def _match_floor(lhs, rel, rhs, premise=None):
    """max(0, 1 - c) <= sigma_min(I + A) given the premise ||A|| <= c."""
    pc = _premise_norm(premise)
    if pc is None or rel not in ("<=", "<") or not isinstance(rhs, MinSingular):
        return "not of the form max(0, 1 - c) <= sigma_min(I + A) with a premise ||A|| <= c"
    A = _plus_identity(rhs.matrix)
    if A is None or A != pc[0]:
        return "the matrix is not I + A for the A of the premise"
    if lhs != sp.Max(0, 1 - pc[1]):
        return "the left side is not max(0, 1 - c) for the c of the premise"
    return None


def _match_ceiling(lhs, rel, rhs, premise=None):
    """||I + A|| <= 1 + c given the premise ||A|| <= c."""
    pc = _premise_norm(premise)
    if pc is None or rel not in ("<=", "<") or not isinstance(lhs, SpectralNorm):
        return "not of the form ||I + A|| <= 1 + c with a premise ||A|| <= c"
    A = _plus_identity(lhs.matrix)
    if A is None or A != pc[0]:
        return "the matrix is not I + A for the A of the premise"
    if sp.expand(rhs - (1 + pc[1])) != 0:
        return "the right side is not 1 + c for the c of the premise"
    return None


def _match_min_singular_product(lhs, rel, rhs):
    """prod_i sigma_min(F_i) <= sigma_min(prod_i F_i) (ordered product, same range)."""
    if not (rel in ("<=", "<") and isinstance(lhs, sp.Product) and isinstance(rhs, MinSingular)
            and isinstance(rhs.matrix, OrderedProduct)):
        return "not of the form Product_i sigma_min(F_i) <= sigma_min(prod_i F_i)"
    p = rhs.matrix
    (var, lo, hi), = lhs.limits
    if (lo, hi) != (p.lower, p.upper):
        return "the product ranges differ"
    if lhs.function.xreplace({var: p.var}) != MinSingular(p.term):
        return "the factors are not sigma_min of the product's factors"
    return None


def _match_bounded_product_below(lhs, rel, rhs, premise=None):
    """c^(hi - lo + 1) <= prod_{i=lo}^{hi} a_i given the premise c <= a_t and c >= 0 decided."""
    if premise is None or rel not in ("<=", "<") or not isinstance(rhs, sp.Product) or not isinstance(lhs, sp.Pow):
        return "not of the form c^(number of factors) <= prod_i a_i with a premise c <= a"
    (var, lo, hi), = rhs.limits
    if sp.expand(lhs.exp - (hi - lo + 1)) != 0:
        return "the exponent is not the number of factors"
    if premise.lhs != lhs.base:
        return "the premise does not bound the factors below by the base of the power"
    if not sp.sympify(lhs.base).is_nonnegative:
        return "the base is not decided nonnegative"
    times = [s for s in sp.preorder_traversal(premise.rhs) if isinstance(s, sp.Symbol) and s.is_integer]
    if any(rhs.function.xreplace({var: time}) == premise.rhs for time in times):
        return None
    return "the premise does not bound this factor"


LEMMAS.update({
    "identity_perturbation_floor": Lemma(
        "identity_perturbation_floor", "||A|| <= c gives sigma_min(I + A) >= max(0, 1 - c)",
        "Weyl's inequalities for singular values, Horn & Johnson 2013, Thm 3.3.16; reverse triangle inequality",
        _prove_identity_perturbation, _perturbation_explicit("floor"), _match_floor),
    "identity_perturbation_ceiling": Lemma(
        "identity_perturbation_ceiling", "||A|| <= c gives ||I + A|| <= 1 + c",
        "triangle inequality and ||I|| = 1 (Horn & Johnson 2013, §5.6)",
        _prove_identity_perturbation, _perturbation_explicit("ceiling"), _match_ceiling),
    "min_singular_product": Lemma(
        "min_singular_product", "sigma_min(prod_i F_i) >= prod_i sigma_min(F_i)",
        "Horn & Johnson 2013, §7.3 and Thm 3.3.16", _prove_min_singular_product, _min_singular_explicit,
        _match_min_singular_product),
    "bounded_product_below": Lemma(
        "bounded_product_below", "0 <= c <= a_i for every i gives c^(t-k) <= prod_{i=k+1}^{t} a_i",
        "induction on t - k", _prove_bounded_product_below, _no_explicit, _match_bounded_product_below),
})
