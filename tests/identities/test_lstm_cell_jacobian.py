"""lstm_cell_jacobian: every block proved at symbolic n; classic wrong Jacobians are refuted."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from rnnproof.derivations import Verdict, registry
from rnnproof.derivations.catalogue import lstm_cell_jacobian as L
from rnnproof.derivations.evaluate import evaluate
from rnnproof.derivations.explicit_gated import ExplicitLSTM
from rnnproof.derivations.matexpr import StateJacobian, diag, hadamard, ones, square
from rnnproof.derivations.matrixclaims import MatrixEq, _entrywise_zero
from rnnproof.derivations.symbols import n, t

ID = "lstm_cell_jacobian"
S = L.S


def test_every_step_proved():
    res = registry.get(ID).derive(seed=0)
    assert [r.verdict for r in res.results] == [Verdict.PROVED] * 11, res.results


def test_mapping_to_usual_names_is_stated():
    ident = registry.get(ID)
    for text in (ident.summary, ident.notation.vectors):
        for pair in ("rem = forget gate", "save = input gate", "focus = output gate", "ltm = cell state",
                     "wm = hidden state", "candidate"):
            assert pair in text, (pair, text)
    for name in ("forget gate", "input gate", "output gate", "cell state", "hidden state", "candidate"):
        assert name in L.__doc__


def _refuted(out, wrt, rhs, ref):
    entry = L.lstm_entry(out, wrt, rhs) if out else L._output_entry
    lhs = StateJacobian(S(out or "ltm"), S(wrt or "ltm", t - 1))
    claim = MatrixEq(lhs, rhs, size=n, entry=entry, sizes=(2, 3), explicit=L.network_hook(ref, lhs))
    return claim.check(np.random.default_rng(0)), _entrywise_zero(None, n, entry)


def test_carousel_with_the_input_gate_is_refuted():
    res, symbolic = _refuted("ltm", "ltm", diag(S("save")), L._block_ref(0, 0))
    assert res.verdict is Verdict.REFUTED and "entry" in res.counterexample and symbolic is None


def test_output_jacobian_without_focus_is_refuted():
    from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
    wrong = diag(ones(n) - square(ElementwiseApplyFunction(L.TANH, S("ltm"))))
    lhs = StateJacobian(S("wm"), S("ltm"))
    claim = MatrixEq(lhs, wrong, size=n, sizes=(2,), explicit=L.network_hook(lambda net, s: net.output_jacobian(s), lhs))
    assert claim.check(np.random.default_rng(1)).verdict is Verdict.REFUTED


@pytest.mark.slow  # ~20 s: the failing symbolic attempt at symbolic n is what takes the time
def test_wm_block_without_the_path_through_ltm_is_refuted():
    wrong = L.mm(diag(hadamard(sp.HadamardProduct(S("focus")), L.sigmoid_prime(S("focus")))), L.U["f"])
    res, symbolic = _refuted("wm", "wm", wrong, L._block_ref(1, 1))
    assert res.verdict is Verdict.REFUTED and symbolic is None


def test_recurrent_weights_transposed_are_refuted():
    wrong = L.ma(L.mm(diag(hadamard(S("ltm", t - 1), L.sigmoid_prime(S("rem")))), L.U["r"].T),
                 L.mm(diag(hadamard(S("ltmc"), L.sigmoid_prime(S("save")))), L.U["s"].T),
                 L.mm(diag(hadamard(S("save"), ones(n) - square(S("ltmc")))), L.U["l"].T))
    lhs = StateJacobian(S("ltm"), S("wm", t - 1))
    claim = MatrixEq(lhs, wrong, size=n, sizes=(2, 3), explicit=L.network_hook(L._block_ref(0, 1), lhs))
    res = claim.check(np.random.default_rng(2))
    assert res.verdict is Verdict.REFUTED and "entry" in res.counterexample  # a value differs, not a failure to evaluate


@pytest.mark.parametrize("size", [1, 3])
def test_derived_state_jacobian_evaluates_with_numpy(size):
    net = ExplicitLSTM(n=size, d=2, T=3, rng=np.random.default_rng(size))
    env = {k: ({s: np.array(v, dtype=float) for s, v in val.items()} if isinstance(val, dict) else np.array(val, dtype=float))
           for k, val in net.env().items()}
    J = evaluate(registry.get(ID).expression("state_jacobian"), env, {t: 3})
    ref = np.array(net.state_jacobian(3, 2), dtype=float)
    assert J.shape == (2 * size, 2 * size)
    np.testing.assert_allclose(J, ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(evaluate(registry.get(ID).expression("dltm_dltm_prev"), env, {t: 3}), ref[:size, :size])


def test_block_matrix_for_printing_matches_the_evaluable_form():
    blocks = L.state_jacobian_blocks()
    assert blocks.shape == (2 * n, 2 * n)
    assert blocks.blocks[0, 0] == L.dltm_dltm_prev() and blocks.blocks[1, 1] == L.dwm_dwm_prev()
