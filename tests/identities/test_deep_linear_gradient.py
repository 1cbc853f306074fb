"""deep_linear_gradient: the derived gradient matches finite differences; the transposed form is refuted."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from rnnproof.derivations import Verdict, registry
from rnnproof.derivations.catalogue import deep_linear_gradient as dl
from rnnproof.derivations.claims import Rel
from rnnproof.derivations.evaluate import evaluate
from rnnproof.derivations.matrixclaims import MatrixEq
from rnnproof.derivations.symbols import m, n

ID = "deep_linear_gradient"
P, C = Verdict.PROVED, Verdict.CONFIRMED


def test_no_refuted_step_and_expected_grading():
    res = registry.get(ID).derive(seed=0)
    assert [r.verdict for r in res.results] == [C, P, P, C, C, P, P, P, P], res.results


def _loss(Ws, x, y):
    out = x
    for q in sorted(Ws):
        out = Ws[q] @ out
    return 0.5 * float(np.sum((out - y) ** 2))


@pytest.mark.parametrize("depth, layer", [(2, 1), (3, 1), (3, 2), (4, 3), (4, 4)])
def test_derived_gradient_matches_central_differences(depth, layer):
    rng = np.random.default_rng(10 * depth + layer)
    size, out = 3, 2
    Ws = {q: rng.normal(size=(size, size)) for q in range(1, depth)}
    Ws[depth] = rng.normal(size=(out, size))
    x, y = rng.normal(size=(size, 1)), rng.normal(size=(out, 1))
    expr = registry.get(ID).expression("dL_dW_L" if layer == depth else "dL_dW_l")
    got = evaluate(expr, {"W": Ws, "x": x, "y": y}, {dl.L: depth, dl.l: layer, m: out})
    fd, h = np.zeros_like(Ws[layer]), 1e-6
    for idx in np.ndindex(*Ws[layer].shape):
        plus = {q: w.copy() for q, w in Ws.items()}
        minus = {q: w.copy() for q, w in Ws.items()}
        plus[layer][idx] += h
        minus[layer][idx] -= h
        fd[idx] = (_loss(plus, x, y) - _loss(minus, x, y)) / (2 * h)
    assert got.shape == Ws[layer].shape
    np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-8)


def test_transposed_gradient_is_refuted():
    wrong = (dl._prod(1, dl.l - 1) * dl.x_in) * (dl.y_hat - dl.y_target).T * (dl.last_layer() * dl._prod(dl.l + 1, dl.L - 1))
    claim = MatrixEq(dl.LossGradient(dl.layer(dl.l)), wrong, size=n, explicit=dl._explicit_gradient(wrong),
                     instances=({dl.L: 3, dl.l: 1},), sizes=(2,))
    assert claim.check(np.random.default_rng(0)).verdict is Verdict.REFUTED


def test_diagonal_case_at_depth_six_and_a_wrong_variant():
    lhs, rhs = dl.diagonal_case(6)
    assert Rel(lhs, "=", rhs).check(np.random.default_rng(0)).verdict is Verdict.PROVED
    w11_1 = sp.Symbol("w11_1")
    assert Rel(lhs, "=", rhs * w11_1).check(np.random.default_rng(0)).verdict is Verdict.REFUTED
