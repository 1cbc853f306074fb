"""Gated runs: same sequences as the Elman runs, training reduces the loss, cache round trip, timing."""

import time

import numpy as np
import pytest

from rnnproof.numeric import gated, gated_runs, runs


def test_runs_use_the_elman_runs_sequences():
    for name, cfg in gated_runs.CONFIGS.items():
        elman = runs.load_run(cfg["paired_with"])
        g = gated_runs.load_run(name)
        assert np.array_equal(g.checkpoint("final").xs, elman.checkpoint("final").xs)
        assert np.array_equal(g.checkpoint("final").targets, elman.checkpoint("final").targets)


@pytest.mark.parametrize("name", gated_runs.RUN_NAMES)
def test_training_reduces_the_loss(name):
    run = gated_runs.load_run(name)
    L = run.history["loss"]
    assert L[-8:].mean() < 0.6 * L[:8].mean()
    cls = gated.LSTMParams if run.config["cell"] == "lstm" else gated.GRUParams
    assert all(isinstance(c.params, cls) for c in run.checkpoints)


def test_cache_round_trip(tmp_path):
    a = gated_runs.load_run("adding_gru", cache_dir=tmp_path)
    b = gated_runs.load_run("adding_gru", cache_dir=tmp_path)
    assert np.array_equal(a.checkpoint("final").params.flat(), b.checkpoint("final").params.flat())
    assert np.array_equal(a.history["grad_norm"], b.history["grad_norm"])


@pytest.mark.slow
def test_building_all_gated_runs_is_fast():
    t0 = time.monotonic()
    for name in gated_runs.RUN_NAMES:
        gated_runs.build_run(name)
    assert time.monotonic() - t0 < 15


def test_unknown_run_is_a_clear_error():
    from rnnproof.derivations.errors import InputError
    with pytest.raises(InputError, match="adding_lstm"):
        gated_runs.load_run("adding_lstn")
