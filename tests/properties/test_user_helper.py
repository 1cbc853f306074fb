"""The user helper: examples/test_my_bptt.py passes with a right BPTT and fails, readably, with wrong ones."""

import importlib.util
import pathlib
import re

import numpy as np
import pytest

from rnnproof.derivations.errors import CheckFailure, InputError
from rnnproof.numeric import engine
from rnnproof.numeric.results import assert_passed, format_failure
from rnnproof.numeric.usercheck import assert_gradients_match, check_gradients

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "test_my_bptt.py"


@pytest.fixture
def example():
    spec = importlib.util.spec_from_file_location("rnnproof_example_test_my_bptt", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_example_passes_with_the_right_bptt(example):
    example.test_my_bptt_matches_rnnproof()


def _transposed_recurrence(example):
    """A copy of the example's BPTT with the classic bug: the carry is W_hh r, not W_hh^T r."""
    def my_bptt(params, xs, targets, h0):
        W, U, b, V, c = (params[k] for k in ("W_hh", "W_xh", "b_h", "W_yh", "b_y"))
        hs = [h0]
        for t in range(xs.shape[0]):
            hs.append(np.tanh(W @ hs[-1] + U @ xs[t] + b))
        grads = {k: np.zeros_like(v) for k, v in params.items()}
        carry = np.zeros_like(h0)
        for t in range(xs.shape[0], 0, -1):
            dy = V @ hs[t] + c - targets[t - 1]
            grads["W_yh"] += np.outer(dy, hs[t])
            grads["b_y"] += dy
            r = (1 - hs[t] ** 2) * (V.T @ dy + carry)
            grads["W_hh"] += np.outer(r, hs[t - 1])
            grads["W_xh"] += np.outer(r, xs[t - 1])
            grads["b_h"] += r
            carry = W @ r  # BUG: should be W.T @ r
        return grads
    return my_bptt


def test_example_fails_readably_with_a_wrong_bptt(example):
    example.my_bptt = _transposed_recurrence(example)
    with pytest.raises(CheckFailure) as info:
        example.test_my_bptt_matches_rnnproof()
    msg = str(info.value)
    # names the function and the parameter, the worst entry, both values, error vs tolerance, the seed
    assert re.search(r"^my_bptt: dL/d(W_hh|W_xh|b_h) mismatch \(", msg), msg
    assert re.search(r"worst entry \(\d+(, \d+)?\) derived=\S+ reference=\S+, \|err\|=\S+ > tol=\S+", msg), msg
    assert re.search(r"hypothesis seed=\d+|derandomized", msg) and "n=" in msg and "T=" in msg, msg


def _problem(seed=0, n=3, d=2, m=2, T=4, act="tanh"):
    rng = np.random.default_rng(seed)
    p = engine.ElmanParams(rng.normal(size=(n, n)), rng.normal(size=(n, d)), rng.normal(size=n),
                           rng.normal(size=(m, n)), rng.normal(size=m), act)
    return p, rng.normal(size=(T, d)), rng.normal(size=(T, m)), rng.normal(size=n)


def _reference(activation, kind="squared", layout="column"):
    def fn(params, xs, targets, h0):
        ps = {k: (v.T if layout == "row" and k in ("W_hh", "W_xh", "W_yh") else v) for k, v in params.items()}
        g = engine.bptt(engine.ElmanParams(**ps, activation=activation), xs, targets, kind=kind, h0=h0)[1].arrays()
        return {k: (v.T if layout == "row" and k in ("W_hh", "W_xh", "W_yh") else v) for k, v in g.items()}
    return fn


@pytest.mark.parametrize("layout", ["column", "row"])
def test_check_gradients_right_and_wrong_entry_named(layout):
    p, xs, o, h0 = _problem()
    right = _reference("tanh", layout=layout)
    assert all(r.passed for r in check_gradients(right, p, xs, o, h0=h0, layout=layout))

    def off_by_tiny(params, xs, targets, h0):
        g = right(params, xs, targets, h0)
        g["W_xh"] = g["W_xh"].copy()
        g["W_xh"][where] *= 1 + 1e-6
        return g
    where = (2, 1) if layout == "column" else (1, 2)  # the same weight, in the user's layout
    results = {r.quantity: r for r in check_gradients(off_by_tiny, p, xs, o, h0=h0, layout=layout)}
    bad = results["dL/dW_xh"]
    assert not bad.passed and bad.worst_index == where, bad
    assert bad.shapes[0] == ((3, 2) if layout == "column" else (2, 3))
    assert all(r.passed for q, r in results.items() if q != "dL/dW_xh")


def test_check_gradients_cross_entropy_and_sigmoid():
    p, xs, _, h0 = _problem(act="sigmoid")
    classes = np.array([0, 1, 1, 0])
    rs = check_gradients(_reference("sigmoid", "cross_entropy"), p, xs, classes, h0=h0, loss="cross_entropy")
    assert len(rs) == 5 and all(r.passed for r in rs)


def test_assert_gradients_match_sigmoid_wrongly_differentiated():
    def tanh_formula_on_sigmoid(params, xs, targets, h0):
        return _reference("tanh")(params, xs, targets, h0)  # forward is tanh: wrong for sigmoid networks
    with pytest.raises(CheckFailure, match=r"tanh_formula_on_sigmoid: dL/d\w+ mismatch"):
        assert_gradients_match(tanh_formula_on_sigmoid, activation="sigmoid", max_examples=20, seed=3)


def test_bad_returns_are_named():
    p, xs, o, h0 = _problem()
    with pytest.raises(CheckFailure, match=r"returned no gradient for \['b_y'\]"):
        check_gradients(lambda *a: {k: v for k, v in _reference("tanh")(*a).items() if k != "b_y"}, p, xs, o, h0=h0)
    rs = {r.quantity: r for r in check_gradients(lambda *a: {**_reference("tanh")(*a), "W_hh": np.zeros(9)},
                                                 p, xs, o, h0=h0)}
    assert rs["dL/dW_hh"].verdict == "failed" and rs["dL/dW_hh"].method == "shape"
    assert "dL/dW_hh returned with shape (9,), parameter W_hh has shape (3, 3)" in format_failure(rs["dL/dW_hh"])
    assert all(r.passed for q, r in rs.items() if q != "dL/dW_hh")
    with pytest.raises(InputError, match="must return a dict"):
        check_gradients(lambda *a: [1, 2], p, xs, o, h0=h0)
    with pytest.raises(InputError, match=r"raised ZeroDivisionError: .* \(called with n=3"):
        check_gradients(lambda *a: 1 / 0, p, xs, o, h0=h0)
    with pytest.raises(InputError, match="layout must be one of"):
        check_gradients(_reference("tanh"), p, xs, o, layout="rows")


def test_swapped_weight_gradients_are_named_with_both_shapes():
    """W_hh/W_xh swapped (d != n): a failed result per parameter naming both shapes, not a ShapeError."""
    p, xs, o, h0 = _problem(n=3, d=2)

    def swapped(params, xs, targets, h0):
        g = _reference("tanh")(params, xs, targets, h0)
        return {**g, "W_hh": g["W_xh"], "W_xh": g["W_hh"]}
    rs = {r.quantity: r for r in check_gradients(swapped, p, xs, o, h0=h0)}
    msg = format_failure(rs["dL/dW_hh"])
    assert "parameter W_hh has shape (3, 3)" in msg and "shape (3, 2)" in msg, msg
    assert not rs["dL/dW_xh"].passed and rs["dL/db_h"].passed


def test_transposed_gradient_hints_at_the_layout():
    p, xs, o, h0 = _problem(n=3, d=2)
    rs = check_gradients(lambda *a: {**_reference("tanh")(*a), "W_xh": _reference("tanh")(*a)["W_xh"].T},
                         p, xs, o, h0=h0)
    assert "transposed? check layout=" in format_failure(rs[1])


@pytest.mark.parametrize("layout", ["column", "row"])
def test_docs_dict_layout_is_accepted(layout):
    """docs/property-testing.md, "Without Hypothesis": params as the dict the user's function receives."""
    p, xs, o, h0 = _problem()
    params = {k: (v.T if layout == "row" and k in ("W_hh", "W_xh", "W_yh") else v) for k, v in p.arrays().items()}
    for result in check_gradients(_reference("tanh", layout=layout), params, xs, o, h0=h0, layout=layout):
        assert_passed(result)


def test_err_is_the_named_entrys_error():
    """|err| in a message is |derived - reference| of the entry named, not the block's maximum."""
    p, xs, o, h0 = _problem()

    def two_wrong(params, xs, targets, h0):
        g = _reference("tanh")(params, xs, targets, h0)
        g["W_hh"] = g["W_hh"].copy()
        g["W_hh"][0, 0] += 1.0
        g["W_hh"][1, 1] += 0.5
        return g
    r = check_gradients(two_wrong, p, xs, o, h0=h0)[0]
    m = re.search(r"worst entry \((\d), (\d)\) derived=(\S+) reference=(\S+), \|err\|=(\S+) >", format_failure(r))
    assert m, format_failure(r)
    assert abs(float(m[3]) - float(m[4]) - float(m[5])) <= 0.01 * float(m[5])


def test_docs_without_hypothesis_snippet_runs():
    """The "Without Hypothesis" snippet of docs/property-testing.md runs as printed (it failed with a dict before)."""
    from rnnproof.numeric import mutants
    text = (pathlib.Path(__file__).resolve().parents[2] / "docs" / "property-testing.md").read_text()
    snippet = next(c for c in re.findall(r"```python\n(.*?)```", text, re.S) if "check_gradients(my_bptt" in c)
    exec(compile(snippet, "docs/property-testing.md", "exec"), {"my_bptt": mutants.correct})
    with pytest.raises(CheckFailure, match=r"dL/dW_hh mismatch"):
        exec(compile(snippet, "docs/property-testing.md", "exec"),
             {"my_bptt": mutants.mutant("transposed recurrent Jacobian")})
