"""The calibrated error model: tolerance / actual error within [1, 1000], mutants caught at n=64, T=100,
and an honest 'undecided' where float64 cannot resolve the gradient (issue 11)."""

import numpy as np
import pytest

from rnnproof.numeric import datasets, engine, errmodel, mutants, usercheck
from rnnproof.numeric.engine import ElmanParams
from rnnproof.numeric.results import format_failure


def _textbook_flat(p, xs, o):
    g = mutants.correct(p.arrays(), xs, o, np.zeros(p.n))
    return np.concatenate([g[k].ravel() for k in engine.PARAM_NAMES])


def _ratios(p, xs, o, precision):
    ref, _ = errmodel.reference_gradient(p, xs, o, precision=precision)
    err = np.maximum(np.abs(engine.bptt(p, xs, o)[1].flat() - ref), np.abs(_textbook_flat(p, xs, o) - ref))
    bound = errmodel.gradient_bound(p, xs, o).bound
    nz = err > 0
    norm = max(np.linalg.norm(bound[s]) / np.linalg.norm(err[s]) for s in p.slices().values()
               if np.linalg.norm(err[s]) > 0)
    return float(np.min(bound[nz] / err[nz])), float(norm)


@pytest.mark.parametrize("regime", datasets.CALIBRATION_REGIMES)
@pytest.mark.parametrize("n,T,precision", [(4, 20, "mpmath"), (16, 20, "mpmath"), (64, 100, "longdouble")])
def test_calibration_ratio_between_1_and_1000(n, T, precision, regime):
    """bound / actual error against a 40-digit (or validated long double) reference: >= 1 entrywise, <= 1000 normwise."""
    p, xs, o = datasets.calibration_problem(n, T, regime, rng=np.random.default_rng([n, T, 7]))
    lo, norm = _ratios(p, xs, o, precision)
    assert lo >= 1, (n, T, regime, lo)
    assert norm <= 1000, (n, T, regime, norm)


def test_long_double_reference_agrees_with_mpmath():
    p, xs, o = datasets.calibration_problem(8, 30, "sigma3", rng=np.random.default_rng(3))
    a, how_a = errmodel.reference_gradient(p, xs, o, precision="mpmath")
    b, how_b = errmodel.reference_gradient(p, xs, o, precision="longdouble")
    assert how_a.startswith("mpmath") and how_b.startswith("long double")
    assert np.abs(a - b).max() <= 1e-16 * np.abs(a).max()


def test_no_absolute_value_blow_up():
    """The old |W|^T propagation gave tolerances ~1e56 at n=64; the calibrated bound stays ~1e-12 relative."""
    p, xs, o = datasets.calibration_problem(64, 100, "sigma3", rng=np.random.default_rng(1))
    b = errmodel.gradient_bound(p, xs, o).bound
    assert b.max() < 1e-10 * np.abs(engine.bptt(p, xs, o)[1].flat()).max()


def test_running_sd_both_orders():
    P = np.array([1.0, 1.0, 1.0, -3.0])
    # natural order partial sums 1, 2, 3, 0; reverse 0, -1, -2, -3 (tot - S_{k-1}): max(14, 14) + 12
    assert np.isclose(errmodel.running_sd(P), np.finfo(float).eps * np.sqrt(14 + 12))


def _anchor(n, T, seed=7):
    rng = np.random.default_rng(seed)
    p = ElmanParams(rng.normal(0, 1 / np.sqrt(n), (n, n)), rng.normal(0, 0.5, (n, 4)), rng.normal(0, 0.1, n),
                    rng.normal(0, 1 / np.sqrt(n), (2, n)), rng.normal(0, 0.1, 2), "tanh")
    return p, rng.normal(size=(T, 4)), rng.normal(size=(T, 2))


@pytest.fixture(scope="module")
def anchor64():
    return _anchor(64, 100)


def test_correct_textbook_gradient_passes_at_n64_T100(anchor64):
    p, xs, o = anchor64
    rs = usercheck.check_gradients(mutants.correct, p, xs, o)
    assert [r.verdict for r in rs] == ["passed"] * 5, [format_failure(r) for r in rs]
    assert all("full elementwise" in r.note for r in rs)


@pytest.mark.slow  # 20 mutants x ~0.4 s; runs in CI (ci profile)
@pytest.mark.parametrize("name", mutants.MUTANTS)
def test_every_mutant_caught_at_n64_T100(anchor64, name):
    p, xs, o = anchor64
    rs = usercheck.check_gradients(mutants.mutant(name), p, xs, o)
    failed = [r for r in rs if r.verdict == "failed"]
    assert failed, name
    if "relative error in largest entry of" in name:
        block = name.rsplit(" ", 1)[1]
        assert [r.quantity for r in failed] == [f"dL/d{block}"]
        r = failed[0]
        g = getattr(engine.bptt(p, xs, o)[1], block)
        assert r.worst_index == tuple(int(i) for i in np.unravel_index(np.argmax(np.abs(g)), g.shape))


def test_exploding_gradient_near_1e300_is_undecided_not_passed():
    """Linear regime (h = 0), lambda_1 = 1.5, T = 1700: the b_h gradient is ~1e299 and its error model overflows."""
    rng = np.random.default_rng(1)
    n, T = 4, 1700
    p = ElmanParams(1.5 * datasets.orthogonal(n, rng), np.zeros((n, 1)), np.zeros(n), rng.normal(size=(1, n)),
                    np.zeros(1), "tanh")
    xs, o = np.zeros((T, 1)), rng.normal(size=(T, 1))
    rs = {r.quantity: r for r in usercheck.check_gradients(mutants.correct, p, xs, o)}
    r = rs["dL/db_h"]
    assert r.verdict == "undecided" and not r.passed and abs(r.reference) > 1e290
    assert "cannot be decided" in format_failure(r) and "overflowed" in format_failure(r)
    assert rs["dL/db_y"].verdict == "passed"


def test_chaotic_run_is_undecided_but_a_gross_error_still_fails():
    rng = np.random.default_rng(1)
    n, T = 64, 300
    p = ElmanParams(rng.normal(0, 3 / np.sqrt(n), (n, n)), rng.normal(0, .01, (n, 1)), np.zeros(n),
                    rng.normal(size=(1, n)), np.zeros(1), "tanh")
    xs, o, h0 = rng.normal(size=(T, 1)), rng.normal(size=(T, 1)), rng.normal(size=n)
    rs = usercheck.check_gradients(mutants.correct, p, xs, o, h0=h0)
    assert {r.verdict for r in rs} == {"undecided"}
    assert "float64 cannot resolve" in rs[0].note

    def zero_recurrent(params, xs, targets, h0):
        return {**mutants.correct(params, xs, targets, h0), "W_hh": np.full((n, n), 1e40)}
    assert usercheck.check_gradients(zero_recurrent, p, xs, o, h0=h0)[0].verdict == "failed"


def test_single_entry_1e9_error_in_recurrent_block_caught_at_n32():
    """Dev-profile guard of the issue's regression: at n = 32 the old model passed everything touching W_hh."""
    p, xs, o = _anchor(32, 50)
    rs = usercheck.check_gradients(mutants.mutant("1e-9 relative error in largest entry of W_hh"), p, xs, o)
    assert [r.verdict for r in rs] == ["failed", "passed", "passed", "passed", "passed"]
    assert "|err|=" in format_failure(rs[0]) and "dL/dW_hh mismatch" in format_failure(rs[0])
