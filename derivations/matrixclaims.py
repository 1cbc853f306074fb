"""Matrix claims: proved entrywise at symbolic size, cross-checked with explicit matrices.

A matrix identity ``lhs = rhs`` is *proved* when ``(lhs - rhs)[i, j]`` reduces to zero for
symbolic ``i, j`` and symbolic size ``n`` (SymPy's entry expansion of ``MatMul``,
``DiagMatrix``, Hadamard products), **and** explicit random matrices of sizes 1..4 agree.
The explicit check is never switched off: a symbolic proof that disagrees with an explicit
instance is a bug and is reported as refuted.  When the entrywise form cannot be decided
(ordered products with symbolic limits, spectral norms) the explicit instances alone give a
*numerically confirmed* verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import sympy as sp

from . import sampling
from .claims import RELATIONS, _HOLDS, _fmt, reduces_to_zero
from .matexpr import OrderedProduct, SpectralNorm, TimeIndexed
from .evaluate import evaluate
from .functions import unfold
from .model import StepResult, Verdict

__all__ = ["MatrixEq", "MatrixRel", "instantiate", "explicit_value"]

SIZES = (1, 2, 3, 4)


def _entrywise_zero(diff, n, entry=None) -> bool | None:
    """True when ``diff[i, j]`` (or ``entry(i, j)``) is 0 for symbolic indices and size ``n``.

    ``None`` when SymPy cannot decide.  Indices are kept in range by writing
    ``n = i + j + 1 + m`` with ``m >= 0``, which settles the ``Piecewise`` conditions that
    SymPy attaches to ``KroneckerDelta`` sums.
    """
    i, j, m = (sp.Dummy(nm, integer=True, nonnegative=True) for nm in "ijm")
    try:
        e = entry(i, j) if entry is not None else diff[i, j]
    except (NotImplementedError, AttributeError, TypeError, IndexError, ValueError):
        return None
    try:
        e = unfold(e).doit()
        if n is not None and isinstance(n, sp.Symbol):
            e = e.xreplace({n: i + j + 1 + m}).doit()
        e = sp.piecewise_fold(e)
        if isinstance(e, sp.Piecewise):
            e = sp.Piecewise(*[(v, c) for v, c in e.args if c is not sp.false])
    except (NotImplementedError, TypeError, ValueError, AttributeError):
        return None
    if e.has(TimeIndexed, SpectralNorm, sp.MatrixExpr):
        return None
    return True if reduces_to_zero(e) else None


class _LazyTimes:
    """Random explicit values of a time-indexed leaf, drawn on first use of each time."""

    def __init__(self, rng, rows, cols, domain):
        self.rng, self.rows, self.cols, self.domain, self.cache = rng, rows, cols, domain, {}

    def __call__(self, time):
        if time not in self.cache:
            self.cache[time] = sampling.rational_matrix(self.rng, self.rows, self.cols, self.domain)
        return self.cache[time]


def instantiate(expr, values: Mapping, rng, domains: Mapping[str, tuple] | None = None, leaves=None):
    """Evaluate ``expr`` exactly with integers from ``values`` and random rational leaves.

    ``leaves`` (a dict) is shared between both sides of a claim so that the same symbol gets
    the same explicit matrix; it is filled on first use.
    """
    domains = domains or {}
    leaves = {} if leaves is None else leaves
    bind = {sp.sympify(k): sp.sympify(v) for k, v in values.items()}
    expr = sp.sympify(expr)
    for s in sorted(expr.free_symbols - set(bind), key=str):
        if s.is_integer:  # a time label the claim does not constrain: any concrete time will do
            bind[s] = sp.Integer(5)
    for leaf in sorted(expr.atoms(sp.MatrixSymbol, TimeIndexed), key=sp.default_sort_key):
        name = str(leaf.args[0])
        r, c = (int(sp.sympify(d).xreplace(bind)) for d in leaf.shape)
        dom = domains.get(name, (-1.0, 1.0))
        if isinstance(leaf, TimeIndexed):
            leaves.setdefault(name, _LazyTimes(rng, r, c, dom))
        else:
            leaves.setdefault(name, sampling.rational_matrix(rng, r, c, dom))
    scalars = leaves.setdefault("__scalars__", {})
    for s in sorted(expr.free_symbols - set(bind), key=str):
        if isinstance(s, sp.Symbol) and not s.is_integer:
            scalars.setdefault(s, sampling.rational_matrix(rng, 1, 1, domains.get(str(s), (-1.0, 1.0)))[0, 0])
    return evaluate(expr, leaves, {**bind, **scalars}, backend="sympy")


def explicit_value(e):
    """An explicit SymPy matrix, or a scalar with spectral norms evaluated at ``DPS`` digits."""
    if isinstance(e, sp.MatrixBase):
        return e
    norms = {a: sp.Float(a.evaluate(sampling.DPS), sampling.DPS) for a in e.atoms(SpectralNorm)}
    return sp.N(e.xreplace(norms), sampling.DPS)


def _worst_entry(A, B):
    """(largest |A - B|, its tolerance, its index), evaluated at ``DPS`` digits."""
    worst = (0.0, 0.0, (0, 0))
    for r in range(A.rows):
        for c in range(A.cols):
            a, b = complex(sp.N(A[r, c], sampling.DPS)), complex(sp.N(B[r, c], sampling.DPS))
            d, tol = abs(a - b), sampling.tolerance(abs(a), abs(b))
            if d - tol > worst[0] - worst[1]:
                worst = (d, tol, (r, c))
    return worst


def normalize(e):
    """Peel ordered products down to an upper limit with no constant offset; flatten MatMul.

    ``prod_{i=k+1}^{t+1} J_i`` becomes ``J_{t+1} prod_{i=k+1}^{t} J_i``, so two forms that
    differ only by peeling compare equal structurally.
    """
    def peel(p):
        c = p.upper.as_coeff_Add()[0]
        # peeling is only sound for a non-empty product: upper - lower >= 0 must be decided
        nonempty = sp.simplify(p.upper - p.lower).is_nonnegative
        return normalize(p.peel()) if c.is_Integer and c > 0 and nonempty else p
    e = e.replace(lambda x: isinstance(x, OrderedProduct), peel)
    return e.doit(deep=False) if isinstance(e, sp.MatMul) else e


def _explicit_pair(claim, rng, n: int, inst: Mapping):
    """Both sides of ``claim`` on one explicit instance: size ``n``, integers ``inst``, shared leaves."""
    values = dict(inst)
    if claim.size is not None:
        values[claim.size] = n
    if claim.explicit is not None:
        return claim.explicit(rng, n, values)
    leaves: dict = {}
    return (instantiate(claim.lhs, values, rng, claim.domains, leaves),
            instantiate(claim.rhs, values, rng, claim.domains, leaves))


@dataclass(frozen=True)
class MatrixEq:
    """A matrix identity ``lhs = rhs`` of symbolic size ``size``.

    Parameters
    ----------
    lhs, rhs : sympy matrix expressions
    size : sympy.Symbol
        The symbolic dimension ``n`` (replaced by 1..4 in explicit checks).
    instances : sequence of dict
        Values of other integer symbols (times ``t``, ``k``) for the explicit checks.
    domains : mapping of str to interval
        Entry ranges of named leaves (``h`` in (-1, 1) for tanh states).
    explicit : callable, optional
        ``explicit(rng, n, instance) -> (lhs_matrix, rhs_matrix)`` for claims about
        quantities defined by a forward map (state Jacobians), evaluated by the identity.
    symbolic : bool
        Try the entrywise proof at symbolic size (default ``True``).
    entry : callable, optional
        ``entry(i, j) -> sympy expression``: the ``(i, j)`` entry of ``lhs - rhs`` written
        with ``Indexed`` symbols at symbolic size ``size`` (used when ``lhs`` is defined by a
        forward map, e.g. a derivative of ``tanh(sum_k W[j, k] h[k] + ...)``).
    """

    lhs: Any
    rhs: Any
    size: Any = None
    instances: Sequence[Mapping] = ({},)
    domains: Mapping[str, tuple] = field(default_factory=dict)
    explicit: Callable | None = None
    symbolic: bool = True
    sizes: tuple[int, ...] = SIZES
    rel: str = "="
    entry: Callable | None = None

    def relation(self):
        return sp.Eq(self.lhs, self.rhs, evaluate=False)

    def check(self, rng: np.random.Generator) -> StepResult:
        proved = None
        how = "entrywise at symbolic n"
        if self.entry is not None:
            proved, how = _entrywise_zero(None, self.size, self.entry), "entrywise at symbolic n (Indexed)"
        elif self.symbolic and self.explicit is None:
            if normalize(self.lhs) == normalize(self.rhs):
                proved, how = True, "structurally equal (ordered product unrolled by its definition)"
            else:
                proved = _entrywise_zero(sp.MatAdd(self.lhs, -self.rhs), self.size)
        worst, exact = 0.0, True
        for n in self.sizes:
            for inst in self.instances:
                a, b = _explicit_pair(self, rng, n, inst)
                A, B = explicit_value(a), explicit_value(b)
                if A.shape != B.shape:
                    return StepResult(Verdict.REFUTED, "explicit matrices", f"shapes differ at n={n}: {A.shape} vs {B.shape}",
                                      counterexample={"n": str(n), **{str(k): str(v) for k, v in inst.items()}})
                if all(v.is_Rational for v in list(A) + list(B)):
                    if A == B:
                        continue
                exact = False
                bad = _worst_entry(A, B)
                worst = max(worst, bad[0])
                if bad[0] > bad[1]:
                    r, c = bad[2]
                    ce = {"n": str(n), **{str(s): str(v) for s, v in inst.items()},
                          "entry": f"({r}, {c})", "lhs": _fmt(float(sp.re(sp.N(A[r, c], 17)))),
                          "rhs": _fmt(float(sp.re(sp.N(B[r, c], 17))))}
                    return StepResult(Verdict.REFUTED, "explicit matrices", f"entry ({r}, {c}) differs at n={n}",
                                      counterexample=ce, max_discrepancy=bad[0], dps=sampling.DPS,
                                      explicit_sizes=self.sizes)
        checked = f"explicit n={self.sizes[0]}..{self.sizes[-1]}" + (f" x {len(self.instances)} time instances" if len(self.instances) > 1 else "")
        if proved:
            return StepResult(Verdict.PROVED, f"{how}; {checked}", "",
                              max_discrepancy=worst, dps=sampling.DPS, explicit_sizes=self.sizes)
        why = "exact rational agreement" if exact else f"agreement to {sampling.DPS} digits"
        return StepResult(Verdict.CONFIRMED, checked, f"{why}; not decided at symbolic size",
                          max_discrepancy=worst, dps=sampling.DPS, explicit_sizes=self.sizes,
                          points=len(self.sizes) * len(self.instances))


@dataclass(frozen=True)
class MatrixRel:
    """A scalar (in)equality between expressions of matrices, e.g. norms.

    Checked on explicit random matrices of sizes 1..4 (``trials`` draws each), so its verdict
    is *numerically confirmed* at best; ``explicit`` may supply the instances instead.
    """

    lhs: Any
    rel: str
    rhs: Any
    size: Any = None
    instances: Sequence[Mapping] = ({},)
    domains: Mapping[str, tuple] = field(default_factory=dict)
    explicit: Callable | None = None
    trials: int = 8
    sizes: tuple[int, ...] = SIZES

    def relation(self):
        return RELATIONS[self.rel](self.lhs, self.rhs, evaluate=False)

    def check(self, rng: np.random.Generator) -> StepResult:
        worst, count = 0.0, 0
        for n in self.sizes:
            for inst in self.instances:
                for _ in range(self.trials):
                    a, b = _explicit_pair(self, rng, n, inst)
                    av, bv = float(explicit_value(a)), float(explicit_value(b))
                    count += 1
                    tol = sampling.tolerance(av, bv)
                    worst = max(worst, abs(av - bv) if self.rel == "=" else max(0.0, av - bv if "<" in self.rel else bv - av))
                    if not _HOLDS[self.rel](av, bv, tol):
                        ce = {"n": str(n), **{str(s): str(v) for s, v in inst.items()}, "lhs": _fmt(av), "rhs": _fmt(bv)}
                        return StepResult(Verdict.REFUTED, "explicit matrices", f"fails at n={n}", counterexample=ce,
                                          max_discrepancy=abs(av - bv), points=count, dps=sampling.DPS,
                                          explicit_sizes=self.sizes)
        return StepResult(Verdict.CONFIRMED, f"explicit n={self.sizes[0]}..{self.sizes[-1]}, {count} random instances",
                          f"mpmath {sampling.DPS} digits; a general proof is not attempted by SymPy",
                          max_discrepancy=worst, points=count, dps=sampling.DPS, explicit_sizes=self.sizes)
