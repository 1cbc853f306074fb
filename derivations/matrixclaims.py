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
from sympy.matrices.expressions.matexpr import MatrixElement

from . import sampling
from .claims import RELATIONS, _HOLDS, _fmt, reduces_to_zero
from .matexpr import OrderedProduct, SpectralNorm, TimeIndexed
from .evaluate import evaluate
from .functions import unfold
from .errors import RnnproofError
from .instances import EntryModel, Instance
from .model import StepResult, Verdict

__all__ = ["MatrixEq", "MatrixRel", "Instance", "EntryModel", "instantiate", "explicit_value"]

SIZES = (1, 2, 3, 4)


def _instances(hook_result):
    """A hook's result as a list of :class:`Instance` (or ``None`` for a legacy value pair)."""
    if isinstance(hook_result, Instance):
        return [hook_result]
    if isinstance(hook_result, list) and all(isinstance(x, Instance) for x in hook_result):
        return hook_result
    return None


def _evaluation_failure(claim, err, n, inst) -> StepResult:
    """A side that cannot be evaluated on an instance where the claim's quantities exist is refuted."""
    ce = {"n": str(n), **{str(k): str(v) for k, v in inst.items()}, "reason": str(err)[:200]}
    return StepResult(Verdict.REFUTED, "explicit matrices",
                      f"a side cannot be evaluated on the explicit instance n={n}: {str(err)[:200]}",
                      counterexample=ce)


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
    # entries of named matrices are scalars: write them as Indexed so that only unexpanded
    # matrix expressions remain visible to the test below
    e = e.replace(lambda x: isinstance(x, MatrixElement) and isinstance(x.parent, sp.MatrixSymbol),
                  lambda x: sp.IndexedBase(str(x.parent.name))[x.i, x.j])
    if e.has(TimeIndexed, SpectralNorm, sp.MatrixExpr):
        return None
    # a sum left over is an argument of a function (tanh of a pre-activation): generalise it to a
    # real symbol; an identity in that symbol holds at every value of it, so this is sound
    sums = sorted(e.atoms(sp.Sum), key=sp.default_sort_key)
    e = e.xreplace({s: sp.Dummy("s%d" % k, real=True) for k, s in enumerate(sums)})
    if _clearly_nonzero(e):
        return None  # a shortcut to "not proved" only: the explicit instances then decide
    return True if reduces_to_zero(e) else None


def _clearly_nonzero(e, points: int = 2) -> bool:
    """True when ``e`` is far from 0 at a seeded random point (indices set to small integers)."""
    rng = np.random.default_rng(7)
    atoms = sorted(e.atoms(sp.Symbol, sp.Indexed), key=sp.default_sort_key)
    if not atoms:
        return False
    for _ in range(points):
        pt = {a: (sp.Integer(int(rng.integers(0, 3))) if getattr(a, "is_integer", False) else
                  sp.Float(float(rng.uniform(-0.9, 0.9)), 20)) for a in atoms}
        try:
            v = complex(sp.N(e.xreplace(pt), 20))
        except (TypeError, ValueError, ZeroDivisionError, AttributeError):
            return False
        if not (abs(v) < 1e-8):
            return abs(v) == abs(v)  # finite or infinite, but not nan
    return False


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
        return e if not e.has(SpectralNorm) else _norms_evaluated(e).applyfunc(lambda v: sp.N(v, sampling.DPS))
    e = sp.sympify(e)  # an empty product or sum evaluates to the Python 1 or 0
    return sp.N(_norms_evaluated(e), sampling.DPS)


def _norms_evaluated(e):
    """``e`` with every spectral norm of an explicit matrix evaluated at ``DPS`` digits, innermost first."""
    while e.has(SpectralNorm):
        inner = [a for a in e.atoms(SpectralNorm) if not sp.ImmutableMatrix(a.matrix).has(SpectralNorm)]
        if not inner:
            break
        e = e.xreplace({a: sp.Float(a.evaluate(sampling.DPS), sampling.DPS) for a in inner})
    return e


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


def _explicit_pairs(claim, rng, n: int, inst: Mapping, domains: Mapping | None = None):
    """Both sides of ``claim`` on the explicit instances of size ``n`` and integers ``inst``.

    The claim's own ``lhs`` and ``rhs`` are evaluated on every :class:`Instance` its hook
    returns (random leaves shared by both sides when it has no hook).  A legacy hook that
    returns a pair of values (``rnnproof verify`` builds its hooks from the same two sides) is
    taken as it is.
    """
    values = dict(inst)
    if claim.size is not None:
        values[claim.size] = n
    if claim.explicit is not None:
        got = claim.explicit(rng, n, values)
        found = _instances(got)
        if found is None:
            return [got]
        return [(i.value(claim.lhs), i.value(claim.rhs)) for i in found]
    leaves: dict = {}
    domains = claim.domains if domains is None else domains
    return [(instantiate(claim.lhs, values, rng, domains, leaves),
             instantiate(claim.rhs, values, rng, domains, leaves))]


_EVAL_ERRORS = (RnnproofError, sp.ShapeError, KeyError, IndexError, TypeError, ValueError)


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
    entry: Callable | EntryModel | None = None
    why_not: str = ""
    entry_for: tuple | None = None

    def entry_applies(self) -> bool:
        """A hand-written entry function (not an :class:`EntryModel`) proves only the sides it was
        written for: ``entry_for = (lhs, rhs)``; for any other sides (a slip, a mutation) it is ignored."""
        if self.entry is None:
            return False
        if isinstance(self.entry, EntryModel) or self.entry_for is None:
            return True
        return tuple(self.entry_for) == (self.lhs, self.rhs)

    def relation(self):
        return sp.Eq(self.lhs, self.rhs, evaluate=False)

    def _entry(self):
        if isinstance(self.entry, EntryModel):
            return lambda i, j: self.entry.difference(self.lhs, self.rhs, i, j)
        return self.entry  # legacy: the (i, j) entry of lhs - rhs, built by the caller from the same sides

    def check(self, rng: np.random.Generator) -> StepResult:
        proved = None
        how = "entrywise at symbolic n"
        if self.entry is not None:
            if self.entry_applies():
                proved, how = _entrywise_zero(None, self.size, self._entry()), "entrywise at symbolic n (Indexed)"
        elif self.symbolic and self.explicit is None:
            if normalize(self.lhs) == normalize(self.rhs):
                proved, how = True, "structurally equal (ordered product unrolled by its definition)"
            else:
                proved = _entrywise_zero(sp.MatAdd(self.lhs, -self.rhs), self.size)
        worst, exact, count = 0.0, True, 0
        for n in self.sizes:
            for inst in self.instances:
                try:
                    pairs = [(explicit_value(a), explicit_value(b)) for a, b in _explicit_pairs(self, rng, n, inst)]
                except _EVAL_ERRORS as err:
                    return _evaluation_failure(self, err, n, inst)
                for A, B in pairs:
                    count += 1
                    bad = _compare(A, B, n, inst, self.sizes)
                    if isinstance(bad, StepResult):
                        return bad
                    exact = exact and bad is None
                    worst = max(worst, bad or 0.0)
        checked = f"explicit n={self.sizes[0]}..{self.sizes[-1]}" + (f" x {len(self.instances)} time instances" if len(self.instances) > 1 else "")
        if proved:
            return StepResult(Verdict.PROVED, f"{how}; {checked}", "",
                              max_discrepancy=worst, dps=sampling.DPS, explicit_sizes=self.sizes)
        why = "exact rational agreement" if exact else f"agreement to {sampling.DPS} digits"
        return StepResult(Verdict.CONFIRMED, checked, f"{why} on {count} explicit instances; {self.why_not or _WHY_NOT}",
                          max_discrepancy=worst, dps=sampling.DPS, explicit_sizes=self.sizes, points=count)


_WHY_NOT = "not decided at symbolic size"


def _compare(A, B, n, inst, sizes):
    """``None`` when exactly equal, the discrepancy when equal to ``DPS`` digits, else a refutation."""
    if A.shape != B.shape:
        return StepResult(Verdict.REFUTED, "explicit matrices", f"shapes differ at n={n}: {A.shape} vs {B.shape}",
                          counterexample={"n": str(n), **{str(k): str(v) for k, v in inst.items()}})
    if all(v.is_Rational for v in list(A) + list(B)) and A == B:
        return None
    bad = _worst_entry(A, B)
    if bad[0] > bad[1]:
        r, c = bad[2]
        ce = {"n": str(n), **{str(s): str(v) for s, v in inst.items()},
              "entry": f"({r}, {c})", "lhs": _fmt(float(sp.re(sp.N(A[r, c], 17)))),
              "rhs": _fmt(float(sp.re(sp.N(B[r, c], 17))))}
        return StepResult(Verdict.REFUTED, "explicit matrices", f"entry ({r}, {c}) differs at n={n}",
                          counterexample=ce, max_discrepancy=bad[0], dps=sampling.DPS, explicit_sizes=sizes)
    return bad[0]


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
    why_not: str = ""
    #: sampling regions cycled through the trials (entry ranges overriding ``domains``): where a bound is tight
    regions: tuple = ()

    def relation(self):
        return RELATIONS[self.rel](self.lhs, self.rhs, evaluate=False)

    def check(self, rng: np.random.Generator) -> StepResult:
        worst, count = 0.0, 0
        for n in self.sizes:
            for inst in self.instances:
                for trial in range(self.trials):
                    region = {**self.domains, **self.regions[trial % len(self.regions)]} if self.regions else None
                    try:
                        pairs = [(float(explicit_value(a)), float(explicit_value(b)))
                                 for a, b in _explicit_pairs(self, rng, n, inst, region)]
                    except _EVAL_ERRORS as err:
                        return _evaluation_failure(self, err, n, inst)
                    for av, bv in pairs:
                        count += 1
                        tol = sampling.tolerance(av, bv)
                        worst = max(worst, abs(av - bv) if self.rel == "=" else max(0.0, av - bv if "<" in self.rel else bv - av))
                        if not _HOLDS[self.rel](av, bv, tol):
                            ce = {"n": str(n), **{str(s): str(v) for s, v in inst.items()}, "lhs": _fmt(av), "rhs": _fmt(bv)}
                            return StepResult(Verdict.REFUTED, "explicit matrices", f"fails at n={n}", counterexample=ce,
                                              max_discrepancy=abs(av - bv), points=count, dps=sampling.DPS,
                                              explicit_sizes=self.sizes)
        return StepResult(Verdict.CONFIRMED, f"explicit n={self.sizes[0]}..{self.sizes[-1]}, {count} random instances",
                          f"mpmath {sampling.DPS} digits; {self.why_not or 'a general proof is not attempted by SymPy'}",
                          max_discrepancy=worst, points=count, dps=sampling.DPS, explicit_sizes=self.sizes)

