"""The registry is the single list everything loops over; every identity is well formed."""

from __future__ import annotations

import functools

import pytest

from rnnproof.derivations import Verdict, provenance, registry
from rnnproof.derivations.errors import UnknownIdentityError
from rnnproof.derivations.model import Identity, StepResult

IDS = registry.all_ids()


@functools.lru_cache(maxsize=None)
def _derived(identity_id):
    """One derive per identity for the tests of this module (seed 0)."""
    return registry.get(identity_id).derive(seed=0)


def test_seventeen_identities_of_sections_a_to_f():
    assert len(IDS) == len(set(IDS))
    assert {registry.get(i).section for i in IDS} <= set("ABCDEFGH")
    assert len([i for i in IDS if registry.get(i).section in "ABCDEF"]) == 17


@pytest.mark.parametrize("identity_id", IDS)
def test_identity_is_well_formed(identity_id):
    ident = registry.get(identity_id)
    assert isinstance(ident, Identity)
    assert ident.id == identity_id
    assert ident.title and ident.summary and ident.sources
    assert ident.steps, f"{identity_id}: a derivation needs at least one step"
    for step in ident.steps:
        assert step.justification.strip(), f"{identity_id}: every step needs a justification"
        assert hasattr(step.claim, "check")


@pytest.mark.parametrize("identity_id", IDS)
def test_every_step_gets_a_verdict_and_none_is_refuted(identity_id):
    ident = registry.get(identity_id)
    result = _derived(identity_id)
    assert len(result.results) == len(ident.steps)
    for k, r in enumerate(result.results, 1):
        assert isinstance(r, StepResult) and isinstance(r.verdict, Verdict)
        assert r.verdict is not Verdict.REFUTED, (
            f"{identity_id}: step {k} ({ident.steps[k - 1].justification}) refuted: {r.detail} {r.counterexample}")


def test_unknown_id_names_the_closest():
    with pytest.raises(UnknownIdentityError, match="tanh_jacobian"):
        registry.get("tanh_jacobain")


# -- derived = proved -------------------------------------------------------------------------------
@pytest.mark.parametrize("identity_id", IDS)
def test_derived_expressions_are_step_sides_except_the_listed_gaps(identity_id):
    # the gap list is exact: a derived expression that becomes a step side must leave the list
    ident = registry.get(identity_id)
    assert set(provenance.missing(ident)) == set(provenance.GAPS.get(identity_id, ()))


def test_registry_refuses_a_derived_expression_that_no_step_derives():
    import dataclasses
    import sympy as sp
    ident = registry.get("tanh_jacobian")
    wrong = dataclasses.replace(ident, derived={**ident.derived, "J": 2 * ident.derived["J"]})
    with pytest.raises(provenance.ProvenanceError, match="tanh_jacobian: derived expression.*J"):
        provenance.assert_derived_are_steps(wrong)
    assert isinstance(ident.derived["J"], sp.MatrixExpr)
    provenance.assert_derived_are_steps(ident)  # the catalogue's own identity passes


@pytest.mark.parametrize("identity_id", IDS)
def test_every_confirmed_step_says_why_it_is_not_proved(identity_id):
    # a step is numerically confirmed only with a reason that names what could not be decided
    generic = ("not decided at symbolic size", "a general proof is not attempted by SymPy")  # the claims' defaults
    for r in _derived(identity_id).results:
        if r.verdict is Verdict.CONFIRMED:
            reason = r.detail.rstrip("]").strip()  # a conjunction ends with its unproved part's reason in brackets
            assert reason and not reason.endswith(generic), f"{identity_id}: {r.method}: {r.detail}"


@pytest.mark.parametrize("identity_id", IDS)
def test_a_lemma_step_names_its_lemma_and_what_it_rests_on(identity_id):
    from rnnproof.derivations.lemmas import LEMMAS
    for r in _derived(identity_id).results:
        if r.verdict is Verdict.BY_LEMMA:
            assert r.lemma in LEMMAS and LEMMAS[r.lemma].reference in r.rests_on and "scope" in r.rests_on
