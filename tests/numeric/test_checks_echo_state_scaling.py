"""Numeric check of ``echo_state_scaling`` on real runs: passes on its default runs; mutated derivations fail.

The mutants replace the identity's *derived* expression seen by the check (``Context.expression``
monkeypatched), never the derivation module.
"""

from __future__ import annotations

import sympy as sp

from checkkit import default_results, fails, mutate, shift
from rnnproof.derivations.catalogue.spectral_radius_is_not_enough import SpectralRadius
from rnnproof.derivations.matexpr import SpectralNorm

ID = "echo_state_scaling"


def test_passes_on_every_checkpoint_of_the_default_runs():
    for run in ("adding_echo", "text_echo", "spectral_witness"):
        for cp in ("initial", "middle", "final"):
            res = default_results(ID, run, cp)
            assert res and all(r.passed for r in res), [r.quantity for r in res if not r.passed]


def test_witness_runs_move_apart_then_converge():
    res = default_results(ID, "spectral_witness", "initial")
    apart = next(r for r in res if "move apart" in r.quantity)
    assert apart.passed and 3.0 < apart.slack < 3.1


def test_transposed_preactivation_difference_fails(monkeypatch):
    mutate(monkeypatch, ID, "preact_diff", lambda e: sp.Transpose(e.args[0]) * e.args[1])
    assert any("z_t - z'_t" in r.quantity for r in fails(ID, "adding_echo", "final"))


def test_shifted_preactivation_difference_fails(monkeypatch):
    mutate(monkeypatch, ID, "preact_diff", shift("t", 1))
    assert any("z_t - z'_t" in r.quantity for r in fails(ID, "text_echo", "initial"))


def test_halved_power_bound_fails(monkeypatch):
    mutate(monkeypatch, ID, "bound", lambda e: e / 2)
    assert any("||W_hh||^t" in r.quantity for r in fails(ID, "spectral_witness", "initial"))


def test_halved_lipschitz_side_fails(monkeypatch):
    mutate(monkeypatch, ID, "lipschitz_rhs", lambda e: e / 2)
    assert any("Lipschitz" in r.quantity for r in fails(ID, "adding_echo", "initial"))


def test_norm_in_place_of_radius_is_no_witness(monkeypatch):
    mutate(monkeypatch, ID, "radius_bound", lambda e: e.replace(SpectralRadius, SpectralNorm))
    assert any("radius bound" in r.quantity for r in fails(ID, "spectral_witness", "initial"))


def test_passes_at_a_realistic_size():
    # n = 64, T = 120, ||W_hh|| = 0.9, inputs of the text run's scale
    import numpy as np
    from rnnproof.numeric import engine
    from rnnproof.numeric.checks import check_module
    from rnnproof.numeric.checks.base import Context
    from rnnproof.numeric.runs import Checkpoint, Run
    rng = np.random.default_rng(64)
    n, d, T = 64, 8, 120
    G = rng.normal(0, 1 / np.sqrt(n), (n, n))
    p = engine.ElmanParams(0.9 * G / np.linalg.norm(G, 2), rng.normal(0, 1, (n, d)), np.zeros(n),
                           rng.normal(0, 0.1, (1, n)), np.zeros(1), "tanh")
    cp = Checkpoint("initial", 0, p, rng.normal(0, 1, (T, d)), rng.normal(0, 1, (T, 1)), np.zeros(n), "squared")
    run = Run("size64", "synthetic n=64 T=120", {}, 64, (cp,), {})
    res = check_module(ID).check(Context(ID, run, cp, 0))
    assert res and all(r.passed for r in res), [r.quantity for r in res if not r.passed]


def test_a_slightly_wrong_difference_fails_at_a_realistic_size(monkeypatch):
    """Detection power at n = 64, T = 120: the derived pre-activation difference W(h - h') off by a
    relative 1e-7 fails its check."""
    import numpy as np
    from rnnproof.numeric import engine
    from rnnproof.numeric.checks import check_module
    from rnnproof.numeric.checks.base import Context
    from rnnproof.numeric.runs import Checkpoint, Run
    rng = np.random.default_rng(64)
    n, d, T = 64, 8, 120
    G = rng.normal(0, 1 / np.sqrt(n), (n, n))
    p = engine.ElmanParams(0.9 * G / np.linalg.norm(G, 2), rng.normal(0, 1, (n, d)), np.zeros(n),
                           rng.normal(0, 0.1, (1, n)), np.zeros(1), "tanh")
    cp = Checkpoint("initial", 0, p, rng.normal(0, 1, (T, d)), rng.normal(0, 1, (T, 1)), np.zeros(n), "squared")
    run = Run("size64", "synthetic n=64 T=120", {}, 64, (cp,), {})
    mutate(monkeypatch, ID, "preact_diff", lambda e: e * (1 + sp.Float("1e-7")))
    res = check_module(ID).check(Context(ID, run, cp, 0))
    assert any(not r.passed and r.quantity.startswith("W_hh (h_(t-1)") for r in res), [r.quantity for r in res]
