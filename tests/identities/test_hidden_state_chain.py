"""hidden_state_chain: dh_t/dh_k = J_t ... J_{k+1} by induction; the classic wrong products refuted."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from rnnproof.derivations import Verdict, registry
from rnnproof.derivations.catalogue import hidden_state_chain as H
from rnnproof.derivations.claims import Induction
from rnnproof.derivations.evaluate import evaluate
from rnnproof.derivations.explicit import ExplicitElman
from rnnproof.derivations.matexpr import OrderedProduct, StateJacobian, diag, ones, square
from rnnproof.derivations.matrixclaims import MatrixEq, _entrywise_zero
from rnnproof.derivations.symbols import W_hh, h, i, k, n, t

ID = "hidden_state_chain"
LHS = StateJacobian(h(t), h(k))


@pytest.fixture(scope="module")
def result():
    return registry.get(ID).derive(seed=0)


def _check(rhs, instances, *, name="tanh", seed=0):
    claim = MatrixEq(LHS, rhs, size=n, instances=instances, explicit=H.network_check(LHS, rhs, activation_name=name))
    return claim.check(np.random.default_rng(seed))


def test_grading(result):
    ident = registry.get(ID)
    assert result.ok
    verdicts = [r.verdict for r in result.results]
    # two inductions, the tanh factor and the non-commuting witness are proved; the closed forms
    # are the inductions' statements at s = t - k (their network checks are the screen), and the
    # general form at tanh is step 3 replaced inside the product
    assert verdicts == [Verdict.PROVED] * 7
    for r in result.results[4:6]:
        assert r.method.startswith("instance of the proved statement at s = -k + t (t >= k)")
    assert result.results[6].method.startswith("equals replaced by equals")
    assert isinstance(ident.steps[0].claim, Induction) and isinstance(ident.steps[1].claim, Induction)
    for r in result.results[:2]:
        assert "base: proved" in r.detail and "step: proved" in r.detail


def test_inductive_step_parts_are_each_proved_and_cross_checked():
    step = registry.get(ID).steps[0].claim.step
    chain_rule, peel = step.parts
    r1, r2 = chain_rule.check(np.random.default_rng(0)), peel.check(np.random.default_rng(0))
    assert r1.verdict is Verdict.PROVED and "symbolic n" in r1.method and r1.explicit_sizes == (1, 2, 3, 4)
    assert r2.verdict is Verdict.PROVED and "structurally" in r2.method and r2.explicit_sizes == (1, 2, 3, 4)


def test_derived_contract():
    ident = registry.get(ID)
    for name in ("tanh", "sigmoid"):
        e = ident.expression("dh_t_dh_k", activation=name)
        assert isinstance(e, OrderedProduct) and e.var == i and e.lower == k + 1 and e.upper == t
        assert e.has(sp.MatrixSymbol("W_hh", n, n))
    tanh_form = ident.expression("dh_t_dh_k_tanh")
    assert tanh_form == OrderedProduct(diag(ones(n) - square(h(i))) * W_hh, (i, k + 1, t))


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
def test_every_pair_up_to_five_matches_the_exact_jacobian(name):
    rhs = registry.get(ID).expression("dh_t_dh_k", activation=name)
    pairs = H.ALL_PAIRS if name == "tanh" else H.ALL_PAIRS[::3]
    r = _check(rhs, pairs, name=name, seed=3)
    assert r.verdict is Verdict.CONFIRMED, r.counterexample


def test_empty_product_is_the_identity():
    net = ExplicitElman(n=3, d=2, T=3, rng=np.random.default_rng(0))
    got = evaluate(registry.get(ID).expression("dh_t_dh_k_tanh"), net.env(), {t: 2, k: 2}, backend="sympy")
    assert got == sp.eye(3)


def test_product_starting_at_k_is_refuted():
    wrong = OrderedProduct(diag(ones(n) - square(h(i))) * W_hh, (i, k, t))
    r = _check(wrong, ({t: 3, k: 1}, {t: 4, k: 2}))
    assert r.verdict is Verdict.REFUTED and r.counterexample and "entry" in r.counterexample


def test_reversed_order_is_refuted_because_factors_do_not_commute():
    # earliest factor on the left: J_{k+1} ... J_t, as the transpose-happy notes write it
    m = sp.Symbol("m", integer=True)
    reversed_ = OrderedProduct(diag(ones(n) - square(h(t + k + 1 - m))) * W_hh, (m, k + 1, t))
    r = _check(reversed_, ({t: 3, k: 0},))
    assert r.verdict is Verdict.REFUTED and r.counterexample["n"] != "1"


def test_previous_state_in_the_diagonal_is_refuted():
    wrong = OrderedProduct(diag(ones(n) - square(h(i - 1))) * W_hh, (i, k + 1, t))
    r = _check(wrong, ({t: 3, k: 0},))
    assert r.verdict is Verdict.REFUTED and r.counterexample


def test_transposed_factors_are_refuted_as_a_jacobian():
    wrong = OrderedProduct(W_hh.T * diag(ones(n) - square(h(i))), (i, k + 1, t))
    r = _check(wrong, ({t: 2, k: 0},))
    assert r.verdict is Verdict.REFUTED and r.counterexample["n"] != "1"


def test_wrong_chain_rule_factor_is_not_proved_symbolically():
    s = H.GAP
    wrong = W_hh.T * diag(ones(n) - square(h(k + s + 1)))
    assert _entrywise_zero(None, n, H._chain_rule_entry(wrong, "tanh")) is None
    right = H.tanh_factor(k + s + 1)
    assert _entrywise_zero(None, n, H._chain_rule_entry(right, "tanh")) is True


def test_peel_of_a_possibly_empty_product_is_not_proved_structurally():
    # with t unconstrained (t may be < k) peeling prod_{k+1}^{t+1} is unsound; the checker must not prove it
    J = H.tanh_factor(i)
    claim = MatrixEq(J.xreplace({i: t + 1}) * OrderedProduct(J, (i, k + 1, t)), OrderedProduct(J, (i, k + 1, t + 1)),
                     size=n, instances=({t: 2, k: 0},))
    assert claim.check(np.random.default_rng(0)).verdict is not Verdict.PROVED


def test_the_induction_is_about_the_stated_identity():
    import dataclasses
    ind = registry.get(ID).steps[0].claim
    lhs, rhs = ind.statement
    stated = registry.get(ID).statement
    assert (stated.lhs.xreplace({t: k + H.GAP}), stated.rhs.xreplace({t: k + H.GAP})) == (lhs, rhs)
    # a base case at the wrong start, or a step that never uses the hypothesis, is refuted whatever its parts prove
    wrong_start = dataclasses.replace(ind, start=1)
    assert wrong_start.check(np.random.default_rng(0)).verdict is Verdict.REFUTED
    chain_rule, peel = ind.step.parts
    no_hypothesis = dataclasses.replace(ind, step=dataclasses.replace(ind.step, parts=(chain_rule, chain_rule)))
    r = no_hypothesis.check(np.random.default_rng(0))
    assert r.verdict is Verdict.REFUTED and "statement" in r.detail


def test_a_conjunction_is_as_proved_as_its_weakest_part():
    """An undecided part leaves the conjunction undecided (never 'numerically confirmed'); a part
    proved by lemma makes it proved by lemma; a refuted part refutes it."""
    from dataclasses import dataclass

    import numpy as np

    from rnnproof.derivations.catalogue.hidden_state_chain import Conjunction
    from rnnproof.derivations.model import StepResult, Verdict

    @dataclass(frozen=True)
    class Part:
        verdict: Verdict

        def check(self, rng):
            return StepResult(self.verdict, "stub", "why")

    def verdict(*vs):
        return Conjunction(tuple(Part(v) for v in vs)).check(np.random.default_rng(0))

    assert verdict(Verdict.PROVED, Verdict.UNDECIDED, Verdict.CONFIRMED).verdict is Verdict.UNDECIDED
    assert verdict(Verdict.PROVED, Verdict.BY_LEMMA).verdict is Verdict.BY_LEMMA
    assert verdict(Verdict.PROVED, Verdict.PROVED, Verdict.PROVED).method == "conjunction of 3 parts"
    assert verdict(Verdict.PROVED, Verdict.REFUTED).verdict is Verdict.REFUTED
