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

__all__ = ["ProvenanceError", "step_sides", "provenance", "assert_derived_are_steps"]


class ProvenanceError(RnnproofError):
    """An identity's derived expression is not a side of any of its steps."""


def _sides(claim):
    """Every printed side of ``claim`` and of the claims it contains."""
    for attr in ("lhs", "rhs", "matrix", "value"):
        v = getattr(claim, attr, None)
        if isinstance(v, sp.Basic):
            yield v
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


def provenance(identity) -> dict[str, int | None]:
    """``derived name -> number of the step with that expression as a side`` (``None`` when none)."""
    sides = step_sides(identity)
    out = {}
    for name, expr in _resolved(identity):
        e = sp.sympify(expr)
        out[name] = next((k for k, s in sides if s == e), None)
    return out


def assert_derived_are_steps(identity) -> None:
    """Raise :class:`ProvenanceError` naming every derived expression that no step proves."""
    missing = [name for name, k in provenance(identity).items() if k is None]
    if missing:
        raise ProvenanceError(
            f"{identity.id}: derived expression(s) {', '.join(missing)} are not a side of any step of the "
            f"derivation; the numeric side may only evaluate what a step derives")
