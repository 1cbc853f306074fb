"""Engine: validation, float64/complex/mpmath agreement, BPTT against finite differences."""

import numpy as np
import pytest

from rnnproof.derivations.errors import InputError, ShapeError
from rnnproof.numeric import fd
from rnnproof.numeric.engine import ElmanParams, bptt, env, forward, loss, to_mpmath


def make(n=4, d=3, m=2, T=6, seed=0, act="tanh"):
    rng = np.random.default_rng(seed)
    p = ElmanParams(rng.normal(size=(n, n)) * 0.5, rng.normal(size=(n, d)), rng.normal(size=n),
                    rng.normal(size=(m, n)), rng.normal(size=m), act)
    return p, rng.normal(size=(T, d)), rng.normal(size=(T, m))


def test_shape_error_names_array_and_shapes():
    p, _, _ = make()
    with pytest.raises(ShapeError, match=r"W_xh.*\(4, 3\).*\(4, 2\)|W_xh"):
        p.with_(W_xh=np.zeros((3, 3)))
    with pytest.raises(ShapeError, match="b_h"):
        p.with_(b_h=np.zeros((4, 1)))


@pytest.mark.parametrize("name", ["W_hh", "b_y"])
def test_nan_refused_with_name(name):
    p, xs, _ = make()
    bad = getattr(p, name).copy()
    bad.flat[0] = np.nan
    with pytest.raises(InputError, match=name):
        p.with_(**{name: bad})
    xs = xs.copy(); xs[2, 1] = np.inf
    with pytest.raises(InputError, match="xs"):
        forward(p, xs)


def test_flat_roundtrip_order():
    p, _, _ = make()
    q = ElmanParams.from_flat(p.flat(), p)
    assert all(np.array_equal(getattr(p, k), getattr(q, k)) for k in p.names())
    assert p.flat()[:p.n * p.n].reshape(p.n, p.n).tolist() == p.W_hh.tolist()


@pytest.mark.parametrize("act", ["tanh", "sigmoid"])
def test_float_complex_mpmath_agree(act):
    p, xs, o = make(act=act)
    lf = loss(p, xs, o)
    lc = loss(p, xs.astype(complex), o)
    lm = loss(to_mpmath(p, dps=40), xs, o)
    assert abs(lc - lf) < 1e-13 and lc.imag == 0
    assert abs(float(lm) - lf) < 1e-12 * abs(lf)


@pytest.mark.parametrize("act", ["tanh", "sigmoid"])
@pytest.mark.parametrize("kind", ["squared", "cross_entropy"])
def test_bptt_matches_mpmath_reference(act, kind):
    p, xs, o = make(n=3, d=2, m=3, T=4, act=act, seed=3)
    targets = np.array([0, 2, 1, 1]) if kind == "cross_entropy" else o
    _, g = bptt(p, xs, targets, kind=kind)
    J, err = fd.mpmath_jacobian(lambda th: loss(ElmanParams.from_flat(th, p), xs, targets, kind=kind), p.flat())
    assert np.abs(J[0] - g.flat()).max() < 1e-13 * max(1, np.abs(J).max())
    assert err.max() < 1e-30


def test_mpmath_bptt_is_30_digits():
    p, xs, o = make(n=2, d=1, m=1, T=3)
    pm = to_mpmath(p, dps=50)
    _, g1 = bptt(pm, xs, o)
    _, g2 = bptt(to_mpmath(p, dps=70), xs, o)
    assert max(abs(a - b) for a, b in zip(g1.flat(), g2.flat())) < 1e-40


def test_env_layout():
    p, xs, o = make()
    tr = forward(p, xs)
    e = env(p, tr, o)
    assert e["b_h"].shape == (4, 1) and e["h"].shape == (7, 4) and e["o"].shape == (7, 2)
    assert np.allclose(e["z"][3], p.W_hh @ tr.h[2] + p.W_xh @ xs[2] + p.b_h)
    assert np.allclose(tr.h[3], np.tanh(tr.z[3]))
