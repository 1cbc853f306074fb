"""The checker never flags a correct gradient and catches injected errors, naming the entry."""

import numpy as np
import pytest

from rnnproof.numeric import fd, gradcheck
from rnnproof.numeric.engine import ElmanParams, bptt, forward


def make(n, T, seed, act="tanh"):
    rng = np.random.default_rng(seed)
    p = ElmanParams(rng.normal(size=(n, n)) / np.sqrt(n) * rng.uniform(0.5, 2), rng.normal(size=(n, 3)),
                    rng.normal(size=n) * 0.1, rng.normal(size=(2, n)), rng.normal(size=2), act)
    return p, rng.normal(size=(T, 3)), rng.normal(size=(T, 2))


@pytest.mark.parametrize("seed", range(40))
def test_correct_gradient_never_flagged(seed):
    p, xs, o = make(8, 20, seed, "tanh" if seed % 2 else "sigmoid")
    _, g = bptt(p, xs, o)
    r = gradcheck.check_elman_gradient(g, p, xs, o, seed=seed)
    assert r.passed, r
    r = gradcheck.check_elman_gradient(g, p, xs, o, seed=seed, directional_first=False)
    assert r.passed, r


@pytest.mark.parametrize("seed", range(10))
def test_injected_relative_error_caught_and_named(seed):
    p, xs, o = make(8, 20, seed)
    _, g = bptt(p, xs, o)
    gf = g.flat().copy()
    i = int(np.argmax(np.abs(gf)))
    gf[i] *= 1 + 1e-7
    r = gradcheck.check_elman_gradient(gf, p, xs, o, seed=seed)
    assert not r.passed and r.worst_index == (0, i)


def test_batched_complex_step_equals_columnwise():
    p, xs, o = make(4, 6, 1)
    f = lambda th: forward(ElmanParams.from_flat(th, p), xs).h  # noqa: E731
    from rnnproof.numeric.engine import loss
    J, _ = fd.complex_step_jacobian(lambda th: loss(ElmanParams.from_flat(th, p), xs, o), p.flat())
    g, _ = fd.elman_gradient_complex_step(p, xs, o)
    assert np.abs(J[0] - g).max() < 1e-13 * np.abs(g).max()
    assert f(p.flat()).shape == (7, 4)


@pytest.mark.parametrize("method", ["complex", "central", "mpmath"])
def test_generic_jacobian_check(method):
    p, xs, _ = make(3, 4, 2)
    f = lambda th: forward(ElmanParams.from_flat(th, p), xs).h[-1]  # noqa: E731
    J, _ = fd.mpmath_jacobian(f, p.flat())
    r = gradcheck.check_jacobian(J, f, p.flat(), identity="x", quantity="dh_T/dtheta", method=method)
    assert r.passed, r
    J2 = J.copy(); J2[1, 4] += 1e-6 * np.abs(J).max()
    r = gradcheck.check_jacobian(J2, f, p.flat(), identity="x", quantity="dh_T/dtheta", method=method)
    assert not r.passed and r.worst_index == (1, 4)
