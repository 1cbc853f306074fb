"""High-precision sampling used when SymPy cannot decide a claim.

Points are drawn from each symbol's domain with a seeded :class:`numpy.random.Generator`,
extremes first (the interval ends, zero and tiny values when inside), then uniform draws.
Evaluation happens in a private mpmath context (``mpmath.MPContext``), so the global
precision is never touched.
"""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import sympy as sp

__all__ = ["DPS", "POINTS", "default_domain", "sample_points", "evalf", "tolerance", "rational_matrix"]

#: digits used for numeric confirmation (the issue asks for at least 30)
DPS = 40
#: sampled points per scalar claim
POINTS = 96


def default_domain(sym: sp.Symbol) -> tuple[float, float]:
    """Sampling interval implied by a symbol's assumptions."""
    if sym.is_positive:
        return (1e-6, 40.0)
    if sym.is_negative:
        return (-40.0, -1e-6)
    if sym.is_nonnegative:
        return (0.0, 40.0)
    return (-40.0, 40.0)


def sample_points(symbols, domains, rng: np.random.Generator, count: int = POINTS):
    """Yield dicts symbol -> sympy Float; the first points probe the extremes of each domain."""
    symbols = sorted(symbols, key=str)
    spans = [domains.get(s, default_domain(s)) for s in symbols]
    specials = []
    for lo, hi in spans:
        cand = [lo, hi, (lo + hi) / 2]
        cand += [v for v in (0.0, 1e-8, -1e-8, 1.0, -1.0) if lo <= v <= hi]
        specials.append(cand)
    for m in range(max(len(c) for c in specials) if specials else 1):
        yield {s: sp.Float(c[m % len(c)], DPS) for s, c in zip(symbols, specials)}
    for _ in range(count):
        yield {s: sp.Float(float(rng.uniform(lo, hi)), DPS) for s, (lo, hi) in zip(symbols, spans)}


def evalf(expr, point) -> complex | float:
    """Evaluate ``expr`` at ``point`` with ``DPS`` digits; a Python float or complex (nan on failure)."""
    try:
        v = sp.N(expr.xreplace(point), DPS)
        c = complex(v)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return math.nan
    return c.real if c.imag == 0 else c


def tolerance(*magnitudes: float) -> float:
    """Agreement demanded at ``DPS`` digits: ten digits of head-room below the working precision.

    The error model: each evaluation is correct to about ``DPS`` significant digits, and the
    difference of two such values loses at most the magnitude of the larger one; ten spare
    digits absorb cancellation inside the expressions.
    """
    scale = max([1.0] + [abs(m) for m in magnitudes if math.isfinite(abs(m))])
    return scale * 10.0 ** (-(DPS - 10))


def rational_matrix(rng: np.random.Generator, rows: int, cols: int, domain=(-1.0, 1.0), denominator: int = 97):
    """An explicit random matrix with exact rational entries inside ``domain``."""
    lo, hi = domain
    vals = rng.uniform(lo, hi, size=(rows, cols))
    return sp.ImmutableMatrix(rows, cols, [sp.Rational(Fraction(float(v)).limit_denominator(denominator)) for v in vals.ravel()])
