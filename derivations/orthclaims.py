r"""Claims for section H's orthogonal and echo-state identities (``orthogonal_initialisation``,
``echo_state_scaling``).

- :func:`cayley` -- exact rational orthogonal matrices :math:`Q = (I - S)(I + S)^{-1}` (:math:`S`
  skew-symmetric), so explicit checks of "orthogonal :math:`W`" claims are exact;
- :func:`gram_rewrite` -- the rewrite :math:`Q^\top Q \to I` on adjacent factors of a matrix product
  (substitution of equals: sound for the hypotheses given);
- :class:`GramEq` -- ``lhs = rhs`` decided by that rewrite from the stated hypotheses, cross-checked on
  explicit Cayley matrices;
- :class:`OrthogonalProducts` -- :math:`(\prod_{i=k+1}^{t}W)^\top\prod_{i=k+1}^{t}W = I` for every
  :math:`t \ge k`, by induction on :math:`t-k` generated from the printed sides;
- :class:`BySubstitution` -- ``lhs = rhs`` because ``rhs`` is ``lhs`` with a proved equation substituted;
- :class:`ScalarInduction` -- ``L(t) <= R(t)`` for every :math:`t \ge 0` from a proved one-step bound
  ``L(t+1) <= c L(t)`` (:math:`c \ge 0`), generated from the statement.

Reference: Saxe, McClelland, Ganguli (2014), sec. 3 (orthogonal initialisation); Horn & Johnson,
*Matrix Analysis* (2013), §2.1 (unitary matrices preserve the Euclidean norm).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import sympy as sp

from . import sampling
from .matrixclaims import explicit_value, instantiate, normalize
from .model import StepResult, Verdict

__all__ = ["cayley", "gram_rewrite", "GramEq", "ExpandEq", "OrthogonalProducts", "BySubstitution", "ScalarInduction",
           "orthogonal_pair", "orthogonal_instance"]


def cayley(rng: np.random.Generator, size: int) -> sp.ImmutableMatrix:
    r"""An exact rational orthogonal matrix :math:`(I - S)(I + S)^{-1}`, :math:`S = A - A^\top` (Cayley transform).

    >>> Q = cayley(np.random.default_rng(0), 3)
    >>> Q.T * Q == sp.eye(3)
    True
    """
    A = sampling.rational_matrix(rng, size, size, (-1.0, 1.0))
    S = sp.Matrix(A - A.T)
    eye = sp.eye(size)
    return sp.ImmutableMatrix((eye - S) * (eye + S).inv())


def _factors(e):
    e = e.doit() if isinstance(e, sp.MatrixExpr) else e
    return list(e.args) if isinstance(e, sp.MatMul) else [e]


def gram_rewrite(expr, orthogonal: Sequence) -> Any:
    r"""``expr`` with every adjacent pair :math:`Q^\top Q` (``Q`` in ``orthogonal``) replaced by :math:`I`.

    Sound exactly when :math:`Q^\top Q = I` holds for each ``Q`` given; identities are dropped.
    """
    fs = [f for f in _factors(expr) if not isinstance(f, sp.Identity)]
    changed = True
    while changed:
        changed = False
        for a in range(len(fs) - 1):
            if isinstance(fs[a], sp.Transpose) and fs[a].arg == fs[a + 1] and fs[a + 1] in orthogonal:
                del fs[a:a + 2]
                changed = True
                break
    if not fs:
        return sp.Identity(expr.shape[0])
    return fs[0] if len(fs) == 1 else sp.MatMul(*fs)


def orthogonal_pair(left, right, domains=None, name="W_hh"):
    """``(lhs, rhs)`` values of two given sides on the same explicit leaves, ``name`` an exact Cayley matrix
    (for :class:`GramEq`-like claims that evaluate their own sides)."""
    from .matexpr import unroll

    def run(rng, size, values):
        leaves = {name: cayley(rng, size)}
        return (instantiate(unroll(left, values), values, rng, domains or {}, leaves),
                instantiate(unroll(right, values), values, rng, domains or {}, leaves))
    return run


def orthogonal_instance(domains=None, name="W_hh", times=8):
    """A ``MatrixRel`` hook returning an :class:`~.instances.Instance`: ``name`` an exact Cayley-orthogonal
    matrix, every time-indexed ``z`` a random rational vector in ``domains["z"]``; the claim evaluates its
    own printed sides on it (products over time unrolled for the instance's ``t, k``)."""
    from .instances import Instance
    from .matexpr import unroll

    lo, hi = (domains or {}).get("z", (-1.0, 1.0))

    def hook(rng, size, values):
        env = {name: cayley(rng, size), "z": {s: sampling.rational_matrix(rng, size, 1, (lo, hi)) for s in range(times)}}
        bind = dict(values)
        return Instance(env, bind, substitute=lambda e: unroll(e, bind))
    return hook


def _explicit_equal(lhs, rhs, size_symbol, sizes, instances, rng) -> tuple[bool, str, int]:
    count = 0
    for size in sizes:
        for inst in instances:
            A, B = orthogonal_pair(lhs, rhs)(rng, size, {size_symbol: size, **inst})
            A, B = explicit_value(A), explicit_value(B)
            count += 1
            if sp.ImmutableMatrix(A) != sp.ImmutableMatrix(B):
                return False, f"differs at n={size}, {inst}: {A.tolist()} vs {B.tolist()}", count
    return True, "", count


@dataclass(frozen=True)
class GramEq:
    r"""``lhs = rhs`` (matrices) decided by :func:`gram_rewrite` with hypotheses :math:`Q^\top Q = I` for ``orthogonal``.

    Verdict: proved when the rewrite of ``lhs`` is ``rhs`` *and* exact explicit instances (``W_hh`` a
    Cayley matrix, other leaves random rationals) agree; refuted when an instance differs.
    """

    lhs: Any
    rhs: Any
    orthogonal: tuple
    size: Any = None
    instances: Sequence[Mapping] = ({},)
    sizes: tuple = (1, 2, 3)
    hypothesis: str = ""

    def relation(self):
        return sp.Eq(self.lhs, self.rhs, evaluate=False)

    def check(self, rng) -> StepResult:
        ok, why, count = _explicit_equal(self.lhs, self.rhs, self.size, self.sizes, self.instances, rng)
        if not ok:
            return StepResult(Verdict.REFUTED, "explicit orthogonal matrices", why, counterexample={"instance": why})
        checked = f"exact on {count} explicit instances (Cayley orthogonal W_hh, n={self.sizes[0]}..{self.sizes[-1]})"
        if gram_rewrite(self.lhs, self.orthogonal) == self.rhs:
            return StepResult(Verdict.PROVED, f"rewriting with {self.hypothesis or 'Q^T Q = I'}; {checked}", "",
                              explicit_sizes=self.sizes)
        return StepResult(Verdict.CONFIRMED, checked, "the rewrite Q^T Q -> I does not reach the right side",
                          explicit_sizes=self.sizes)


@dataclass(frozen=True)
class OrthogonalProducts:
    r""":math:`P_t^\top P_t = I` with :math:`P_t = \prod_{i=k+1}^{t} W` for every :math:`t \ge k`, given :math:`W^\top W = I`.

    Induction on :math:`s = t - k \ge 0`, generated from the printed sides ``lhs`` (in ``t``) and ``rhs``:
    base :math:`s = 0` (the empty product is :math:`I`), step: peel the latest factor
    (:math:`P_{s+1} = W P_s`, sound for :math:`s \ge 0`), then rewrite :math:`W^\top W \to I` (hypothesis)
    and :math:`P_s^\top P_s \to I` (induction hypothesis, when the statement has that form).
    """

    lhs: Any
    rhs: Any
    W: Any
    t: Any
    k: Any
    size: Any = None
    instances: Sequence[Mapping] = ()
    sizes: tuple = (1, 2, 3)

    def relation(self):
        return sp.Eq(self.lhs, self.rhs, evaluate=False)

    def check(self, rng) -> StepResult:
        s = sp.Symbol("s", integer=True, nonnegative=True)
        L, R = (e.xreplace({self.t: self.k + s}) for e in (self.lhs, self.rhs))
        at = lambda e, v: e.xreplace({s: v})  # noqa: E731
        ok, why, count = _explicit_equal(self.lhs, self.rhs, self.size, self.sizes, self.instances, rng)
        if not ok:
            return StepResult(Verdict.REFUTED, "explicit orthogonal matrices", why, counterexample={"instance": why})
        base = gram_rewrite(at(L, 0), ()) == at(R, 0).doit()
        hyp = [self.W]
        if isinstance(L, sp.MatMul) and len(L.args) == 2 and L.args[0] == sp.Transpose(L.args[1]) \
                and isinstance(R, sp.Identity):
            hyp.append(L.args[1])
        stepped = gram_rewrite(normalize(at(L, s + 1)), tuple(hyp)) == at(R, s + 1).doit()
        detail = f"base s = 0: {base}; step (peel, W^T W = I, induction hypothesis): {stepped}; {count} exact instances"
        if base and stepped:
            return StepResult(Verdict.PROVED, f"induction on t - k, generated from the statement; exact on {count} "
                              "explicit Cayley instances", detail, explicit_sizes=self.sizes)
        return StepResult(Verdict.CONFIRMED, f"exact on {count} explicit Cayley instances", "induction not decided: " + detail,
                          explicit_sizes=self.sizes)


@dataclass(frozen=True)
class BySubstitution:
    """``lhs = rhs`` where ``rhs`` is ``lhs`` with the proved equation ``equation`` (``a = b``) substituted.

    Proved when the substitution reproduces ``rhs`` exactly, ``equation`` is a proof, and the numeric
    claim ``screen(lhs, rhs)`` (built from this claim's own printed sides, on instances where the
    equation's hypothesis holds) is not refuted.
    """

    lhs: Any
    rhs: Any
    equation: Any
    screen: Callable | None = None

    def relation(self):
        return sp.Eq(self.lhs, self.rhs, evaluate=False)

    def check(self, rng) -> StepResult:
        sr = self.screen(self.lhs, self.rhs).check(rng) if self.screen is not None else None
        if sr is not None and sr.verdict is Verdict.REFUTED:
            return sr
        eq = self.equation.check(rng)
        same = sp.sympify(self.lhs).xreplace({self.equation.lhs: self.equation.rhs}) == self.rhs
        how = f"screen: {sr.method}" if sr is not None else "no screen"
        if same and eq.verdict.is_proof:
            return StepResult(Verdict.PROVED, f"substitution of the proved {sp.sstr(self.equation.lhs)} = "
                              f"{sp.sstr(self.equation.rhs)}; {how}", f"equation: {eq.verdict} ({eq.method})")
        why = "the substitution does not give the right side" if not same else f"equation not proved ({eq.verdict})"
        if sr is None:
            return StepResult(Verdict.REFUTED, "substitution", why, counterexample={"reason": why})
        return StepResult(sr.verdict, sr.method, f"{sr.detail}; not by substitution: {why}")


@dataclass(frozen=True)
class ScalarInduction:
    r""":math:`L(t) \le R(t)` for every integer :math:`t \ge start`, from a one-step bound.

    Generated from the statement (``lhs`` = :math:`L(t)`, ``rhs`` = :math:`R(t)`): the base
    :math:`R(start) - L(start) \ge 0` is decided by SymPy; ``step`` must be the claim
    :math:`L(t+1) \le c\,L(t)` with :math:`c \ge 0` decided, and a proof; then with the induction
    hypothesis :math:`L(t) = R(t) - r`, :math:`r \ge 0`, the gap :math:`R(t+1) - c(R(t) - r) \ge 0` is
    decided by SymPy's assumptions.
    """

    lhs: Any
    rhs: Any
    variable: Any
    step: Any
    start: Any = 0
    rel: str = "<="
    text: str = ""
    _r: Any = field(default=sp.Symbol("r", nonnegative=True), repr=False)

    def relation(self):
        return sp.Le(self.lhs, self.rhs, evaluate=False)

    def _why_not(self, v):
        L, R = self.lhs, self.rhs
        at = lambda e, val: sp.sympify(e).xreplace({v: val})  # noqa: E731
        if self.rel != "<=":
            return "only <= statements are handled"
        base = sp.simplify(at(R, self.start) - at(L, self.start))
        if not base.is_nonnegative:
            return f"base t = {self.start} not decided: R - L = {base}"
        if getattr(self.step, "rel", None) not in ("<=",) or self.step.lhs != at(L, v + 1):
            return "the step is not a bound on L(t+1)"
        Lt = L
        rhs = self.step.rhs
        if not (isinstance(rhs, sp.Mul) and Lt in rhs.args):
            return "the step's right side is not c L(t)"
        c = sp.Mul(*[a for a in rhs.args if a != Lt])
        if not c.is_nonnegative:
            return f"c = {c} not decided nonnegative"
        gap = sp.expand(sp.powsimp(sp.expand(at(R, v + 1) - c * (R - self._r))))
        if not gap.is_nonnegative:
            return f"the inductive gap R(t+1) - c (R(t) - r) = {gap} is not decided nonnegative"
        return None

    def check(self, rng) -> StepResult:
        why = self._why_not(self.variable)
        if why is not None:
            return StepResult(Verdict.REFUTED, "induction", f"not an induction of the stated bound: {why}",
                              counterexample={"reason": why})
        s = self.step.check(rng)
        if s.verdict is Verdict.REFUTED:
            return StepResult(Verdict.REFUTED, "induction", f"step refuted: {s.detail}", counterexample=s.counterexample)
        verdict = Verdict.PROVED if s.verdict.is_proof else Verdict.CONFIRMED
        return StepResult(verdict, f"induction on {self.variable}: base and gap decided by SymPy; step {s.verdict}",
                          f"step: {s.method}")


@dataclass(frozen=True)
class ExpandEq:
    """``lhs = rhs`` (matrices of symbolic size) decided by distributing every product over sums: the
    difference expands to the zero matrix (linear algebra at symbolic n), cross-checked on explicit
    random rational instances."""

    lhs: Any
    rhs: Any
    size: Any = None
    instances: Sequence[Mapping] = ({},)
    sizes: tuple = (1, 2, 3)
    domains: Mapping = field(default_factory=dict)

    def relation(self):
        return sp.Eq(self.lhs, self.rhs, evaluate=False)

    def check(self, rng) -> StepResult:
        count = 0
        for size in self.sizes:
            for inst in self.instances:
                leaves: dict = {}
                values = {self.size: size, **inst}
                A = instantiate(self.lhs, values, rng, self.domains, leaves)
                B = instantiate(self.rhs, values, rng, self.domains, leaves)
                count += 1
                if sp.ImmutableMatrix(A) != sp.ImmutableMatrix(B):
                    return StepResult(Verdict.REFUTED, "explicit matrices", f"differs at n={size}",
                                      counterexample={"n": str(size), "lhs": str(A.tolist())[:80], "rhs": str(B.tolist())[:80]})
        diff = sp.MatAdd(self.lhs, -self.rhs).expand().doit()
        checked = f"exact on {count} explicit instances, n={self.sizes[0]}..{self.sizes[-1]}"
        if diff == 0 or isinstance(diff, sp.ZeroMatrix):
            return StepResult(Verdict.PROVED, f"the difference expands to 0 at symbolic n; {checked}", "")
        return StepResult(Verdict.CONFIRMED, checked, f"the difference expands to {diff}, not decided zero")
