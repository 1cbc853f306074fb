"""Every shipped example in examples/derivations/ gets its asserted verdict, step by step."""

from __future__ import annotations

import pathlib

import pytest

from rnnproof.derivations.model import Verdict
from rnnproof.derivations.userfile import parse_file, verify

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples" / "derivations"
P, C, R = Verdict.PROVED, Verdict.CONFIRMED, Verdict.REFUTED

#: file -> (verdict of each checked line, in order)
EXPECTED = {
    "sigmoid_derivative": (P, P, P, P, P),
    "tanh_derivative": (P, P, P, P),
    "sigmoid_bound": (P, P, P),
    "tanh_jacobian_column": (P, P),
    "tanh_jacobian_row": (P,),
    "hidden_state_chain": (C, C),
    "wrong_transposed_jacobian": (R,),
    "wrong_product_limit": (C, R),
    "wrong_sigmoid_bound": (P, R),
    "wrong_algebra_slip": (P, P, P, P, R),
    "wrong_sigmoid_sign": (R, R),
    "residual_jacobian": (P, P),
    "wrong_residual_no_skip": (R,),
    "highway_jacobian": (C,),
    "wrong_highway_no_gate_term": (R,),
    "orthogonal_householder": (C, C),
    "wrong_orthogonal_tanh": (R,),
    "echo_state_contraction": (C, C, C),
    "wrong_echo_state_without_w": (R,),
    "stacked_two_paths": (C, C),
    "wrong_stacked_missing_path": (C, R),
    "bidirectional_input_gradient": (C, C),
    "wrong_bidirectional_one_direction": (C, R),
}
SLOW = {"hidden_state_chain", "wrong_product_limit", "tanh_jacobian_column", "highway_jacobian", "residual_jacobian",
        "stacked_two_paths", "wrong_stacked_missing_path", "bidirectional_input_gradient",
        "wrong_bidirectional_one_direction"}


def test_every_example_has_an_expectation():
    assert sorted(p.stem for p in EXAMPLES.glob("*.rnnp")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in EXPECTED])
def test_example_verdicts(name):
    res = verify(parse_file(EXAMPLES / f"{name}.rnnp"))
    assert tuple(s.result.verdict for s in res.steps) == EXPECTED[name]
    wrong = name.startswith("wrong_")
    assert res.ok is not wrong
    if wrong:
        bad = res.steps[res.first_failure]
        assert bad.result.counterexample, "a refuted step must carry a counterexample"
        assert {"lhs", "rhs"} <= set(bad.result.counterexample)


def test_algebra_slip_names_the_line_and_a_point():
    res = verify(parse_file(EXAMPLES / "wrong_algebra_slip.rnnp"))
    bad = res.steps[res.first_failure]
    assert (bad.number, bad.line) == (5, 14)
    ce = bad.result.counterexample
    # sigma - sigma^2 vs sigma(1 + sigma) at the reported x: they differ by 2 sigma^2
    import mpmath
    ctx = mpmath.MPContext()
    ctx.dps = 30
    s = 1 / (1 + ctx.exp(-ctx.mpf(ce["x"])))
    assert abs(float(s - s * s) - float(ce["lhs"])) < 1e-9 * max(1, abs(float(ce["lhs"])))
    assert abs(float(s * (1 + s)) - float(ce["rhs"])) < 1e-9 * max(1, abs(float(ce["rhs"])))


def test_wrong_bound_counterexample_is_at_the_maximum():
    res = verify(parse_file(EXAMPLES / "wrong_sigmoid_bound.rnnp"))
    ce = res.steps[res.first_failure].result.counterexample
    assert float(ce["lhs"]) > float(ce["rhs"]) == 0.125
