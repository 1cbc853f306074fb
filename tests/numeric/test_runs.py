"""Runs: build, determinism by seed, cache hits, corrupt/truncated/stale entries rebuilt."""

import json
import time

import numpy as np
import pytest

from rnnproof.numeric import cache, runs


def test_all_runs_build_fast_and_cache(tmp_path):
    t0 = time.perf_counter()
    built = {n: runs.load_run(n, cache_dir=tmp_path) for n in runs.RUN_NAMES}
    assert time.perf_counter() - t0 < 20
    for name, run in built.items():
        assert [c.name for c in run.checkpoints] == ["initial", "middle", "final"]
        assert len(run.history["loss"]) == run.config["steps"]
        again = runs.load_run(name, cache_dir=tmp_path)
        assert np.array_equal(again.checkpoint("final").params.flat(), run.checkpoint("final").params.flat())
    assert built["text"].history["loss"][-20:].mean() < built["text"].history["loss"][:20].mean()
    assert built["adding"].history["loss"][-20:].mean() < built["adding"].history["loss"][:20].mean()
    big = built["text_large"]
    assert big.config["n"] >= 64 and big.config["T"] >= 100 and big.config["tau_rule"] == "median"


def test_text_large_trains_with_partial_clipping(tmp_path):
    """n = 64, T = 120: the loss per character falls visibly; tau = median initial norm clips some steps, not all."""
    run = runs.load_run("text_large", cache_dir=tmp_path)
    h, T = run.history, run.config["T"]
    assert h["loss"][:20].mean() / T > 2.0 and h["loss"][-20:].mean() / T < 0.5 * h["loss"][:20].mean() / T
    frac = h["clipped"].mean()
    assert 0.02 < frac < 0.9, frac
    assert np.all(h["tau"] == run.config["tau"]) and np.all(h["clipped"] == (h["grad_norm"] > h["tau"]))
    assert np.allclose(h["clipped_grad_norm"], np.minimum(h["grad_norm"], h["tau"]))
    first = run.checkpoint("initial")
    from rnnproof.numeric.engine import bptt
    norms = [np.linalg.norm(bptt(first.params, xs, o, kind="cross_entropy", h0=h0)[1].flat())
             for xs, o, h0 in [(first.xs, first.targets, first.h0)]]
    assert np.isclose(norms[0], h["grad_norm"][0])


def test_deterministic_by_seed():
    a, b = runs.build_run("vanishing"), runs.build_run("vanishing")
    assert np.array_equal(a.checkpoint("final").params.flat(), b.checkpoint("final").params.flat())


def _entry(tmp_path):
    cfg = runs.CONFIGS["vanishing"]
    key = cache.cache_key("vanishing", cfg, cfg["seed"])
    runs.load_run("vanishing", cache_dir=tmp_path)
    return key, tmp_path / f"{key}.npz", tmp_path / f"{key}.json"


@pytest.mark.parametrize("damage", ["truncate", "corrupt", "stale", "garbage_manifest"])
def test_damaged_entry_detected_and_rebuilt(tmp_path, damage):
    key, npz, man = _entry(tmp_path)
    assert cache.load(tmp_path, key) is not None
    if damage == "truncate":
        npz.write_bytes(npz.read_bytes()[:100])
    elif damage == "corrupt":
        data = bytearray(npz.read_bytes()); data[len(data) // 2] ^= 0xFF; npz.write_bytes(bytes(data))
    elif damage == "stale":
        m = json.loads(man.read_text()); m["version"] = "old"; man.write_text(json.dumps(m))
    else:
        man.write_text("{not json")
    assert cache.load(tmp_path, key) is None
    run = runs.load_run("vanishing", cache_dir=tmp_path)
    assert cache.load(tmp_path, key) is not None and run.checkpoint("final").step == 40


def test_atomic_write_leaves_no_temp(tmp_path):
    _entry(tmp_path)
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.parametrize("orth, base", [("adding_orth", "adding"), ("text_orth", "text")])
def test_orthogonal_runs_share_sequences_and_start_orthogonal(tmp_path, orth, base):
    """``*_orth`` trains on the very sequences of its base run; its initial W_hh is orthogonal, the base's is not."""
    a, b = runs.load_run(orth, cache_dir=tmp_path), runs.load_run(base, cache_dir=tmp_path)
    ca, cb = a.checkpoint("initial"), b.checkpoint("initial")
    assert np.array_equal(ca.xs, cb.xs) and np.array_equal(ca.targets, cb.targets)
    W, n = ca.params.W_hh, a.config["n"]
    assert np.allclose(W.T @ W, np.eye(n), atol=1e-12)
    assert not np.allclose(cb.params.W_hh.T @ cb.params.W_hh, np.eye(n), atol=1e-2)
