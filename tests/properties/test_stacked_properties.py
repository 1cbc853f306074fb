r"""Properties of the stacked and bidirectional RNNs (section H) on generated networks.

* rnnproof's BPTT for both architectures always passes against the complex step of the loss;
* the derived ``stacked_rnn_jacobian`` expressions (one-step Jacobians, the path sum) equal the
  complex-step Jacobians of the actual forward map, and the norm chain holds with slack >= 1, on
  contracting and expanding networks alike (the check module's own results, every one passing);
* the derived ``bidirectional_gradient`` parts equal the complex-step input gradients of the actual
  loss, each direction separately, and each direction's bound holds;
* a mutated path sum (one path dropped) fails whenever it changes the value.
"""

import numpy as np
from hypothesis import HealthCheck, given, note, settings, target

from rnnproof.numeric import gradcheck, stacked
from rnnproof.numeric.checks import bidirectional_gradient, stacked_rnn_jacobian
from rnnproof.numeric.checks.stacked_base import StackContext, derived
from rnnproof.numeric.strategies import StackProblem, stack_problem_run, stack_problems

_SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _contexts(problem: StackProblem, identity: str):
    run = stack_problem_run(problem)
    return [StackContext(identity, run, cp, 0) for cp in run.checkpoints]


@_SETTINGS
@given(stack_problems(arch="stacked") | stack_problems(arch="bidir"))
def test_bptt_matches_the_complex_step(problem):
    p = problem.params
    res = gradcheck.check_gradient(problem.gradient().flat(),
                                   lambda v: stacked.loss_of(p.from_flat(v), problem.xs, problem.targets, problem.loss_kind),
                                   p.flat(), identity=f"{problem.arch}_bptt", quantity="dL/dtheta", depth=8 * problem.xs.shape[0] + 20)
    assert res.passed, res


@_SETTINGS
@given(stack_problems(arch="stacked"))
def test_stacked_derived_jacobians_match_the_forward_map(problem):
    for ctx in _contexts(problem, "stacked_rnn_jacobian"):
        res = stacked_rnn_jacobian.check(ctx)
        bad = [r for r in res if not r.passed]
        note(f"regime={problem.regime}, n={problem.params.n}, T={problem.xs.shape[0]}")
        assert not bad, bad
        slacks = [r.slack for r in res if r.method == "bound" and np.isfinite(r.slack)]
        if slacks:
            target(-min(slacks), label="tightest stacked bound")


@_SETTINGS
@given(stack_problems(arch="bidir"))
def test_bidirectional_parts_match_the_loss_gradient(problem):
    for ctx in _contexts(problem, "bidirectional_gradient"):
        bad = [r for r in bidirectional_gradient.check(ctx) if not r.passed]
        note(f"regime={problem.regime}, n={problem.params.n}, T={problem.xs.shape[0]}")
        assert not bad, bad


@_SETTINGS
@given(stack_problems(arch="stacked", min_T=3))
def test_a_path_sum_missing_a_path_fails_when_it_changes_the_value(problem):
    ctx = _contexts(problem, "stacked_rnn_jacobian")[0]
    T = ctx.T
    full = ctx.expression("path_sum")
    short = full.func(full.term, (full.var, full.lower + 1, full.upper))  # the path climbing at k dropped
    from rnnproof.derivations.evaluate import evaluate
    D, M = derived(ctx, "path_sum", t=T, k=1), np.asarray(evaluate(short, ctx.env, {"t": T, "k": 1}), dtype=float)
    gap = np.abs(D - M).max()
    f = lambda v: stacked.stacked_forward(ctx.params, problem.xs, h1_at={1: v})["h2"][T]  # noqa: E731
    res = gradcheck.check_jacobian(M, f, ctx.traj["h"][1], identity="stacked_rnn_jacobian", quantity="mutant",
                                   depth=4 * T + 8, magnitude=stacked_rnn_jacobian.path_magnitude(ctx, T, 1))
    if gap > 1e-6 * max(1.0, np.abs(D).max()):
        assert not res.passed  # a visible change is always caught
    if gap == 0:
        assert res.passed  # (the dropped path is exactly zero, e.g. a zero U_2): no false alarm
