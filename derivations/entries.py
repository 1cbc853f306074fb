"""One entry of a derived matrix, proved at symbolic size (:class:`EntryEq`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from . import sampling
from .matrixclaims import SIZES, _compare, _entrywise_zero, explicit_value, instantiate
from .model import StepResult, Verdict

__all__ = ["EntryEq"]


@dataclass(frozen=True)
class EntryEq:
    r"""One entry of a matrix expression, :math:`M_{ab} = \text{value}`, at symbolic size.

    ``matrix`` is a derived matrix expression (a side of an earlier step), ``row``/``col`` the
    integer symbols naming the entry, ``value`` a scalar in ``Indexed`` symbols, and ``leaves``
    maps entries of the matrix's leaves to those symbols (:math:`h_{t,a} \to h_a`).  Proved when
    SymPy's entry expansion of ``matrix`` minus ``value`` reduces to zero for every ``row, col < n``;
    cross-checked on random explicit matrices of sizes 1..4 (every entry).
    """

    matrix: Any
    row: Any
    col: Any
    value: Any
    size: Any
    leaves: Callable = staticmethod(lambda e: e)
    explicit_leaves: Callable | None = None
    sizes: tuple[int, ...] = SIZES
    rel: str = "="

    @property
    def lhs(self):
        return MatrixElement(self.matrix, self.row, self.col)

    @property
    def rhs(self):
        return self.value

    def relation(self):
        return sp.Eq(self.lhs, self.value, evaluate=False)

    def check(self, rng: np.random.Generator) -> StepResult:
        a, b = sp.Dummy("a", integer=True, nonnegative=True), sp.Dummy("b", integer=True, nonnegative=True)
        proved = _entrywise_zero(None, self.size, lambda i, j: self.leaves(self.matrix[i, j]) - self.value.xreplace(
            {self.row: i, self.col: j}))
        for n in self.sizes:
            leaves: dict = {}
            M = explicit_value(instantiate(self.matrix, {self.size: n}, rng, {"h": (-1.0, 1.0)}, leaves))
            V = sp.Matrix(n, n, lambda r, c: self.explicit_leaves(self.value.xreplace({self.row: r, self.col: c}), leaves, n))
            bad = _compare(sp.Matrix(M), V, n, {}, self.sizes)
            if isinstance(bad, StepResult):
                return bad
        if proved:
            return StepResult(Verdict.PROVED, f"entrywise at symbolic n; explicit n={self.sizes[0]}..{self.sizes[-1]}",
                              "", dps=sampling.DPS, explicit_sizes=self.sizes)
        return StepResult(Verdict.CONFIRMED, f"explicit n={self.sizes[0]}..{self.sizes[-1]}",
                          "not decided at symbolic size", dps=sampling.DPS, explicit_sizes=self.sizes)
