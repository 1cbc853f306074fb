"""The structural claims of derivations.stackproof prove only what they check: each side condition matters."""

from __future__ import annotations

import dataclasses

import numpy as np
import sympy as sp

from rnnproof.derivations import Verdict, registry
from rnnproof.derivations.catalogue import bidirectional_gradient as B
from rnnproof.derivations.catalogue import stacked_rnn_jacobian as S
from rnnproof.derivations.matexpr import TimeSum
from rnnproof.derivations.model import StepResult
from rnnproof.derivations.stackproof import ShiftPeel, SumPeel, Substitution


class _Agrees:
    """A stand-in cross-check that always agrees (so the verdict rests on the structural part alone)."""

    def __init__(self, *_):
        pass

    def check(self, rng):
        return StepResult(Verdict.CONFIRMED, "stub", "agrees")


def _rng():
    return np.random.default_rng(0)


def test_sum_peel_proves_the_induction_move_and_nothing_else():
    peel = registry.get("stacked_rnn_jacobian").steps[2].claim.step.parts[1]
    ok = dataclasses.replace(peel, explicit=_Agrees)
    assert ok.check(_rng()).verdict is Verdict.PROVED
    # the sum one term shorter on the right: the structure no longer matches
    short = TimeSum(ok.rhs.term, (ok.rhs.var, ok.rhs.lower + 1, ok.rhs.upper))
    assert dataclasses.replace(ok, rhs=short).check(_rng()).verdict is Verdict.CONFIRMED
    # a sum not decided non-empty: its last term cannot be split off
    g = sp.Symbol("g", integer=True)  # no sign assumption
    assert dataclasses.replace(ok, rhs=ok.rhs.xreplace({S.GAP: g}), lhs=ok.lhs.xreplace({S.GAP: g})).check(
        _rng()).verdict is Verdict.CONFIRMED


def test_substitution_is_as_proved_as_the_cited_claim():
    sub = registry.get("stacked_rnn_jacobian").steps[3].claim
    ok = dataclasses.replace(sub, explicit=_Agrees)
    assert ok.check(_rng()).verdict is Verdict.PROVED
    assert dataclasses.replace(ok, cited=dataclasses.replace(sub.cited, base=_Agrees())).check(_rng()).verdict \
        is Verdict.CONFIRMED
    # a sum starting at k + 1: the state Jacobians are not the cited statement at gap s - lower
    shifted = TimeSum(ok.lhs.term, (ok.lhs.var, ok.lhs.lower + 1, ok.lhs.upper))
    assert dataclasses.replace(ok, lhs=shifted).check(_rng()).verdict is Verdict.CONFIRMED


def test_shift_peel_needs_a_decided_non_empty_product():
    peel = registry.get("bidirectional_gradient").steps[3].claim.step.parts[1]
    ok = dataclasses.replace(peel, explicit=_Agrees)
    assert ok.check(_rng()).verdict is Verdict.PROVED
    g = sp.Symbol("g", integer=True)
    assert dataclasses.replace(ok, nonempty=g).check(_rng()).verdict is Verdict.CONFIRMED
    # the forward (latest-left) order on the right is not the index-shifted product
    wrong = B.OrderedProduct(B.A_back(B.j), (B.j, ok.rhs.lower, ok.rhs.upper))
    assert dataclasses.replace(ok, rhs=wrong).check(_rng()).verdict is Verdict.CONFIRMED


def test_the_three_are_types_of_this_module():
    assert all(isinstance(c, cls) for c, cls in (
        (registry.get("stacked_rnn_jacobian").steps[2].claim.step.parts[1], SumPeel),
        (registry.get("stacked_rnn_jacobian").steps[3].claim, Substitution),
        (registry.get("bidirectional_gradient").steps[3].claim.step.parts[1], ShiftPeel)))
