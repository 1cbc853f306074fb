"""The residual and highway cells: BPTT gradients equal the complex-step gradient of the loss; runs are
deterministic, cached and paired with the Elman runs' sequences; bad shapes raise ShapeError."""

from __future__ import annotations

import numpy as np
import pytest

from rnnproof.derivations.errors import InputError, ShapeError
from rnnproof.numeric import remedies, remedies_runs, runs
from rnnproof.numeric.checks.base import gamma

_SHAPES = {"W_hh": "nn", "W_xh": "nd", "b_h": "n", "W_g": "nn", "U_g": "nd", "b_g": "n", "W_yh": "mn", "b_y": "m"}


def _params(cls, rng, n=4, d=3, m=2, scale=0.6):
    size = {"n": n, "d": d, "m": m}
    return cls(**{k: rng.normal(0, scale, tuple(size[c] for c in s)) for k, s in _SHAPES.items() if k in cls.names()})


@pytest.mark.parametrize("cls", [remedies.ResidualParams, remedies.HighwayParams])
@pytest.mark.parametrize("kind", ["squared", "cross_entropy"])
def test_bptt_equals_the_complex_step_gradient(cls, kind):
    rng = np.random.default_rng(11)
    p = _params(cls, rng)
    T = 7
    xs, h0 = rng.normal(size=(T, p.d)), 0.3 * rng.normal(size=p.n)
    targets = rng.normal(size=(T, p.m)) if kind == "squared" else rng.integers(0, p.m, T)
    _, grad = remedies.bptt_of(p, xs, targets, h0, kind)
    flat, h = p.flat(), 1e-100
    ref = np.array([remedies.loss_of(p.from_flat(flat + 1j * h * np.eye(flat.size)[j]), xs, targets, h0, kind).imag / h
                    for j in range(flat.size)])
    # both sides: O(T n) rounded terms of magnitude <= the largest partial; Higham's gamma_K, K = T (2n + d + 8)
    tol = gamma(T * (2 * p.n + p.d + 8)) * (np.abs(ref) + np.abs(grad.flat()).max())
    assert np.all(np.abs(grad.flat() - ref) <= tol), np.max(np.abs(grad.flat() - ref) - tol)
    wrong = grad.flat().copy()
    wrong[0] *= 1.01  # the tolerance cannot swallow a 1% error in one entry
    assert not np.all(np.abs(wrong - ref) <= tol)


def test_runs_use_the_elman_runs_sequences_and_are_deterministic():
    for name in remedies_runs.RUN_NAMES:
        paired = runs.load_run(remedies_runs.CONFIGS[name]["paired_with"]).checkpoint("final")
        cp = remedies_runs.load_run(name).checkpoint("final")
        np.testing.assert_array_equal(cp.xs, paired.xs)
        np.testing.assert_array_equal(cp.targets, paired.targets)
    a = remedies_runs.build_run("adding_highway").checkpoint("final").params.flat()
    np.testing.assert_array_equal(a, remedies_runs.load_run("adding_highway").checkpoint("final").params.flat())


def test_training_lowers_the_loss():
    for name in remedies_runs.RUN_NAMES:
        loss = remedies_runs.load_run(name).history["loss"]
        assert loss[-8:].mean() < loss[:8].mean()


def test_bad_inputs_raise_project_errors():
    rng = np.random.default_rng(0)
    p = _params(remedies.HighwayParams, rng)
    with pytest.raises(ShapeError, match="W_g"):
        p.with_(W_g=np.zeros((3, 3)))
    with pytest.raises(ShapeError, match="xs"):
        remedies.forward_of(p, np.zeros((5, p.d + 1)))
    with pytest.raises(InputError, match="unknown residual/highway run"):
        remedies_runs.load_run("adding_resnet")
