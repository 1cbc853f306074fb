"""LSTM/GRU cells: validation, BPTT against the complex step, the mpmath kind, the envs."""

import mpmath
import numpy as np
import pytest

from rnnproof.derivations.errors import InputError, ShapeError
from rnnproof.numeric import fd, gated

N, D, M, T = 3, 2, 2, 6


def _arrays(names, shapes, rng):
    return {k: rng.normal(0, 0.7, shapes(k)) for k in names}


def lstm(rng):
    sh = lambda k: {"W": (N, D), "U": (N, N), "b": (N,)}[k[0]] if k not in ("W_yh", "b_y") else (
        (M, N) if k == "W_yh" else (M,))
    return gated.LSTMParams(**_arrays(gated.LSTM_NAMES, sh, rng))


def gru(rng, reset_after=False):
    sh = lambda k: {"W": (N, N), "U": (N, D), "b": (N,)}[k[0]] if k not in ("W_yh", "b_y") else (
        (M, N) if k == "W_yh" else (M,))
    extra = {"b_hn": rng.normal(0, 0.7, N)} if reset_after else {}
    return gated.GRUParams(**_arrays(gated.GRU_NAMES, sh, rng), reset_after=reset_after, **extra)


CASES = [("lstm", lstm, gated.lstm_loss, gated.lstm_bptt), ("gru", gru, gated.gru_loss, gated.gru_bptt),
         ("gru_after", lambda r: gru(r, True), gated.gru_loss, gated.gru_bptt)]


@pytest.mark.parametrize("name,make,loss,bptt", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("kind", ["squared", "cross_entropy"])
def test_bptt_matches_complex_step(name, make, loss, bptt, kind):
    rng = np.random.default_rng(1)
    p = make(rng)
    xs = rng.normal(size=(T, D))
    o = rng.normal(size=(T, M)) if kind == "squared" else rng.integers(0, M, T)
    value, g = bptt(p, xs, o, kind=kind)
    J, err = fd.complex_step_jacobian(lambda th: np.atleast_1d(loss(p.from_flat(th), xs, o, kind=kind)), p.flat())
    assert value == pytest.approx(float(loss(p, xs, o, kind=kind)), rel=1e-14)
    assert np.abs(J.ravel() - g.flat()).max() <= 1e-12 * max(1.0, np.abs(J).max())


def test_lstm_gates_follow_the_sheet():
    rng = np.random.default_rng(2)
    p, xs = lstm(rng), rng.normal(size=(T, D))
    tr = gated.lstm_forward(p, xs)
    t = 3
    sig = lambda a: 1 / (1 + np.exp(-a))
    assert np.allclose(tr.rem[t], sig(p.W_r @ xs[t - 1] + p.U_r @ tr.wm[t - 1] + p.b_r), rtol=1e-15)
    assert np.allclose(tr.ltm[t], tr.rem[t] * tr.ltm[t - 1] + tr.save[t] * tr.ltmc[t], rtol=1e-15)
    assert np.allclose(tr.wm[t], tr.focus[t] * np.tanh(tr.ltm[t]), rtol=1e-15)
    assert tr.state.shape == (T + 1, 2 * N) and np.all(tr.state[0] == 0)


def test_gru_reset_before_differs_from_reset_after():
    rng = np.random.default_rng(3)
    p = gru(rng)
    xs = rng.normal(size=(T, D))
    after = gru(np.random.default_rng(3), True).with_(b_hn=np.zeros(N))
    assert not np.allclose(gated.gru_forward(p, xs).h, gated.gru_forward(after, xs).h)


def test_mpmath_kind_agrees_with_float():
    rng = np.random.default_rng(4)
    p, xs = gru(rng), rng.normal(size=(T, D))
    ctx = mpmath.MPContext()
    ctx.dps = 30
    hm = gated.gru_forward(p.converted("mpmath", ctx), xs).h
    assert hm.dtype == object and isinstance(hm[2, 0], ctx.mpf)
    assert np.abs(hm.astype(float) - gated.gru_forward(p, xs).h).max() < 1e-15


def test_envs_carry_the_contract_names():
    rng = np.random.default_rng(5)
    p, xs = lstm(rng), rng.normal(size=(T, D))
    env = gated.lstm_env(p, gated.lstm_forward(p, xs))
    assert {"W_r", "U_l", "b_f", "rem", "save", "focus", "ltmc", "ltm", "wm", "a_r", "a_l", "x"} <= set(env)
    assert env["b_r"].shape == (N, 1) and env["wm"].shape == (T + 1, N)
    g = gru(rng)
    genv = gated.gru_env(g, gated.gru_forward(g, xs))
    assert {"W_u", "U_h", "b_r", "u", "r", "hc", "h", "a_u", "a_h"} <= set(genv)


def test_validation_names_the_array():
    rng = np.random.default_rng(6)
    p = lstm(rng)
    with pytest.raises(ShapeError, match="LSTMParams.U_s"):
        p.with_(U_s=np.zeros((N, N + 1)))
    with pytest.raises(InputError, match="LSTMParams.b_l"):
        p.with_(b_l=np.array([0.0, np.nan, 0.0]))
    with pytest.raises(ShapeError, match="xs"):
        gated.lstm_forward(p, np.zeros((T, D + 1)))
    with pytest.raises(InputError, match="b_hn"):
        gru(rng).with_(reset_after=True)
