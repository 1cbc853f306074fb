r"""Proof helpers shared by ``stacked_rnn_jacobian`` and ``bidirectional_gradient``.

* :func:`chain_rule_entry` -- the ``(r, c)`` entry of a chain-rule claim at symbolic ``n``:
  :math:`h^{new}_r = \tanh(\sum_q (M_1)_{rq} g_1(q) + \sum_q (M_2)_{rq} g_2(q) + u_r)` where each
  :math:`g_a(q) = g_a(q, c, s)` is an *arbitrary* differentiable function of :math:`s = h_{k,c}`
  (an undefined SymPy function), so that a defined Jacobian :math:`\partial(\cdot)/\partial h_k`
  has entries :math:`\partial g_a(q, c, s)/\partial s`.  The printed right side is read (its
  ``StateJacobian`` nodes replaced by ``MatrixSymbol`` holders, its matrix entry expanded by SymPy).
* :class:`SumPeel` -- the structural move of the path-sum induction: split the last term off a
  :class:`TimeSum`, peel the latest factor of the ordered product inside the remaining terms (sound:
  inside the sum the product is non-empty), and pull that factor out of the sum (it does not depend
  on the summation variable; distributivity of the matrix product over a finite sum).
* :class:`Substitution` -- replace, inside a sum, every ``StateJacobian`` node by the right side of a
  proved statement :math:`P(v)` of another identity (its induction claim), at a gap that the sum's
  range makes non-negative; as proved as the cited claim.

Reference: Graves, Mohamed, Hinton (2013); Pascanu, Gulcehre, Cho, Bengio (2014) (stacked RNNs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from .functions import activation, unfold
from .matexpr import OrderedProduct, StateJacobian, TimeSum
from .instances import Instance
from .model import StepResult, Verdict

__all__ = ["chain_rule_entry", "SumPeel", "Substitution", "mm", "unroll_sum", "random_leaves_hook", "REGIONS", "ShiftPeel", "indexed"]

_s = sp.Symbol("s", real=True)
_q = sp.Dummy("q", integer=True)


def indexed(e):
    """``MatrixSymbol`` entries as ``Indexed`` of the same name; range-limited deltas as plain ones."""
    e = e.replace(lambda a: isinstance(a, MatrixElement) and isinstance(a.parent, sp.MatrixSymbol),
                  lambda a: sp.IndexedBase(str(a.parent.name))[a.i, a.j])
    return e.replace(lambda a: isinstance(a, sp.KroneckerDelta) and len(a.args) == 3,
                     lambda a: sp.KroneckerDelta(a.args[0], a.args[1]))


def chain_rule_entry(lhs, rhs, *, weights, deps, leaf, n, name="tanh"):
    r"""``entry(r, c)`` of ``lhs - rhs`` for a chain-rule claim at symbolic ``n``.

    Parameters
    ----------
    lhs : StateJacobian
        The defined quantity :math:`\partial h^{new}/\partial h_k`.
    rhs : matrix expression
        The printed right side; its ``StateJacobian`` nodes listed in ``deps`` are the dependencies.
    weights : sequence of MatrixSymbol
        :math:`M_a`, one per dependency, in the order of ``deps``.
    deps : sequence of StateJacobian
        :math:`\partial g_a/\partial h_k`: the states the new state reads, differentiated by :math:`h_k`.
    leaf : TimeIndexed
        The new state :math:`h^{new}` as it appears in ``rhs`` (``diag(1 - leaf (.) leaf)``).
    """
    from .catalogue.hidden_state_chain import _opaque_sums, _sum_deltas
    phi = activation(name)
    fns = [sp.Function(f"g{a}") for a in range(len(deps))]
    holders = [sp.MatrixSymbol(f"_D{a}", *dep.shape) for a, dep in enumerate(deps)]

    def entry(r, c):
        size = r + c + 1 + sp.Dummy("m", integer=True, nonnegative=True)

        def forward(row):
            return sum(sp.Sum(sp.IndexedBase(str(M.name))[row, _q] * g(_q, c, _s), (_q, 0, size - 1))
                       for M, g in zip(weights, fns)) + sp.IndexedBase("u")[row]
        left = sp.diff(unfold(phi(forward(r))), _s)
        side = rhs.xreplace(dict(zip(deps, holders)))
        right = sp.piecewise_fold(_sum_deltas(side[r, c].xreplace({n: size})))
        names = {str(H.name): g for H, g in zip(holders, fns)}
        right = right.replace(lambda a: isinstance(a, MatrixElement) and str(a.parent.name) in names,
                              lambda a: sp.Derivative(names[str(a.parent.name)](a.i, a.j, _s), _s))
        base = sp.IndexedBase(str(leaf.name))
        right = right.replace(lambda a: isinstance(a, sp.Indexed) and a.base == base and a.indices[0] == leaf.time,
                              lambda a: unfold(phi(forward(a.indices[1]))))
        return _opaque_sums(indexed(left - right))
    return entry


def _split_last(S: TimeSum):
    """``(term at the upper limit, the sum without it)``."""
    return S.factor_at(S.upper), TimeSum(S.term, (S.var, S.lower, S.upper - 1))


def _peel_out(S: TimeSum):
    """``F * TimeSum(P' R)`` from ``TimeSum(P R)`` where ``P = prod_{i=v+1}^{hi+1}`` and ``v <= hi`` in the sum."""
    term = S.term
    args = list(term.args) if isinstance(term, sp.MatMul) else [term]
    P = args[0]
    if not (isinstance(P, OrderedProduct) and sp.expand(P.upper - S.upper - 1) == 0
            and sp.expand(P.lower - S.var - 1) == 0):
        return None
    # non-empty for every v in lower..upper: (upper + 1) - (v + 1) = upper - v >= 0
    factor = P.factor_at(P.upper)
    if S.var in factor.free_symbols:
        return None
    inner = OrderedProduct(P.term, (P.var, P.lower, P.upper - 1))
    return mm(factor, TimeSum(mm(inner, *args[1:]), (S.var, S.lower, S.upper)))


def mm(*factors):
    """Unevaluated matrix product, nested products flattened and empty ordered products (= I) dropped."""
    flat = []
    for f in factors:
        for a in (f.args if isinstance(f, sp.MatMul) else (f,)):
            if not (isinstance(a, OrderedProduct) and a.count() == 0 or isinstance(a, sp.Identity)):
                flat.append(a)
    return sp.MatMul(*flat) if len(flat) > 1 else flat[0]


def unroll_sum(S: TimeSum):
    """A time sum with concrete limits written out term by term, without ``doit`` (whose assumption
    queries on ``DiagMatrix`` products cost seconds); the evaluator walks the ordered products."""
    count = S.count()
    terms = [S.factor_at(S.lower + m) for m in range(count)]
    if not terms:
        return sp.ZeroMatrix(*S.shape)
    return sp.MatAdd(*terms) if len(terms) > 1 else terms[0]


def _terms(e):
    return sorted((mm(a) for a in (e.args if isinstance(e, sp.MatAdd) else (e,))), key=sp.default_sort_key)


@dataclass(frozen=True)
class SumPeel:
    r"""``lhs = rhs`` where ``rhs`` is :math:`\sum_{v=lo}^{hi+1}(\prod_{i=v+1}^{hi+1}F_i)R_v`: proved by
    :func:`_split_last` (sound when the sum is decided non-empty; the last term's product is empty, :math:`I`),
    :func:`_peel_out` and
    distributivity, compared structurally with ``lhs``; cross-checked by ``explicit(lhs, rhs)`` (a claim
    built on *these* printed sides, evaluated on explicit instances), whose refutation wins."""

    lhs: Any
    rhs: Any
    explicit: Any

    def relation(self):
        return sp.Eq(self.lhs, self.rhs, evaluate=False)

    def check(self, rng) -> StepResult:
        cross = self.explicit(self.lhs, self.rhs).check(rng)
        if cross.verdict is Verdict.REFUTED:
            return cross
        why = "the right side is not a time sum"
        if isinstance(self.rhs, TimeSum) and sp.simplify(self.rhs.upper - self.rhs.lower).is_nonnegative is not True:
            why = "the sum is not decided non-empty (its last term cannot be split off)"
        elif isinstance(self.rhs, TimeSum):
            last, rest = _split_last(self.rhs)
            out = _peel_out(rest)
            if out is None:
                why = "the product inside the sum does not end at the sum's upper limit + 1"
            elif _terms(sp.MatAdd(out, mm(last))) == _terms(self.lhs):
                return StepResult(Verdict.PROVED, f"structural: split the last term (empty product = I), peel the "
                                  f"latest factor (non-empty inside the range), distributivity; {cross.method}", cross.detail,
                                  max_discrepancy=cross.max_discrepancy, explicit_sizes=cross.explicit_sizes)
            else:
                why = "after splitting and peeling, the terms differ from the left side"
        return StepResult(Verdict.CONFIRMED, cross.method, f"{cross.detail}; not structural: {why}",
                          max_discrepancy=cross.max_discrepancy, explicit_sizes=cross.explicit_sizes, points=cross.points)


@dataclass(frozen=True)
class Substitution:
    r"""``lhs = rhs`` where ``rhs`` is ``lhs`` with :math:`P_{lhs}(v) \to P_{rhs}(v)` inside a sum over ``s``.

    ``cited`` is another identity's claim with ``statement = (P_lhs, P_rhs)`` in its ``variable``
    (an :class:`~derivations.claims.Induction`); every ``StateJacobian`` of the summand must be
    :math:`P_{lhs}` at the gap ``v = s - lower`` (non-negative over the sum's range).  Verdict: the
    cited claim's verdict when the substitution matches, cross-checked by ``explicit(lhs, rhs)`` (a claim on
    these printed sides, so a slip in either side is refuted on explicit instances).
    """

    lhs: Any
    rhs: Any
    cited: Any
    name: str
    explicit: Any

    def relation(self):
        return sp.Eq(self.lhs, self.rhs, evaluate=False)

    def _matches(self) -> str | None:
        S = self.lhs
        if not (isinstance(S, TimeSum) and isinstance(self.rhs, TimeSum)):
            return "both sides must be time sums"
        v = self.cited.variable
        P_l, P_r = self.cited.statement
        lo = sp.expand(self.cited.start)
        gap = S.var - S.lower + lo
        rule = {P_l.xreplace({v: gap}): P_r.xreplace({v: gap})}
        nodes = S.term.atoms(StateJacobian)
        if not nodes or any(nd not in rule for nd in nodes):
            return "a state Jacobian in the sum is not the cited statement at gap s - lower"
        want = TimeSum(S.term.xreplace(rule), (S.var, S.lower, S.upper))
        return None if want == self.rhs else "the right side is not the left side with the cited statement substituted"

    def check(self, rng) -> StepResult:
        from .lemmas import _premise_result
        cross = self.explicit(self.lhs, self.rhs).check(rng)
        if cross.verdict is Verdict.REFUTED:
            return cross
        why = self._matches()
        cited = _premise_result(self.cited, rng)
        if why is None and cited.verdict.is_proof:
            return StepResult(cited.verdict, f"substitution of {self.name} ({cited.method}); {cross.method}",
                              cross.detail, max_discrepancy=cross.max_discrepancy, explicit_sizes=cross.explicit_sizes)
        why = why or f"the cited claim is only {cited.verdict}"
        return StepResult(Verdict.CONFIRMED, cross.method, f"{cross.detail}; not by substitution: {why}",
                          max_discrepancy=cross.max_discrepancy, explicit_sizes=cross.explicit_sizes, points=cross.points)


#: leaves of the two section-H identities: matrices (rows, cols) and time-indexed columns (rows), in terms of n
_MATS = {"W_hh": ("n", "n"), "W_2": ("n", "n"), "U_2": ("n", "n"), "W_xh": ("n", 2), "W_b": ("n", "n"),
         "U_b": ("n", 2), "V_f": (2, "n"), "V_b": (2, "n")}
_COLS = {"h": "n", "h2": "n", "hb": "n", "delta": 2}
#: where the norm bounds are tight: positive weights make every path term of one sign at n = 1 (the
#: triangle inequality is then an equality) and small states make 1 - h^2 close to gamma = 1; a
#: contracting and an expanding regime, so that a wrong power fails in one of them
REGIONS = ({"W": (0.1, 0.9), "h": (0.05, 0.3), "delta": (0.1, 1.0)},
           {"W": (0.5, 1.5), "h": (0.05, 0.3), "delta": (0.1, 1.0)})


def random_leaves_hook(times=range(0, 9)):
    """``explicit`` hook for scalar norm claims: random rational leaves in each of :data:`REGIONS`, time sums and
    scalar sums unrolled for the concrete times; the claim evaluates its *own* sides on them."""
    from . import sampling
    from .matexpr import unroll

    def run(rng, size, inst):
        bind = {sp.sympify(a): sp.Integer(v) for a, v in inst.items()}
        dim = lambda v: size if v == "n" else v  # noqa: E731
        out = []
        for region in REGIONS:
            env = {name: sampling.rational_matrix(rng, dim(r), dim(c), region["W"]) for name, (r, c) in _MATS.items()}
            for name, r in _COLS.items():
                dom = region["delta"] if name == "delta" else region["h"]
                env[name] = {tm: sampling.rational_matrix(rng, dim(r), 1, dom) for tm in times}

            def substitute(e):
                e = unroll(e, bind).replace(lambda a: isinstance(a, TimeSum), unroll_sum)
                return e
            out.append(Instance(env, bind, substitute=substitute))
        return out
    return run


@dataclass(frozen=True)
class ShiftPeel:
    r"""``F P = P'`` where :math:`P' = \prod_{j=lo-1}^{hi}T'_j` is :math:`F` times :math:`P = \prod_{j=lo}^{hi}T_j`
    written with its index shifted by one: peel the latest factor of :math:`P'` (non-empty: ``nonempty``
    is a decided side condition), then substitute :math:`j \to j - 1` in the rest (a monotone bijection of
    the index range, so the order of the factors is kept).  Proved structurally; cross-checked by
    ``explicit(lhs, rhs)`` on explicit matrices (its refutation wins)."""

    lhs: Any
    rhs: Any
    nonempty: Any
    explicit: Any

    def relation(self):
        return sp.Eq(self.lhs, self.rhs, evaluate=False)

    def check(self, rng) -> StepResult:
        cross = self.explicit(self.lhs, self.rhs).check(rng)
        if cross.verdict is Verdict.REFUTED:
            return cross
        why = None
        if not (isinstance(self.rhs, OrderedProduct) and isinstance(self.lhs, sp.MatMul)):
            why = "not of the form F prod = prod"
        elif sp.sympify(self.nonempty).is_nonnegative is not True or sp.expand(
                self.rhs.upper - self.rhs.lower - self.nonempty) != 0:
            why = "the product is not decided non-empty"
        else:
            P = self.rhs
            rest = OrderedProduct(P.term, (P.var, P.lower, P.upper - 1))
            shifted = OrderedProduct(rest.term.xreplace({P.var: P.var - 1}), (P.var, rest.lower + 1, rest.upper + 1))
            if mm(P.factor_at(P.upper), shifted) != mm(self.lhs):
                why = "after the peel and the index shift the two sides differ"
        if why is None:
            return StepResult(Verdict.PROVED, f"structural: peel the latest factor (non-empty), shift the index by one; "
                              f"{cross.method}", cross.detail, max_discrepancy=cross.max_discrepancy,
                              explicit_sizes=cross.explicit_sizes)
        return StepResult(Verdict.CONFIRMED, cross.method, f"{cross.detail}; not structural: {why}",
                          max_discrepancy=cross.max_discrepancy, explicit_sizes=cross.explicit_sizes, points=cross.points)
