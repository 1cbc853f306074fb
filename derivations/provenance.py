"""Derived = proved: every expression the numeric side evaluates is a side of a derivation step.

An identity's ``derived`` mapping names the expressions that :mod:`numeric` evaluates.  Each
must be, structurally, the left or right side of one of the identity's own steps (or of a
sub-claim of a step, such as the base case of an induction), so that a wrong derived expression
is a wrong step, and ``rnnproof derive`` refutes it.  Activation-dependent entries (callables of
the activation name) are resolved for every activation first.  :func:`provenance` says which
step each expression comes from; :func:`assert_derived_are_steps` raises when one comes from none.
"""

from __future__ import annotations

import sympy as sp

from .errors import RnnproofError
from .functions import ACTIVATIONS

__all__ = ["ProvenanceError", "GAPS", "step_sides", "provenance", "missing", "assert_derived_are_steps", "assert_entries_read_sides"]


class ProvenanceError(RnnproofError):
    """An identity's derived expression is not a side of any of its steps."""


def _sides(claim):
    """Every printed side of ``claim`` and of the claims it contains."""
    for attr in ("lhs", "rhs", "matrix", "value", "evaluable"):
        v = getattr(claim, attr, None)
        if isinstance(v, sp.Basic):
            yield v
    for p in getattr(claim, "points", ()) or ():  # CriticalPoints: the decided set of critical points
        yield sp.sympify(p)
    for attr in ("base", "step", "instance", "claim"):
        sub = getattr(claim, attr, None)
        if sub is not None and hasattr(sub, "check"):
            yield from _sides(sub)
    for sub in getattr(claim, "parts", ()) or ():
        if hasattr(sub, "check"):
            yield from _sides(sub)


def step_sides(identity) -> list[tuple[int, object]]:
    """``[(step number from 1, side)]`` for every printed side of every step."""
    return [(k, s) for k, step in enumerate(identity.steps, 1) for s in _sides(step.claim)]


def _resolved(identity):
    for name, value in identity.derived.items():
        if callable(value):
            for act in ACTIVATIONS:
                yield f"{name}({act})", value(act)
        else:
            yield name, value


def _foreign_activation(expr, name: str | None) -> bool:
    """True when the form derived for activation ``name`` contains another activation's derivative."""
    if name is None:
        return False
    from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
    from .functions import activation_derivative
    others = {activation_derivative(a) for a in ACTIVATIONS if a != name}
    return any(f.function in others for f in sp.sympify(expr).atoms(ElementwiseApplyFunction))


def provenance(identity) -> dict[str, int | None]:
    """``derived name -> number of the step with that expression as a side`` (``None`` when none, or when
    the form for one activation carries another activation's derivative)."""
    sides = step_sides(identity)
    out = {}
    for name, expr in _resolved(identity):
        e = sp.sympify(expr)
        act = name[name.index("(") + 1:-1] if name.endswith(")") else None
        out[name] = None if _foreign_activation(e, act) else next((k for k, s in sides if s == e), None)
    return out


#: derived expressions not yet a step side, per identity (the registry refuses any other; tests/test_registry.py
#: asserts the list is exact).  Empty: every derived expression of the catalogue is a side of one of its steps,
#: so the registry refuses any identity where this stops being so.
GAPS: dict[str, frozenset] = {}


def missing(identity) -> list[str]:
    """The derived names of ``identity`` that are not a side of any of its steps."""
    return [name for name, k in provenance(identity).items() if k is None]


def assert_entries_read_sides(identity) -> None:
    """Raise when a step's hand-written entry function is not tied to the sides it was written for.

    An :class:`~derivations.matrixclaims.EntryModel` derives the entries from the claim's own sides; a
    plain ``entry(i, j)`` function must declare ``entry_for = (lhs, rhs)`` so that it proves nothing
    about any other sides (:meth:`MatrixEq.entry_applies`).
    """
    for k, step in enumerate(identity.steps, 1):
        for claim in _claims(step.claim):
            entry = getattr(claim, "entry", None)
            if callable(entry) and not hasattr(entry, "difference") and getattr(claim, "entry_for", ()) is None:
                raise ProvenanceError(f"{identity.id}: step {k} has an entry function without entry_for; "
                                      "it would prove its own formula instead of the printed sides")


def _claims(claim):
    yield claim
    for attr in ("base", "step", "claim"):
        sub = getattr(claim, attr, None)
        if sub is not None and hasattr(sub, "check"):
            yield from _claims(sub)
    for sub in getattr(claim, "parts", ()) or ():
        yield from _claims(sub)


def assert_derived_are_steps(identity, *, allow=frozenset()) -> None:
    """Raise :class:`ProvenanceError` naming every derived expression that no step proves (except ``allow``)."""
    bad = [name for name in missing(identity) if name not in allow]
    if bad:
        raise ProvenanceError(
            f"{identity.id}: derived expression(s) {', '.join(bad)} are not a side of any step of the "
            f"derivation; the numeric side may only evaluate what a step derives")
