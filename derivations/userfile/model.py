"""Parsed derivation files: declarations, the claim and the chain of steps, with positions.

Each mathematical expression is kept three ways: the ``source`` text exactly as the user
wrote it (what the terminal shows), a ``display`` SymPy tree that keeps user-defined names
(``sigma(x)`` stays a function call, for LaTeX), and a ``semantic`` tree in which every
``def`` is expanded (what the claims check).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Expr", "Declaration", "ChainStep", "DerivationFile", "RELS"]

#: relations allowed between the steps of a chain (upward ``<=``/``<`` or downward ``>=``/``>``)
RELS = ("=", "<=", "<", ">=", ">")


@dataclass(frozen=True)
class Expr:
    """One parsed expression: source text, display and semantic SymPy trees, shape, position.

    ``shape`` is ``None`` for a scalar, else ``(rows, cols)`` with SymPy entries.
    """

    source: str
    display: Any
    semantic: Any
    shape: tuple | None
    line: int
    col: int

    @property
    def is_matrix(self) -> bool:
        return self.shape is not None


@dataclass(frozen=True)
class Declaration:
    """A declared name: ``kind`` is ``scalar``, ``dim``, ``vector``, ``matrix`` or ``def``."""

    name: str
    kind: str
    symbol: Any
    line: int
    domain: tuple[float, float] | None = None
    interval: Any = None


@dataclass(frozen=True)
class ChainStep:
    """``rel expr`` on one line: the claim ``previous rel expr``, why it holds, how to show it."""

    rel: str
    expr: Expr
    justification: str = ""
    latex: str = ""
    line: int = 0


@dataclass(frozen=True)
class DerivationFile:
    """A whole derivation file after parsing (nothing checked yet)."""

    path: str
    title: str
    notation: str
    declarations: tuple[Declaration, ...]
    claim: tuple[Expr, str, Expr] | None
    claim_line: int
    start: Expr | None
    steps: tuple[ChainStep, ...]
    dims: tuple[Any, ...] = ()
    scalar_domains: dict = field(default_factory=dict)
    scalar_intervals: dict = field(default_factory=dict)
    matrix_domains: dict = field(default_factory=dict)

    def declared_intervals(self) -> dict:
        """``{symbol: sympy Interval}`` for the scalars declared with ``in (a, b)`` / ``[a, b]``."""
        return {s: iv for s, iv in self.scalar_intervals.items() if s in self.scalar_domains}
