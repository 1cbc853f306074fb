"""gradient_clipping: the case split is proved; an inverted clipping factor is refuted."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from rnnproof.derivations import Verdict, registry
from rnnproof.derivations.catalogue import gradient_clipping as gc
from rnnproof.derivations.matexpr import SpectralNorm

ID = "gradient_clipping"


def test_no_refuted_step_and_expected_grading():
    res = registry.get(ID).derive(seed=0)
    C, P = Verdict.CONFIRMED, Verdict.PROVED
    assert [r.verdict for r in res.results] == [C] + [P] * 9 + [C] * 2, res.results
    # every confirmed step says why it is not proved
    assert all("above" in r.detail or "definition" in r.detail for r in res.results if r.verdict is C)


def test_case_steps_are_the_derived_factor():
    # the case steps print (and check) the derived factor itself, not a retyped tau/||g||
    steps = registry.get(ID).steps
    assert sum(1 for s in steps if getattr(s.claim, "lhs", None) == gc.factor) >= 3


def test_derived_expression_names_g_and_tau():
    expr = registry.get(ID).expression("clipped")
    assert expr.shape == (gc.P, 1)
    assert {gc.g, gc.tau} <= expr.atoms(sp.MatrixSymbol) | expr.free_symbols
    assert gc.tau.is_positive


def test_inverted_factor_is_refuted():
    wrong = sp.Min(1, SpectralNorm(gc.g) / gc.tau) * gc.g
    assert gc.norm_claim(wrong, trials=4).check(np.random.default_rng(0)).verdict is Verdict.REFUTED
    case = registry.get(ID).steps[4].claim  # c = tau/||g|| when ||g|| > tau
    assert gc.ForAll(sp.Min(1, SpectralNorm(gc.g) / gc.tau), "=", case.rhs, case.atoms).check(
        np.random.default_rng(0)).verdict is Verdict.REFUTED


@pytest.mark.parametrize("entries, tau", [([3, 4], 1), ([3, 4], 5), ([3, 4], 10), ([1, -2, 2], sp.Rational(1, 3))])
def test_clipped_norm_direction_exactly(entries, tau):
    G = sp.Matrix(entries)
    ghat = sp.Matrix(gc.substitute(gc.clipped, G, tau))
    norm = sp.sqrt((G.T * G)[0, 0])
    assert sp.simplify(sp.sqrt((ghat.T * ghat)[0, 0]) - sp.Min(norm, tau)) == 0
    c = sp.simplify(ghat[0] / G[0])
    assert c > 0 and sp.simplify(ghat - c * G) == sp.zeros(*G.shape)
