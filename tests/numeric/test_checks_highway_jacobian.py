"""Numeric check of ``highway_jacobian`` on the highway runs: it passes, and mutants of the derivation fail it."""

import pytest

from checkkit import default_results, fails, mutate, shift
from rnnproof.derivations.catalogue import highway_jacobian as H
from rnnproof.derivations.mutations import mutate as mutant
from rnnproof.numeric import remedies_runs
from rnnproof.numeric.checks import default_runs

ID = "highway_jacobian"


def test_default_runs_are_highway_runs_on_both_tasks():
    runs = default_runs(ID)
    assert all(remedies_runs.is_remedy(r) for r in runs) and {"adding_highway", "text_highway"} <= set(runs)


@pytest.mark.parametrize("run", ["adding_highway", "text_highway"])
def test_passes(run):
    res = default_results(ID, run)
    assert res and all(r.passed for r in res), [r for r in res if not r.passed]


def _mutants():
    """(name, mutation) for every derived Jacobian and every mutation that changes it."""
    from rnnproof.derivations import registry
    ident = registry.get(ID)
    return [(name, how) for name in ("J", "carry", "gate", "candidate")
            for how in ("transpose", "drop a term", "swap the activation derivative")
            if mutant(ident.expression(name), how) is not None]


@pytest.mark.parametrize("name, how", _mutants())
def test_mutants_of_the_derived_jacobians_fail(monkeypatch, name, how):
    mutate(monkeypatch, ID, name, lambda e: mutant(e, how))
    assert fails(ID, "adding_highway")


def test_dropping_the_gate_term_fails(monkeypatch):
    mutate(monkeypatch, ID, "J", lambda e: H.jacobian(gate_term=False))
    bad = fails(ID, "text_highway")
    assert bad and all("dh_t/dh_(t-1)" in r.quantity or "prod" in r.quantity for r in bad)


@pytest.mark.parametrize("name", ["J", "carry", "gate", "candidate"])
def test_wrong_time_index_fails(monkeypatch, name):
    mutate(monkeypatch, ID, name, shift("t", -1))
    assert fails(ID, "adding_highway")


def test_a_halved_carry_bound_fails(monkeypatch):
    mutate(monkeypatch, ID, "carried_bound", lambda e: e / 2)
    bad = fails(ID, "text_highway")
    assert bad and all(r.method == "bound" for r in bad)
