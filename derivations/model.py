"""The identity data model: symbols, steps, verdicts and identities.

An :class:`Identity` is data: an id, a title, its notation and Jacobian layout, its symbols
with shapes and assumptions, an unevaluated statement, the derivation as ordered
:class:`Step` objects (each a checkable claim plus a justification), the expressions the
numeric side evaluates (``derived``), witnesses and sources.  Checking a step gives a frozen
:class:`StepResult` whose :class:`Verdict` is graded honestly: *proved* only when SymPy
decides the claim, *numerically confirmed* when only high-precision sampling supports it,
*refuted* with a counterexample otherwise.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import sympy as sp

__all__ = [
    "Verdict",
    "Notation",
    "SymbolSpec",
    "StepResult",
    "Step",
    "Identity",
    "DerivationResult",
    "COLUMN",
    "ROW",
    "NUMERATOR",
]


class Verdict(enum.Enum):
    """How a step was settled, from strongest to weakest.

    - ``PROVED``: a decision procedure (SymPy simplification to zero, assumptions, sound rewrite
      rules with decided side conditions) decided the claim, and a numeric screen at real
      precision agrees;
    - ``PROVED_INTERVAL``: interval arithmetic with subdivision enclosed the claim on every box of
      a bounded domain (a rigorous proof for that domain);
    - ``BY_LEMMA``: the step is an instance of a named lemma that is itself proved (the lemma's
      own verdict and proof are reported with it);
    - ``CONFIRMED``: only sampling at the stated precision supports it (evidence, not proof);
    - ``UNDECIDED``: neither proved nor refuted within the budget (honest "don't know");
    - ``REFUTED``: a counterexample was found.
    """

    PROVED = "proved"
    PROVED_INTERVAL = "proved (interval arithmetic)"
    BY_LEMMA = "proved by lemma"
    CONFIRMED = "numerically confirmed"
    UNDECIDED = "undecided"
    REFUTED = "refuted"

    def __str__(self) -> str:
        return self.value

    @property
    def is_proof(self) -> bool:
        """True for the verdicts that are proofs (``PROVED``, ``PROVED_INTERVAL``, ``BY_LEMMA``)."""
        return self in (Verdict.PROVED, Verdict.PROVED_INTERVAL, Verdict.BY_LEMMA)


COLUMN = "column vectors"
ROW = "row vectors"
NUMERATOR = "numerator layout: (da/db)_ij = da_i/db_j"


@dataclass(frozen=True)
class Notation:
    """Vector convention and Jacobian layout an identity is stated in."""

    vectors: str = COLUMN
    layout: str = NUMERATOR


@dataclass(frozen=True)
class SymbolSpec:
    """A symbol of an identity, with its shape, assumptions and sampling domain.

    Parameters
    ----------
    symbol : sympy.Symbol or sympy.MatrixSymbol or matexpr.TimeIndexed
        The object that appears in the statement.
    meaning : str
        One line saying what it is.
    shape : tuple
        ``()`` for scalars, else the (possibly symbolic) shape.
    domain : tuple of float
        Interval that entries are sampled from in numeric confirmation, extremes included.
    """

    symbol: Any
    meaning: str
    shape: tuple = ()
    domain: tuple[float, float] = (-1.0, 1.0)


@dataclass(frozen=True)
class StepResult:
    """The verdict on one step, with the evidence that settled it.

    ``method`` says how (``"simplify"``, ``"entrywise at symbolic n"``, ``"mpmath 40 digits
    at 96 points"``, ...); ``counterexample`` maps each free symbol to a printable value and
    includes ``lhs``/``rhs`` when the step is refuted; ``max_discrepancy`` is the largest
    difference seen when sampling (``None`` when no sampling was needed).
    """

    verdict: Verdict
    method: str
    detail: str = ""
    counterexample: Mapping[str, str] | None = None
    max_discrepancy: float | None = None
    points: int = 0
    dps: int = 0
    explicit_sizes: tuple[int, ...] = ()
    #: for a ``BY_LEMMA`` verdict: the lemma's name (see :mod:`derivations.lemmas`) and what it rests on
    lemma: str = ""
    rests_on: str = ""

    @property
    def ok(self) -> bool:
        return self.verdict is not Verdict.REFUTED


@dataclass(frozen=True)
class Step:
    """One step of a derivation: a claim and the reason it holds.

    ``claim`` is any object with ``check(rng) -> StepResult`` and ``latex(printer)``
    (see :mod:`derivations.claims`).  ``justification`` names the rule: definition, chain
    rule, quotient rule, algebra, induction hypothesis, submultiplicativity, ...
    """

    claim: Any
    justification: str
    note: str = ""

    def check(self, *, seed: int = 0) -> StepResult:
        import numpy as np
        from .instantiation import record

        result = self.claim.check(rng=np.random.default_rng(seed))
        record(self.claim, result)  # a later step that instantiates this one reuses the verdict
        return result


@dataclass(frozen=True)
class Identity:
    """One catalogued identity.

    Attributes
    ----------
    id : str
        Stable id, used by the registry, CLI, numeric checks, tests and report sections.
    title : str
        Human title.
    section : str
        Letter of the section of IDENTITIES.md (A-G).
    statement : sympy relational or claim
        The unevaluated statement, for printing.
    steps : tuple of Step
        The derivation, in order.
    symbols : tuple of SymbolSpec
        Every symbol with its shape and meaning.
    derived : mapping of str to sympy expression (or callable activation -> expression)
        Expressions the derivation produced, for the numeric side to evaluate through
        :func:`derivations.evaluate.evaluate`; see :meth:`expression`.
    witnesses : mapping of str to Any
        Concrete witnesses (matrices, inputs) the identity carries.
    notation : Notation
    sources : tuple of str
    summary : str
        The statement in one line of plain text.
    """

    id: str
    title: str
    section: str
    summary: str
    statement: Any
    steps: tuple[Step, ...]
    symbols: tuple[SymbolSpec, ...] = ()
    derived: Mapping[str, Any] = field(default_factory=dict)
    witnesses: Mapping[str, Any] = field(default_factory=dict)
    notation: Notation = Notation()
    sources: tuple[str, ...] = ()

    def expression(self, name: str, activation: str = "tanh"):
        """The derived expression ``name``; activation-dependent entries are callables of the
        activation name (``"tanh"`` or ``"sigmoid"``) and are resolved here."""
        from .errors import InputError

        if name not in self.derived:
            raise InputError(f"{self.id}: no derived expression {name!r} (have {sorted(self.derived)})")
        value = self.derived[name]
        return value(activation) if callable(value) else value

    def derive(self, *, seed: int = 0) -> "DerivationResult":
        """Check every step; return the verdicts in order."""
        results = tuple(step.check(seed=seed + k) for k, step in enumerate(self.steps))
        return DerivationResult(identity=self.id, results=results, seed=seed)

    def _repr_latex_(self) -> str:
        from .printing import latex_statement

        return "$\\displaystyle " + latex_statement(self) + "$"


@dataclass(frozen=True)
class DerivationResult:
    """Verdicts of every step of one identity's derivation."""

    identity: str
    results: tuple[StepResult, ...]
    seed: int = 0

    def count(self, verdict: Verdict) -> int:
        return sum(r.verdict is verdict for r in self.results)

    @property
    def verdict(self) -> Verdict:
        """The weakest step verdict: the identity is only as proved as its weakest step."""
        order = list(Verdict)  # strongest first, REFUTED last
        return max((r.verdict for r in self.results), key=order.index, default=Verdict.PROVED)

    @property
    def ok(self) -> bool:
        return self.verdict is not Verdict.REFUTED

    def _repr_latex_(self) -> str:
        from .printing import derivation_latex
        from .registry import get

        return derivation_latex(get(self.identity), self)
