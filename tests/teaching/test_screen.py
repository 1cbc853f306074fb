"""The numeric screen, the interval engine and the explicit instances, piece by piece."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given, strategies as st

from rnnproof.derivations import sampling
from rnnproof.derivations.functions import sigmoid, unfold
from rnnproof.derivations.interval import enclose, prove_by_intervals
from rnnproof.derivations.model import Verdict
from rnnproof.derivations.mpeval import Undefined, value_and_error
from rnnproof.derivations.screen import judge_point
from rnnproof.derivations.userfile.instances import Plan, leaf_values, plans

x, y = sp.symbols("x y", real=True)
GAPS = [sp.Rational(1, 4) - unfold(sigmoid(x) * (1 - sigmoid(x))), 1 - sp.tanh(x) ** 2 - sp.cosh(x) / 3,
        sp.sin(x) * sp.exp(-x) + sp.Abs(x - 1), sp.log(x ** 2 + 1) - sp.sqrt(x ** 2 + 2)]


@given(st.integers(0, len(GAPS) - 1), st.floats(-6, 6), st.floats(1e-6, 3), st.floats(0, 1))
@example(k=1, lo=0.0, width=1.0, t=0.0)  # ends once rounded to 53 bits cut 2/3 off [.., 2/3]
def test_enclosure_contains_every_value(k, lo, width, t):
    gap = GAPS[k]
    box = {x: (mpmath.mpf(lo), mpmath.mpf(lo + width))}
    encl = enclose(gap, box)
    inner = sp.Rational(lo + t * width)
    v, err = value_and_error(gap, {x: inner}, 40)
    ctx = mpmath.MPContext()  # exact ends, compared at 400 bits (53-bit arithmetic would round them)
    ctx.prec = 400
    a, b = (ctx.make_mpf(e) for e in encl._mpi_)
    v, err = ctx.make_mpf(v._mpf_), ctx.make_mpf(err._mpf_)
    assert a - err <= v <= b + err


def test_cancellation_is_flagged_not_trusted():
    v, err = value_and_error(sp.cosh(3 * x) ** 2 - sp.sinh(3 * x) ** 2, {x: sp.Integer(30)}, 40)
    assert err > 1  # every digit of the 40 was lost: the estimate says so
    assert judge_point(sp.cosh(3 * x) ** 2 - sp.sinh(3 * x) ** 2, "=", sp.Integer(0), {x: sp.Integer(30)})[0] == "violated"
    assert judge_point(sp.cosh(3 * x) ** 2 - sp.sinh(3 * x) ** 2, "=", sp.Integer(1), {x: sp.Integer(30)})[0] == "holds"


def test_real_semantics_undefined_points():
    for e, pt in ((sp.log(x), 0), (sp.sqrt(x), -1), (1 / x, 0)):
        with pytest.raises(Undefined):
            value_and_error(e, {x: sp.Integer(pt)}, 40)


def test_strict_ties_fail_exactly_and_only_then():
    assert judge_point(x ** 2 + y ** 2, ">", sp.Integer(0), {x: 0, y: 0})[0] == "violated"
    assert judge_point(unfold(sigmoid(x)), "<", sp.Integer(1), {x: sp.Integer(10) ** 6})[0] != "violated"


def test_kinds_and_declared_domains_are_sampled_whole():
    p = sp.Symbol("p", positive=True)
    vals = [pt[p] for pt in sampling.scalar_points([p], {}, np.random.default_rng(0))]
    assert min(vals) <= sp.Rational(1, 10 ** 6) and max(vals) >= 10 ** 6 and all(v > 0 for v in vals)
    vals = [pt[x] for pt in sampling.scalar_points([x], {x: sp.Interval.open(0, 1)}, np.random.default_rng(0))]
    assert all(0 < v < 1 for v in vals) and min(vals) < sp.Rational(1, 10 ** 9) and max(vals) > 1 - sp.Rational(1, 10 ** 9)
    vals = [pt[x] for pt in sampling.scalar_points([x], {x: sp.Interval(0, 1)}, np.random.default_rng(0))]
    assert 0 in vals and 1 in vals


def test_interval_proves_refutes_and_declines():
    assert prove_by_intervals(x ** 2, "<", x + 1, {x: sp.Interval(0, 1)}).verdict is Verdict.PROVED_INTERVAL
    bad = prove_by_intervals(1 / (x - 1), "<=", sp.Integer(10) ** 6, {x: sp.Interval.open(0, 2)})
    assert bad.verdict is Verdict.REFUTED and 1 < sp.Rational(bad.counterexample["x"]) < 1 + sp.Rational(1, 10 ** 6)
    assert prove_by_intervals(x ** 2, "<", x, {x: sp.Interval.open(0, 1)}) is None  # tight at both ends
    assert prove_by_intervals(x ** 2, "<", x + 1, {}) is None  # unbounded: not attempted


def test_instances_give_every_dimension_its_own_size_and_the_structures():
    n, m, k = sp.symbols("n m k", integer=True, positive=True)
    ps = plans((n, m, k), np.random.default_rng(0))
    assert any(len(set(p.sizes.values())) == 3 for p in ps)
    assert max(max(p.sizes.values()) for p in ps) == 6
    rng = np.random.default_rng(1)
    W = sp.Matrix(leaf_values(Plan({n: 3}, "skew", 0), rng, 3, 3, None))
    assert W == -W.T and W != sp.zeros(3)
    Q = sp.Matrix(leaf_values(Plan({n: 3}, "orthogonal", 0), rng, 3, 3, None))
    assert Q.T * Q == sp.eye(3)
    N = sp.Matrix(leaf_values(Plan({n: 3}, "nilpotent", 0), rng, 3, 3, None))
    assert N ** 3 == sp.zeros(3) and N != sp.zeros(3)
    h = leaf_values(Plan({n: 4}, "saturated", 0), rng, 4, 1, sp.Interval(-1, 1))
    assert set(h) == {1, -1}
    h = leaf_values(Plan({n: 4}, "saturated", 0), rng, 4, 1, sp.Interval.open(-1, 1))
    assert all(-1 < v < 1 for v in h) and max(h) > 1 - sp.Rational(1, 10 ** 5)
