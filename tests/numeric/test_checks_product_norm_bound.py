"""Numeric check of ``product_norm_bound`` on real runs: passes on its default runs; mutated derivations fail.

The mutants replace the identity's *derived* expression seen by the check (``Context.expression``
monkeypatched), never the derivation module: a wrong derivation must make the check fail.
"""

from __future__ import annotations

import sympy as sp

from checkkit import fails, mutate
from rnnproof.derivations.matexpr import OrderedProduct, SpectralNorm
from rnnproof.derivations.symbols import k, t

ID = "product_norm_bound"


def test_product_starting_at_k_fails(monkeypatch):
    def shift(e):
        p = e.args[0]
        return SpectralNorm(OrderedProduct(p.term, (p.var, k, p.upper)))
    mutate(monkeypatch, ID, "lhs", shift)
    bad = fails(ID, "text")
    assert any("prod J_i" in r.quantity for r in bad)


def test_transposed_factors_fail(monkeypatch):
    def transpose(e):
        p = e.args[0]
        return SpectralNorm(OrderedProduct(sp.Transpose(p.term), (p.var, p.lower, p.upper)))
    mutate(monkeypatch, ID, "lhs", transpose)
    assert any("prod J_i" in r.quantity for r in fails(ID, "exploding"))


def test_bound_with_one_power_too_few_fails(monkeypatch):
    mutate(monkeypatch, ID, "bound", lambda e: e.base ** (t - k - 1))
    assert any(r.method == "bound" for r in fails(ID, "exploding"))
