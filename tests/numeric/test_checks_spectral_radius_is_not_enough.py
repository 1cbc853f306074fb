"""Numeric check of ``spectral_radius_is_not_enough`` on real runs: passes on its default runs; mutated derivations fail.

The mutants replace the identity's *derived* expression seen by the check (``Context.expression``
monkeypatched), never the derivation module: a wrong derivation must make the check fail.
"""

from __future__ import annotations

from checkkit import default_results, fails, mutate
from rnnproof.derivations.catalogue.spectral_radius_is_not_enough import SpectralRadius
from rnnproof.derivations.matexpr import OrderedProduct, SpectralNorm

ID = "spectral_radius_is_not_enough"


def test_single_factor_fails(monkeypatch):
    def one(e):
        p = e.args[0]
        return SpectralNorm(OrderedProduct(p.term, (p.var, p.upper, p.upper)))
    mutate(monkeypatch, ID, "lhs", one)
    assert any("dh_t/dh_(t-2)" in r.quantity for r in fails(ID, "spectral_witness", "initial"))


def test_singular_value_in_place_of_radius_is_no_witness(monkeypatch):
    mutate(monkeypatch, ID, "radius_bound", lambda e: e.replace(SpectralRadius, SpectralNorm))
    bad = fails(ID, "spectral_witness")
    assert any("radius" in r.quantity for r in bad)


def test_exact_witness_matrix_is_evaluated():
    results = default_results(ID, "spectral_witness", "initial")
    w = [r for r in results if r.quantity.startswith("witness W")]
    assert len(w) == 2 and all(r.passed for r in w)
