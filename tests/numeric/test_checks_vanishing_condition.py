"""Numeric check of ``vanishing_condition`` on real runs: passes on its default runs; mutated derivations fail.

The mutants replace the identity's *derived* expression seen by the check (``Context.expression``
monkeypatched), never the derivation module: a wrong derivation must make the check fail.
"""

from __future__ import annotations

from checkkit import default_results, fails, mutate

ID = "vanishing_condition"


def test_quartered_gamma_misses_growth(monkeypatch):
    mutate(monkeypatch, ID, "eta", lambda e: e / 4)
    bad = fails(ID, "exploding")
    assert any("eta" in r.quantity for r in bad)


def test_quartered_gamma_breaks_sufficiency(monkeypatch):
    mutate(monkeypatch, ID, "eta", lambda e: e / 4)
    bad = fails(ID, "vanishing")
    assert any("eta^(t-k)" in r.quantity for r in bad)


def test_saturated_run_is_the_witness():
    results = default_results(ID, "saturated")
    assert any(r.quantity.startswith("witness") and r.passed for r in results)
    assert any("eta = gamma lambda_1 > 1" in r.quantity and r.passed for r in results)
