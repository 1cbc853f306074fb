"""Checkable claims: the things a derivation step asserts, and how each is settled.

Every claim has ``check(rng) -> StepResult`` and a ``lhs``/``rel``/``rhs`` (or ``text``) for
printing.  The policy is the same everywhere:

* **proved** -- SymPy reduces the difference to zero, decides the inequality (assumptions,
  ``solveset`` over the reals, ``limit``), or an exact computation settles it; matrix claims
  are proved entrywise at symbolic size and then cross-checked with explicit matrices;
* **numerically confirmed** -- SymPy could not decide, and sampling at ``DPS`` digits found
  no violation (never reported as proved);
* **refuted** -- a point, or an explicit matrix instance, where the claim fails.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np
import sympy as sp

from . import sampling
from .functions import unfold
from .model import StepResult, Verdict

__all__ = ["Rel", "CriticalPoints", "LimitIs", "Exact", "Induction", "RELATIONS", "reduces_to_zero"]

RELATIONS = {"=": sp.Eq, "<=": sp.Le, "<": sp.Lt, ">=": sp.Ge, ">": sp.Gt}
_HOLDS = {"=": lambda a, b, tol: abs(a - b) <= tol, "<=": lambda a, b, tol: a <= b + tol,
          "<": lambda a, b, tol: a < b + tol, ">=": lambda a, b, tol: a + tol >= b,
          ">": lambda a, b, tol: a + tol > b}


def _fmt(v) -> str:
    if isinstance(v, complex):
        return f"{v.real:.6g}{v.imag:+.6g}j"
    return f"{v:.10g}" if isinstance(v, float) else str(v)


def reduces_to_zero(expr) -> bool:
    """True when a chain of SymPy simplifications brings ``expr`` to exactly 0.

    Cheap attempts first; the exponential rewrite is tried only when it changes the expression.
    """
    expr = sp.sympify(expr)
    if expr == 0:
        return True
    attempts = [sp.expand, sp.cancel]
    try:
        as_exp = expr.rewrite(sp.exp)
    except (TypeError, ValueError, NotImplementedError, RecursionError):
        as_exp = expr
    if as_exp != expr:
        attempts.append(lambda e: sp.cancel(as_exp))
    attempts.append(sp.simplify)
    if as_exp != expr:
        attempts.append(lambda e: sp.simplify(as_exp))
    for attempt in attempts:
        try:
            if attempt(expr) == 0:
                return True
        except (TypeError, ValueError, NotImplementedError, RecursionError):
            continue
    return False


def _clearly_differs(lhs, rhs, domains, rng, points: int = 3) -> bool:
    """A cheap screen: do the two sides differ by far more than rounding at a few random points?

    Only a shortcut to the sampling verdict (which re-checks every point at full precision);
    it never proves anything.
    """
    free = sorted((sp.sympify(lhs).free_symbols | sp.sympify(rhs).free_symbols), key=str)
    if any(not isinstance(f, sp.Symbol) for f in free):
        return False
    sub = np.random.default_rng(rng.integers(2 ** 32))  # one draw of the caller's stream, seeded screen
    for _ in range(points):
        pt = {f: sp.Float(float(sub.uniform(*domains.get(f, sampling.default_domain(f)))), 20) for f in free}
        a, b = sampling.evalf(lhs, pt), sampling.evalf(rhs, pt)
        if isinstance(a, (int, float, complex)) and isinstance(b, (int, float, complex)) and \
                math.isfinite(abs(a)) and math.isfinite(abs(b)) and abs(a - b) > 1e-6 * max(1.0, abs(a), abs(b)):
            return True
    return False


def _sample(lhs, rel, rhs, domains, rng, *, exclude=()) -> StepResult:
    """Settle a scalar claim numerically; CONFIRMED or REFUTED, never PROVED."""
    free = (sp.sympify(lhs).free_symbols | sp.sympify(rhs).free_symbols) - set(exclude)
    worst, n = 0.0, 0
    for point in sampling.sample_points(free, domains, rng):
        a, b = sampling.evalf(lhs, point), sampling.evalf(rhs, point)
        if isinstance(a, float) and isinstance(b, float) and (math.isnan(a) or math.isnan(b)):
            continue  # outside the natural domain of the expression (a pole); not a test point
        n += 1
        tol = sampling.tolerance(abs(a), abs(b))
        disc = abs(a - b)
        worst = max(worst, disc if rel == "=" else max(0.0, (a - b) if rel in ("<=", "<") else (b - a)))
        if isinstance(a, complex) or isinstance(b, complex):
            ok = rel == "=" and disc <= tol
        else:
            ok = _HOLDS[rel](a, b, tol)
        if not ok:
            ce = {str(s): _fmt(float(v)) for s, v in sorted(point.items(), key=lambda kv: str(kv[0]))}
            ce.update(lhs=_fmt(a), rhs=_fmt(b))
            return StepResult(Verdict.REFUTED, f"mpmath {sampling.DPS} digits", f"fails at point {n}",
                              counterexample=ce, max_discrepancy=disc, points=n, dps=sampling.DPS)
    if n == 0:
        return StepResult(Verdict.REFUTED, "sampling", "no point of the domain could be evaluated")
    return StepResult(Verdict.CONFIRMED, f"mpmath {sampling.DPS} digits at {n} points",
                      "SymPy could not decide; no violation found", max_discrepancy=worst, points=n,
                      dps=sampling.DPS)


@dataclass(frozen=True)
class Rel:
    """A scalar claim ``lhs rel rhs`` with ``rel`` one of ``= <= < >= >``.

    ``domains`` maps symbols to sampling intervals; ``variable`` with ``interval`` lets
    ``solveset`` decide a one-variable inequality exactly.
    """

    lhs: Any
    rel: str
    rhs: Any
    domains: Mapping[Any, tuple[float, float]] = field(default_factory=dict)
    variable: Any = None
    interval: Any = sp.S.Reals

    def relation(self):
        return RELATIONS[self.rel](self.lhs, self.rhs, evaluate=False)

    def check(self, rng: np.random.Generator) -> StepResult:
        lhs, rhs = unfold(self.lhs), unfold(self.rhs)
        if self.rel == "=":
            if _clearly_differs(lhs, rhs, self.domains, rng):
                return _sample(lhs, "=", rhs, self.domains, rng)  # refutes, without slow simplify attempts
            if reduces_to_zero(lhs - rhs):
                return StepResult(Verdict.PROVED, "simplify", "lhs - rhs reduces to 0")
            return _sample(lhs, "=", rhs, self.domains, rng)
        proved = self._decide(lhs, rhs)
        if proved is not None:
            return proved
        return _sample(lhs, self.rel, rhs, self.domains, rng)

    def _decide(self, lhs, rhs) -> StepResult | None:
        gap = rhs - lhs if self.rel in ("<=", "<") else lhs - rhs
        strict = self.rel in ("<", ">")
        sign = gap.is_positive if strict else gap.is_nonnegative
        if sign is None:  # simplify only when the assumptions cannot already tell (it is the slow part)
            gap = sp.simplify(gap)
            sign = gap.is_positive if strict else gap.is_nonnegative
        if sign:
            return StepResult(Verdict.PROVED, "assumptions", f"{'positive' if strict else 'nonnegative'}: {gap}")
        if sign is False and not gap.free_symbols:  # a constant of known sign: decided exactly
            return StepResult(Verdict.REFUTED, "exact", f"{'positive' if strict else 'nonnegative'} fails: gap = {gap}",
                              counterexample={"lhs": _fmt(float(lhs)), "rhs": _fmt(float(rhs))})
        x = self.variable
        if x is None:
            return None
        violation = sp.Le(gap, 0) if strict else sp.Lt(gap, 0)
        try:
            bad = sp.solveset(violation, x, self.interval)
        except (NotImplementedError, ValueError, TypeError):
            return None
        if bad is sp.S.EmptySet:
            return StepResult(Verdict.PROVED, "solveset over the domain", f"the violation set of {violation} is empty")
        if isinstance(bad, sp.ConditionSet):
            return None
        point = _a_point(bad)
        if point is None:
            return None
        ce = {str(x): _fmt(float(point)), "lhs": _fmt(float(lhs.subs(x, point))), "rhs": _fmt(float(rhs.subs(x, point)))}
        return StepResult(Verdict.REFUTED, "solveset over the domain", f"violated on {bad}", counterexample=ce)


def _a_point(s):
    """One real point of a SymPy set, or ``None``."""
    if isinstance(s, sp.FiniteSet):
        return next(iter(s))
    if isinstance(s, sp.Interval):
        lo, hi = s.inf, s.sup
        if lo.is_finite and hi.is_finite:
            return (lo + hi) / 2
        if lo.is_finite:
            return lo + 1
        if hi.is_finite:
            return hi - 1
        return sp.Integer(0)
    if isinstance(s, sp.Union):
        return _a_point(s.args[0])
    return None


@dataclass(frozen=True)
class CriticalPoints:
    """``f'(x) = 0`` exactly at ``points`` on ``interval``, decided by ``solveset``."""

    f: Any
    x: Any
    points: tuple
    interval: Any = sp.S.Reals

    @property
    def text(self):
        return r"\{x : f'(x)=0\} = \{%s\}" % ", ".join(sp.latex(p) for p in self.points)

    def check(self, rng) -> StepResult:
        df = sp.diff(unfold(self.f), self.x)
        found = sp.solveset(sp.simplify(df.rewrite(sp.exp)), self.x, self.interval)
        want = sp.FiniteSet(*self.points)
        if found == want:
            return StepResult(Verdict.PROVED, "solveset", f"f'(x) = 0 exactly on {found}")
        if isinstance(found, sp.ConditionSet):
            roots = all(abs(sampling.evalf(df, {self.x: p})) <= sampling.tolerance() for p in self.points)
            if roots:
                return StepResult(Verdict.CONFIRMED, f"mpmath {sampling.DPS} digits",
                                  "the claimed points are roots of f'; SymPy could not decide that there are no others")
            return StepResult(Verdict.REFUTED, "evaluation", "a claimed point is not a root of f'",
                              counterexample={"points": str(self.points)})
        return StepResult(Verdict.REFUTED, "solveset", f"critical points are {found}, not {want}",
                          counterexample={"critical points": str(found)})


@dataclass(frozen=True)
class LimitIs:
    """``lim_{x -> at} f(x) = value``, decided by :func:`sympy.limit`."""

    f: Any
    x: Any
    at: Any
    value: Any

    def relation(self):
        return sp.Eq(sp.Limit(self.f, self.x, self.at), self.value, evaluate=False)

    def check(self, rng) -> StepResult:
        got = sp.limit(unfold(self.f), self.x, self.at)
        if sp.simplify(got - self.value) == 0:
            return StepResult(Verdict.PROVED, "limit", f"limit is {got}")
        return StepResult(Verdict.REFUTED, "limit", f"limit is {got}, not {self.value}",
                          counterexample={"limit": str(got)})


@dataclass(frozen=True)
class Exact:
    """A claim settled by an exact computation supplied by the identity (a witness).

    ``compute()`` returns ``(holds, detail)`` using exact SymPy arithmetic only; ``text`` is
    the LaTeX of the claim.
    """

    text: str
    compute: Callable[[], tuple[bool, str]]

    def check(self, rng) -> StepResult:
        holds, detail = self.compute()
        if holds:
            return StepResult(Verdict.PROVED, "exact computation", detail)
        return StepResult(Verdict.REFUTED, "exact computation", detail, counterexample={"computed": detail})


@dataclass(frozen=True)
class Induction:
    """Proof by induction on an integer: a base case and an inductive step, both claims.

    With ``statement = (lhs, rhs)`` (the identity :math:`P(v)`, sides written in ``variable``) and
    ``start``, the induction is *about that statement*: the base claim's sides must be
    :math:`P(start)`; the step (a claim, or a :class:`Conjunction`-like chain with ``parts``) must
    begin at :math:`P(v+1)`'s left side and end at its right side, and one link must be exactly the
    induction hypothesis :math:`P(v)` (a part whose right side, with :math:`P(v)`'s left side
    replaced by its right side, is the next part's left side).  Otherwise the induction is refuted
    with the reason, whatever its parts prove.
    """

    variable: Any
    base: Any
    step: Any
    text: str = ""
    statement: tuple | None = None
    start: Any = 0

    def _about_statement(self) -> str | None:
        """``None`` when base and step are the base case and inductive step of ``statement``, else why not."""
        if self.statement is None:
            return None
        v = self.variable
        lhs, rhs = (sp.sympify(e) for e in self.statement)
        at = lambda e, val: e.xreplace({v: val})  # noqa: E731
        if (getattr(self.base, "lhs", None), getattr(self.base, "rhs", None)) != (at(lhs, self.start), at(rhs, self.start)):
            return f"the base case is not the statement at {v} = {self.start}"
        parts = list(getattr(self.step, "parts", ()) or (self.step,))
        if parts[0].lhs != at(lhs, v + 1) or parts[-1].rhs != at(rhs, v + 1):
            return f"the inductive step does not go from the statement's left side at {v} + 1 to its right side"
        hyp = {lhs: rhs}
        if not any(a.rhs.xreplace(hyp) == b.lhs for a, b in zip(parts, parts[1:])):
            return f"no link of the inductive step is the induction hypothesis (the statement at {v})"
        return None

    def check(self, rng) -> StepResult:
        why = self._about_statement()
        if why is not None:
            return StepResult(Verdict.REFUTED, "induction", f"not an induction of the stated identity: {why}",
                              counterexample={"reason": why})
        b, s = self.base.check(rng), self.step.check(rng)
        parts = f"base: {b.verdict} ({b.method}); step: {s.verdict} ({s.method})"
        if self.statement is not None:
            parts += "; base and step generated from the statement, the hypothesis used as a link"
        for r in (b, s):
            if r.verdict is Verdict.REFUTED:
                return StepResult(Verdict.REFUTED, "induction", parts, counterexample=r.counterexample,
                                  max_discrepancy=r.max_discrepancy)
        worst = Verdict.PROVED if b.verdict is s.verdict is Verdict.PROVED else Verdict.CONFIRMED
        return StepResult(worst, f"induction on {self.variable}", parts,
                          explicit_sizes=tuple(sorted(set(b.explicit_sizes) | set(s.explicit_sizes))))
