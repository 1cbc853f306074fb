"""Mutation test of the catalogue: every wrong printed step and every wrong derived expression is caught.

For every identity, each step's printed sides get the mutations of :mod:`derivations.mutations`
(transpose, scale by 2, halve, shift a time index, swap the activation derivative, drop a term,
halve a constant; for an inequality only those that make a true bound false).  Every mutant must be
*refuted* by the step's own check.  The only exceptions are the equivalent mutants listed in
:data:`EQUIVALENT` -- mutants that are still true claims -- and each of those is shown true here
by evidence independent of the symbolic prover (high-precision sampling, explicit instances).

Each derived expression gets the same mutations; the registry must refuse the mutated identity
(derived = a side of a step, :mod:`derivations.provenance`), or, for the listed cases where the
mutant is the side of *another* proved step, the mutant's value must differ from the derived one
on an explicit instance, so that the numeric check against finite differences fails.

Cost: about 35 s of CPU for the whole catalogue; the expensive identities are marked slow (ci).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import sympy as sp

from rnnproof.derivations import Verdict, provenance, registry
from rnnproof.derivations.claims import _sample
from rnnproof.derivations.functions import unfold
from rnnproof.derivations.entries import EntryEq
from rnnproof.derivations.matrixclaims import MatrixEq, MatrixRel, explicit_value, instantiate
from rnnproof.derivations.mutations import MUTATIONS, mutants, mutate

#: (identity, step number, mutation) -> why the mutant is still a true claim
EQUIVALENT = {
    ("sigmoid_derivative_bound", 2, "lhs: drop a term"): "sigma(x) > 0 is true",
    ("sigmoid_derivative_bound", 4, "lhs: drop a term"): "sigma is increasing, so sigma'(x) > 0 on x < 0 is true",
    ("tanh_derivative", 2, "lhs: drop a term"): "1 > 0 is true",
    ("tanh_derivative", 9, "lhs: drop a term"): "1 evaluated at x = 0 is 1",
    ("tanh_jacobian_entry", 3, "lhs: transpose"): "dh_t/dz_t of an elementwise map is diagonal",
    ("tanh_jacobian_entry", 3, "rhs: transpose"): "diag(1 - h_t (.) h_t) is symmetric",
    ("bptt_recursion", 3, "lhs: transpose"): "d+h_t/db_h = diag(phi'(z_t)) is diagonal",
    ("bptt_recursion", 3, "rhs: transpose"): "diag(phi'(z_t)) is symmetric",
    ("bptt_recursion", 6, "lhs: transpose"): "d+h_t/db_h = diag(sigma'(z_t)) is diagonal",
    ("bptt_recursion", 6, "rhs: transpose"): "diag(sigma'(z_t)) is symmetric",
    ("lstm_cell_jacobian", 6, "lhs: transpose"): "dltm_t/dltm_{t-1} = diag(rem_t) is diagonal",
    ("lstm_cell_jacobian", 6, "rhs: transpose"): "diag(rem_t) is symmetric",
    ("lstm_cell_jacobian", 8, "lhs: transpose"): "dwm_t/dltm_t is diagonal (elementwise in ltm_t)",
    ("lstm_cell_jacobian", 8, "rhs: transpose"): "a diagonal matrix is symmetric",
    ("lstm_cell_jacobian", 9, "lhs: transpose"): "dwm_t/dltm_{t-1} is a product of diagonal matrices",
    ("lstm_cell_jacobian", 9, "rhs: transpose"): "diagonal matrices commute and are symmetric",
    # inductions over generic leaves: the mutant is still a true claim
    ("bptt_sum_of_products", 1, "base lhs: drop a term"): "G_1 + J_1 0 without the zero term is still G_1",
    ("loss_to_hidden", 2, "base lhs: shift a time index"): "the empty product stays empty when its factor is shifted",
    ("product_norm_bound", 3, "step rhs: drop a term"): "a (Q - r) <= a Q is true for a, r >= 0 (a weaker step)",
    ("truncated_bptt", 4, "step rhs: drop a term"): "the same weaker but true step a (Q - r) <= a Q",
    ("truncated_bptt", 5, "base lhs: scale by 2"): "both sides are empty sums (0 <= 0)",
    ("truncated_bptt", 5, "base rhs: halve"): "both sides are empty sums (0 <= 0)",
    ("vanishing_condition", 3, "step rhs: drop a term"): "the same weaker but true step a (Q - r) <= a Q",
    # a disproof stays a disproof when the violated bound is halved or the norm doubled
    ("spectral_radius_is_not_enough", 5, "lhs: halve"): "||W^2||/2 ~ 1.51 > rho^2 = 0.25",
    ("spectral_radius_is_not_enough", 5, "rhs: scale by 2"): "||W^2|| ~ 3.02 > 2 rho^2 = 0.5",
    ("spectral_radius_is_not_enough", 6, "lhs: halve"): "||W^2||/32 ~ 0.094 > rho^2/16 ~ 0.016",
    ("spectral_radius_is_not_enough", 6, "lhs: halve a constant"): "the factor 1/4 of sigma'(0) halved: still above",
    ("spectral_radius_is_not_enough", 6, "rhs: scale by 2"): "||W^2||/16 ~ 0.19 > rho^2/8 ~ 0.031",
    # residual_jacobian: dropping J_t from I + J_t leaves sigma_min(I) = 1, and max(0, 1 - lambda_1) <= 1 is true
    ("residual_jacobian", 3, "rhs: drop a term"): "max(0, 1 - lambda_1) <= sigma_min(I) = 1",
    ("residual_jacobian", 6, "rhs: drop a term"): "max(0, 1 - lambda_1)^(t-k) <= prod sigma_min(I) = 1",
    ("residual_jacobian", 7, "rhs: drop a term"): "max(0, 1 - lambda_1)^(t-k) <= sigma_min(I^(t-k)) = 1",
    # section H, orthogonal W_hh: transposes of symmetric sides, and products of orthogonal matrices are orthogonal
    ("orthogonal_initialisation", 1, "lhs: transpose"): "(P^T P)^T = P^T P",
    ("orthogonal_initialisation", 1, "rhs: transpose"): "I^T = I",
    ("orthogonal_initialisation", 1, "lhs: drop a term"): "prod_{i=k}^{t} W is orthogonal too (one more factor)",
    ("orthogonal_initialisation", 2, "lhs: drop a term"): "||prod_{i=k}^{t} W|| = 1 too (one more orthogonal factor)",
    ("orthogonal_initialisation", 6, "rhs: drop a term"): "1^(t-k) with a term of the exponent dropped is still 1",
    ("orthogonal_initialisation", 8, "rhs: drop a term"): "1^(t-k) with a term of the exponent dropped is still 1",
    ("orthogonal_initialisation", 10, "lhs: transpose"): "diag(1) I is symmetric",
    ("orthogonal_initialisation", 10, "rhs: transpose"): "I is symmetric",
    ("echo_state_scaling", 6, "lhs: halve"): "||h_1 - h'_1||/2 ~ 0.0152 > rho ||h_0 - h'_0|| = 0.005 on the witness",
    ("echo_state_scaling", 6, "lhs: drop a term"): "||h'_1|| ~ 0.0304 > 0.005 (h_t = 0 on the witness)",
    ("echo_state_scaling", 6, "rhs: scale by 2"): "||h_1 - h'_1|| ~ 0.0304 > 2 rho ||h_0 - h'_0|| = 0.01",
    ("echo_state_scaling", 7, "lhs: halve a constant"): "a halved component 1/200 -> 1/400 leaves the ratio ~ 3.0 > 2",
}

#: (identity, derived name, mutation): the mutant is the side of another proved step (caught numerically)
DERIVED_ELSEWHERE = {
    ("sigmoid_derivative", "sigmoid_prime", "drop a term"),   # sigma(1 - sigma) -> sigma, the definition step
    ("tanh_derivative", "tanh_prime", "drop a term"),
    ("tanh_jacobian", "J", "transpose"),                      # J^T is the lhs of the transpose step
    ("echo_state_scaling", "distance", "shift a time index"),  # ||h_{t+1} - h'_{t+1}||: the induction step's side
    ("echo_state_scaling", "step_bound", "shift a time index"),
}

_SLOW = {"tanh_jacobian", "tanh_jacobian_entry", "hidden_state_chain", "bptt_recursion", "tanh_derivative",
         "jacobian_norm_bound", "gradient_clipping", "sigmoid_derivative_bound", "lstm_cell_jacobian",
         "bptt_sum_of_products", "deep_linear_gradient", "loss_gradients", "vanishing_condition", "truncated_bptt"}
IDS = [pytest.param(i, marks=pytest.mark.slow) if i in _SLOW else i for i in registry.all_ids()]


def _still_true(claim, verdict) -> bool:
    """Evidence, independent of the symbolic prover, that an equivalent mutant is a true claim."""
    inner = getattr(claim, "claim", claim)
    if type(claim).__name__ == "Disproved":
        return verdict is Verdict.PROVED  # still violated by value on the witness (not merely unevaluable)
    if hasattr(claim, "base") and hasattr(claim, "step"):  # an induction: the mutated part is shown true
        parts = [claim.base] + list(getattr(claim.step, "parts", ()) or [claim.step])
        return all(_still_true(p, p.check(np.random.default_rng(2)).verdict) for p in parts)
    if isinstance(inner, (MatrixEq, EntryEq)):
        return verdict in (Verdict.PROVED, Verdict.CONFIRMED)  # both mean agreement on every explicit instance
    if isinstance(inner, MatrixRel):  # a matrix inequality: re-screened on more explicit instances (mpmath)
        return dataclasses.replace(inner, trials=6).check(np.random.default_rng(5)).verdict in (
            Verdict.CONFIRMED, Verdict.PROVED)
    if type(inner).__name__ in ("GramEq", "OrthogonalProducts", "ExpandEq"):
        return verdict is not Verdict.REFUTED  # exact / explicit instances (Cayley-orthogonal W_hh) all agree
    if type(inner).__name__ == "RewriteEq":
        return verdict is not Verdict.REFUTED  # its explicit instances (random matrices) agree
    domains = dict(getattr(inner, "domains", {}) or {})
    if getattr(inner, "variable", None) is not None and inner.interval != sp.S.Reals:
        lo, hi = inner.interval.inf, inner.interval.sup
        domains[inner.variable] = (float(max(lo, -40)), float(min(hi, 40)))
    r = _sample(unfold(inner.lhs), inner.rel, unfold(inner.rhs), domains, np.random.default_rng(3))
    return r.verdict is Verdict.CONFIRMED  # no violation at the sampled points, extremes first


@pytest.mark.parametrize("identity_id", IDS)
def test_every_mutant_of_every_step_is_refuted(identity_id):
    ident = registry.get(identity_id)
    tried, caught, equivalent, survivors, seen = 0, 0, 0, [], set()
    for k, step in enumerate(ident.steps, 1):
        for name, claim in mutants(step.claim):
            tried += 1
            r = claim.check(np.random.default_rng(k))
            key = (identity_id, k, name)
            seen.add(key)
            if key in EQUIVALENT:
                assert r.verdict is not Verdict.REFUTED, f"{key} is refuted: drop it from EQUIVALENT"
                assert _still_true(claim, r.verdict), f"{key}: not shown true ({EQUIVALENT[key]})"
                equivalent += 1
            elif r.verdict is Verdict.REFUTED:
                caught += 1
            else:
                survivors.append(f"step {k} {name}: {r.verdict} ({r.method})")
    assert not survivors, f"{identity_id}: {len(survivors)} of {tried} mutants survive:\n" + "\n".join(survivors)
    assert caught + equivalent == tried and (tried == 0 or caught > 0)
    stale = sorted(key for key in EQUIVALENT if key[0] == identity_id and key not in seen)
    assert not stale, f"EQUIVALENT lists mutants that no step has (renumbered steps?): {stale}"


@pytest.mark.parametrize("identity_id", registry.all_ids())
def test_every_mutant_of_every_derived_expression_is_refused(identity_id):
    ident = registry.get(identity_id)
    gaps = provenance.GAPS.get(identity_id, frozenset())
    for name, value in ident.derived.items():
        forms = [(a, value(a)) for a in ("tanh", "sigmoid")] if callable(value) else [(None, value)]
        for act, expr in forms:
            if (f"{name}({act})" if act else name) in gaps:
                continue
            for mname in MUTATIONS:
                m = mutate(sp.sympify(expr), mname)
                if m is None:
                    continue
                new = (lambda a, m=m, act=act, value=value: m if a == act else value(a)) if callable(value) else m
                wrong = dataclasses.replace(ident, derived={**ident.derived, name: new})
                if (identity_id, name, mname) in DERIVED_ELSEWHERE:
                    _assert_differs(expr, m)
                    continue
                with pytest.raises(provenance.ProvenanceError):
                    provenance.assert_derived_are_steps(wrong, allow=gaps)


def _assert_differs(expr, mutant):
    """The mutant's value differs from the derived expression's on a random explicit instance."""
    rng = np.random.default_rng(0)
    leaves = {}
    if isinstance(expr, sp.MatrixExpr):
        a = explicit_value(instantiate(expr, {expr.shape[0]: 3}, rng, {"h": (-1.0, 1.0)}, leaves))
        b = explicit_value(instantiate(mutant, {expr.shape[0]: 3}, rng, {"h": (-1.0, 1.0)}, leaves))
        assert max(abs(complex(v)) for v in (a - b)) > 1e-6
    elif expr.has(sp.MatrixExpr):  # a scalar of matrices (a norm): on the same random leaves
        size = {s: 3 for s in expr.free_symbols if s.is_integer and s.is_positive}
        a = explicit_value(instantiate(expr, size, rng, {}, leaves))
        b = explicit_value(instantiate(mutant, size, rng, {}, leaves))
        assert abs(complex(a - b)) > 1e-6
    else:
        x = sorted(expr.free_symbols, key=str)[0]
        assert abs(complex(sp.N(unfold(expr - mutant).subs(x, sp.Rational(3, 10)), 30))) > 1e-6


def test_the_issue_examples_are_caught():
    # the audit's examples: a transposed printed Jacobian and gamma -> gamma/2 in the norm bound
    tj = registry.get("tanh_jacobian_entry").steps[3].claim  # dh_t/dh_{t-1} = diag(1 - h_t^2) W_hh
    assert dataclasses.replace(tj, rhs=sp.MatMul(sp.Integer(2), tj.rhs)).check(np.random.default_rng(0)).verdict \
        is Verdict.REFUTED
    wrong_row = dataclasses.replace(tj, rhs=tj.rhs.args[0] * tj.rhs.args[1].T)
    assert wrong_row.check(np.random.default_rng(0)).verdict is Verdict.REFUTED
    chain = registry.get("jacobian_norm_bound").steps[8].claim  # ||J_t|| <= gamma lambda_1 (tanh)
    half = dataclasses.replace(chain, claim=dataclasses.replace(chain.claim, rhs=chain.claim.rhs / 2))
    assert half.check(np.random.default_rng(0)).verdict is Verdict.REFUTED


def test_an_induction_that_is_not_about_its_statement_is_refused():
    # base and step must be generated from the stated identity: P(start), then P(v+1) through the hypothesis
    ind = registry.get("hidden_state_chain").steps[0].claim
    other = registry.get("hidden_state_chain").steps[1].claim  # the sigmoid induction: another statement
    wrong = [dataclasses.replace(ind, start=1),                                   # base is P(0), not P(1)
             dataclasses.replace(ind, base=other.base),                           # another identity's base case
             dataclasses.replace(ind, step=dataclasses.replace(ind.step, parts=ind.step.parts[1:])),  # no chain rule
             dataclasses.replace(ind, statement=other.statement)]                 # base and step of another statement
    for claim in wrong:
        r = claim.check(np.random.default_rng(0))
        assert r.verdict is Verdict.REFUTED and "not an induction of the stated identity" in r.detail, r


def test_an_instance_at_another_value_or_outside_the_domain_is_not_proved():
    from rnnproof.derivations.catalogue import hidden_state_chain as H
    from rnnproof.derivations.symbols import k, t
    step = registry.get("hidden_state_chain").steps[4].claim  # the tanh statement at s = t - k
    assert step.why_not() is None
    shifted = dataclasses.replace(step, at={H.GAP: t - k + 1})
    assert "not the statement" in shifted.why_not()
    unconditional = dataclasses.replace(step, given={})  # t - k >= 0 not shown without t >= k
    assert "nonnegative" in unconditional.why_not()
    r = unconditional.check(np.random.default_rng(0))
    assert r.verdict is Verdict.CONFIRMED and "not an instance" in r.detail

