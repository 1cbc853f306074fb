r"""Steps that are instances of a proved step: a universally quantified claim at a value, equals for equals.

A derivation often proves a statement for every value of a variable (an induction on the gap
:math:`s = t - k`, a chain rule at every time) and then uses it at one value (:math:`s = t - k`), or
replaces a factor by an equal one inside an ordered product.  The printed step is then exactly the
expression the numeric side evaluates, and it is proved by the earlier step, not by a new computation:

- :class:`Instantiation`: the source's statement :math:`P(v)` with :math:`v :=` ``value`` is, structurally,
  the printed claim; the value satisfies the variable's assumptions (integer, ``>= 0``, ``>= start``)
  under the stated condition (``given``, e.g. :math:`t = k + s'` with :math:`s' \ge 0`), and captures no
  bound variable;
- :class:`Replacement`: the printed right side is the printed left side with every occurrence of the
  source's left side replaced by its right side (Leibniz's law; the source holds for every value of its
  free symbols, so also under a product's or sum's bound variable of the same name).

In both, the source must be a proof (its verdict, checked once per process: :func:`premise_result`) and
the printed claim's own check (explicit instances) is run as a numeric screen: a screen that refutes
refutes the step.  Otherwise the step keeps its screen's verdict, with the reason it is not an instance.

Reference: instantiation and substitution of equals, e.g. Enderton, *A Mathematical Introduction to
Logic*, 2nd ed. (2001), §2.4 (substitution lemma).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping

import sympy as sp

from .model import StepResult, Verdict

__all__ = ["Instantiation", "Replacement", "premise_result", "record"]

_RESULTS: dict[int, tuple[Any, StepResult]] = {}


def record(claim, result: StepResult) -> None:
    """Remember ``claim``'s verdict (``Step.check`` calls this), so a later instance does not check it again."""
    _RESULTS[id(claim)] = (claim, result)


def premise_result(claim, rng) -> StepResult:
    """The verdict of a source claim: recorded when its own step was checked, else checked now (once)."""
    hit = _RESULTS.get(id(claim))
    if hit is None or hit[0] is not claim:
        record(claim, claim.check(rng))
        hit = _RESULTS[id(claim)]
    return hit[1]


def _statement(source):
    """``(lhs, rel, rhs, variable, start)`` of what ``source`` proves for every value of its free symbols."""
    st = getattr(source, "statement", None)
    if st is not None:  # an induction about a stated identity: P(v) for every v >= start
        return sp.sympify(st[0]), "=", sp.sympify(st[1]), source.variable, sp.sympify(source.start)
    return sp.sympify(source.lhs), getattr(source, "rel", "="), sp.sympify(source.rhs), None, None


def _bound(e) -> set:
    """Variables bound by the sums and products in ``e``."""
    out = set()
    for node in sp.preorder_traversal(e):
        if hasattr(node, "var") and hasattr(node, "lower"):
            out.add(node.var)
        for lim in getattr(node, "limits", ()) or ():
            out.add(lim[0])
    return out


def _admissible(var, value, given, start) -> str | None:
    """``None`` when ``value`` (under ``given``) satisfies ``var``'s assumptions and ``>= start``."""
    v = sp.sympify(value).xreplace(given)
    for fact in ("integer", "nonnegative", "positive"):
        if getattr(var, f"is_{fact}") and getattr(v, f"is_{fact}") is not True:
            return f"{var} is {fact}, {value} is not shown to be"
    if start is not None and sp.expand(v - start).is_nonnegative is not True:
        return f"{value} >= {start} is not shown"
    return None


@dataclass(frozen=True)
class Instantiation:
    """``claim`` is ``source``'s statement at ``at`` (a mapping variable -> value).

    ``source`` is an :class:`~derivations.claims.Induction` with a ``statement`` (proved for every
    value of its variable from ``start``), or a claim with sides proved for every value of its free
    symbols.  ``given`` rewrites the values' symbols so that their assumptions can be decided
    (``{t: k + s}`` with ``s >= 0`` encodes :math:`t \\ge k`); ``condition`` prints it.
    """

    source: Any
    at: Mapping
    claim: Any
    given: Mapping = field(default_factory=dict)
    condition: str = ""

    lhs = property(lambda self: self.claim.lhs)
    rhs = property(lambda self: self.claim.rhs)
    rel = property(lambda self: getattr(self.claim, "rel", "="))

    def relation(self):
        return self.claim.relation()

    def why_not(self) -> str | None:
        """``None`` when the printed claim is the source's statement at ``at``, else why not."""
        lhs, rel, rhs, var, start = _statement(self.source)
        bound = _bound(lhs) | _bound(rhs)
        for v, value in self.at.items():
            v = sp.sympify(v)
            if v not in (lhs.free_symbols | rhs.free_symbols) - bound:
                return f"{v} is not a free variable of the statement"
            if sp.sympify(value).free_symbols & bound:
                return f"{value} would be captured by a bound variable"
            why = _admissible(v, value, self.given, start if v == var else None)
            if why:
                return why
        at = {sp.sympify(v): sp.sympify(value) for v, value in self.at.items()}
        if rel != self.rel or (lhs.xreplace(at), rhs.xreplace(at)) != (sp.sympify(self.lhs), sp.sympify(self.rhs)):
            return "the printed sides are not the statement at " + ", ".join(f"{v} = {x}" for v, x in at.items())
        return None

    def check(self, rng) -> StepResult:
        screen, src = _screen_and_source(self, rng, "the statement is not proved", "not an instance")
        if src is None:
            return screen
        where = ", ".join(f"{v} = {x}" for v, x in self.at.items()) + (f" ({self.condition})" if self.condition else "")
        return replace(screen, verdict=src.verdict, method=f"instance of the proved statement at {where}; "
                       f"numeric screen: {screen.method}", detail=f"statement: {src.method}")


@dataclass(frozen=True)
class Replacement:
    """``claim``: its right side is its left side with ``source.lhs`` replaced by ``source.rhs`` everywhere.

    ``source`` is an equation proved for every value of its free symbols (so the replacement is also
    valid under a bound variable of the same name, e.g. the factor of an ordered product).
    """

    source: Any
    claim: Any

    lhs = property(lambda self: self.claim.lhs)
    rhs = property(lambda self: self.claim.rhs)
    rel = property(lambda self: getattr(self.claim, "rel", "="))

    def relation(self):
        return self.claim.relation()

    def why_not(self) -> str | None:
        a, rel, b, _, _ = _statement(self.source)
        if rel != "=" or self.rel != "=":
            return "only an equation can replace equals by equals"
        lhs, rhs = sp.sympify(self.lhs), sp.sympify(self.rhs)
        if lhs == rhs or lhs.xreplace({a: b}) != rhs:
            return "the right side is not the left side with the source's left side replaced by its right side"
        return None

    def check(self, rng) -> StepResult:
        screen, src = _screen_and_source(self, rng, "the replaced equation is not proved", "not a replacement of equals")
        if src is None:
            return screen
        return replace(screen, verdict=src.verdict, method=f"equals replaced by equals (a proved equation); "
                       f"numeric screen: {screen.method}", detail=f"replaced equation: {src.method}")


def _screen_and_source(step, rng, unproved: str, not_what: str) -> tuple[StepResult, StepResult | None]:
    """``(screen, source result)`` of a step that cites a proved ``source``: the step's own screen, and
    the source's verdict when the citation applies (``step.why_not()`` is ``None``) and the source is a
    proof; otherwise ``(the screen saying why, None)`` -- a refuting screen is returned as it is."""
    screen = step.claim.check(rng)
    if screen.verdict is Verdict.REFUTED:
        return screen, None
    why = step.why_not()
    src = None
    if why is None:
        src = premise_result(step.source, rng)
        if not src.verdict.is_proof:
            why = f"{unproved} ({src.verdict})"
    if why is not None:
        return replace(screen, detail=f"{screen.detail}; {not_what}: {why}"), None
    return screen, src
