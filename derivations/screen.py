r"""The numeric screen every scalar claim passes first: both sides at points covering each symbol's
whole domain, in a private mpmath context, with an error estimate at each point.

A point is judged by :func:`_judge`: *violated* only when the sides differ by more than the
estimated rounding error (the difference of two precisions, floored by the largest summand times
:math:`10^{2-p}`) and still do at twice the digits; precision is raised fourfold (up to
``sampling.MAX_DPS``) while cancellation makes the estimate too large to judge; a strict relation
whose sides agree fails only if SymPy's automatic evaluation makes them exactly equal.
:func:`_sample` turns the points into a verdict: REFUTED (first violation, with the point and both
sides), CONFIRMED (what was sampled, points skipped as undefined, the largest discrepancy relative
to the tolerance) or UNDECIDED (nothing could be judged).  Undefined functions ``f(x)`` are
replaced by concrete smooth functions before sampling (:func:`_concrete`).
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from . import sampling
from .matexpr import SpectralNorm
from .model import StepResult, Verdict
from .mpeval import Undefined, Unsupported, value_and_error

__all__ = ["NOT_EVALUABLE", "judge_point", "sample_claim"]

def _free(lhs, rhs):
    return {s for s in (sp.sympify(lhs).free_symbols | sp.sympify(rhs).free_symbols) if isinstance(s, sp.Symbol)}


_JUDGE_RTOL = mpmath.mpf(10) ** (10 - sampling.DPS)


def _certified(tol, a, b) -> bool:
    """The error estimate is small enough to judge at the stated precision (``DPS - 10`` digits)."""
    return tol <= _JUDGE_RTOL * max(1, abs(a), abs(b))


def _compare(lhs, rel, rhs, point, dps: int | None = None):
    """Judge ``lhs rel rhs`` at one point: ``(status, a, b, tol, dps)``.

    ``status`` is ``holds``, ``violated``, ``tie`` (a strict relation whose sides agree to the
    working precision), ``unclear`` (cancellation ate the digits even at ``MAX_DPS``) or
    ``undefined`` (``a`` is then the reason).  The precision starts at ``DPS`` and is raised
    fourfold while the error estimate is too large to judge.
    """
    dps = dps or sampling.DPS
    while True:
        try:
            a, ea = value_and_error(lhs, point, dps)
            b, eb = value_and_error(rhs, point, dps)
        except Undefined as exc:
            return "undefined", str(exc), None, None, dps
        except Unsupported as exc:
            return "unsupported", str(exc), None, None, dps
        tol = 4 * (ea + eb)
        certified = _certified(tol, a, b)
        if rel == "=":
            gap = -abs(a - b)
        else:
            gap = b - a if rel in ("<=", "<") else a - b
        if gap < -tol:
            return "violated", a, b, tol, dps
        if rel != "=" and gap > tol:
            return "holds", a, b, tol, dps
        if certified:
            return ("tie" if rel in ("<", ">") else "holds"), a, b, tol, dps
        if dps >= sampling.MAX_DPS:
            return "unclear", a, b, tol, dps
        dps *= 4


def _exact_tie(expr, point) -> bool:
    """True when SymPy's automatic evaluation makes ``expr`` exactly 0 at ``point`` (no simplify:
    at points such as ``x = 10**6`` simplification of ``exp(-x)`` terms takes minutes)."""
    try:
        g = sp.sympify(expr).xreplace(point)
        if g.has(SpectralNorm):  # the norm of an explicit zero matrix is exactly 0
            g = g.xreplace({a: sp.Integer(0) for a in g.atoms(SpectralNorm)
                            if isinstance(a.args[0], sp.MatrixBase) and a.args[0].is_zero_matrix})
        return g == 0
    except (TypeError, ValueError, ZeroDivisionError, RecursionError):
        return False


def _ptext(point) -> dict:
    return {str(s): (str(v) if len(str(v)) < 24 else _fmt(float(v)))
            for s, v in sorted(point.items(), key=lambda kv: str(kv[0]))}


def _mp(v) -> str:
    return mpmath.nstr(v, 12) if v is not None else "undefined"


def _judge(lhs, rel, rhs, point):
    """:func:`_compare`, with strict ties settled exactly and refutations re-checked at more digits."""
    status, a, b, tol, dps = _compare(lhs, rel, rhs, point)
    if status == "tie":  # exactly equal sides refute a strict claim; else more digits may separate them
        if _exact_tie(rhs - lhs, point):
            return "violated", a, b, tol, dps
        if dps < sampling.MAX_DPS:
            status, a, b, tol, dps = _compare(lhs, rel, rhs, point, sampling.MAX_DPS)
        if status == "tie":
            return "unclear", a, b, tol, dps
    elif status == "violated":  # a refutation is re-checked at twice the digits before it is reported
        sampling_dps = sampling.DPS
        try:
            a2, ea = value_and_error(lhs, point, 2 * max(dps, sampling_dps))
            b2, eb = value_and_error(rhs, point, 2 * max(dps, sampling_dps))
        except Undefined:
            return "unclear", a, b, tol, dps
        gap = -abs(a2 - b2) if rel == "=" else (b2 - a2 if rel in ("<=", "<") else a2 - b2)
        if not gap < -4 * (ea + eb):
            status = "unclear"
    return status, a, b, tol, dps


def _sample(lhs, rel, rhs, domains, rng, *, exclude=(), stride: int = 1) -> StepResult:
    """Screen a scalar claim at points covering each symbol's whole domain (see :mod:`.sampling`).

    CONFIRMED when every evaluable point agrees, REFUTED at the first violation (with the point
    and both sides), UNDECIDED when no point could be judged; never PROVED.  Points where a side
    is undefined are skipped and reported; ties of a strict relation are settled exactly.
    """
    free = _free(lhs, rhs) - set(exclude)
    worst, ratio, n, undefined, unclear, top = 0.0, 0.0, 0, {}, 0, sampling.DPS
    where = sampling.describe(free, domains)
    for k, point in enumerate(sampling.scalar_points(free, domains, rng)):
        if k % stride:  # a light screen takes every stride-th point of the same sequence
            continue
        status, a, b, tol, dps = _judge(lhs, rel, rhs, point)
        if status == "unsupported":
            return StepResult(Verdict.UNDECIDED, NOT_EVALUABLE, f"cannot be evaluated numerically ({a})")
        if status == "undefined":
            undefined.setdefault(a, _ptext(point))
            continue
        n += 1
        top = max(top, dps)
        if status == "unclear":
            unclear += 1
            continue
        disc = abs(a - b) if rel == "=" else max(0, (a - b) if rel in ("<=", "<") else (b - a))
        worst = max(worst, float(disc))
        ratio = max(ratio, float(disc / tol) if tol else 0.0)
        if status == "violated":
            ce = {**_ptext(point), "lhs": _mp(a), "rhs": _mp(b)}
            how = "equal to the working precision, but the claim is strict" if abs(a - b) <= tol else \
                f"differ by {_mp(abs(a - b))} > tolerance {_mp(tol)}"
            return StepResult(Verdict.REFUTED, f"mpmath {dps} digits", f"fails at point {n} ({how})",
                              counterexample=ce, max_discrepancy=float(abs(a - b)), points=n, dps=dps)
    skipped = "; ".join(f"undefined at {', '.join(f'{k} = {v}' for k, v in p.items())} ({why})"
                        for why, p in list(undefined.items())[:3])
    notes = [f"sampled {where}"] + ([skipped] if skipped else []) + \
        ([f"{unclear} points could not be judged even at {sampling.MAX_DPS} digits"] if unclear else [])
    if n - unclear <= 0:
        return StepResult(Verdict.UNDECIDED, "sampling", "no point of the domain could be judged; " + "; ".join(notes),
                          points=n, dps=top)
    notes.append(f"largest discrepancy {worst:.2g} ({ratio:.2g} of the tolerance)")
    return StepResult(Verdict.CONFIRMED, f"mpmath {top} digits at {n - unclear} points",
                      "no violation found; " + "; ".join(notes), max_discrepancy=worst, points=n - unclear, dps=top)


def _concrete(lhs, rhs, rng):
    """Both sides with every undefined function ``f(x, ...)`` replaced by one concrete smooth
    function with seeded coefficients (an identity in an abstract ``f`` holds for each concrete
    ``f``), derivatives then evaluated.  Unchanged when there is no undefined function."""
    from sympy.core.function import AppliedUndef
    funcs = {a.func: len(a.args) for e in (lhs, rhs) for a in sp.sympify(e).atoms(AppliedUndef)}
    if not funcs:
        return lhs, rhs
    sub = np.random.default_rng(rng.integers(2 ** 32))
    reps = {}
    for f, nargs in sorted(funcs.items(), key=lambda kv: str(kv[0])):
        xs = sp.symbols(f"_u0:{nargs}", real=True)
        c = [sp.Rational(int(v), 7) for v in sub.integers(-14, 15, size=3 * nargs + 1)]
        body = c[0] + sum(c[3 * k + 1] * x + c[3 * k + 2] * x ** 2 + c[3 * k + 3] * sp.sin(x) for k, x in enumerate(xs))
        reps[f] = sp.Lambda(xs, body)
    out = []
    for e in (lhs, rhs):
        e = sp.sympify(e).replace(lambda a: isinstance(a, AppliedUndef) and a.func in reps,
                                  lambda a: reps[a.func](*a.args))
        out.append(e.doit() if e.has(sp.Derivative, sp.Subs) else e)
    return out[0], out[1]


#: sizes a symbolic summation/product limit takes in the screen (``P = 1..4``)
SYMBOLIC_SIZES = (1, 2, 3, 4)


def _size_symbols(lhs, rhs) -> list:
    """Integer symbols in the limits of a ``Sum``/``Product`` (a symbolic size such as ``P``)."""
    found = set()
    for e in (lhs, rhs):
        for node in sp.sympify(e).atoms(sp.Sum, sp.Product):
            for _, *ends in node.limits:
                found |= {s for end in ends for s in sp.sympify(end).free_symbols if s.is_integer}
    return sorted(found, key=str)


def _at_size(e, sizes: dict):
    """``e`` with every size symbol set, sums and products written out, and each ``g[k]`` a real symbol."""
    e = sp.sympify(e).xreplace(sizes).doit()
    return e.xreplace({i: sp.Symbol(str(i), real=True) for i in e.atoms(sp.Indexed)})


def _sample_sized(lhs, rel, rhs, domains, rng, sizes, *, stride: int) -> StepResult:
    """Screen a claim with symbolic sizes at each size in :data:`SYMBOLIC_SIZES` (an identity for
    every ``P`` holds for each one): the first refutation settles it; confirmed only if every size is."""
    done = []
    for k in SYMBOLIC_SIZES:
        at = {s: k - 1 if s.is_nonnegative and not s.is_positive else k for s in sizes}
        res = _sample(_at_size(lhs, at), rel, _at_size(rhs, at), domains, rng, stride=stride)
        if res.verdict is Verdict.REFUTED:
            where = ", ".join(f"{s} = {v}" for s, v in at.items())
            return StepResult(res.verdict, f"{res.method} at {where}", res.detail,
                              counterexample={**{str(s): str(v) for s, v in at.items()}, **(res.counterexample or {})},
                              max_discrepancy=res.max_discrepancy, points=res.points, dps=res.dps)
        if res.verdict is not Verdict.CONFIRMED:
            return res
        done.append(res)
    names = ", ".join(map(str, sizes))
    return StepResult(Verdict.CONFIRMED, f"mpmath {max(r.dps for r in done)} digits at {sum(r.points for r in done)} points"
                      f" ({names} = {SYMBOLIC_SIZES[0]}..{SYMBOLIC_SIZES[-1]})", done[-1].detail,
                      max_discrepancy=max(r.max_discrepancy or 0.0 for r in done), points=sum(r.points for r in done),
                      dps=max(r.dps for r in done))


def _sample_concrete(lhs, rel, rhs, domains, rng, *, stride: int = 1) -> StepResult:
    a, b = _concrete(lhs, rhs, np.random.default_rng(rng.integers(2 ** 32)))
    sizes = _size_symbols(a, b)
    if sizes:
        return _sample_sized(a, rel, b, domains, rng, sizes, stride=stride)
    return _sample(a, rel, b, domains, rng, stride=stride)


#: the method of a screen that could not evaluate the claim at all (an abstract node)
NOT_EVALUABLE = "no numeric screen"




def _fmt(v) -> str:
    return f"{v:.10g}" if isinstance(v, float) else str(v)


#: public names of the two entry points
judge_point = _judge
sample_claim = _sample_concrete
