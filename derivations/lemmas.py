r"""Named lemmas about the spectral norm, each proved once and used by name.

Every norm bound of the catalogue rests on four facts about :math:`\lVert\cdot\rVert_2`:

- ``diag_norm``: :math:`\lVert\operatorname{diag}(v)\rVert = \max_a |v_a|`;
- ``transpose_norm``: :math:`\lVert A^\top\rVert = \lVert A\rVert`;
- ``submultiplicativity``: :math:`\lVert AB\rVert \le \lVert A\rVert\,\lVert B\rVert` (and, by induction,
  :math:`\lVert\prod_i F_i\rVert \le \prod_i\lVert F_i\rVert`);
- ``triangle``: :math:`\lVert A+B\rVert \le \lVert A\rVert + \lVert B\rVert` (and
  :math:`\lVert\sum_k X_k\rVert \le \sum_k\lVert X_k\rVert`).

:func:`lemma_proof` proves each one once (cached) in the strongest form SymPy can decide, says
exactly how far that goes (``scope``), and checks it on explicit and adversarial matrices at
``DPS`` digits (rank one, nilpotent, non-normal, the equality cases).  :class:`ByLemma` is a step
justified by a lemma: its printed sides must match the lemma's pattern structurally, the lemma
must be proved, any premise steps must be proofs, and a numeric screen of the printed sides must
agree; its verdict is then :attr:`Verdict.BY_LEMMA` and its result names the lemma, the
reference and what the lemma rests on.

References: Horn & Johnson, *Matrix Analysis*, 2nd ed., Cambridge 2013 (§5.6 induced norms,
Thm 1.3.22 eigenvalues of AB and BA, §5.1 Cauchy-Schwarz); Golub & Van Loan, *Matrix
Computations*, 4th ed., 2013, §2.3.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass, replace
from typing import Any, Callable

import numpy as np
import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from . import sampling
from .matexpr import OrderedProduct, SpectralNorm, TimeSum
from .model import StepResult, Verdict

__all__ = ["Lemma", "LemmaProof", "LEMMAS", "lemma_proof", "ByLemma", "adversarial_matrices"]


@dataclass(frozen=True)
class LemmaProof:
    """How a lemma was proved: ``verdict`` (PROVED or REFUTED), ``method``, ``scope`` (how far the
    decided part goes; what is cited beyond it) and the number of explicit matrices checked."""

    verdict: Verdict
    method: str
    scope: str
    checked: int


@dataclass(frozen=True)
class Lemma:
    """A named lemma: statement, reference, proof and structural matcher of its instances."""

    name: str
    statement: str
    reference: str
    prove: Callable[[], tuple[bool, str, str]]
    explicit: Callable[[np.random.Generator], tuple[int, str | None]]
    match: Callable[[Any, str, Any], str | None]


# ------------------------------------------------------------------ explicit and adversarial matrices
def adversarial_matrices(rng: np.random.Generator, size: int) -> list[sp.Matrix]:
    """Random rational matrices plus the hard cases: zero, identity, rank one, nilpotent, non-normal."""
    mat = sampling.rational_matrix
    out = [mat(rng, size, size), mat(rng, size, size, (-3.0, 3.0)), sp.zeros(size, size), sp.eye(size)]
    u, v = mat(rng, size, 1), mat(rng, size, 1)
    out.append(u * v.T)  # rank one
    out.append(sp.Matrix(size, size, lambda r, c: 1 if c == r + 1 else 0))  # nilpotent shift
    out.append(sp.Matrix(size, size, lambda r, c: sp.Rational(1, 2) if r == c else (3 if c == r + 1 else 0)))  # non-normal
    return out


def _norm(M) -> sp.Float:
    """The spectral norm at ``DPS`` digits (kept at that precision: equality cases are compared exactly)."""
    return sp.Float(str(SpectralNorm(sp.ImmutableMatrix(M)).evaluate(sampling.DPS + 5)), sampling.DPS + 5)


def _exceeds(a, b) -> bool:
    """``a > b`` beyond the ``DPS``-digit tolerance."""
    return float(a - b) > sampling.tolerance(float(a), float(b))


def _explicit_pairs(check: Callable[[sp.Matrix, sp.Matrix], tuple[float, float]]):
    """Run ``check(A, B) -> (lhs, rhs)`` (claim ``lhs <= rhs`` or equality) on every pair of test matrices."""
    def run(rng):
        count = 0
        for size in (1, 2, 3, 4):
            mats = adversarial_matrices(rng, size)
            pairs = itertools.product(mats, repeat=2) if size <= 2 else zip(mats, mats[::-1])
            for A, B in pairs:
                a, b = check(A, B)
                count += 1
                if _exceeds(a, b):
                    return count, f"fails at n={size}: {a} > {b}"
        return count, None
    return run


# ------------------------------------------------------------------ proofs
def _prove_diag_norm():
    from .matrixclaims import _entrywise_zero  # late: matrixclaims imports this module's users
    n = sp.Symbol("n", integer=True, positive=True)
    v = sp.MatrixSymbol("v", n, 1)
    D = sp.DiagMatrix(v)
    structural = _entrywise_zero(sp.MatAdd(D.T * D, -sp.DiagMatrix(sp.HadamardPower(v, 2))), n)
    if not structural:
        return False, "diag(v)^T diag(v) = diag(v (.) v) not decided at symbolic n", ""
    for size in (1, 2, 3, 4):
        vs = sp.symbols(f"v1:{size + 1}", real=True)
        sv = sp.Matrix.diag(*vs).singular_values()
        if sorted(sv, key=sp.default_sort_key) != sorted([sp.Abs(e) for e in vs], key=sp.default_sort_key):
            return False, f"singular values of diag(v) at n={size} are {sv}", ""
    return (True, "diag(v)^T diag(v) = diag(v (.) v) entrywise at symbolic n; singular values {|v_a|} exactly "
                  "(SymPy, symbolic real entries) for n = 1..4",
            "the singular values are decided for n <= 4; for general n they are the square roots of the diagonal "
            "entries v_a^2 of the diagonal matrix diag(v)^T diag(v) (Horn & Johnson 2013, §2.6)")


def _prove_transpose_norm():
    lam = sp.Symbol("lambda")
    for size in (1, 2, 3):
        A = sp.Matrix(size, size, lambda r, c: sp.Symbol(f"a{r}{c}", real=True))
        p = (A.T * A).charpoly(lam).as_expr() - (A * A.T).charpoly(lam).as_expr()
        if sp.expand(p) != 0:
            return False, f"char. polynomials of A^T A and A A^T differ at n={size}", ""
    return (True, "A^T A and A A^T have the same characteristic polynomial (SymPy, symbolic entries, n = 1..3), "
                  "so the same eigenvalues, so the same largest singular value",
            "decided for square n <= 3; general n: AB and BA have the same eigenvalues (Horn & Johnson 2013, Thm 1.3.22)")


def _prove_submultiplicativity():
    # induced norm: ||A|| = sup_{x != 0} ||Ax||/||x||, so ||A y|| <= ||A|| ||y|| for every y (the definition).
    # Chain for a unit x: ||ABx|| <= a ||Bx|| <= a b; with u = a||Bx|| - ||ABx|| >= 0, w = b - ||Bx|| >= 0:
    a, b, u, w = sp.symbols("a b u w", nonnegative=True)
    Bx = b - w
    ABx = a * Bx - u
    gap = sp.expand(a * b - ABx)  # = u + a w
    if not gap.is_nonnegative:
        return False, f"a b - ||ABx|| = {gap} not decided nonnegative", ""
    return (True, "from the definition of the induced norm: ||ABx|| <= ||A|| ||Bx|| <= ||A|| ||B|| for unit x; "
                  f"the chain's gap {gap} >= 0 decided by SymPy's assumptions; sup over x",
            "every size (the argument does not depend on n); the sup property is the definition "
            "(Horn & Johnson 2013, §5.6; Golub & Van Loan 2013, §2.3)")


def _prove_triangle():
    # ||(A+B)x|| <= ||Ax|| + ||Bx|| (vector triangle inequality) <= ||A|| + ||B|| for unit x.
    # The vector inequality is Cauchy-Schwarz, which is Lagrange's identity: decided for n <= 4.
    for size in (2, 3, 4):
        u, v = sp.symbols(f"u1:{size + 1}", real=True), sp.symbols(f"v1:{size + 1}", real=True)
        lhs = sum(x * x for x in u) * sum(y * y for y in v) - sum(x * y for x, y in zip(u, v)) ** 2
        rhs = sum((u[p] * v[q] - u[q] * v[p]) ** 2 for p in range(size) for q in range(p + 1, size))
        if sp.expand(lhs - rhs) != 0:
            return False, f"Lagrange's identity fails at n={size}", ""
    a, b, s, r = sp.symbols("a b s r", nonnegative=True)  # ||Ax|| = a - s, ||Bx|| = b - r
    if not sp.expand(a + b - ((a - s) + (b - r))).is_nonnegative:
        return False, "chain not decided", ""
    return (True, "from the definition: ||(A+B)x|| <= ||Ax|| + ||Bx|| <= ||A|| + ||B|| for unit x (gap decided by "
                  "assumptions); the vector step is Cauchy-Schwarz, whose Lagrange identity SymPy expands to 0 for n = 2..4",
            "the chain at every size; Cauchy-Schwarz decided for n <= 4, cited for general n (Horn & Johnson 2013, §5.1)")


# ------------------------------------------------------------------ structural matchers
def _flat(M):
    return list(M.args) if isinstance(M, sp.MatMul) else [M]


def _norm_factors(e):
    """The matrices of ``||X_1|| ... ||X_k||`` (a product of norms and nothing else), else ``None``."""
    factors = e.args if isinstance(e, sp.Mul) else (e,)
    if not all(isinstance(f, SpectralNorm) for f in factors):
        return None
    return [f.matrix for f in factors]


def _match_submult(lhs, rel, rhs):
    if rel not in ("<=", "<") or not isinstance(lhs, SpectralNorm):
        return "not of the form ||M|| <= ..."
    mats = _norm_factors(rhs)
    if mats is None or len(mats) < 2:
        return "the right side is not a product of at least two norms"
    target = _flat(lhs.matrix)
    for perm in itertools.permutations(mats):
        if [f for m in perm for f in _flat(m)] == target:
            return None
    return "the factors of the right side do not multiply to the matrix on the left"


def _match_submult_product(lhs, rel, rhs):
    """||prod_{i} F_i|| <= Product(g_i) where ||F_i|| <= g_i is an instance of submultiplicativity."""
    if not (isinstance(lhs, SpectralNorm) and isinstance(lhs.matrix, OrderedProduct) and isinstance(rhs, sp.Product)):
        return "not of the form ||prod_i F_i|| <= Product_i g_i"
    p = lhs.matrix
    (var, lo, hi), = rhs.limits
    if (lo, hi) != (p.lower, p.upper):
        return "the product ranges differ"
    g = rhs.function.xreplace({var: p.var})
    if g == SpectralNorm(p.term):
        return None
    why = _match_submult(SpectralNorm(p.term), "<=", g)
    return None if why is None else f"per factor: {why}"


def _match_triangle_sum(lhs, rel, rhs):
    """||sum_k X_k|| <= Sum_k g_k where g_k = ||X_k|| or a submultiplicative bound of it."""
    if not (isinstance(lhs, SpectralNorm) and isinstance(lhs.matrix, TimeSum) and isinstance(rhs, sp.Sum)):
        return "not of the form ||sum_k X_k|| <= Sum_k g_k"
    s = lhs.matrix
    (var, lo, hi), = rhs.limits
    if (lo, hi) != (s.lower, s.upper):
        return "the summation ranges differ"
    g = rhs.function.xreplace({var: s.var})
    if g == SpectralNorm(s.term):
        return None
    why = _match_submult(SpectralNorm(s.term), "<=", g)
    return None if why is None else f"per term: {why}"


def _match_transpose(lhs, rel, rhs):
    if rel != "=" or not (isinstance(lhs, SpectralNorm) and isinstance(rhs, SpectralNorm)):
        return "not of the form ||X|| = ||Y||"
    a, b = lhs.matrix, rhs.matrix
    if sp.Transpose(a).doit() == b.doit() or sp.Transpose(b).doit() == a.doit():
        return None
    return "the two matrices are not transposes of each other"


def _match_diag_bound(lhs, rel, rhs, premise=None):
    """||diag(f(v))|| <= c given the premise |f(x)| <= c for every real x."""
    if rel not in ("<=", "<") or not isinstance(lhs, SpectralNorm) or not isinstance(lhs.matrix, sp.DiagMatrix):
        return "not of the form ||diag(f(v))|| <= c"
    inner = lhs.matrix.args[0]
    if not isinstance(inner, ElementwiseApplyFunction):
        return "the diagonal is not an elementwise function"
    if premise is None:
        return "no premise |f(x)| <= c"
    x = getattr(premise, "variable", None)
    if x is None or premise.rhs != rhs:
        return "the premise is not |f(x)| <= c with this c"
    # SymPy drops Abs of an expression it knows to be nonnegative; build |f(x)| the same way
    if sp.simplify(premise.lhs - sp.Abs(inner.function(x))) != 0:
        return "the premise does not bound |f| for the function on the diagonal"
    return None


def _diag_explicit(rng):
    def check(A, B):
        v = [A[r, 0] for r in range(A.rows)]
        return _norm(sp.diag(*v)), sp.Float(max(abs(e) for e in v), sampling.DPS + 5)
    count = 0
    for size in (1, 2, 3, 4):
        for A in adversarial_matrices(rng, size):
            a, b = check(A, A)
            count += 1
            if _exceeds(a, b) or _exceeds(b, a):
                return count, f"n={size}: ||diag(v)|| = {a}, max|v_a| = {b}"
    return count, None


def _transpose_explicit(rng):
    count = 0
    for size in (1, 2, 3, 4):
        for A in adversarial_matrices(rng, size) + [sampling.rational_matrix(rng, size, size + 1)]:
            a, b = _norm(A.T), _norm(A)
            count += 1
            if _exceeds(a, b) or _exceeds(b, a):
                return count, f"n={size}: ||A^T|| = {a}, ||A|| = {b}"
    return count, None


def _prove_monotone():
    X, c, Y, s = sp.symbols("X c Y s", nonnegative=True)  # c = X + s, s >= 0
    gap = sp.expand((X + s) * Y - X * Y)
    if not gap.is_nonnegative:
        return False, f"c Y - X Y = {gap} not decided", ""
    return True, f"c Y - X Y = {gap} >= 0 for X <= c, Y >= 0, decided by SymPy's assumptions", "real numbers"


def _match_monotone(lhs, rel, rhs, premise=None):
    """X Y <= c Y given the premise X <= c, with Y a norm (nonnegative)."""
    if premise is None or rel not in ("<=", "<"):
        return "no premise X <= c"
    X, c = premise.lhs, premise.rhs
    for Y in (lhs.args if isinstance(lhs, sp.Mul) else ()):
        if isinstance(Y, SpectralNorm) and sp.expand(lhs - X * Y) == 0 and sp.expand(rhs - c * Y) == 0:
            return None
    return "not of the form X ||Y|| <= c ||Y|| for the premise X <= c"


def _prove_transitive():
    a, s, r = sp.symbols("a s r", nonnegative=True)  # b = a + s, c = b + r
    gap = sp.expand((a + s + r) - a)
    return (bool(gap.is_nonnegative), f"c - a = {gap} >= 0 for a <= b <= c, decided by SymPy's assumptions", "real numbers")


def _match_transitive(lhs, rel, rhs, premises=()):
    if len(premises) != 2 or rel not in ("<=", "<"):
        return "needs two premises a <= b, b <= c"
    p, q = premises
    if p.lhs == lhs and p.rhs == q.lhs and q.rhs == rhs:
        return None
    return "the premises do not chain from the left side to the right side"


def _no_explicit(rng):
    return 0, None


def _prove_bounded_product():
    # 0 <= a_i <= c  =>  prod_{i=k+1}^{t} a_i <= c^(t-k), by induction on t - k (product_norm_bound.induction_claim)
    a, s, r, Q = sp.symbols("a s r Q", nonnegative=True)
    i, k = sp.symbols("i k", integer=True)
    base = sp.Product(sp.IndexedBase("a")[i], (i, k + 1, k)).doit()
    step = sp.expand((a + s) * Q - a * (Q - r))  # c Q - a_{t+1} (Q - r) with c = a_{t+1} + s
    if base != 1 or not step.is_nonnegative:
        return False, f"base {base}, step gap {step}", ""
    return (True, "induction on t - k: base, the empty product is 1 = c^0; step, with c = a_{t+1} + s and "
                  f"prod = c^(t-k) - r, the gap {step} >= 0 is decided by SymPy's assumptions", "every t >= k")


def _match_bounded_product(lhs, rel, rhs, premise=None):
    """prod_{i=lo}^{hi} a_i <= c^(hi - lo + 1) given the premise a_t <= c (a_t the factor at a generic time)."""
    if premise is None or rel not in ("<=", "<") or not isinstance(lhs, sp.Product):
        return "not of the form prod_i a_i <= c^(number of factors) with a premise a <= c"
    (var, lo, hi), = lhs.limits
    if not (isinstance(rhs, sp.Pow) and sp.expand(rhs.exp - (hi - lo + 1)) == 0):
        return "the exponent is not the number of factors"
    free = sorted(premise.lhs.free_symbols & {s for s in sp.preorder_traversal(premise.lhs) if isinstance(s, sp.Symbol)
                                               and s.is_integer}, key=str)
    for time in free:
        if lhs.function.xreplace({var: time}) == premise.lhs and premise.rhs == rhs.base:
            return None
    return "the premise does not bound this factor by the base of the power"


LEMMAS: dict[str, Lemma] = {
    "bounded_product": Lemma("bounded_product", "0 <= a_i <= c for every i gives prod_{i=k+1}^{t} a_i <= c^(t-k)",
                             "induction on t - k", _prove_bounded_product, _no_explicit, _match_bounded_product),
    "monotonicity": Lemma("monotonicity", "X <= c and Y >= 0 give X Y <= c Y", "order axioms of the reals",
                          _prove_monotone, _no_explicit, _match_monotone),
    "transitivity": Lemma("transitivity", "a <= b and b <= c give a <= c", "order axioms of the reals",
                          _prove_transitive, _no_explicit, _match_transitive),
    "diag_norm": Lemma("diag_norm", "||diag(v)|| = max_a |v_a|; so |f(x)| <= c for all x gives ||diag(f(v))|| <= c",
                       "Horn & Johnson 2013, §2.6 (singular values of a diagonal matrix)",
                       _prove_diag_norm, _diag_explicit, _match_diag_bound),
    "transpose_norm": Lemma("transpose_norm", "||A^T|| = ||A||", "Horn & Johnson 2013, Thm 1.3.22; Golub & Van Loan 2013, §2.3",
                            _prove_transpose_norm, _transpose_explicit, _match_transpose),
    "submultiplicativity": Lemma("submultiplicativity", "||AB|| <= ||A|| ||B||", "Horn & Johnson 2013, §5.6; Golub & Van Loan 2013, §2.3",
                                 _prove_submultiplicativity,
                                 _explicit_pairs(lambda A, B: (_norm(A * B), _norm(A) * _norm(B))), _match_submult),
    "submultiplicativity_product": Lemma(
        "submultiplicativity_product", "||prod_i F_i|| <= prod_i ||F_i|| (induction on the number of factors from "
        "submultiplicativity: ||F_{t+1} P|| <= ||F_{t+1}|| ||P||; the empty product I has norm 1)",
        "Horn & Johnson 2013, §5.6", _prove_submultiplicativity,
        _explicit_pairs(lambda A, B: (_norm(A * B * A), _norm(A) ** 2 * _norm(B))), _match_submult_product),
    "triangle": Lemma("triangle", "||sum_k X_k|| <= sum_k ||X_k|| (then submultiplicativity termwise)",
                      "Horn & Johnson 2013, §5.6 and §5.1", _prove_triangle,
                      _explicit_pairs(lambda A, B: (_norm(A + B), _norm(A) + _norm(B))), _match_triangle_sum),
}


@functools.lru_cache(maxsize=None)
def lemma_proof(name: str) -> LemmaProof:
    """Prove lemma ``name`` once: SymPy's part, then the explicit and adversarial matrices (seed 0)."""
    lemma = LEMMAS[name]
    ok, method, scope = lemma.prove()
    count, failure = lemma.explicit(np.random.default_rng(0))
    if not ok or failure:
        return LemmaProof(Verdict.REFUTED, method if not ok else f"explicit matrices: {failure}", scope, count)
    return LemmaProof(Verdict.PROVED, method, scope, count)


_PREMISES: dict[int, tuple[Any, StepResult]] = {}


def _premise_result(claim, rng) -> StepResult:
    """A premise's verdict, checked once per process (claims are immutable; the premise is also a step
    of its own and is reported there)."""
    hit = _PREMISES.get(id(claim))
    if hit is None or hit[0] is not claim:
        hit = _PREMISES[id(claim)] = (claim, claim.check(rng))
    return hit[1]


@dataclass(frozen=True)
class ByLemma:
    """A step justified by a named lemma: ``claim`` (with the printed sides) is an instance of it.

    Verdict :attr:`Verdict.BY_LEMMA` when the claim's sides match the lemma structurally, the lemma
    is proved (:func:`lemma_proof`), every premise is a proof, and the claim's own numeric screen
    (its ``check``) agrees; otherwise the claim's own verdict (refuted, or numerically confirmed
    with the reason the lemma does not apply).
    """

    lemma: str
    claim: Any
    premises: tuple = ()

    lhs = property(lambda self: self.claim.lhs)
    rhs = property(lambda self: self.claim.rhs)
    rel = property(lambda self: self.claim.rel)

    def relation(self):
        return self.claim.relation()

    def check(self, rng) -> StepResult:
        result = self._check(rng)
        _PREMISES[id(self)] = (self, result)  # a later step resting on this one reuses the verdict
        return result

    def _check(self, rng) -> StepResult:
        screen = self.claim.check(rng)
        if screen.verdict is Verdict.REFUTED:
            return screen
        lemma = LEMMAS[self.lemma]
        premise = self.premises[0] if self.premises else None
        args = (self.claim.lhs, self.claim.rel, self.claim.rhs)
        if self.lemma in ("diag_norm", "monotonicity", "bounded_product", "orthogonal_norm", "tanh_lipschitz") + PREMISED:
            why = lemma.match(*args, premise)
        elif self.lemma == "transitivity":
            why = lemma.match(*args, self.premises)
        else:
            why = lemma.match(*args)
        if why is None:
            for p in self.premises:
                r = _premise_result(p, rng)
                if not r.verdict.is_proof:
                    why = f"premise not proved ({r.verdict}: {r.method})"
                    break
        proof = lemma_proof(self.lemma)
        if why is None and proof.verdict is not Verdict.PROVED:
            why = f"lemma {self.lemma} not proved: {proof.method}"
        if why is not None:
            return replace(screen, detail=f"{screen.detail}; not by lemma {self.lemma}: {why}")
        rests = f"lemma {self.lemma} ({lemma.reference}): {proof.method}; scope: {proof.scope}" + \
            (f"; checked on {proof.checked} explicit and adversarial matrices" if proof.checked else "")
        return replace(screen, verdict=Verdict.BY_LEMMA, method=f"by lemma {self.lemma}; instance matched structurally; "
                       f"numeric screen: {screen.method}", detail=rests, lemma=self.lemma, rests_on=rests)


#: lemmas whose matcher takes one premise (the dispatch of :meth:`ByLemma._check`)
PREMISED = ("identity_perturbation_floor", "identity_perturbation_ceiling", "bounded_product_below")
__all__ += ["PREMISED"]


# section H lemmas live in their own modules and register themselves in LEMMAS (imported last: they use
# Lemma, LEMMAS and the helpers above): residual_jacobian's (lemmas_residual), orthogonal_norm and tanh_lipschitz (lemmas_h)
from . import lemmas_h, lemmas_residual  # noqa: E402,F401
