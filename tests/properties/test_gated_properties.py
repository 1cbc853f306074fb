r"""Properties of the gated cells (IDENTITIES.md section G) and of truncated BPTT, on generated networks.

* rnnproof's gated BPTT gradient (:func:`~rnnproof.numeric.gated.lstm_bptt`,
  :func:`~rnnproof.numeric.gated.gru_bptt`) always passes against the complex step of the loss;
* each mutation of a derived section-G expression always fails its numeric check whenever it
  changes the value at a checked time (the CEC with the input gate ``diag(save_t)``, the GRU
  Jacobian without its reset-gate or update-gate path, a transposed Jacobian, a wrong time index,
  the LSTM state Jacobian without the output gate's path);
* the constant error carousel: with the cell state's own path (``wm`` held at its run values)
  :math:`\partial ltm_t/\partial ltm_k = \prod_{s=k+1}^{t}\operatorname{diag}(\mathrm{rem}_s)`,
  which is exactly ``I`` when :math:`\mathrm{rem}_s = 1.0` (regime ``carousel``);
* ``truncated_bptt``: :math:`\lVert\text{full} - \text{truncated}\rVert_2 \le` the derived
  ``error_bound`` with slack >= 1 on generated Elman networks (Hypothesis targets the tightest).
"""

import functools
import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, assume, event, example, given, note, settings, target
from hypothesis import strategies as st
from mutants import scaled

from rnnproof.derivations import registry
from rnnproof.derivations.evaluate import evaluate
from rnnproof.numeric import checks, engine, gated, gated_runs, gradcheck
from rnnproof.numeric.checks.base import Context, gamma
from rnnproof.numeric.checks.bptt_recursion import evaluator as elman_evaluator
from rnnproof.numeric.checks.bptt_recursion import param_state_map
from rnnproof.numeric.checks.gated_base import GatedContext, evaluator
from rnnproof.numeric.fd import complex_step_jacobian
from rnnproof.numeric.strategies import (ElmanProblem, GatedProblem, elman_problems, gated_problem_run,
                                         gru_problems, lstm_problems, problem_run)

BOTH = ("squared", "cross_entropy")
PROBLEMS = {"lstm": lstm_problems(max_n=3, max_T=5, loss_kinds=BOTH),
            "gru": gru_problems(max_n=3, max_T=5, loss_kinds=BOTH)}
IDENTITY = {"lstm": "lstm_cell_jacobian", "gru": "gru_jacobian"}


def _lstm(n, d, m, **arrays):
    z = {**{f"W_{g}": np.zeros((n, d)) for g in "rsfl"}, **{f"U_{g}": np.zeros((n, n)) for g in "rsfl"},
         **{f"b_{g}": np.zeros(n) for g in "rsfl"}, "W_yh": np.zeros((m, n)), "b_y": np.zeros(m)}
    return gated.LSTMParams(**{**z, **arrays})


#: the all-zero LSTM: every gate is 1/2, so diag(save_t) = diag(rem_t) and that mutant is no bug here
ZERO_LSTM = GatedProblem(_lstm(1, 1, 1), np.zeros((2, 1)), np.zeros((2, 1)), np.zeros(2))


# -- the gated BPTT gradient ----------------------------------------------------------------------
def _check_bptt(problem: GatedProblem, seed: int):
    p = problem.params

    def loss(theta):
        return gated_runs.bptt_of(p.from_flat(theta), problem.xs, problem.targets, problem.state0,
                                  problem.loss_kind)[0]
    return gradcheck.check_gradient(problem.gradient().flat(), loss, p.flat(), identity=f"{problem.cell}_bptt",
                                    quantity=f"dL/dtheta ({problem.cell}, {p.size} parameters)", seed=seed)


@pytest.mark.parametrize("cell", PROBLEMS)
@settings(max_examples=scaled(1.0))
@given(data=st.data())
def test_gated_bptt_always_passes(cell, data):
    problem = data.draw(PROBLEMS[cell], label="problem")
    seed = data.draw(st.integers(0, 2 ** 16), label="seed")
    note(problem.describe())
    r = _check_bptt(problem, seed)
    assert r.passed, r


def test_gated_bptt_zero_network_passes():
    """The all-zero LSTM: gradient entries exactly 0 with a zero rounding bound (no division by zero)."""
    assert _check_bptt(ZERO_LSTM, 0).passed


# -- mutations of the derived expressions ------------------------------------------------------------
def _shift_t(e):
    return e.xreplace({s: s - 1 for s in e.free_symbols if s.name == "t"})


def _without(matrix):
    """Drop every term through the matrix symbol ``matrix`` (it becomes the zero matrix)."""
    def mutate(e):
        return e.xreplace({s: sp.ZeroMatrix(*s.shape) for s in e.atoms(sp.MatrixSymbol) if s.name == matrix})
    return mutate


def _memo(mutate):
    """Build each mutated expression once (SymPy's ``.T`` of the state Jacobian alone takes ~0.15 s)."""
    return functools.lru_cache(maxsize=None)(mutate)


#: (identity, mutant) -> (derived name, mutation, text of the quantity that must fail)
MUTANTS = {
    ("lstm_cell_jacobian", "save_for_rem"): ("dltm_dltm_prev", _memo(lambda e: e.xreplace(
        {sp.Symbol("rem"): sp.Symbol("save")})), "diag(rem_t)"),
    ("lstm_cell_jacobian", "transposed"): ("state_jacobian", _memo(lambda e: e.T), "state_jacobian"),
    ("lstm_cell_jacobian", "wrong_time"): ("state_jacobian", _memo(_shift_t), "state_jacobian"),
    ("lstm_cell_jacobian", "no_output_gate_path"): ("state_jacobian", _memo(_without("U_f")), "state_jacobian"),
    ("gru_jacobian", "no_reset_term"): ("J", _memo(_without("W_r")), "dh_t/dh_(t-1)"),
    ("gru_jacobian", "no_update_term"): ("J", _memo(_without("W_u")), "dh_t/dh_(t-1)"),
    ("gru_jacobian", "transposed"): ("J", _memo(lambda e: e.T), "dh_t/dh_(t-1)"),
    ("gru_jacobian", "wrong_time"): ("J", _memo(_shift_t), "dh_t/dh_(t-1)"),
}


def _contexts(identity, run, seed=0):
    return [GatedContext(identity, run, cp, seed) for cp in run.checkpoints]


def _material(identity, name, mutate, ctxs) -> bool:
    """The mutant changes the derived value at some checked time by more than 1e-6 of its scale."""
    expr = registry.get(identity).expression(name, "tanh")
    bad = mutate(expr)
    times = checks.check_module(identity).TIMES
    for ctx in ctxs:
        for t in ctx.times(times):
            a = np.asarray(evaluate(expr, ctx.env, {"t": t}, backend="numpy"), dtype=float)
            b = np.asarray(evaluate(bad, ctx.env, {"t": t}, backend="numpy"), dtype=float)
            if np.abs(a - b).max() > 1e-6 * max(np.abs(a).max(), 1e-300):
                return True
    return False


@pytest.mark.parametrize("identity, mutant", sorted(MUTANTS))
@settings(max_examples=scaled(0.5, minimum=3), suppress_health_check=[HealthCheck.filter_too_much,
                                                                     HealthCheck.too_slow])
@given(data=st.data())
def test_each_gated_mutation_always_fails(identity, mutant, data):
    cell = "lstm" if identity == "lstm_cell_jacobian" else "gru"
    problem = data.draw(lstm_problems(min_n=2, max_n=3, max_T=4) if cell == "lstm"
                        else gru_problems(min_n=2, max_n=3, max_T=4), label="problem")
    note(problem.describe())
    name, mutate, where = MUTANTS[identity, mutant]
    run = gated_problem_run(problem)
    material = _material(identity, name, mutate, _contexts(identity, run))
    event(f"{identity}/{mutant}: {'material' if material else 'no-op on this network'}")
    assume(material)
    orig = GatedContext.expression

    def mutated(self, nm):
        e = orig(self, nm)
        return mutate(e) if nm == name and self.identity == identity else e
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(GatedContext, "expression", mutated)
        results = [r for ctx in _contexts(identity, run) for r in checks.check_module(identity).check(ctx)]
    failed = [r for r in results if not r.passed]
    note(f"{len(failed)} of {len(results)} results failed: {[r.quantity for r in failed]}")
    assert failed, f"{identity}: mutant {mutant} ({name}) went undetected on {problem.describe()}"
    assert any(where in r.quantity for r in failed), f"{mutant}: failures do not name {where!r}"


def test_save_for_rem_is_no_bug_when_the_gates_agree():
    """The all-zero LSTM has save_t = rem_t = 1/2: the mutant is not material there (so it is assumed away)."""
    run = gated_problem_run(ZERO_LSTM)
    name, mutate, _ = MUTANTS["lstm_cell_jacobian", "save_for_rem"]
    assert not _material("lstm_cell_jacobian", name, mutate, _contexts("lstm_cell_jacobian", run))


# -- the constant error carousel -------------------------------------------------------------------------
def _cell_path(problem: GatedProblem, t: int, k: int):
    r"""The actual map :math:`ltm_k \mapsto ltm_t` with :math:`wm_{s-1}` held at its run value at every step
    (one :func:`gated.lstm_forward` step per time: only the cell state's own path is differentiated)."""
    tr, p, xs = problem.trajectory(), problem.params, problem.xs

    def f(c):
        for s in range(k + 1, t + 1):
            c = gated.lstm_forward(p, xs[s - 1:s], ltm0=c, wm0=tr.wm[s - 1].astype(c.dtype)).ltm[-1]
        return c
    return f, tr.ltm[k]


def _derived_cell_product(problem: GatedProblem, t: int, k: int):
    run = gated_problem_run(problem, steps=1)
    D = evaluator(GatedContext("lstm_cell_jacobian", run, run.checkpoints[0], 0), "dltm_dltm_prev")
    P = np.eye(problem.params.n)
    for s in range(k + 1, t + 1):
        P = D(t=s) @ P
    return P


@settings(max_examples=scaled(1.0))
@given(problem=lstm_problems(min_T=2, max_T=6, regimes=("any", "remember", "forget", "carousel")), data=st.data())
def test_cell_path_is_the_product_of_forget_gates(problem, data):
    T = problem.config.T
    k = data.draw(st.integers(0, T - 1), label="k")
    t = data.draw(st.integers(k + 1, T), label="t")
    note(f"{problem.describe()} t={t} k={k}")
    P = _derived_cell_product(problem, t, k)
    f, c = _cell_path(problem, t, k)
    r = gradcheck.check_jacobian(P, f, c, identity="lstm_cell_jacobian", magnitude=np.abs(P), depth=t - k + 2,
                                 quantity=f"prod diag(rem_s) vs dltm_{t}/dltm_{k} (wm held)")
    assert r.passed, r


@settings(max_examples=scaled(1.0))
@given(problem=lstm_problems(min_T=2, max_T=6, regimes=("carousel",)), data=st.data())
def test_constant_error_carousel_is_exactly_the_identity(problem, data):
    """rem_t = 1.0 exactly: the derived product and the complex-step Jacobian of the cell path are exactly I."""
    T = problem.config.T
    k = data.draw(st.integers(0, T - 1), label="k")
    t = data.draw(st.integers(k + 1, T), label="t")
    note(f"{problem.describe()} t={t} k={k}")
    assert np.all(problem.trajectory().rem[1:] == 1.0), "carousel regime: rem_t must be exactly 1.0"
    eye = np.eye(problem.params.n)
    assert np.array_equal(_derived_cell_product(problem, t, k), eye)
    J, _ = complex_step_jacobian(*_cell_path(problem, t, k))
    assert np.array_equal(J, eye), f"dltm_{t}/dltm_{k} with wm held is not I: {J}"


@settings(max_examples=scaled(0.5, minimum=3))
@given(problem=gru_problems(min_T=1, max_T=5, regimes=("carousel",)))
def test_gru_carousel_jacobian_is_the_identity_to_rounding(problem):
    r"""u_t < 2^-54: the derived ``J`` is :math:`I + O(u_t)`, every entry within 1e-15 of I."""
    run = gated_problem_run(problem, steps=1)
    ctx = GatedContext("gru_jacobian", run, run.checkpoints[0], 0)
    J = evaluator(ctx, "J")
    note(problem.describe())
    for t in range(1, problem.config.T + 1):
        dev = np.abs(J(t=t) - np.eye(problem.params.n)).max()
        assert dev <= 1e-15, f"gru_jacobian: |J_{t} - I| = {dev:.3g} with u_t <= {ctx.traj.u[t].max():.3g}"


# -- truncated BPTT: the derived error bound -----------------------------------------------------------
#: n = d = 1: the parameter used to be guessed from the derived shape, and W_hh, W_xh, b_h are all 1x1 there
ONE_UNIT = ElmanProblem(engine.ElmanParams(np.full((1, 1), 0.9), np.ones((1, 1)), np.zeros(1), np.ones((1, 1)),
                                           np.zeros(1), "tanh"), np.ones((3, 1)), np.zeros((3, 1)), np.zeros(1))
SUFFIX = {"W_hh": "", "b_h": "_b_h"}


@settings(max_examples=scaled(1.0))
@given(problem=elman_problems(max_n=3, min_T=2, max_T=6), name=st.sampled_from(sorted(SUFFIX)),
       t_pick=st.integers(0, 5), tau_pick=st.integers(0, 5))
@example(problem=ONE_UNIT, name="W_hh", t_pick=1, tau_pick=1).via("regression: n = d = 1 (theta read off the shape)")
@example(problem=ONE_UNIT, name="b_h", t_pick=1, tau_pick=0).via("regression: n = d = 1 (theta read off the shape)")
def test_truncation_error_bound_holds_with_slack(problem, name, t_pick, tau_pick):
    """t in 2..T and tau in 1..t-1 (tau = t truncates nothing), both shrinking to their smallest values."""
    T = problem.config.T
    t = 2 + t_pick % (T - 1)
    tau = 1 + tau_pick % (t - 1)
    run = problem_run(problem)
    ctx = Context("truncated_bptt", run, run.checkpoints[0], 0)
    bound = float(np.asarray(elman_evaluator(ctx, "error_bound" + SUFFIX[name])(t=t, tau=tau)).real.ravel()[0])
    f, theta = param_state_map(ctx, name, t)
    g, _ = param_state_map(ctx, name, t, start=t - tau)
    (F, eF), (G, eG) = complex_step_jacobian(f, theta), complex_step_jacobian(g, theta)
    gap = float(np.linalg.norm(F - G, 2))
    tol = float(np.linalg.norm(eF + eG)) + gamma(problem.config.n * (t + 4)) * (gap + bound)
    slack = bound / gap if gap > 0 else math.inf
    note(f"{problem.describe()} theta={name} t={t} tau={tau}: ||full - truncated||={gap:.6g} "
         f"bound={bound:.6g} slack={slack:.6g}")
    if gap > 0 and bound > 0:
        target(gap / bound, label="||full - truncated|| / bound (tightness)")
    assert gap <= bound + tol, f"truncated_bptt bound violated: slack={slack:.6g} < 1 (tol={tol:.3g})"
