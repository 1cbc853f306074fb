"""Numeric check of ``loss_gradient_bound`` on real runs: passes on its default runs; mutated derivations fail.

The mutants replace the identity's *derived* expression seen by the check (``Context.expression``
monkeypatched), never the derivation module: a wrong derivation must make the check fail.
"""

from __future__ import annotations

import sympy as sp

from checkkit import fails, mutate

ID = "loss_gradient_bound"


def test_transposed_jacobians_fail(monkeypatch):
    from rnnproof.derivations.matexpr import OrderedProduct, SpectralNorm

    def transpose(e):
        row, p = e.args[0].args
        return SpectralNorm(row * OrderedProduct(sp.Transpose(p.term), (p.var, p.lower, p.upper)))
    mutate(monkeypatch, ID, "lhs", transpose)
    assert any("dl_i/dh_j row" in r.quantity for r in fails(ID, "adding"))


def test_dropped_latest_factor_fails(monkeypatch):
    from rnnproof.derivations.matexpr import OrderedProduct, SpectralNorm

    def drop(e):
        row, p = e.args[0].args
        return SpectralNorm(row * OrderedProduct(p.term, (p.var, p.lower, p.upper - 1)))
    mutate(monkeypatch, ID, "lhs", drop)
    assert any("dl_i/dh_j row" in r.quantity for r in fails(ID, "text"))
