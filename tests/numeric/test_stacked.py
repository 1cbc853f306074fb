"""Stacked and bidirectional networks: BPTT validated by the complex step; runs deterministic, cached, paired."""

from __future__ import annotations

import numpy as np
import pytest

from rnnproof.numeric import fd, runs, stacked, stacked_runs
from rnnproof.numeric.gradcheck import check_gradient


def _params(kind, rng, n=3, d=2, m=2):
    if kind == "stacked":
        shapes = [(n, n), (n, d), (n,), (n, n), (n, n), (n,), (m, n), (m,)]
        return stacked.StackedParams(*(rng.normal(size=s) for s in shapes))
    shapes = [(n, n), (n, d), (n,), (n, n), (n, d), (n,), (m, n), (m, n), (m,)]
    return stacked.BidirParams(*(rng.normal(size=s) for s in shapes))


@pytest.mark.parametrize("arch", ["stacked", "bidir"])
@pytest.mark.parametrize("kind", ["squared", "cross_entropy"])
def test_bptt_matches_the_complex_step(arch, kind):
    rng = np.random.default_rng(11)
    p = _params(arch, rng)
    xs = rng.normal(size=(6, p.d))
    o = rng.normal(size=(6, p.m)) if kind == "squared" else rng.integers(0, p.m, 6)
    L, g = stacked.bptt_of(p, xs, o, None, kind)
    assert np.isclose(L, stacked.loss_of(p, xs, o, kind))
    res = check_gradient(g.flat(), lambda v: stacked.loss_of(p.from_flat(v), xs, o, kind), p.flat(),
                         identity=f"{arch}_bptt", quantity=f"dL/dtheta ({kind})", depth=40)
    assert res.passed, res


def test_a_wrong_gradient_fails_the_same_check():
    rng = np.random.default_rng(3)
    p = _params("bidir", rng)
    xs, o = rng.normal(size=(5, p.d)), rng.normal(size=(5, p.m))
    _, g = stacked.bidir_bptt(p, xs, o)
    wrong = g.flat().copy()
    wrong[p.flat().size - 1] *= 1.5  # the read-out bias gradient
    res = check_gradient(wrong, lambda v: stacked.loss_of(p.from_flat(v), xs, o, "squared"), p.flat(),
                         identity="bidir_bptt", quantity="dL/dtheta", depth=40)
    assert not res.passed


def test_shape_errors_name_the_array():
    rng = np.random.default_rng(0)
    with pytest.raises(Exception, match="W_2"):
        stacked.StackedParams(np.eye(2), np.ones((2, 1)), np.zeros(2), np.eye(3), np.eye(2), np.zeros(2),
                              np.ones((1, 2)), np.zeros(1))
    with pytest.raises(Exception, match="xs"):
        stacked.stacked_forward(_params("stacked", rng), np.ones((4, 5)))


@pytest.mark.parametrize("name", stacked_runs.RUN_NAMES)
def test_runs_train_and_pair_with_the_elman_sequences(name):
    run = stacked_runs.load_run(name)
    assert [c.name for c in run.checkpoints] == ["initial", "middle", "final"]
    hist = run.history["loss"]
    assert hist[-20:].mean() < hist[:20].mean()  # it learned something
    elman = runs.load_run(stacked_runs.CONFIGS[name]["paired_with"])
    np.testing.assert_array_equal(run.checkpoint("final").xs, elman.checkpoint("final").xs)
    np.testing.assert_array_equal(run.checkpoint("final").targets, elman.checkpoint("final").targets)


def test_runs_are_deterministic_and_cached(tmp_path):
    a = stacked_runs.load_run("adding_bidir", cache_dir=tmp_path)
    b = stacked_runs.load_run("adding_bidir", cache_dir=tmp_path)
    assert len(list(tmp_path.iterdir())) >= 1
    for x, y in zip(a.checkpoints, b.checkpoints):
        np.testing.assert_array_equal(x.params.flat(), y.params.flat())


def test_actual_maps_are_analytic_for_the_complex_step():
    rng = np.random.default_rng(1)
    p = _params("stacked", rng)
    xs = rng.normal(size=(4, p.d))
    h = stacked.stacked_forward(p, xs)["h"]
    J, _ = fd.complex_step_jacobian(lambda v: stacked.stacked_forward(p, xs, h1_at={2: v})["h2"][4], h[2])
    assert np.abs(J).max() > 0
