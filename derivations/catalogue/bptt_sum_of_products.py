r"""``bptt_sum_of_products``: :math:`\frac{dh_t}{d\theta} = \sum_{k=1}^{t}\Big(\prod_{i=k+1}^{t}J_i\Big)\frac{\partial^+h_k}{\partial\theta}`.

Proved for every ``t`` by induction from ``bptt_recursion`` (with :math:`dh_0/d\theta = 0`), for
*arbitrary* non-commuting sequences :math:`J_i` (``n x n``) and :math:`G_k` (``n x P``):

* base: :math:`G_1 + J_1\cdot 0 = \sum_{k=1}^{1}(\prod_{i=k+1}^{1}J_i)G_k`;
* step: :math:`G_{t+1} + J_{t+1}S_t = S_{t+1}` where :math:`S_t` is the sum of products.

Each is proved by :class:`RewriteEq`: sound rewrite rules (split a finite sum at an end, peel
one factor off an ordered product, exchange a triangular double sum), each with its side
condition (the range is non-empty) decided by SymPy's assumptions, then linearity/associativity
to a normal form and structural comparison -- always cross-checked with explicit random
matrices n = 1..4.  The statement is then unrolled on concrete networks for t <= 5.

Reference: IDENTITIES.md section C; Pascanu, Mikolov, Bengio (2013), eq. (4)-(5).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import sympy as sp

from ..claims import Induction
from ..evaluate import evaluate
from ..matexpr import OrderedProduct, TimeIndexed, TimeSum
from ..matrixclaims import MatrixEq
from ..model import COLUMN, Identity, Notation, Step, StepResult, SymbolSpec, Verdict
from ..symbols import W_hh, W_xh, b_h, h, i, k, n, t
from .bptt_recursion import PARAMS, TotalDerivative, immediate, jacobian, network_check

__all__ = ["IDENTITY", "RewriteEq", "tidy", "sum_of_products", "induction", "unrolled_check", "P", "tau"]

#: generic column count of G_k in the induction (any P works; explicit checks use P = 2)
P = sp.Symbol("P", integer=True, positive=True)
#: the induction variable: a positive integer time (the step goes from tau to tau + 1)
tau = sp.Symbol("t", integer=True, positive=True)
_J = TimeIndexed("J", i, n, n)


def _range_ok(cond, ctx, assume) -> bool:
    """``cond >= 0`` for every value of the enclosing sum variables in ``ctx`` (affine in each)."""
    conds = [sp.expand(cond)]
    for var, lo, hi in reversed(ctx):
        nxt = []
        for c in conds:
            if sp.diff(c, var, 2) != 0:
                return False
            nxt += [c.xreplace({var: lo}), c.xreplace({var: hi})] if c.has(var) else [c]
        conds = nxt
    return all(sp.expand(c.xreplace(assume)).is_nonnegative for c in conds)


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


def sum_of_products(time=t, *, G=None, start=1):
    """:math:`S_{time} = \\sum_{k=1}^{time}(\\prod_{i=k+start}^{time}J_i)G_k` (``start=0`` is the classic mutation)."""
    G = G if G is not None else TimeIndexed("G", k, n, P)
    return TimeSum(OrderedProduct(_J, (i, k + start, time)) * G, (k, 1, time))


def induction(*, start=1, drop_immediate=False):
    """The induction on ``t``: base case at t = 1 and step t -> t + 1, for generic J_i, G_k."""
    G = TimeIndexed("G", k, n, P)
    first = sp.MatAdd(G.at(1), sp.MatMul(_J.xreplace({i: 1}), sp.ZeroMatrix(n, P)))  # unevaluated, as stated
    base = RewriteEq(first, sum_of_products(1, start=start), instances=[{P: 2}])
    nxt = _J.xreplace({i: tau + 1}) * sum_of_products(tau, start=start)
    lhs = nxt if drop_immediate else sp.MatAdd(G.at(tau + 1), nxt)
    step = RewriteEq(lhs, sum_of_products(tau + 1, start=start), instances=[{tau: 1, P: 2}, {tau: 3, P: 2}],
                     rhs_rules=((split_last, k), (peel_upper, i)))
    return Induction(tau, base, step, text=r"S_1 = G_1 + J_1 \cdot 0,\quad G_{t+1} + J_{t+1} S_t = S_{t+1}")


def total(param, name="tanh", *, start=1, lag=1):
    """:math:`\\sum_{k=1}^{t}(\\prod_{i=k+1}^{t}J_i)\\,\\partial^+h_k/\\partial\\theta` with the network's J and partials."""
    return TimeSum(OrderedProduct(jacobian(i, name), (i, k + start, t)) * immediate(param, k, name, lag=lag), (k, 1, t))


def unrolled_check(param, expr, *, T=5, name="tanh", sizes=(1, 2, 3)):
    """Explicit check: complex-step dh_t/dθ of concrete networks against ``expr`` for t = 1..T."""
    def pair(net, env, s):
        return net.parameter_jacobian(s, param), evaluate(expr, env, {t: s}, backend="sympy")
    return MatrixEq(TotalDerivative(h(t), PARAMS[param]), expr, size=n, sizes=sizes,
                    explicit=network_check(pair, T=T, activation_name=name))


def _steps():
    steps = [Step(induction(), "induction on t from bptt_recursion with dh_0/dθ = 0 (h_0 does not depend on θ); "
                               "split the last term of the sum, peel J_(t+1) off the ordered product")]
    sizes = {"W_hh": (1, 2, 3), "W_xh": (1, 2, 3), "b_h": (1, 2, 3, 4)}
    for p in PARAMS:
        steps.append(Step(unrolled_check(p, total(p), sizes=sizes[p]),
                          f"explicit unrolled check for t = 1..5 on concrete networks (theta = {p}, complex step, 80 digits)"))
    return tuple(steps)


IDENTITY = Identity(
    id="bptt_sum_of_products",
    title="BPTT as a sum over time of products of Jacobians",
    section="C",
    summary="dh_t/dθ = Σ_{k=1}^{t} (∏_{i=k+1}^{t} J_i) ∂⁺h_k/∂θ",
    statement=sp.Eq(TotalDerivative(h(t), W_hh), total("W_hh"), evaluate=False),
    steps=_steps(),
    symbols=(
        SymbolSpec(h(t), "hidden state at time t", (n, 1), (-1.0, 1.0)),
        SymbolSpec(_J, "one-step Jacobian J_i = diag(phi'(z_i)) W_hh (generic in the induction)", (n, n)),
        SymbolSpec(TimeIndexed("G", k, n, P), "immediate partial dh_k/dθ (generic in the induction)", (n, P)),
        SymbolSpec(W_hh, "recurrent weights", (n, n)),
        SymbolSpec(W_xh, "input weights", (n, sp.Symbol("d"))),
        SymbolSpec(b_h, "hidden bias", (n, 1)),
    ),
    derived={f"total_{p}": (lambda name, p=p: total(p, name)) for p in PARAMS},
    notation=Notation(vectors=COLUMN + "; vec(θ) row-major (numpy ravel order); products latest on the left"),
    sources=("IDENTITIES.md C", "Pascanu, Mikolov, Bengio 2013, eq. (4)-(5)", "Werbos 1990"),
)
