"""Numeric check of ``gradient_clipping`` on real runs: passes on its default runs; mutated derivations fail.

The mutants replace the identity's *derived* expression seen by the check (``Context.expression``
monkeypatched), never the derivation module: a wrong derivation must make the check fail.
"""

from __future__ import annotations

import sympy as sp

from checkkit import default_results, fails, mutate

ID = "gradient_clipping"


def test_scaling_without_min_fails(monkeypatch):
    mutate(monkeypatch, ID, "clipped", lambda e: e.replace(sp.Min, lambda *a: a[1]))
    bad = fails(ID, "adding")
    assert any("min(||g||, tau)" in r.quantity for r in bad)


def test_max_in_place_of_min_fails(monkeypatch):
    mutate(monkeypatch, ID, "clipped", lambda e: e.replace(sp.Min, sp.Max))
    bad = fails(ID, "text")
    assert any("<= tau" in r.quantity for r in bad)


def test_initial_gradient_is_the_training_gradient():
    results = default_results(ID, "text", "initial")
    assert any("recorded training gradient norm" in r.quantity and r.passed for r in results)
    assert any(r.quantity.startswith("history") for r in results)
