r"""Rigorous proofs of scalar inequalities on bounded domains: interval arithmetic, branch and bound.

The gap :math:`g = \mathrm{rhs} - \mathrm{lhs}` (for ``<=``/``<``) is enclosed on a box
:math:`B` of the domain by evaluating its SymPy tree in interval arithmetic (a private
``mpmath.iv`` context, outward rounding).  If the enclosure lies in :math:`[0, \infty)`
(:math:`(0, \infty)` for a strict relation) the claim holds on all of :math:`B`; otherwise the
midpoint of :math:`B` is judged as a sample point (a violation there refutes the claim) and
:math:`B` is halved along its widest side.  The claim is *proved* when every box closes within
the budget; open interval ends are covered by their closure, which proves more than asked.

Engine: mpmath's ``iv`` context (already a dependency).  Measured against python-flint's
``arb`` balls (``bench/bench_interval.py``, 2000 boxes, medians of 3): this walk encloses
2400-3800 boxes/s, arb (lambdified) 170k-800k boxes/s, 50-260x faster.  Within the budget below
(1500 boxes) every bounded inequality of the teaching corpus either closes in a
few boxes or is tight (equal at a point, e.g. sigmoid' <= 1/4 at 0), which no engine closes
with the natural interval extension; so the speed of arb buys no verdict there and the new
binary dependency is not added (it is the natural optional extra if deeper subdivisions are
wanted).  ``tanh``, ``sinh``, ``cosh`` and the sigmoid, missing from
``mpmath.iv``, are enclosed through their monotonicity from the exactly enclosed endpoint values.

References: R. E. Moore, R. B. Kearfott, M. J. Cloud, *Introduction to Interval Analysis*,
SIAM 2009, ch. 5-6 (natural extension, subdivision).
"""

from __future__ import annotations

import mpmath
import sympy as sp

from . import sampling
from .functions import sigmoid
from .model import StepResult, Verdict

__all__ = ["enclose", "prove_by_intervals", "BOX_BUDGET", "MAX_DEPTH", "PREC"]

#: most boxes examined per claim (a count, not a clock: verdicts must not depend on the load;
#: about 0.5 s at the measured 2400-3800 boxes/s)
BOX_BUDGET = 1500
#: deepest subdivision (a box side shrinks by 2**-MAX_DEPTH)
MAX_DEPTH = 60
#: working precision of the interval context, in bits
PREC = 80


class _Open(ArithmeticError):
    """The enclosure is not finite on this box (a pole, log of a box reaching 0...)."""


def _ctx():
    iv = type(mpmath.iv)()
    iv.prec = PREC
    return iv


def _ends(x):
    """The exact endpoints of an interval (``make_mpf`` wraps the raw value: no rounding to the
    53-bit global precision, which would undo the outward rounding)."""
    lo, hi = x._mpi_
    return mpmath.mp.make_mpf(lo), mpmath.mp.make_mpf(hi)


def _hull(iv, a, b):
    return iv.mpf([_ends(a)[0], _ends(b)[1]])


def _monotone(iv, f, x):
    """Enclosure of an increasing ``f`` on the interval ``x`` from its values at the ends."""
    lo, hi = _ends(x)
    return _hull(iv, f(iv.mpf(lo)), f(iv.mpf(hi)))


def _tanh(iv, x):
    return _monotone(iv, lambda p: 1 - 2 / (iv.exp(2 * p) + 1), x)


def _sinh(iv, x):
    return _monotone(iv, lambda p: (iv.exp(p) - iv.exp(-p)) / 2, x)


def _sigmoid(iv, x):
    return _monotone(iv, lambda p: 1 / (1 + iv.exp(-p)), x)


def _cosh(iv, x):
    lo, hi = _ends(x)
    f = lambda p: (iv.exp(p) + iv.exp(-p)) / 2  # noqa: E731
    if lo >= 0:
        return _monotone(iv, f, x)
    if hi <= 0:
        return _monotone(iv, f, -x)
    top = _ends(f(iv.mpf(max(-lo, hi))))[1]
    return iv.mpf([1, top])


def _log(iv, x):
    if _ends(x)[0] <= 0:
        raise _Open("log of a box reaching 0")
    return iv.log(x)


def _abs(iv, x):
    lo, hi = _ends(x)
    if lo >= 0:
        return x
    if hi <= 0:
        return -x
    return iv.mpf([0, max(-lo, hi)])


_UNARY = {sp.exp: lambda iv, x: iv.exp(x), sp.log: _log, sp.sin: lambda iv, x: iv.sin(x),
          sp.cos: lambda iv, x: iv.cos(x), sp.tanh: _tanh, sp.sinh: _sinh, sp.cosh: _cosh,
          sp.Abs: _abs, sigmoid: _sigmoid}


def enclose(expr, box, iv=None):
    """An interval containing every value of ``expr`` for symbols in ``box`` (symbol -> (lo, hi)).

    Raises ``ArithmeticError`` when no finite enclosure exists (a pole in the box) and
    ``TypeError`` for a node that has no interval extension here.
    """
    iv = iv or _ctx()
    vals = {s: iv.mpf([lo, hi]) for s, (lo, hi) in box.items()}
    return _walk(iv, sp.sympify(expr), vals)


def _walk(iv, e, vals):  # noqa: C901 - one dispatch
    if isinstance(e, sp.Symbol):
        return vals[e]
    if isinstance(e, sp.Integer):
        return iv.mpf(int(e))
    if isinstance(e, sp.Rational):
        return iv.mpf(int(e.p)) / int(e.q)
    if e is sp.pi:
        return +iv.pi
    if e is sp.E:
        return iv.exp(iv.mpf(1))
    if isinstance(e, sp.Add):
        out = iv.mpf(0)
        for a in e.args:
            out = out + _walk(iv, a, vals)
        return out
    if isinstance(e, sp.Mul):
        out = iv.mpf(1)
        for a in e.args:
            out = out * _walk(iv, a, vals)
        return out
    if isinstance(e, sp.Pow):
        b = _walk(iv, e.base, vals) if e.base is not sp.E else None
        if b is None:
            return iv.exp(_walk(iv, e.exp, vals))
        if isinstance(e.exp, sp.Integer):
            if e.exp < 0:
                lo, hi = _ends(b)
                if lo <= 0 <= hi:
                    raise _Open("division by a box containing 0")
                return 1 / (b ** int(-e.exp))
            return b ** int(e.exp)
        if _ends(b)[0] <= 0:
            raise _Open("power of a box reaching 0")
        return iv.exp(_walk(iv, e.exp, vals) * iv.log(b))
    f = _UNARY.get(type(e))
    if f is not None and len(e.args) == 1:
        return f(iv, _walk(iv, e.args[0], vals))
    if isinstance(e, (sp.Max, sp.Min)):
        ends = [_ends(_walk(iv, a, vals)) for a in e.args]
        pick = max if isinstance(e, sp.Max) else min
        return iv.mpf([pick(lo for lo, _ in ends), pick(hi for _, hi in ends)])
    raise TypeError(f"no interval extension for {type(e).__name__}")


def _bounded_box(symbols, domains):
    """The closed box of the domains, its ends rounded outward (so it contains the domain)."""
    iv, box = _ctx(), {}
    for s in symbols:
        d = sampling.domain_interval(s, domains.get(s))
        if not isinstance(d, sp.Interval) or not (d.inf.is_finite and d.sup.is_finite):
            return None
        if not (d.inf.is_Rational and d.sup.is_Rational):
            return None
        lo = _ends(iv.mpf(int(d.inf.p)) / int(d.inf.q))[0]
        hi = _ends(iv.mpf(int(d.sup.p)) / int(d.sup.q))[1]
        box[s] = (lo, hi)
    return box


def prove_by_intervals(lhs, rel, rhs, domains, *, max_symbols: int = 3) -> StepResult | None:
    """Branch and bound on the gap of ``lhs rel rhs`` (``rel`` an inequality) over a bounded box.

    Returns a PROVED_INTERVAL result (boxes, depth), a REFUTED result when a box midpoint
    violates the claim, or ``None`` when the domain is unbounded or the budget runs out.
    """
    from .screen import _judge, _mp, _ptext
    gap = (rhs - lhs) if rel in ("<=", "<") else (lhs - rhs)
    strict = rel in ("<", ">")
    symbols = sorted(gap.free_symbols, key=str)
    if not symbols or len(symbols) > max_symbols:
        return None
    box = _bounded_box(symbols, domains)
    if box is None:
        return None
    iv = _ctx()
    stack, boxes, deepest, open_boxes = [(box, 0)], 0, 0, 0
    while stack:
        b, depth = stack.pop()
        boxes += 1
        deepest = max(deepest, depth)
        if boxes > BOX_BUDGET:
            return None
        if depth > MAX_DEPTH:  # e.g. a tie or a pole at this point: keep looking elsewhere
            open_boxes += 1
            continue
        try:
            lo = _ends(enclose(gap, b, iv))[0]
            if lo > 0 or (lo == 0 and not strict):
                continue
        except ArithmeticError:
            pass
        except (TypeError, ValueError, ZeroDivisionError):
            return None
        mid = {s: sp.Rational(str((lo_ + hi_) / 2)) for s, (lo_, hi_) in b.items()}
        if all(sampling.domain_interval(s, domains.get(s)).contains(v) == sp.true for s, v in mid.items()):
            status, a, c, _, dps = _judge(lhs, rel, rhs, mid)
            if status == "violated":
                return StepResult(Verdict.REFUTED, f"interval subdivision, mpmath {dps} digits",
                                  f"a violation found at the centre of box {boxes} (depth {depth})",
                                  counterexample={**_ptext(mid), "lhs": _mp(a), "rhs": _mp(c)}, points=boxes, dps=dps)
        s = max(b, key=lambda k: b[k][1] - b[k][0])
        lo_, hi_ = b[s]
        m = (lo_ + hi_) / 2
        stack.append(({**b, s: (m, hi_)}, depth + 1))
        stack.append(({**b, s: (lo_, m)}, depth + 1))
    if open_boxes:
        return None
    where = ", ".join(f"{s} in [{mpmath.nstr(lo_, 8)}, {mpmath.nstr(hi_, 8)}]" for s, (lo_, hi_) in box.items())
    return StepResult(Verdict.PROVED_INTERVAL, f"branch and bound, mpmath iv at {PREC} bits",
                      f"{'positive' if strict else 'nonnegative'} gap enclosed on all {boxes} boxes of {where}, "
                      f"subdivision depth {deepest}", points=boxes)
