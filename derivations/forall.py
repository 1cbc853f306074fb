"""Claims about opaque quantities, decided with each quantity generalised to a real symbol.

A derived expression often contains a quantity SymPy cannot reason about (a spectral norm
``||g||``); a claim about it is decided by replacing that atom with a real symbol carrying the
hypothesis of the step (``||g|| = N > 0``, ``tau = N + s0``).  Generalisation is sound: a claim true
for every value of the symbol is true for the atom.  The printed sides stay the derived expressions.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Mapping

import sympy as sp

from .claims import RELATIONS, Rel
from .model import StepResult

__all__ = ["ForAll"]


@dataclass(frozen=True)
class ForAll:
    """``lhs rel rhs`` for every value of the opaque atoms in ``atoms`` (``||g||`` as a positive real):
    the printed sides are the derived expressions; the check decides them with each atom replaced by
    the real symbol it stands for (sound: a claim true for every value of the symbol holds for the atom)."""

    lhs: Any
    rel: str
    rhs: Any
    atoms: Mapping = field(default_factory=dict)

    def relation(self):
        return RELATIONS[self.rel](self.lhs, self.rhs, evaluate=False)

    def check(self, rng) -> StepResult:
        r = Rel(sp.sympify(self.lhs).xreplace(self.atoms), self.rel, sp.sympify(self.rhs).xreplace(self.atoms)).check(rng)
        where = ", ".join(f"{k} = {v}" for k, v in self.atoms.items())
        return dataclasses.replace(r, method=f"{r.method} (with {where})")
