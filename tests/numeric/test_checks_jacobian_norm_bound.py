"""Numeric check of ``jacobian_norm_bound`` on real runs: passes on its default runs; mutated derivations fail.

The mutants replace the identity's *derived* expression seen by the check (``Context.expression``
monkeypatched), never the derivation module: a wrong derivation must make the check fail.
"""

from __future__ import annotations

import sympy as sp

from checkkit import fails, mutate

ID = "jacobian_norm_bound"


def test_transposed_jacobian_fails(monkeypatch):
    from rnnproof.derivations.matexpr import SpectralNorm
    mutate(monkeypatch, ID, "lhs", lambda e: SpectralNorm(sp.Transpose(e.args[0])))
    bad = fails(ID, "text")
    assert any("J_t in lhs" in r.quantity for r in bad)


def test_sigmoid_gamma_on_tanh_run_fails(monkeypatch):
    from rnnproof.derivations.matexpr import SpectralNorm
    from rnnproof.derivations.symbols import W_hh
    mutate(monkeypatch, ID, "bound", lambda e: sp.Rational(1, 4) * SpectralNorm(W_hh))
    bad = fails(ID, "text")
    assert any("gamma lambda_1" in r.quantity and r.method == "bound" for r in bad)


def test_too_small_middle_fails(monkeypatch):
    mutate(monkeypatch, ID, "middle", lambda e: e / 2)
    assert any(r.method == "bound" for r in fails(ID, "adding"))
