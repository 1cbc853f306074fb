"""Numeric check of ``orthogonal_initialisation`` on real runs: passes on its default runs; mutated derivations fail.

The mutants replace the identity's *derived* expression seen by the check (``Context.expression``
monkeypatched), never the derivation module.
"""

from __future__ import annotations

import sympy as sp

from checkkit import default_results, fails, mutate
from rnnproof.derivations.mutations import MUTATIONS
from rnnproof.derivations.matexpr import OrderedProduct, SpectralNorm
from rnnproof.derivations.symbols import k

ID = "orthogonal_initialisation"


def test_passes_on_every_checkpoint_of_both_runs():
    for run in ("adding_orth", "text_orth"):
        for cp in ("initial", "middle", "final"):
            res = default_results(ID, run, cp)
            assert res and all(r.passed for r in res), [r.quantity for r in res if not r.passed]


def test_norm_preserved_at_every_length_on_the_initial_checkpoint():
    res = default_results(ID, "adding_orth", "initial")
    assert any("for every t = 1..40" in r.quantity and r.passed for r in res)


def _product(fn):
    return lambda e: SpectralNorm(fn(e.args[0]))


def test_transposed_linear_product_fails(monkeypatch):
    mutate(monkeypatch, ID, "linear_norm", _product(lambda p: OrderedProduct(sp.Transpose(p.term), (p.var, p.lower, p.upper))))
    assert any("linear RNN" in r.quantity for r in fails(ID, "adding_orth", "initial"))


def test_linear_product_with_one_factor_too_many_fails(monkeypatch):
    mutate(monkeypatch, ID, "linear_norm", _product(lambda p: OrderedProduct(p.term, (p.var, k, p.upper))))
    assert any("linear RNN" in r.quantity for r in fails(ID, "text_orth", "initial"))


def test_transposed_jacobian_factors_fail(monkeypatch):
    mutate(monkeypatch, ID, "lhs", _product(lambda p: OrderedProduct(sp.Transpose(p.term), (p.var, p.lower, p.upper))))
    assert any("prod J_i" in r.quantity for r in fails(ID, "text_orth", "final"))


def test_diag_product_with_the_sigmoid_derivative_fails(monkeypatch):
    # lag 1 is exact for orthogonal W (||diag(v) W|| = ||diag(v)||): sigma' <= 1/4 in place of tanh' fails there
    mutate(monkeypatch, ID, "diag_product", lambda e: MUTATIONS["swap the activation derivative"](e))
    assert any("orthogonal W" in r.quantity for r in fails(ID, "adding_orth", "initial"))


def test_passes_at_a_realistic_size():
    # n = 64, T = 120, W_hh orthogonal (QR), inputs of the text run's scale
    import numpy as np
    from rnnproof.numeric import datasets, engine
    from rnnproof.numeric.checks import check_module
    from rnnproof.numeric.checks.base import Context
    from rnnproof.numeric.runs import Checkpoint, Run
    rng = np.random.default_rng(64)
    n, d, T = 64, 8, 120
    p = engine.ElmanParams(datasets.orthogonal(n, rng), rng.normal(0, 0.3, (n, d)), np.zeros(n),
                           rng.normal(0, 0.1, (1, n)), np.zeros(1), "tanh")
    cp = Checkpoint("initial", 0, p, rng.normal(0, 1, (T, d)), rng.normal(0, 1, (T, 1)), np.zeros(n), "squared")
    run = Run("size64", "synthetic n=64 T=120", {}, 64, (cp,), {})
    res = check_module(ID).check(Context(ID, run, cp, 0))
    assert res and all(r.passed for r in res), [r.quantity for r in res if not r.passed]


def test_irnn_jacobian_halved_fails(monkeypatch):
    mutate(monkeypatch, ID, "irnn_jacobian", lambda e: sp.MatMul(sp.Rational(1, 2), e))
    assert any("IRNN" in r.quantity for r in fails(ID, "adding_orth", "initial"))
