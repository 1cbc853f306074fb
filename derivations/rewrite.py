"""Sound rewrite rules for sums and ordered products with symbolic limits.

SymPy cannot reduce ``sum_{k=1}^{t} (prod_{i=k+1}^{t} J_i) G_k`` entrywise when ``t`` is a
symbol, so steps of an induction over time are proved here by named rules, each a definition
of the finite sum or ordered product: split a sum at its first or last term, peel one factor
off either end of a product, exchange a triangular double sum.  Every rule first asks SymPy to
show its side condition (the range is non-empty, for every value of the enclosing sum
variables) under the step's hypothesis; a condition it cannot show blocks the proof.  Both
sides are then brought to one normal form by linearity, associativity and the transpose of a
product, and compared structurally.  :class:`RewriteEq` always runs the explicit random-matrix
cross-check (n = 1..4) as well; a disagreement there refutes the step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import sympy as sp

from .matexpr import OrderedProduct, TimeIndexed, TimeSum
from .matrixclaims import MatrixEq
from .model import StepResult, Verdict
from .symbols import n

__all__ = ["RewriteEq", "RuleError", "RULES", "tidy", "split_last", "split_first", "peel_upper", "peel_lower",
           "swap_triangle"]


def _range_ok(cond, ctx, assume) -> bool:
    """``cond >= 0`` for every value of the enclosing sum variables in ``ctx`` (affine in each).

    An affine condition holds on a range when it holds at both ends; only values in a *non-empty*
    range matter (an empty sum has no terms to rewrite), so at the ends the condition may use the
    hypothesis ``hi - lo >= 0`` of each enclosing range: ``c >= 0`` is shown as ``c - (hi - lo) >= 0``.
    """
    conds = [(sp.expand(cond), ())]
    for var, lo, hi in reversed(ctx):
        nxt = []
        for c, hyps in conds:
            if sp.diff(c, var, 2) != 0:
                return False
            if not c.has(var):
                nxt.append((c, hyps))
                continue
            for end in (lo, hi):
                nxt.append((c.xreplace({var: end}), tuple(x.xreplace({var: end}) for x in hyps) + (hi - lo,)))
        conds = nxt
    return all(_nonnegative(c, hyps, assume) for c, hyps in conds)


def _nonnegative(c, hyps, assume) -> bool:
    """``c >= 0`` decided by SymPy's assumptions, alone or as ``c - h >= 0`` with a hypothesis ``h >= 0``."""
    c = sp.expand(c.xreplace(assume))
    return bool(c.is_nonnegative) or any(sp.expand(c - h.xreplace(assume)).is_nonnegative for h in hyps)


class RuleError(ValueError):
    """A rewrite rule's side condition could not be established."""


def _rewrite(e, rule, var, ctx, assume):
    if isinstance(e, (TimeSum, OrderedProduct)):
        inner = ctx + [(e.var, e.lower, e.upper)] if isinstance(e, TimeSum) else ctx
        node = type(e)(_rewrite(e.term, rule, var, inner, assume), (e.var, e.lower, e.upper))
        return rule(node, var, ctx, assume) if node.var == var else node
    if isinstance(e, (TimeIndexed, sp.MatrixSymbol)) or not e.args or not isinstance(e, sp.MatrixExpr):
        return e
    return e.func(*[_rewrite(a, rule, var, ctx, assume) for a in e.args])


def _need_nonempty(e, ctx, assume, rule):
    if not _range_ok(e.upper - e.lower, ctx, assume):
        raise RuleError(f"{rule}: cannot show {e.lower} <= {e.upper}")


def split_last(e, var, ctx, assume):
    """:math:`\\sum_{lo}^{U} f = \\sum_{lo}^{U-1} f + f(U)` (needs lo <= U)."""
    if not isinstance(e, TimeSum):
        return e
    _need_nonempty(e, ctx, assume, "split_last")
    return sp.MatAdd(TimeSum(e.term, (var, e.lower, e.upper - 1)), e.factor_at(e.upper))


def split_first(e, var, ctx, assume):
    """:math:`\\sum_{lo}^{U} f = f(lo) + \\sum_{lo+1}^{U} f` (needs lo <= U)."""
    if not isinstance(e, TimeSum):
        return e
    _need_nonempty(e, ctx, assume, "split_first")
    return sp.MatAdd(e.factor_at(e.lower), TimeSum(e.term, (var, e.lower + 1, e.upper)))


def peel_upper(e, var, ctx, assume):
    """:math:`\\prod_{lo}^{U} F = F_U\\prod_{lo}^{U-1} F` (latest on the left; needs lo <= U)."""
    if not isinstance(e, OrderedProduct):
        return e
    _need_nonempty(e, ctx, assume, "peel_upper")
    return sp.MatMul(e.factor_at(e.upper), OrderedProduct(e.term, (var, e.lower, e.upper - 1)))


def peel_lower(e, var, ctx, assume):
    """:math:`\\prod_{lo}^{U} F = \\big(\\prod_{lo+1}^{U} F\\big)F_{lo}` (needs lo <= U)."""
    if not isinstance(e, OrderedProduct):
        return e
    _need_nonempty(e, ctx, assume, "peel_lower")
    return sp.MatMul(OrderedProduct(e.term, (var, e.lower + 1, e.upper)), e.factor_at(e.lower))


def swap_triangle(inner_var):
    """:math:`\\sum_{s=a}^{T}\\sum_{k=a}^{s} f = \\sum_{k=a}^{T}\\sum_{s=k}^{T} f` (outer sum over ``var``)."""
    def rule(e, var, ctx, assume):
        if not isinstance(e, TimeSum) or not isinstance(e.term, TimeSum) or e.term.var != inner_var:
            return e
        inner = e.term
        if inner.lower != e.lower or inner.upper != var:
            raise RuleError(f"swap_triangle: {inner.var} must run from {e.lower} to {var}")
        return TimeSum(TimeSum(inner.term, (var, inner_var, e.upper)), (inner_var, e.lower, e.upper))
    rule.__name__ = "swap_triangle"
    return rule


RULES = {"split_last": split_last, "split_first": split_first, "peel_upper": peel_upper, "peel_lower": peel_lower}


def _terms(e):
    """``e`` as a list of products (each a list of factors), using linearity and associativity."""
    if isinstance(e, sp.MatAdd):
        return [p for a in e.args for p in _terms(a)]
    if isinstance(e, sp.ZeroMatrix):
        return []
    if isinstance(e, sp.MatMul):
        out = [[]]
        for a in e.args:
            ts = _terms(a) if a.is_Matrix else [[a]]
            out = [p + q for p in out for q in ts]
        return out
    if isinstance(e, sp.Transpose):
        return [[_transpose(f) for f in reversed(p)] for p in _terms(e.arg)]
    if isinstance(e, (TimeSum, OrderedProduct)):
        c = e.count()
        if c is not None and c <= 1:  # empty or single factor/term: the definition
            return _terms(e.doit(deep=False))
        if isinstance(e, TimeSum):  # pull constant factors in, split sums of terms
            return [[TimeSum(_join(*_merge_sums([p])), (e.var, e.lower, e.upper))] for p in _terms(e.term) if p]
    if isinstance(e, sp.Identity):
        return [[]]
    return [[e]]


def _transpose(f):
    if isinstance(f, sp.Transpose):
        return f.arg
    if isinstance(f, sp.Identity):
        return f
    if isinstance(f, TimeSum):
        return TimeSum(_join(*_merge_sums(_terms(sp.Transpose(f.term)))), (f.var, f.lower, f.upper))
    return sp.Transpose(f)


def _join(*products):
    """Rebuild a normal-form expression from products; sums of several products are sorted."""
    mats = [sp.MatMul(*p) if len(p) > 1 else p[0] for p in products if p]
    mats = sorted(mats, key=sp.default_sort_key)
    return sp.MatAdd(*mats) if len(mats) > 1 else mats[0]


def _merge_sums(products):
    """Pull the remaining factors of a product into its one TimeSum factor (linearity)."""
    out = []
    for p in products:
        sums = [q for q, f in enumerate(p) if isinstance(f, TimeSum)]
        if len(p) > 1 and len(sums) == 1:
            q, s = sums[0], p[sums[0]]
            left, right = p[:q], p[q + 1:]
            if not any(s.var in f.free_symbols for f in left + right):
                inner = [left + r + right for r in _terms(s.term)]
                out += [[TimeSum(_join(*_merge_sums([x])), (s.var, s.lower, s.upper))] for x in inner]
                continue
        out.append(p)
    return out


def tidy(e):
    """The normal form: a sorted sum of flat products, constant factors pulled into sums."""
    return _join(*_merge_sums(_terms(e))) if _terms(e) else sp.ZeroMatrix(*e.shape)


def _apply(e, rules, assume):
    e = tidy(e)
    for name, var in rules:
        rule = RULES[name] if isinstance(name, str) else name
        e = tidy(_rewrite(tidy(e), rule, var, [], assume))
    return e


@dataclass(frozen=True)
class RewriteEq:
    """``lhs = rhs`` proved by named rewrite rules and a normal form, cross-checked explicitly.

    ``lhs_rules``/``rhs_rules`` are ``(rule, bound variable)`` pairs applied in order to every
    matching node; each rule checks its own side condition under ``assume`` (a substitution
    encoding the step's hypothesis, e.g. ``{T: t + 1 + w}`` for ``t <= T - 1``).  The explicit
    cross-check (:class:`MatrixEq` with random matrices for every leaf) always runs.
    """

    lhs: Any
    rhs: Any
    size: Any = n
    instances: Sequence[Mapping] = ({},)
    lhs_rules: tuple = ()
    rhs_rules: tuple = ()
    assume: Mapping = field(default_factory=dict)
    sizes: tuple[int, ...] = (1, 2, 3, 4)
    rel: str = "="

    def relation(self):
        return sp.Eq(self.lhs, self.rhs, evaluate=False)

    def check(self, rng) -> StepResult:
        explicit = MatrixEq(self.lhs, self.rhs, size=self.size, instances=self.instances, symbolic=False,
                            sizes=self.sizes).check(rng)
        if explicit.verdict is Verdict.REFUTED:
            return explicit
        try:
            a, b = _apply(self.lhs, self.lhs_rules, self.assume), _apply(self.rhs, self.rhs_rules, self.assume)
            same, why = a == b, "normal forms differ"
        except RuleError as err:
            same, why = False, str(err)
        if not same:
            return StepResult(Verdict.CONFIRMED, explicit.method, f"{explicit.detail}; not proved: {why}",
                              max_discrepancy=explicit.max_discrepancy, dps=explicit.dps,
                              explicit_sizes=self.sizes, points=explicit.points)
        used = ", ".join(str(getattr(r, "__name__", r)) for r, _ in self.lhs_rules + self.rhs_rules) or "none"
        return StepResult(Verdict.PROVED, f"rewriting (rules: {used}) to one normal form; {explicit.method}", "",
                          max_discrepancy=explicit.max_discrepancy, dps=explicit.dps, explicit_sizes=self.sizes)
