"""loss_gradients: backward recursion proved, gradients agree with complex step, mutations refuted."""

from __future__ import annotations

import numpy as np

from rnnproof.derivations import Verdict, registry
from rnnproof.derivations.catalogue import loss_gradients as lg
from rnnproof.derivations.symbols import T

ID = "loss_gradients"


def test_no_refuted_step_and_expected_grading():
    res = registry.get(ID).derive(seed=0)
    v = [r.verdict for r in res.results]
    assert v[:4] == [Verdict.PROVED, Verdict.PROVED, Verdict.CONFIRMED, Verdict.PROVED], res.results
    assert v[4:] == [Verdict.CONFIRMED] * 9  # five tanh gradients; g_t and three gradients on sigmoid networks


def test_transposed_recurrent_jacobian_in_backward_recursion_is_refuted():
    r = lg.closed_form_induction(transpose=False).check(np.random.default_rng(0))
    assert r.verdict is Verdict.REFUTED


def test_untransposed_closed_form_is_refuted_on_networks():
    wrong = lg._closed(lg.t, lg.W_yh.T * lg.delta(lg.s), lg.jacobian(lg.i), transpose=False)
    assert lg.network_g_check(wrong).check(np.random.default_rng(3)).verdict is Verdict.REFUTED


def test_wrong_time_index_in_weight_gradient_is_refuted():
    from rnnproof.derivations.matexpr import TimeSum, hadamard
    r = hadamard(lg.phi_prime(lg.t), lg.g(lg.t))
    wrong = TimeSum(r * lg.h(lg.t).T, (lg.t, 1, T))  # h_t instead of h_{t-1}
    assert lg.network_gradient_check("W_hh", wrong, sizes=(2,)).check(np.random.default_rng(0)).verdict is Verdict.REFUTED


def test_derived_contract_shapes():
    ident = registry.get(ID)
    for key in ("dL_dW_hh", "dL_dW_xh", "dL_db_h", "dL_dW_yh", "dL_db_y", "g"):
        assert ident.expression(key, "tanh") is not None
