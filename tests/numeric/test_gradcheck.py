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


# -- the faster directional check (issue 3, item 6): same error model, same tolerances --------
from rnnproof.numeric import engine  # noqa: E402


def _rsd(p):
    """running_sd by definition: both summation orders, partial sums written out."""
    p = list(p)
    fwd = [sum(p[:k + 1]) for k in range(len(p))]
    rev = [sum(p[k:]) for k in range(len(p))]
    q = max(sum(v * v for v in fwd), sum(v * v for v in rev))
    return fd.EPS * np.sqrt(q + sum(v * v for v in p))


def _rounding_by_definition(p, xs, o, kind="squared", h0=None):
    """The backward model written out: per-step running errors, C_t = A_t C_{t+1} A_t^T + diag(sigma_t^2)."""
    traj = engine.forward(p, xs, h0=h0)
    T, n, m = traj.T, p.n, p.m
    o = engine._targets(o, T, m, kind, "float", None)
    a = traj.y[1:]
    sm = engine._softmax_parts(a, "float", None)[1] if kind != "squared" else None
    delta = a - o if sm is None else sm - o
    dphi = engine._phi(p.activation, traj.z[1:], derivative=True)
    W, V, eps, lam = p.W_hh, p.W_yh, fd.EPS, gradcheck.LAMBDA
    sd_d = np.array([[np.hypot(_rsd(list(V[i] * traj.h[t + 1]) + [p.b_y[i]]), eps * abs(delta[t, i]))
                      for i in range(m)] for t in range(T)])
    if sm is not None:
        sd_d = np.hypot(sd_d, 4 * eps * np.abs(sm))
    R, s, C, r_next = np.zeros((T, n)), np.zeros((T, n)), np.zeros((n, n)), np.zeros(n)
    for t in range(T - 1, -1, -1):
        g = delta[t] @ V + W.T @ r_next
        R[t] = dphi[t] * g
        sd_g = np.array([np.hypot(_rsd(list(V[:, c] * delta[t]) + list(W[:, c] * r_next)),
                                  np.sqrt(np.sum(V[:, c] ** 2 * sd_d[t] ** 2))) for c in range(n)])
        e_phi = np.minimum(3 * eps, 8 * np.abs(dphi[t]))
        sigma = np.sqrt((np.abs(dphi[t]) * sd_g) ** 2 + (eps * R[t]) ** 2 + (e_phi * g) ** 2)
        A = np.diag(dphi[t]) @ W.T
        C = A @ C @ A.T + np.diag(sigma ** 2)
        s[t], r_next = np.sqrt(np.diag(C)), R[t]
    H0, X1, H1 = traj.h[:-1], traj.x[1:], traj.h[1:]

    def acc(A_, B_):
        return np.array([[_rsd(A_[:, i] * B_[:, j]) for j in range(B_.shape[1])] for i in range(A_.shape[1])])
    one = np.ones((T, 1))
    parts = [s.T @ np.abs(H0) + acc(R, H0), s.T @ np.abs(X1) + acc(R, X1), s.sum(0) + acc(R, one)[:, 0],
             np.sqrt((sd_d ** 2).T @ H1 ** 2) + acc(delta, H1), np.sqrt((sd_d ** 2).sum(0)) + acc(delta, one)[:, 0]]
    return lam * np.concatenate([v.ravel() for v in parts])


@pytest.mark.parametrize("act,kind", [("tanh", "squared"), ("sigmoid", "squared"), ("tanh", "cross_entropy")])
def test_rounding_bound_is_the_model_written_out(act, kind):
    p, xs, o = make(6, 15, 4, act)
    if kind == "cross_entropy":
        o = np.random.default_rng(4).integers(0, 2, size=15)
    h0 = np.random.default_rng(5).normal(size=6) * 0.3
    want = _rounding_by_definition(p, xs, o, kind, h0)
    got = gradcheck.elman_rounding(p, xs, o, kind=kind, h0=h0)
    assert got.shape == (p.size,) and np.all(want > 0)
    assert np.max(np.abs(got - want) / want) < 1e-12
    shared = gradcheck.elman_rounding(p, xs, o, kind=kind, h0=h0, trajectory=forward(p, xs, h0=h0))
    assert np.array_equal(shared, got)


@pytest.mark.parametrize("act,kind", [("tanh", "squared"), ("sigmoid", "squared"), ("tanh", "cross_entropy")])
def test_batched_directional_equals_one_complex_step_per_direction(act, kind):
    from rnnproof.numeric.engine import loss
    p, xs, o = make(5, 12, 6, act)
    if kind == "cross_entropy":
        o = np.random.default_rng(6).integers(0, 2, size=12)
    h0 = np.random.default_rng(7).normal(size=5) * 0.3
    U = np.random.default_rng(8).normal(size=(4, p.size))
    d, err = gradcheck.elman_directional_complex_step(p, xs, o, U, kind=kind, h0=h0)
    f = lambda th: loss(ElmanParams.from_flat(th, p), xs, o, kind=kind, h0=h0)  # noqa: E731
    want = np.array([fd.directional_derivative(f, p.flat(), u)[0][0] for u in U])
    assert d.shape == err.shape == (4,)
    assert np.all(np.abs(d - want) <= 1e-12 * np.abs(want))
    _, g = bptt(p, xs, o, kind=kind, h0=h0)
    assert np.all(np.abs(d - U @ g.flat()) <= 1e-10 * np.abs(U) @ np.abs(g.flat()))


def test_batched_directional_rejects_wrong_shape():
    p, xs, o = make(3, 4, 1)
    from rnnproof.derivations.errors import ShapeError
    with pytest.raises(ShapeError, match=r"\(k, P\)"):
        gradcheck.elman_directional_complex_step(p, xs, o, np.ones((2, p.size + 1)))


@pytest.mark.parametrize("seed", range(4))
def test_projected_bound_within_entrywise_bound(seed):
    """The projected derived-side bound is the exact spread of the same model: never above |u|^T B."""
    p, xs, o = make(8, 20, seed, "tanh" if seed % 2 else "sigmoid")
    traj = forward(p, xs)
    U = np.array([fd.random_direction(p.size, np.random.default_rng(seed + k)) for k in range(3)])
    d, ref_err, derived = gradcheck._elman_projections(p, traj, o, "squared", U)
    B = gradcheck.elman_rounding(p, xs, o)
    assert np.all(derived > 0) and np.all(derived <= np.abs(U) @ B)
    assert np.all(ref_err >= 2 * fd.EPS * np.abs(d))
    _, g = bptt(p, xs, o)
    r = gradcheck.check_elman_gradient(g, p, xs, o, seed=seed, mode="projections")
    assert r.passed and r.method == "directional"
    assert r.tolerance < 1e-10 * np.abs(g.flat()).max()  # still tight enough to see a 1e-7 relative error


@pytest.mark.parametrize("seed", range(4))
def test_directional_projection_alone_catches_1e7_error(seed):
    """The projections themselves (not the full fallback) flag a 1e-7 error in the largest entry."""
    p, xs, o = make(8, 20, seed)
    _, g = bptt(p, xs, o)
    gf = g.flat().copy()
    i = int(np.argmax(np.abs(gf)))
    gf[i] *= 1 + 1e-7

    def no_full():
        raise AssertionError("the full reference must not be needed to see the failure")

    def directional(U):
        d, err = gradcheck.elman_directional_complex_step(p, xs, o, U)
        return d[:, None], err[:, None]

    with pytest.raises(AssertionError, match="must not be needed"):
        gradcheck.check_gradient(gf, lambda th: 0.0, p.flat(), seed=seed, method="complex", full_reference=no_full,
                                 rounding=gradcheck.elman_rounding(p, xs, o).reshape(1, -1),
                                 directional_reference=directional)
    r = gradcheck.check_gradient(g.flat(), lambda th: 0.0, p.flat(), seed=seed, method="complex", full_reference=no_full,
                                 rounding=gradcheck.elman_rounding(p, xs, o).reshape(1, -1),
                                 directional_reference=directional)
    assert r.passed and r.method == "directional"
