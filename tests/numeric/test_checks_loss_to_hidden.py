"""Numeric check of ``loss_to_hidden`` on real runs: it passes, and mutated derivations fail it."""

import sympy as sp

from rnnproof.derivations.catalogue import loss_to_hidden as cat
from rnnproof.derivations.catalogue.bptt_recursion import jacobian
from rnnproof.derivations.catalogue.loss_gradients import delta
from rnnproof.derivations.matexpr import OrderedProduct
from rnnproof.derivations.symbols import W_yh, i, j
from rnnproof.numeric.checks import check_module
from rnnproof.numeric.checks.base import Context
from rnnproof.numeric.runs import load_run

ID = "loss_to_hidden"
MOD = check_module(ID)
q = cat.q


def _ctx(run_name):
    run = load_run(run_name)
    return Context(ID, run, run.checkpoint("final"), 0)


def _mutate(monkeypatch, expr):
    orig = Context.expression
    monkeypatch.setattr(Context, "expression",
                        lambda self, name: expr if self.identity == ID and name == "dl_i_dh_j" else orig(self, name))


def test_default_runs_are_two_distinct_runs():
    assert len(set(MOD.RUNS)) >= 2


def test_passes_on_a_default_run():
    ctx = _ctx(MOD.RUNS[0])
    results = MOD.check(ctx)
    assert all(r.passed for r in results), [r for r in results if not r.passed][:1]
    pairs = MOD.pairs(ctx)
    assert any(a == b for a, b in pairs) and any(a - b > 10 for a, b in pairs)  # empty and long products


def _bad_pairs(results):
    return {r.quantity for r in results if not r.passed}


def test_product_starting_at_j_fails(monkeypatch):
    _mutate(monkeypatch, cat.dl_dh("tanh", lower=0))
    results = MOD.check(_ctx("vanishing"))
    assert len(_bad_pairs(results)) == len(results)  # every pair, the empty product included


def test_transposed_jacobians_fail(monkeypatch):
    wrong = sp.Transpose(delta(i)) * W_yh * OrderedProduct(sp.Transpose(jacobian(q, "tanh")), (q, j + 1, i))
    _mutate(monkeypatch, wrong)
    results = MOD.check(_ctx("vanishing"))
    bad = [r for r in results if not r.passed]
    assert bad and all("j=" in r.quantity and "i=1," not in r.quantity for r in bad)
    assert not any(r.quantity.endswith(f"(i={a}, j={a})") for r in bad for a in range(1, 40))  # empty product is right


def test_sigmoid_derivative_for_tanh_fails(monkeypatch):
    _mutate(monkeypatch, cat.dl_dh("sigmoid"))
    results = MOD.check(_ctx("vanishing"))
    assert any("(i=30, j=29)" in q_ for q_ in _bad_pairs(results))
