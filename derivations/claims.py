"""Checkable claims: the things a derivation step asserts, and how each is settled.

Every claim has ``check(rng) -> StepResult`` and a ``lhs``/``rel``/``rhs`` (or ``text``) for
printing.  The policy for a scalar :class:`Rel`:

1. **screen first** -- both sides are evaluated in a private mpmath context at points covering
   every symbol's whole domain (:func:`_sample`); a violation beyond the estimated rounding
   error refutes the step at once, with the point and both sides;
2. **proved** -- SymPy reduces the difference to zero or decides the inequality (assumptions;
   ``solveset`` on the declared interval, never for periodic functions), *and* the screen
   agreed; an ``=`` whose difference simplifies to a non-zero constant is refuted exactly;
3. **proved (interval arithmetic)** -- an inequality on a bounded domain enclosed on every box
   of a subdivision (:mod:`.interval`);
4. **numerically confirmed** -- none of the above, and no screened point violates the claim;
   **undecided** -- no point could be judged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np
import sympy as sp

from . import sampling
from .functions import unfold
from .model import StepResult, Verdict
from .screen import (NOT_EVALUABLE, _compare, _concrete, _free, _judge, _mp, _ptext, _sample,  # noqa: F401
                     _sample_concrete)

__all__ = ["Rel", "CriticalPoints", "LimitIs", "Exact", "Induction", "RELATIONS", "reduces_to_zero", "StepTimeout"]

RELATIONS = {"=": sp.Eq, "<=": sp.Le, "<": sp.Lt, ">=": sp.Ge, ">": sp.Gt}
#: a relation judged with tolerance ``tol``: ``<=`` may exceed by ``tol``; a strict relation fails
#: on ties (the sides must be separated by more than ``tol``)
_HOLDS = {"=": lambda a, b, tol: abs(a - b) <= tol, "<=": lambda a, b, tol: a <= b + tol,
          "<": lambda a, b, tol: a + tol < b, ">=": lambda a, b, tol: a + tol >= b,
          ">": lambda a, b, tol: a > b + tol}


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
    """A cheap screen kept for callers outside this module: do the sides differ at a few points?

    Evaluated with :mod:`.mpeval` (private mpmath context, error estimated); it never proves
    anything and :func:`_sample` re-checks every point.
    """
    for k, point in enumerate(sampling.scalar_points(_free(lhs, rhs), domains, rng, count=points)):
        if k >= 3 * points:
            break
        if _compare(lhs, "=", rhs, point)[0] == "violated":
            return True
    return False


class StepTimeout(BaseException):
    """Raised by a caller's alarm inside a check; a BaseException so that SymPy cannot swallow it."""


def _nested(e) -> bool:
    """A transcendental function inside another (``tanh(w*tanh(x))``): ``simplify`` then runs for
    minutes without result (measured on three-layer tanh chains)."""
    return any(f.args[0].has(sp.exp, sp.tanh, sp.sinh, sp.cosh, sp.sin, sp.cos, sp.log)
               for f in sp.sympify(e).atoms(sp.exp, sp.tanh, sp.sinh, sp.cosh, sp.sin, sp.cos, sp.log))


def _periodic(e) -> bool:
    return e.has(sp.sin, sp.cos, sp.tan, sp.cot, sp.sec, sp.csc)


def _screened(res: StepResult, screen: StepResult) -> StepResult:
    """A symbolic proof, reported with the numeric screen that agreed with it (or why there was none).

    ``points`` stays 0: the record's sample count is for verdicts that rest on sampling; the
    screen is stated in ``method``.
    """
    if screen.method == NOT_EVALUABLE:
        return StepResult(res.verdict, f"{res.method}; not screened: {screen.detail}", res.detail)
    return StepResult(res.verdict, f"{res.method}; screened at {screen.points} points, {screen.dps} digits",
                      res.detail, max_discrepancy=screen.max_discrepancy)


@dataclass(frozen=True)
class Rel:
    """A scalar claim ``lhs rel rhs`` with ``rel`` one of ``= <= < >= >``.

    ``domains`` maps symbols to their intervals (``sp.Interval``, or a closed ``(lo, hi)``
    pair); symbols without one range over the set their kind implies.  ``variable`` with
    ``interval`` lets ``solveset`` decide a one-variable inequality (never for periodic
    functions).  Every claim is first screened numerically (:func:`_sample`); a symbolic
    decision is reported only when the screen agrees, and scalar inequalities on bounded
    domains are then tried with interval arithmetic (:mod:`.interval`).
    """

    lhs: Any
    rel: str
    rhs: Any
    domains: Mapping[Any, Any] = field(default_factory=dict)
    variable: Any = None
    interval: Any = sp.S.Reals

    def relation(self):
        return RELATIONS[self.rel](self.lhs, self.rhs, evaluate=False)

    def _all_domains(self):
        doms = dict(self.domains)
        if self.variable is not None and self.interval is not sp.S.Reals and self.variable not in doms:
            doms[self.variable] = self.interval
        return doms

    def check(self, rng: np.random.Generator) -> StepResult:
        lhs, rhs = unfold(self.lhs), unfold(self.rhs)
        domains = self._all_domains()
        seeds = rng.integers(2 ** 32, size=2)
        # a light screen (every third point) refutes cheaply before any symbolic attempt and is the
        # numeric cross-examination of a proof; a step left unproved gets the full screen
        screen = _sample_concrete(lhs, self.rel, rhs, domains, np.random.default_rng(seeds[0]), stride=3)
        if screen.verdict is Verdict.REFUTED:
            return screen
        try:
            decided = self._symbolic(lhs, rhs, domains, screen)
            if decided is not None:
                return decided
            if self.rel != "=":
                from .interval import prove_by_intervals
                proof = prove_by_intervals(lhs, self.rel, rhs, domains)
                if proof is not None:
                    return proof
        except StepTimeout:
            return StepResult(screen.verdict, screen.method, screen.detail + "; the symbolic attempt ran out of time",
                              max_discrepancy=screen.max_discrepancy, points=screen.points, dps=screen.dps)
        return _sample_concrete(lhs, self.rel, rhs, domains, np.random.default_rng(seeds[1]))

    def _symbolic(self, lhs, rhs, domains, screen) -> StepResult | None:
        if screen.verdict is Verdict.UNDECIDED and screen.method != NOT_EVALUABLE and _free(lhs, rhs):
            return None  # undefined at every point: a symbolic verdict would have no screen
        if self.rel == "=":
            diff = lhs - rhs
            if reduces_to_zero(diff):
                return _screened(StepResult(Verdict.PROVED, "simplify", "lhs - rhs reduces to 0"), screen)
            return _constant_difference(diff, lhs, rhs)
        res = self._decide(lhs, rhs)
        if res is None:
            return None
        if res.verdict is Verdict.PROVED:
            return _screened(res, screen)
        return res

    def _decide(self, lhs, rhs) -> StepResult | None:
        gap = rhs - lhs if self.rel in ("<=", "<") else lhs - rhs
        strict = self.rel in ("<", ">")
        sign = gap.is_positive if strict else gap.is_nonnegative
        if sign is None and sp.count_ops(gap) <= 60 and not _nested(gap):  # simplify: small, flat gaps only
            gap = sp.simplify(gap)
            sign = gap.is_positive if strict else gap.is_nonnegative
        if sign:
            return StepResult(Verdict.PROVED, "assumptions", f"{'positive' if strict else 'nonnegative'}: {gap}")
        if sign is False and not gap.free_symbols:  # a constant of known sign: decided exactly
            return StepResult(Verdict.REFUTED, "exact", f"{'positive' if strict else 'nonnegative'} fails: gap = {gap}",
                              counterexample={"lhs": _fmt(float(lhs)), "rhs": _fmt(float(rhs))})
        x = self.variable
        if x is None or _periodic(gap):  # solveset misses solutions of periodic functions off one period
            return None
        violation = sp.Le(gap, 0) if strict else sp.Lt(gap, 0)
        domain = sampling.domain_interval(x, self._all_domains().get(x))
        try:
            bad = sp.solveset(violation, x, domain)
        except (NotImplementedError, ValueError, TypeError):
            return None
        if bad is sp.S.EmptySet:
            return StepResult(Verdict.PROVED, "solveset over the domain", f"the violation set of {violation} is empty")
        if isinstance(bad, sp.ConditionSet):
            return None
        point = _a_point(bad)
        if point is None or domain.contains(point) != sp.true:
            return None
        status, a, b, _, dps = _judge(lhs, self.rel, rhs, {x: point})
        if status != "violated":  # solveset and the numbers disagree: trust neither
            return None
        ce = {str(x): str(point) if len(str(point)) < 40 else _fmt(float(point)), "lhs": _mp(a), "rhs": _mp(b)}
        return StepResult(Verdict.REFUTED, "solveset over the domain, checked numerically", f"violated on {bad}",
                          counterexample=ce, dps=dps)


def _constant_difference(diff, lhs, rhs) -> StepResult | None:
    """REFUTED when ``lhs - rhs`` simplifies to a non-zero constant (however small)."""
    if sp.count_ops(diff) > 60:
        return None
    try:
        c = sp.simplify(diff)
    except (TypeError, ValueError, NotImplementedError, RecursionError):
        return None
    if c.free_symbols or c == 0:
        return None
    v = sp.N(c, 15, maxn=4000)
    if not (v.is_Number and v != 0 and getattr(v, "_prec", 2) > 1):
        return None
    return StepResult(Verdict.REFUTED, "exact", f"lhs - rhs simplifies to the constant {c} = {v}, not 0",
                      counterexample={"lhs - rhs": str(c), "value": _fmt(float(v)), "lhs": str(lhs)[:60], "rhs": str(rhs)[:60]})


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
