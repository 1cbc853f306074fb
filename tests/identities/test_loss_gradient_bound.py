"""loss_gradient_bound: ||dl_i/dh_j|| <= ||dl_i/dh_i|| (gamma lambda_1)^(i-j); a bound with gamma/4 is refuted."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from rnnproof.derivations import Verdict, registry
from rnnproof.derivations.catalogue import loss_gradient_bound as lgb
from rnnproof.derivations.catalogue.product_norm_bound import explicit_pair
from rnnproof.derivations.evaluate import evaluate
from rnnproof.derivations.matexpr import SpectralNorm
from rnnproof.derivations.matrixclaims import MatrixRel
from rnnproof.derivations.symbols import W_hh, i, j, n

ID = "loss_gradient_bound"
P, C = Verdict.PROVED, Verdict.CONFIRMED


def test_no_refuted_step_and_expected_grading():
    res = registry.get(ID).derive(seed=0)
    assert [r.verdict for r in res.results] == [C, C, P, P, C, C], res.results


def test_a_bound_with_gamma_over_four_is_refuted():
    wrong = SpectralNorm(lgb.dl_dh(i)) * (sp.Rational(1, 4) * SpectralNorm(W_hh)) ** (i - j)
    claim = MatrixRel(lgb.lhs("tanh"), "<=", wrong, size=n, instances=({i: 3, j: 1},), trials=2, sizes=(1, 2),
                      explicit=explicit_pair(lgb.lhs("tanh"), wrong, {"z": (-0.01, 0.01)}))
    assert claim.check(np.random.default_rng(0)).verdict is Verdict.REFUTED


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
@pytest.mark.parametrize("seed", [0, 1])
def test_derived_bound_holds_numerically(name, seed):
    rng = np.random.default_rng(seed)
    W = rng.normal(scale=1.5, size=(3, 3))
    env = {"W_hh": W, "z": {q: rng.normal(size=(3, 1)) for q in range(8)}, "dl_dh": {6: rng.normal(size=(1, 3))}}
    bind = {i: 6, j: 2}
    ident = registry.get(ID)
    lhs = float(evaluate(ident.expression("lhs", name), env, bind))
    bound = float(evaluate(ident.expression("bound", name), env, bind))
    assert 0 < lhs <= bound * (1 + 1e-12)
