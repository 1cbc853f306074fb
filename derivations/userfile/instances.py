r"""Explicit matrix instances that can break a claim, and the claim checked on them.

:func:`plans` lists the instances a matrix step is tried on: sizes 1..6 with every dimension
equal, sizes 1..6 with every dimension its *own* size (so a claim true only when two
dimensions agree is caught), and structured matrices at sizes 2 and 4: zero, identity,
diagonal, symmetric, skew-symmetric, rank-one, nilpotent, orthogonal; vectors zero, all ones,
saturated (entries at the ends of their domain, :math:`h \approx \pm 1`) and a basis vector.
Structured values are used only where they lie in the declared entry domain.  Scalars run over
their whole domain as in :mod:`..sampling`.

:class:`InstanceClaim` screens a claim on every instance first (entries evaluated in a private
mpmath context by :mod:`..mpeval`, no float conversion), and only then tries the entrywise proof
at symbolic size; the step is *proved* only when that proof succeeds and no instance disagrees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Mapping

import numpy as np
import sympy as sp

from .. import sampling
from ..claims import StepTimeout
from ..screen import _judge, _mp
from ..model import StepResult, Verdict

__all__ = ["Plan", "plans", "leaf_values", "InstanceClaim", "STRUCTURES", "MAX_EXPLICIT"]

STRUCTURES = ("zero", "identity", "diagonal", "symmetric", "skew", "rank-one", "nilpotent", "orthogonal",
              "ones", "saturated", "basis")
#: the largest explicit size
MAX_EXPLICIT = 6


@dataclass(frozen=True)
class Plan:
    """One explicit instance: a size for each dimension, a structure, and the index of the draw."""

    sizes: Mapping[Any, int]
    structure: str
    index: int

    def label(self) -> str:
        sz = ", ".join(f"{d}={v}" for d, v in self.sizes.items())
        return f"{self.structure} ({sz})" if sz else self.structure


def plans(dims, rng: np.random.Generator, *, costly: bool = False) -> list[Plan]:
    """The instances of a claim over dimensions ``dims`` (fewer and smaller when ``costly``)."""
    top = 4 if costly else MAX_EXPLICIT
    out = [Plan({d: s for d in dims}, "random", k) for k, s in enumerate(range(1, top + 1))]
    if len(dims) > 1:  # each dimension its own size, in a seeded order
        for s in range(1, top + 1):
            sizes = [1 + (s - 1 + 2 * k) % top for k in range(len(dims))]
            rng.shuffle(sizes)
            out.append(Plan(dict(zip(dims, (int(v) for v in sizes))), "random", len(out)))
    for size in ((2,) if costly else (2, 4)):
        for st in STRUCTURES:
            out.append(Plan({d: size for d in dims}, st, len(out)))
    if not dims:
        out += [Plan({}, "random", len(out) + k) for k in range(8)]
    return out


def _in(dom, v) -> bool:
    return dom.contains(v) == sp.true


def _domain(d) -> sp.Interval:
    if d is None:
        return sp.Interval(-sp.oo, sp.oo)
    if isinstance(d, sp.Set):
        return d
    return sp.Interval(sp.Rational(str(d[0])), sp.Rational(str(d[1])))


def _random(rng, rows, cols, dom) -> list:
    lo = float(dom.inf) if dom.inf.is_finite else -1.0
    hi = float(dom.sup) if dom.sup.is_finite else 1.0
    vals = []
    for v in rng.uniform(lo, hi, size=rows * cols):
        r = sp.Rational(Fraction(float(v)).limit_denominator(97))
        if not _in(dom, r):  # rounding reached an open end: step inside
            r = sp.Rational(Fraction(float(v)).limit_denominator(10 ** 6))
        vals.append(r if _in(dom, r) else sp.Rational((lo + hi) / 2))
    return vals


def _structured(st, rng, rows, cols, dom):
    """Entries of a structured matrix (row-major), or ``None`` when it does not apply."""
    n = rows
    rand = lambda: [sp.Rational(int(v), 7) for v in rng.integers(-7, 8, size=rows * cols)]  # noqa: E731
    M = sp.zeros(rows, cols)
    if st == "zero":
        pass
    elif st == "ones":
        M = sp.ones(rows, cols)
    elif st == "saturated":  # entries at the ends of the domain (h = +-1 for tanh states)
        hi = dom.sup if dom.sup.is_finite else sp.Integer(1)
        lo = dom.inf if dom.inf.is_finite else -hi
        eps = sp.Rational(1, 10 ** 6)
        hi, lo = (hi if _in(dom, hi) else hi - eps), (lo if _in(dom, lo) else lo + eps)
        M = sp.Matrix(rows, cols, [hi if k % 2 == 0 else lo for k in range(rows * cols)])
    elif st == "basis":
        M[0, 0] = 1
    elif rows != cols and st != "rank-one":
        return None
    elif st == "identity":
        M = sp.eye(n)
    elif st == "diagonal":
        M = sp.diag(*rand()[:n])
    elif st in ("symmetric", "skew"):
        A = sp.Matrix(n, n, rand())
        M = A + A.T if st == "symmetric" else A - A.T
    elif st == "rank-one":
        u, v = sp.Matrix(rand()[:rows]), sp.Matrix(rand()[:cols])
        M = u * v.T
    elif st == "nilpotent":
        M = sp.Matrix(n, n, lambda i, j: sp.Rational(int(rng.integers(1, 8)), 7) if j > i else 0)
    elif st == "orthogonal":  # a signed permutation times a rotation by (3/5, 4/5)
        perm = rng.permutation(n)
        M = sp.Matrix(n, n, lambda i, j: (1 if i % 2 else -1) if j == perm[i] else 0)
        if n >= 2:
            R = sp.eye(n)
            R[0, 0], R[0, 1], R[1, 0], R[1, 1] = sp.Rational(3, 5), -sp.Rational(4, 5), sp.Rational(4, 5), sp.Rational(3, 5)
            M = R * M
    vals = list(M)
    return vals if all(_in(dom, v) for v in vals) else None


def leaf_values(plan: Plan, rng, rows: int, cols: int, dom) -> sp.ImmutableMatrix:
    """Exact rational entries of one leaf in ``plan`` (random where the structure does not apply)."""
    dom = _domain(dom)
    vals = None
    if plan.structure != "random":
        vals = _structured(plan.structure, rng, rows, cols, dom)
    if vals is None:
        vals = _random(rng, rows, cols, dom)
    return sp.ImmutableMatrix(rows, cols, vals)


def scalar_value(sym, dom, plan: Plan, rng):
    """A value of a scalar symbol in ``plan``: its special values and magnitudes in turn, then random."""
    cands = sampling._candidates(sampling.domain_interval(sym, dom))
    if cands and plan.index < 3 * len(cands):
        return cands[(plan.index * 7) % len(cands)]
    v = sampling._random_value(sampling.domain_interval(sym, dom), rng)
    return v if v is not None else (cands[0] if cands else sp.Integer(0))


def _pairs(A, B):
    """Entry pairs of two explicit values: matrices entrywise, 1x1 matrices as scalars."""
    one = lambda X: X[0, 0] if isinstance(X, sp.MatrixBase) and X.shape == (1, 1) else X  # noqa: E731
    A, B = one(A), one(B)
    if isinstance(A, sp.MatrixBase) or isinstance(B, sp.MatrixBase):
        if not (isinstance(A, sp.MatrixBase) and isinstance(B, sp.MatrixBase)) or A.shape != B.shape:
            return None
        return [((r, c), A[r, c], B[r, c]) for r in range(A.rows) for c in range(A.cols)]
    return [(None, A, B)]


@dataclass(frozen=True)
class InstanceClaim:
    """``lhs rel rhs`` for matrix expressions (or scalars built from them), see the module docstring.

    ``explicit(plan, rng) -> (lhs_value, rhs_value)`` builds the explicit values of one plan;
    ``entry(i, j)`` gives the ``(i, j)`` entry of ``lhs - rhs`` at symbolic size ``size`` for
    the entrywise proof (``None``: no symbolic attempt).
    """

    lhs: Any
    rel: str
    rhs: Any
    dims: tuple = ()
    explicit: Callable | None = None
    entry: Callable | None = None
    size: Any = None
    costly: bool = False
    plans_: tuple = field(default=())

    def check(self, rng: np.random.Generator) -> StepResult:
        count, worst, sizes, undefined, judged = 0, 0.0, set(), 0, 0
        for plan in (self.plans_ or plans(self.dims, rng, costly=self.costly)):
            try:
                a, b = self.explicit(plan, rng)
            except (ValueError, ZeroDivisionError, TypeError):  # e.g. min(1, c/0): undefined here
                undefined += 1
                continue
            pairs = _pairs(a, b)
            if pairs is None:
                return StepResult(Verdict.REFUTED, "explicit matrices", f"shapes differ on {plan.label()}",
                                  counterexample={"instance": plan.label(), "lhs shape": str(getattr(a, "shape", "scalar")),
                                                  "rhs shape": str(getattr(b, "shape", "scalar"))})
            count += 1
            sizes |= set(plan.sizes.values())
            for where, x, y in pairs:
                status, va, vb, tol, dps = _judge(x, self.rel, y, {})
                if status in ("undefined", "unclear", "unsupported"):
                    undefined += 1
                    continue
                judged += 1
                worst = max(worst, float(abs(va - vb)) if self.rel == "=" else 0.0)
                if status == "violated":
                    ce = {"instance": plan.label(), **({"entry": str(where)} if where else {}),
                          "lhs": _mp(va), "rhs": _mp(vb)}
                    return StepResult(Verdict.REFUTED, f"explicit matrices, mpmath {dps} digits",
                                      f"fails on {plan.label()}", counterexample=ce, max_discrepancy=float(abs(va - vb)),
                                      points=count, dps=dps, explicit_sizes=tuple(sorted(sizes)))
        if not judged:
            return StepResult(Verdict.UNDECIDED, "explicit matrices", "no instance could be evaluated", points=count)
        what = (f"{count} explicit instances, sizes {min(sizes, default=0)}..{max(sizes, default=0)}, "
                f"random and structured ({', '.join(STRUCTURES)})")
        note = f"; {undefined} entries undefined or not judged" if undefined else ""
        proved = None
        if self.entry is not None and self.rel == "=":
            from ..matrixclaims import _entrywise_zero
            try:
                proved = _entrywise_zero(None, self.size, self.entry)
            except StepTimeout:
                note += "; the symbolic attempt ran out of time"
        if proved:
            return StepResult(Verdict.PROVED, f"entrywise at symbolic size; screened on {what}", "",
                              max_discrepancy=worst, dps=sampling.DPS, explicit_sizes=tuple(sorted(sizes)), points=count)
        return StepResult(Verdict.CONFIRMED, what, f"no instance violates it{note}; not decided at symbolic size",
                          max_discrepancy=worst, dps=sampling.DPS, explicit_sizes=tuple(sorted(sizes)), points=count)
