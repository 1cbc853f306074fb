r"""Automated mutations of a derivation's expressions, for the catalogue's mutation test.

Each mutation is the kind of slip a student (or a textbook) makes: a transposed Jacobian,
a factor of 2, a time index off by one, the other activation's derivative, a dropped term, a
bound whose constant is halved.  :func:`mutants` applies every mutation that changes a side of
a claim and yields ``(name, mutated claim)``; a sound derivation checker must refute each one
that makes the claim false (mutation analysis, DeMillo, Lipton and Sayward, IEEE Computer 11(4),
1978).

Which side is mutated depends on the relation, so the mutant is a *false* claim for a generic
instance: for ``=`` both sides get every mutation; for ``lhs <= rhs`` the left side is doubled
and the right side halved (a doubled right side of a true bound is still true).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Iterator

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from .functions import activation_derivative, sigmoid
from .matexpr import TimeIndexed

__all__ = ["MUTATIONS", "mutate", "mutants", "claim_sides"]


def _is_matrix(e) -> bool:
    return isinstance(e, sp.MatrixExpr) or isinstance(e, sp.MatrixBase)


def _transpose(e):
    if _is_matrix(e) and e.shape[0] == e.shape[1]:
        return sp.Transpose(e)
    return None


def _scale(c):
    def op(e):
        if _is_matrix(e):
            return sp.MatMul(c, e)
        return sp.Mul(c, e, evaluate=False) if isinstance(e, sp.Basic) else None
    return op


def _shift_time(e):
    if not isinstance(e, sp.Basic) or not e.has(TimeIndexed):
        return None
    return e.replace(lambda x: isinstance(x, TimeIndexed), lambda x: x.at(x.time + 1))


_SWAP = {}


def _swap_map():
    if not _SWAP:
        _SWAP[activation_derivative("tanh")] = activation_derivative("sigmoid")
        _SWAP[activation_derivative("sigmoid")] = activation_derivative("tanh")
    return _SWAP


def _swap_activation_derivative(e):
    r"""tanh' <-> sigma': in derived form (``phi'`` lambdas), in state form
    (:math:`1 - h\odot h \leftrightarrow h\odot(1-h)`) and for scalars (:math:`1-\tanh^2`)."""
    if not isinstance(e, sp.Basic):
        return None
    swap = _swap_map()
    out = e.replace(lambda x: isinstance(x, ElementwiseApplyFunction) and x.function in swap,
                    lambda x: ElementwiseApplyFunction(swap[x.function], x.expr))

    def tanh_state(x):  # 1 - v (.) v  ->  v (.) (1 - v)
        if not isinstance(x, sp.MatAdd) or len(x.args) != 2:
            return None
        one = [a for a in x.args if isinstance(a, sp.OneMatrix)]
        sq = [a for a in x.args if isinstance(a, sp.MatMul) and len(a.args) == 2 and a.args[0] == -1
              and isinstance(a.args[1], sp.HadamardPower) and a.args[1].exp == 2]
        if one and sq:
            v = sq[0].args[1].base
            return sp.HadamardProduct(v, sp.MatAdd(one[0], sp.MatMul(-1, v)))
        return None
    out = out.replace(lambda x: tanh_state(x) is not None, tanh_state)
    out = out.replace(lambda x: isinstance(x, sp.Pow) and isinstance(x.base, sp.tanh) and x.exp == 2,
                      lambda x: 1 - sigmoid(x.base.args[0]) * (1 - sigmoid(x.base.args[0])))
    return out


def _drop_term(e):
    """Drop the last term of the outermost sum (``Add``, ``MatAdd``)."""
    if not isinstance(e, sp.Basic):
        return None
    for node in sp.preorder_traversal(e):
        if isinstance(node, (sp.Add, sp.MatAdd)) and len(node.args) >= 2:
            rest = node.args[:-1]
            new = rest[0] if len(rest) == 1 else node.func(*rest)
            return e.xreplace({node: new})
    return None


def _halve_constant(e):
    """Halve the first constant other than 0, +-1 (``gamma = 1/4`` -> ``1/8``, a factor 2 -> 1)."""
    if not isinstance(e, sp.Basic):
        return None
    for node in sp.preorder_traversal(e):
        if isinstance(node, sp.Rational) and node not in (0, 1, -1) and not isinstance(node, sp.Integer):
            return e.xreplace({node: node / 2})
    for node in sp.preorder_traversal(e):
        if isinstance(node, sp.Integer) and abs(node) > 1 and not _is_index(e, node):
            return e.xreplace({node: node / 2})
    return None


def _is_index(e, c) -> bool:
    """True when the constant occurs as a power or a time (a time index is shifted, not halved)."""
    return any(isinstance(p, sp.Pow) and p.exp == c for p in sp.preorder_traversal(e))


#: every mutation: name -> (side -> mutated side or None when it does not apply)
MUTATIONS: dict[str, Callable[[Any], Any]] = {
    "transpose": _transpose,
    "scale by 2": _scale(2),
    "halve": _scale(sp.Rational(1, 2)),
    "shift a time index": _shift_time,
    "swap the activation derivative": _swap_activation_derivative,
    "drop a term": _drop_term,
    "halve a constant": _halve_constant,
}

#: for each relation, which mutations make a true claim false (side, names)
_FALSIFYING = {
    "=": {"lhs": tuple(MUTATIONS), "rhs": tuple(MUTATIONS)},
    "<=": {"lhs": ("scale by 2",), "rhs": ("halve", "halve a constant", "drop a term")},
    "<": {"lhs": ("scale by 2",), "rhs": ("halve", "halve a constant", "drop a term")},
    ">=": {"lhs": ("halve", "halve a constant", "drop a term"), "rhs": ("scale by 2",)},
    ">": {"lhs": ("halve", "halve a constant", "drop a term"), "rhs": ("scale by 2",)},
}


def mutate(expr, name: str):
    """``expr`` under mutation ``name``, or ``None`` when the mutation does not apply or changes nothing."""
    try:
        out = MUTATIONS[name](expr)
    except (TypeError, ValueError, AttributeError, sp.ShapeError):
        return None
    if out is None or out == expr:
        return None
    return out


def claim_sides(claim) -> list[tuple[str, str]]:
    """``[(side attribute, relation)]`` of a claim that has printed sides (``lhs``/``rhs``)."""
    if not (hasattr(claim, "lhs") and hasattr(claim, "rhs")):
        return []
    return [("lhs", getattr(claim, "rel", "=")), ("rhs", getattr(claim, "rel", "="))]


def mutants(claim) -> Iterator[tuple[str, Any]]:
    """Yield ``(description, mutated claim)`` for every falsifying mutation of a side of ``claim``."""
    if hasattr(claim, "base") and hasattr(claim, "step"):  # an induction: mutate its base and its step
        for name, m in mutants(claim.base):
            yield f"base {name}", dataclasses.replace(claim, base=m)
        parts = getattr(claim.step, "parts", None)
        if parts:
            for k, part in enumerate(parts):
                for name, m in mutants(part):
                    new = tuple(m if q == k else p for q, p in enumerate(parts))
                    yield f"step part {k + 1} {name}", dataclasses.replace(claim, step=dataclasses.replace(claim.step, parts=new))
        else:
            for name, m in mutants(claim.step):
                yield f"step {name}", dataclasses.replace(claim, step=m)
        return
    parts = getattr(claim, "parts", None)
    if parts and not hasattr(claim, "lhs"):
        # a conjunction is refuted exactly when a part is: each mutated part is yielded on its own
        for k, part in enumerate(parts):
            for name, m in mutants(part):
                yield f"part {k + 1} {name}", m
        return
    inner = getattr(claim, "claim", None)
    if inner is not None and (hasattr(claim, "lemma") or hasattr(claim, "source")):
        # a step by lemma, or an instance of a proved step: mutate the printed instance
        for name, m in mutants(inner):
            yield name, dataclasses.replace(claim, claim=m)
        return
    rel = getattr(claim, "rel", "=")
    fields = _FIELDS.get(type(claim).__name__, {"lhs": "lhs", "rhs": "rhs"})
    for side, attr in fields.items():
        if not hasattr(claim, attr):
            continue
        other = getattr(claim, fields["rhs" if side == "lhs" else "lhs"], None)
        sign_claim = rel != "=" and other is not None and sp.sympify(other) == 0
        for name in _FALSIFYING.get(rel, {}).get(side, ()):
            if sign_claim and name in ("scale by 2", "halve"):
                continue  # a positive factor never changes the sign of a side compared with 0
            new = mutate(getattr(claim, attr), name)
            if new is not None:
                yield f"{side}: {name}", _wrapped(claim, attr, new)


#: claims whose printed sides are stored under other names
_FIELDS = {"EntryEq": {"lhs": "matrix", "rhs": "value"}}


def _wrapped(claim, side, new):
    """``claim`` with one printed side replaced (through a wrapper such as ``Disproved``)."""
    if hasattr(claim, side) and side in {f.name for f in dataclasses.fields(claim)}:
        return dataclasses.replace(claim, **{side: new})
    return dataclasses.replace(claim, claim=_wrapped(claim.claim, side, new))
