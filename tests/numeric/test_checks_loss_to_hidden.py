"""Numeric check of ``loss_to_hidden`` on real runs: it passes, and mutated derivations fail it."""

import sympy as sp

from checkkit import check_results, context, default_results, replace
from rnnproof.derivations.catalogue import loss_to_hidden as cat
from rnnproof.derivations.catalogue.bptt_recursion import jacobian
from rnnproof.derivations.catalogue.loss_gradients import delta
from rnnproof.derivations.matexpr import OrderedProduct
from rnnproof.derivations.symbols import W_yh, i, j
from rnnproof.numeric.checks import check_module

ID = "loss_to_hidden"
MOD = check_module(ID)
q = cat.q


def test_empty_and_long_products_on_a_default_run():
    results = default_results(ID, MOD.RUNS[0])
    assert all(r.passed for r in results), [r for r in results if not r.passed][:1]
    pairs = MOD.pairs(context(ID, MOD.RUNS[0]))
    assert any(a == b for a, b in pairs) and any(a - b > 10 for a, b in pairs)  # empty and long products


def _bad_pairs(results):
    return {r.quantity for r in results if not r.passed}


def test_product_starting_at_j_fails(monkeypatch):
    replace(monkeypatch, ID, dl_i_dh_j=cat.dl_dh("tanh", lower=0))
    results = check_results(ID, "vanishing")
    assert len(_bad_pairs(results)) == len(results)  # every pair, the empty product included


def test_transposed_jacobians_fail(monkeypatch):
    wrong = sp.Transpose(delta(i)) * W_yh * OrderedProduct(sp.Transpose(jacobian(q, "tanh")), (q, j + 1, i))
    replace(monkeypatch, ID, dl_i_dh_j=wrong)
    results = check_results(ID, "vanishing")
    bad = [r for r in results if not r.passed]
    assert bad and all("j=" in r.quantity and "i=1," not in r.quantity for r in bad)
    assert not any(r.quantity.endswith(f"(i={a}, j={a})") for r in bad for a in range(1, 40))  # empty product is right


def test_sigmoid_derivative_for_tanh_fails(monkeypatch):
    replace(monkeypatch, ID, dl_i_dh_j=cat.dl_dh("sigmoid"))
    results = check_results(ID, "vanishing")
    assert any("(i=30, j=29)" in q_ for q_ in _bad_pairs(results))
