"""The public strategies do what they promise: bounds, regimes, finiteness, validation, shrinking."""

import math

import numpy as np
import pytest
from hypothesis import Phase, find, given, note, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from mutants import scaled

from rnnproof.numeric import engine
from rnnproof.numeric import strategies as S

EPS = float(np.finfo(float).eps)


@settings(max_examples=scaled(2.0))
@given(c=S.rnn_configs(min_n=2, max_n=3, max_d=1, min_T=4, max_T=4))
def test_configs_within_bounds(c):
    assert 2 <= c.n <= 3 and c.d == 1 and 1 <= c.m <= 2 and c.T == 4


@settings(max_examples=scaled(2.0))
@given(data=st.data(), n=st.integers(1, 4), lo=st.floats(0, 5), width=st.floats(0, 5))
def test_spectral_norm_within_bounds(data, n, lo, width):
    W = data.draw(S.matrices_with_spectral_norm(n, min_norm=lo, max_norm=lo + width))
    lam = np.linalg.norm(W, 2)
    note(f"lambda_1={lam!r}")
    assert np.all(np.isfinite(W)) and lo * (1 - 8 * EPS) <= lam <= (lo + width) * (1 + 8 * EPS)


@settings(max_examples=scaled(2.0))
@given(data=st.data(), n=st.integers(1, 4), lo=st.floats(0, 2), width=st.floats(0, 2))
def test_spectral_radius_within_bounds(data, n, lo, width):
    W = data.draw(S.matrices_with_spectral_radius(n, min_radius=lo, max_radius=lo + width))
    rho, F = np.abs(np.linalg.eigvals(W)).max(), np.linalg.norm(W)
    # eigenvalues of a non-normal matrix are ill-conditioned: a Jordan-like block of size n moves
    # them by up to (eps ||W||)^(1/n) ||W||-ish; the construction itself is exact
    tol = 10 * (EPS * (1 + F)) ** (1 / n) * (1 + F)
    note(f"rho={rho!r} ||W||_F={F!r} tol={tol!r}")
    assert lo - tol <= rho <= lo + width + tol


def test_spectral_radius_is_not_the_norm():
    W = find(S.matrices_with_spectral_radius(2, max_radius=0.5), lambda W: np.linalg.norm(W @ W, 2) > 1)
    assert np.abs(np.linalg.eigvals(W)).max() <= 0.5 + 1e-6 and np.linalg.norm(W @ W, 2) > 1


@settings(max_examples=scaled(2.0))
@given(problem=S.elman_problems(loss_kinds=("squared", "cross_entropy")))
def test_problems_are_finite_and_in_their_regime(problem):
    note(problem.describe())
    p = problem.params
    assert all(np.all(np.isfinite(v)) for v in (*p.arrays().values(), problem.xs, problem.h0))
    lo, hi = S.REGIMES[problem.regime]
    eta = S.GAMMA[p.activation] * np.linalg.norm(p.W_hh, 2)
    assert lo * (1 - 1e-12) <= eta <= hi * (1 + 1e-12)
    assert np.isfinite(problem.loss())
    z = engine.forward(p, problem.xs, h0=problem.h0).z[1:]
    if problem.regime == "saturated":
        assert np.abs(z).min() >= 3.0


def test_shrinks_to_the_smallest_readable_network():
    p = find(S.elman_problems(), lambda p: True)
    assert p.config == S.RNNConfig(1, 1, 1, 1) and p.params.activation == "tanh" and p.regime == "any"
    assert not np.any(p.params.flat()) and not np.any(p.xs)
    sizes = find(S.rnn_configs(), lambda c: c.n >= 3 and c.T >= 2)
    assert sizes == S.RNNConfig(3, 1, 1, 2)


def test_gamma_is_the_sup_of_phi_prime():
    z = np.linspace(-5, 5, 100001)
    for name, g in S.GAMMA.items():
        assert math.isclose(np.max(engine._phi(name, z, derivative=True)), g, rel_tol=1e-9)


@pytest.mark.parametrize("call, message", [
    (lambda: S.rnn_configs(min_n=3, max_n=2), "Cannot have min_n=3 > max_n=2"),
    (lambda: S.rnn_configs(min_T=0), "min_T=0 must be at least 1"),
    (lambda: S.rnn_configs(max_n=2.5), "max_n=2.5 must be an integer"),
    (lambda: S.activations(allowed=("relu",)), r"unknown value\(s\) \['relu'\]"),
    (lambda: S.elman_problems(regimes=()), "must name at least one"),
    (lambda: S.elman_problems(loss_kinds=("hinge",)), "loss_kinds"),
    (lambda: S.matrices_with_spectral_norm(2, min_norm=-1.0), "min_norm=-1.0 must be a finite number >= 0"),
    (lambda: S.matrices_with_spectral_radius(2, max_radius=math.inf), "max_radius=inf must be a finite number"),
    (lambda: S.recurrent_weights(2, regime="chaotic"), "regime"),
])
def test_invalid_arguments_are_explained(call, message):
    with pytest.raises(InvalidArgument, match=message):
        call()


@settings(max_examples=scaled(0.5))
@given(problem=S.elman_problems(max_n=2, max_T=3), tau=st.floats(0.01, 10))
def test_problem_run_records_clipped_training(problem, tau):
    run = S.problem_run(problem, steps=3, tau=tau)
    h = run.history
    assert [c.name for c in run.checkpoints] == ["initial", "final"] and run.checkpoints[0].params is problem.params
    assert len(h["loss"]) == 3 and np.all(h["clipped"] == (h["grad_norm"] > tau))
    g = engine.bptt(problem.params, problem.xs, problem.targets, h0=problem.h0)[1].flat()
    assert math.isclose(h["grad_norm"][0], np.linalg.norm(g), rel_tol=1e-12, abs_tol=1e-300)


# -- gated strategies ----------------------------------------------------------------------------
SIG3 = 1 / (1 + math.exp(-3.0))  # sigma(3): the smallest |gate - 1/2| + 1/2 a margin of 3 allows


def _gate_facts(problem):
    """(the gate that remembers, pre-activations of all gates) of a problem's trajectory."""
    tr = problem.trajectory()
    if problem.cell == "lstm":
        return tr.rem[1:], [tr.a_r[1:], tr.a_s[1:], tr.a_f[1:], tr.a_l[1:]]
    return 1 - tr.u[1:], [tr.a_u[1:], tr.a_r[1:], tr.a_h[1:]]


@pytest.mark.parametrize("make", [S.lstm_problems, S.gru_problems], ids=["lstm", "gru"])
@settings(max_examples=scaled(2.0))
@given(data=st.data())
def test_gated_problems_are_finite_and_in_their_regime(make, data):
    problem = data.draw(make(max_n=3, max_T=5, loss_kinds=("squared", "cross_entropy")), label="problem")
    note(problem.describe())
    p, tr = problem.params, problem.trajectory()
    assert all(np.all(np.isfinite(v)) for v in (*p.arrays().values(), problem.xs, problem.state0, tr.state))
    assert np.isfinite(problem.loss())
    keep, pre = _gate_facts(problem)  # keep = rem_t (LSTM) or 1 - u_t (GRU)
    if problem.regime == "remember":
        assert keep.min() >= SIG3 * (1 - 1e-15)
    elif problem.regime == "forget":
        assert keep.max() <= (1 - SIG3) * (1 + 1e-12)
    elif problem.regime == "saturated":
        assert min(np.abs(a).min() for a in pre) >= 3.0
    elif problem.regime == "carousel":
        assert np.all(keep == 1.0)


@pytest.mark.parametrize("make, cell", [(S.lstm_problems, "lstm"), (S.gru_problems, "gru")], ids=["lstm", "gru"])
def test_gated_shrink_target_is_the_smallest_readable_network(make, cell):
    """The simplest choice sequence (what Hypothesis shrinks towards, and tries first) is the all-zero
    n = d = m = T = 1 network; the shrinking itself is exercised in the slow test below."""
    p = find(make(), lambda p: True, settings=settings(phases=[Phase.generate], database=None))
    assert p.cell == cell and p.config == S.RNNConfig(1, 1, 1, 1) and p.regime == "any"
    assert not np.any(p.params.flat()) and not np.any(p.xs) and not np.any(p.state0)
    assert p.state0.shape == ((2,) if cell == "lstm" else (1,))


@pytest.mark.slow
@pytest.mark.parametrize("make, gate", [(S.lstm_problems, "b_r"), (S.gru_problems, "b_u")], ids=["lstm", "gru"])
def test_gated_problems_shrink_within_their_regime(make, gate):
    """Shrinking a carousel network with n = 2 ends at zero weights and the bare margin bias (~10 s each)."""
    p = find(make(max_n=2, max_d=1, max_m=1, max_T=2), lambda p: p.config.n == 2 and p.regime == "carousel",
             settings=settings(database=None, max_examples=1000))
    assert p.config == S.RNNConfig(2, 1, 1, 1) and not np.any(p.xs) and not np.any(p.state0)
    assert np.all(np.abs(getattr(p.params, gate)) == S.CAROUSEL_MARGIN)
    assert all(not np.any(v) for k, v in p.params.arrays().items() if k != gate)


@pytest.mark.parametrize("call, message", [
    (lambda: S.lstm_problems(min_n=3, max_n=2), "Cannot have min_n=3 > max_n=2"),
    (lambda: S.gru_problems(regimes=("chaotic",)), r"unknown value\(s\) \['chaotic'\]"),
    (lambda: S.gru_problems(regimes=()), "must name at least one"),
    (lambda: S.lstm_problems(loss_kinds=("hinge",)), "loss_kinds"),
    (lambda: S.lstm_params(0, 1), "n=0 must be at least 1"),
    (lambda: S.gru_params(2, 1.5), "d=1.5 must be an integer"),
    (lambda: S.lstm_params(2, 1, regime="near"), "regime"),
    (lambda: S.gru_params(2, 1, max_weight=math.nan), "max_weight=nan must be a finite number"),
    (lambda: S.gated_problem_run(None, steps=0), "steps=0 must be at least 1"),
])
def test_gated_invalid_arguments_are_explained(call, message):
    with pytest.raises(InvalidArgument, match=message):
        call()


@settings(max_examples=scaled(0.5))
@given(problem=S.gru_problems(max_n=2, max_T=3) | S.lstm_problems(max_n=2, max_T=3), tau=st.floats(0.01, 10))
def test_gated_problem_run_records_clipped_training(problem, tau):
    run = S.gated_problem_run(problem, steps=3, tau=tau)
    h = run.history
    assert run.name == f"hypothesis_{problem.cell}" and run.config["cell"] == problem.cell
    assert [c.name for c in run.checkpoints] == ["initial", "final"] and run.checkpoints[0].params is problem.params
    assert all(c.h0 is problem.state0 for c in run.checkpoints)
    assert len(h["loss"]) == 3 and np.all(h["clipped"] == (h["grad_norm"] > tau))
    assert math.isclose(h["grad_norm"][0], np.linalg.norm(problem.gradient().flat()), rel_tol=1e-12, abs_tol=1e-300)
