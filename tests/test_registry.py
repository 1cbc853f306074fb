"""The registry is the single list everything loops over; every identity is well formed."""

from __future__ import annotations

import pytest

from rnnproof.derivations import Verdict, registry
from rnnproof.derivations.errors import UnknownIdentityError
from rnnproof.derivations.model import Identity, StepResult

IDS = registry.all_ids()


def test_seventeen_identities_of_sections_a_to_f():
    assert len(IDS) == len(set(IDS))
    assert {registry.get(i).section for i in IDS} <= set("ABCDEFG")
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
    result = ident.derive(seed=0)
    assert len(result.results) == len(ident.steps)
    for k, r in enumerate(result.results, 1):
        assert isinstance(r, StepResult) and isinstance(r.verdict, Verdict)
        assert r.verdict is not Verdict.REFUTED, (
            f"{identity_id}: step {k} ({ident.steps[k - 1].justification}) refuted: {r.detail} {r.counterexample}")


def test_unknown_id_names_the_closest():
    with pytest.raises(UnknownIdentityError, match="tanh_jacobian"):
        registry.get("tanh_jacobain")
