r"""Evaluate a SymPy expression at a point in a private mpmath context, with real semantics.

Nothing is converted to a Python float and nothing is cancelled before evaluation: the tree is
walked node by node, each node computed in an :class:`mpmath.MPContext` of its own at the
requested precision (the global mpmath precision is never touched).  Real-variable semantics:
``log`` of a non-positive number, an even root of a negative number, division by zero and
arguments beyond the range where the value can be formed are *undefined* at that point
(:class:`Undefined`), never a complex or ``nan`` result.

Besides the value, the walk records the *scale*: the largest magnitude of any summand met in a
sum (and of any argument of ``max``/``min``).  Rounding at :math:`p` digits makes an error of
order :math:`10^{-p}\,\mathrm{scale}`, and cancellation cannot make it smaller, so the scale is
the floor of the error model in :func:`value_and_error`.  The error itself is estimated by
evaluating twice, at :math:`p` and :math:`p + 20` digits (the textbook check of mpmath's own
``workdps``).

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> v, err = value_and_error(sp.cosh(x)**2 - sp.sinh(x)**2, {x: sp.Integer(40)}, 40)
>>> abs(v - 1) < 1e-3 and err > 1e-20     # cancellation of two 1e34-sized terms: flagged
True
"""

from __future__ import annotations

import mpmath
import sympy as sp

from .functions import sigmoid
from .matexpr import SpectralNorm

__all__ = ["Undefined", "Unsupported", "Evaluator", "value_and_error", "MAX_EXP_ARG", "MAX_TRIG_ARG"]

#: largest |argument| of exp/sinh/cosh evaluated (e**1e15 has a 4e14-digit exponent: refused)
MAX_EXP_ARG = 10 ** 12
#: largest |argument| of sin/cos (argument reduction needs that many extra digits)
MAX_TRIG_ARG = 10 ** 30


class Undefined(ArithmeticError):
    """The expression has no real value at this point (a pole, log of a non-positive number...)."""


class Unsupported(TypeError):
    """A node this evaluator does not know (an unevaluated derivative, an unknown function)."""


class Evaluator:
    """Walk a SymPy tree in a private mpmath context at ``dps`` digits.

    ``point`` maps symbols to SymPy numbers (rationals, ``pi/2``...) or to mpmath numbers.
    """

    def __init__(self, dps: int):
        self.ctx = mpmath.MPContext()
        self.ctx.dps = dps
        self.scale = self.ctx.mpf(0)

    def __call__(self, expr, point):
        self.point = point
        self.scale = self.ctx.mpf(0)
        return self.ev(expr)

    def _note(self, v):
        a = abs(v)
        if a > self.scale:
            self.scale = a
        return v

    def number(self, e):
        ctx = self.ctx
        if isinstance(e, (sp.Integer, int)):
            return ctx.mpf(int(e))
        if isinstance(e, sp.Rational):
            return ctx.mpf(int(e.p)) / int(e.q)
        if isinstance(e, sp.Float):
            return ctx.mpf(sp.Rational(e).p) / int(sp.Rational(e).q)
        return self.ev(e)

    def ev(self, e):  # noqa: C901 - one dispatch table
        ctx = self.ctx
        t = type(e)
        if t is sp.Add:
            total = ctx.mpf(0)
            for a in e.args:
                v = self.ev(a)
                if abs(v) > self.scale:
                    self.scale = abs(v)
                total += v
            return total
        if t is sp.Mul:
            out = ctx.mpf(1)
            for a in e.args:
                out *= self.ev(a)
            return out
        if t is sp.Pow:
            return self._pow(e)
        fn = _FUNCTIONS.get(t)
        if fn is not None:
            return fn(self, *[self.ev(a) for a in e.args])
        if isinstance(e, sp.Symbol):
            if e not in self.point:
                raise Unsupported(f"no value for {e}")
            v = self.point[e]
            return ctx.convert(v) if not isinstance(v, sp.Basic) else self.number(v)
        if isinstance(e, (sp.Rational, sp.Float)):
            return self.number(e)
        if e is sp.pi:
            return +ctx.pi
        if e is sp.E:
            return ctx.e + 0
        if isinstance(e, sp.Add):
            total = ctx.mpf(0)
            for a in e.args:
                total += self._note(self.ev(a))
            return total
        if isinstance(e, sp.Mul):
            out = ctx.mpf(1)
            for a in e.args:
                out *= self.ev(a)
            return out
        if isinstance(e, sp.Pow):
            return self._pow(e)
        fn = _FUNCTIONS.get(type(e))
        if fn is not None:
            return fn(self, *[self.ev(a) for a in e.args])
        if isinstance(e, (sp.Max, sp.Min)):
            vals = [self._note(self.ev(a)) for a in e.args]
            return max(vals) if isinstance(e, sp.Max) else min(vals)
        if isinstance(e, sp.Piecewise):
            for val, cond in e.args:
                if self.truth(cond):
                    return self.ev(val)
            raise Undefined("no branch of a piecewise expression applies")
        if isinstance(e, SpectralNorm):
            return self.spectral_norm(e.args[0])
        if isinstance(e, sp.MatrixBase) and e.shape == (1, 1):
            return self.ev(e[0, 0])
        if isinstance(e, sp.NumberSymbol):
            return ctx.mpf(str(sp.N(e, ctx.dps + 5)))
        raise Unsupported(f"cannot evaluate {type(e).__name__}")

    def truth(self, cond) -> bool:
        if cond is sp.true:
            return True
        if cond is sp.false:
            return False
        if isinstance(cond, sp.And):
            return all(self.truth(c) for c in cond.args)
        if isinstance(cond, sp.Or):
            return any(self.truth(c) for c in cond.args)
        if isinstance(cond, sp.Not):
            return not self.truth(cond.args[0])
        ops = {sp.StrictLessThan: lambda a, b: a < b, sp.LessThan: lambda a, b: a <= b,
               sp.StrictGreaterThan: lambda a, b: a > b, sp.GreaterThan: lambda a, b: a >= b,
               sp.Equality: lambda a, b: a == b, sp.Unequality: lambda a, b: a != b}
        op = ops.get(type(cond))
        if op is None:
            raise Unsupported(f"cannot evaluate the condition {type(cond).__name__}")
        return op(self.ev(cond.lhs), self.ev(cond.rhs))

    def _pow(self, e):
        ctx = self.ctx
        b, x = e.base, e.exp
        if b is sp.E:
            return _exp(self, self.ev(x))
        bv = self.ev(b)
        if isinstance(x, sp.Integer):
            if bv == 0 and x < 0:
                raise Undefined("division by zero")
            return bv ** int(x)
        if isinstance(x, sp.Rational):
            if bv < 0:
                if x.q % 2 == 0:
                    raise Undefined("even root of a negative number")
                return -((-bv) ** (ctx.mpf(int(x.p)) / int(x.q)))
            if bv == 0:
                if x < 0:
                    raise Undefined("division by zero")
                return ctx.mpf(0)
            return bv ** (ctx.mpf(int(x.p)) / int(x.q))
        xv = self.ev(x)
        if bv < 0 and xv == int(xv) and abs(xv) <= 10 ** 6:  # (-1)**x at x = -1 is -1
            return bv ** int(xv)
        if bv < 0 or (bv == 0 and xv <= 0):
            raise Undefined("power of a non-positive base with a real exponent")
        if bv == 0:
            return ctx.mpf(0)
        if abs(xv * ctx.log(bv)) > MAX_EXP_ARG:
            raise Undefined("value beyond the evaluable range")
        return bv ** xv

    def spectral_norm(self, m):
        ctx = self.ctx
        if not isinstance(m, sp.MatrixBase):
            raise Unsupported("spectral norm of a symbolic matrix")
        rows, cols = m.shape
        vals = [[self.ev(m[r, c]) for c in range(cols)] for r in range(rows)]
        if rows == 1 or cols == 1:
            return ctx.sqrt(ctx.fsum(v * v for row in vals for v in row))
        sv = ctx.svd_r(ctx.matrix(vals), compute_uv=False)
        return max(abs(s) for s in sv)


def _exp(ev, a):
    if a > MAX_EXP_ARG:
        raise Undefined("value beyond the evaluable range (exp of a huge argument)")
    return ev.ctx.exp(a)


def _log(ev, a):
    if a <= 0:
        raise Undefined("log of a non-positive number")
    return ev.ctx.log(a)


def _trig(name):
    def f(ev, a):
        if abs(a) > MAX_TRIG_ARG:
            raise Undefined("argument of a trigonometric function too large")
        return getattr(ev.ctx, name)(a)
    return f


def _tan(ev, a):
    c = _trig("cos")(ev, a)
    if c == 0:
        raise Undefined("pole of tan")
    return ev.ctx.sin(a) / c


def _hyp(name):
    def f(ev, a):
        if abs(a) > MAX_EXP_ARG:
            raise Undefined("value beyond the evaluable range")
        return getattr(ev.ctx, name)(a)
    return f


def _sigmoid(ev, a):
    if -a > MAX_EXP_ARG:
        raise Undefined("value beyond the evaluable range")
    return 1 / (1 + ev.ctx.exp(-a))


def _heaviside(ev, a, h0=None):
    if a == 0:
        if h0 is None:
            raise Undefined("Heaviside at 0")
        return h0
    return ev.ctx.mpf(1 if a > 0 else 0)


_FUNCTIONS = {
    sp.exp: _exp, sp.log: _log, sp.sin: _trig("sin"), sp.cos: _trig("cos"), sp.tan: _tan,
    sp.tanh: _hyp("tanh"), sp.sinh: _hyp("sinh"), sp.cosh: _hyp("cosh"),
    sp.Abs: lambda ev, a: abs(a), sp.sign: lambda ev, a: ev.ctx.sign(a),
    sp.Heaviside: _heaviside, sigmoid: _sigmoid,
    sp.atan: lambda ev, a: ev.ctx.atan(a),
}


_EVALUATORS: dict[int, Evaluator] = {}


def _evaluator(dps: int) -> Evaluator:
    """One private context per precision, reused (creating an ``MPContext`` costs a millisecond)."""
    ev = _EVALUATORS.get(dps)
    if ev is None:
        ev = _EVALUATORS[dps] = Evaluator(dps)
    return ev


def _sympy_value(expr, point, dps, ctx):
    """SymPy's own ``evalf`` for the nodes :class:`Evaluator` does not know (a last resort)."""
    try:
        v = sp.sympify(expr).evalf(dps, subs=dict(point))
    except (TypeError, ValueError, ZeroDivisionError, AttributeError, NotImplementedError) as exc:
        raise Unsupported(f"SymPy cannot evaluate it ({type(exc).__name__})") from None
    if v.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        raise Undefined("not finite here")
    if not v.is_Number:
        raise Unsupported(f"cannot evaluate {str(v)[:60]}")
    if not v.is_real:
        raise Undefined("not real here")
    return ctx.mpf(sp.Rational(v).p) / int(sp.Rational(v).q) if v.is_Float else ctx.mpf(int(v.p)) / int(v.q)


def value_and_error(expr, point, dps: int):
    """``(value, error estimate)`` of ``expr`` at ``point`` with ``dps`` digits, as mpmath numbers.

    The value is computed at ``dps + 20`` digits; the error estimate is the larger of the
    difference to the ``dps``-digit value and ``10**(2 - dps)`` times the scale (the largest
    summand met), so a result that lost its digits to cancellation says so.

    Raises
    ------
    Undefined
        when ``expr`` has no real value at ``point``.
    Unsupported
        when ``expr`` contains a node that cannot be evaluated numerically.
    """
    lo, hi = _evaluator(dps), _evaluator(dps + 20)
    try:
        a = lo(expr, point)
        b = hi(expr, point)
    except Unsupported:
        a, b = _sympy_value(expr, point, dps, lo.ctx), _sympy_value(expr, point, dps + 20, hi.ctx)
    scale = max(lo.scale, abs(a), abs(b))
    err = max(abs(b - a), scale * hi.ctx.mpf(10) ** (2 - dps))
    return b, err
