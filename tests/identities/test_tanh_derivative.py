"""tanh_derivative: tanh' = 1 - tanh^2, 0 < tanh' <= 1 by calculus, tanh(x) = 2 sigma(2x) - 1."""

from __future__ import annotations

import numpy as np
import sympy as sp

from rnnproof.derivations import Verdict, registry
from rnnproof.derivations.claims import CriticalPoints, LimitIs, Rel
from rnnproof.derivations.functions import GAMMA, sigmoid, unfold
from rnnproof.derivations.symbols import x_scalar as x

ID = "tanh_derivative"


def test_every_step_is_proved_none_by_sampling():
    ident = registry.get(ID)
    result = ident.derive(seed=0)
    assert result.verdict is Verdict.PROVED
    assert result.count(Verdict.PROVED) == len(ident.steps)
    assert all(r.points == 0 for r in result.results)
    kinds = [type(s.claim) for s in ident.steps]
    assert CriticalPoints in kinds and kinds.count(LimitIs) == 2


def test_derived_contract():
    ident = registry.get(ID)
    assert ident.expression("gamma") == 1 == GAMMA["tanh"]
    assert sp.simplify(ident.expression("tanh_prime") - sp.diff(sp.tanh(x), x)) == 0
    via = ident.expression("tanh_via_sigmoid")
    assert via.has(sigmoid)
    assert sp.simplify(unfold(via).rewrite(sp.exp) - sp.tanh(x).rewrite(sp.exp)) == 0
    dvia = ident.expression("tanh_prime_via_sigmoid")
    for v in (-3, 0, sp.Rational(1, 2), 7):
        assert abs(sp.N(unfold(dvia).subs(x, v) - (1 - sp.tanh(v) ** 2), 40)) < 1e-35
    assert sp.simplify(unfold(dvia - 4 * sigmoid(2 * x) * (1 - sigmoid(2 * x)))) == 0


def test_wrong_variants_are_refuted():
    rng = np.random.default_rng(0)
    assert Rel(sp.Derivative(sp.tanh(x), x), "=", 1 + sp.tanh(x) ** 2).check(rng).verdict is Verdict.REFUTED
    assert Rel(sp.tanh(x), "=", 2 * sigmoid(x) - 1).check(rng).verdict is Verdict.REFUTED  # 2x, not x
    assert Rel(1 - sp.tanh(x) ** 2, "=", 2 * sigmoid(2 * x) * (1 - sigmoid(2 * x))).check(rng).verdict is Verdict.REFUTED
    r = Rel(1 - sp.tanh(x) ** 2, "<", 1, variable=x).check(rng)
    assert r.verdict is Verdict.REFUTED and r.counterexample["x"] == "0"
