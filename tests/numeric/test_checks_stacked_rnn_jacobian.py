"""Numeric check of ``stacked_rnn_jacobian`` on the stacked runs: it passes, and mutated derived expressions fail it."""

import pytest

from checkkit import default_results, fails, mutate, shift
from rnnproof.derivations.mutations import mutate as catalogue_mutate
from rnnproof.numeric import stacked_runs
from rnnproof.numeric.checks import default_runs

ID = "stacked_rnn_jacobian"


def test_default_runs_are_two_real_stacked_runs():
    runs = default_runs(ID)
    assert len(runs) >= 2 and all(stacked_runs.is_stacked_run(r) for r in runs)
    assert {stacked_runs.CONFIGS[r]["kind"] for r in runs} == {"adding", "text"}


@pytest.mark.parametrize("run", ["adding_stacked", "text_stacked"])
@pytest.mark.parametrize("checkpoint", ["initial", "final"])
def test_passes_on_the_runs(run, checkpoint):
    res = default_results(ID, run, checkpoint)
    assert res and all(r.passed for r in res), [r.message() if hasattr(r, "message") else r for r in res if not r.passed]
    bounds = [r for r in res if r.method == "bound"]
    assert bounds and all(r.slack >= 1 - 1e-9 for r in bounds)
    # a tolerance that could swallow the quantity would be a bug: every Jacobian comparison is tight
    assert all(r.tolerance < 1e-8 for r in res if r.method != "bound")


@pytest.mark.parametrize("name", ["A2", "B2", "path_sum"])
def test_transposed_jacobian_fails(monkeypatch, name):
    mutate(monkeypatch, ID, name, lambda e: e.T)
    assert fails(ID, "adding_stacked")


@pytest.mark.parametrize("name", ["A2", "B2", "path_sum"])
def test_shifted_time_fails(monkeypatch, name):
    mutate(monkeypatch, ID, name, shift("t", -1))
    assert fails(ID, "text_stacked")


@pytest.mark.parametrize("name, mutation", [("A2", "swap the activation derivative"), ("B2", "swap the activation derivative"),
                                            ("path_sum", "swap the activation derivative"), ("A2", "drop a term"),
                                            ("path_sum", "drop a term")])
def test_catalogue_mutants_fail(monkeypatch, name, mutation):
    mutate(monkeypatch, ID, name, lambda e: catalogue_mutate(e, mutation))
    assert fails(ID, "adding_stacked")


def test_a_path_sum_missing_the_last_climb_fails(monkeypatch):
    # the path that climbs at s = t dropped: sum to t - 1
    mutate(monkeypatch, ID, "path_sum", lambda e: e.func(e.term, (e.var, e.lower, e.upper - 1)))
    assert fails(ID, "adding_stacked")


def test_a_halved_norm_bound_fails(monkeypatch):
    mutate(monkeypatch, ID, "norm_terms", lambda e: e / 2)
    assert any(r.method == "bound" for r in fails(ID, "text_stacked"))


@pytest.mark.slow
def test_at_the_size_users_run():
    # n = 64, T = 120 (text_large's size): the checks still pass with the same error model, in seconds
    import time

    import numpy as np

    from rnnproof.numeric import stacked
    from rnnproof.numeric.checks import bidirectional_gradient, stacked_rnn_jacobian
    from rnnproof.numeric.checks.stacked_base import StackContext
    from rnnproof.numeric.strategies import StackProblem, stack_problem_run

    rng = np.random.default_rng(64)
    n, d, m, T = 64, 8, 4, 120
    N = lambda r, c: rng.normal(0, 1 / np.sqrt(c), (r, c))  # noqa: E731
    xs, o = rng.normal(size=(T, d)), rng.normal(size=(T, m))
    for arch, p, mod in (
            ("stacked_rnn_jacobian", stacked.StackedParams(N(n, n), N(n, d), np.zeros(n), N(n, n), N(n, n), np.zeros(n),
                                                           N(m, n), np.zeros(m)), stacked_rnn_jacobian),
            ("bidirectional_gradient", stacked.BidirParams(N(n, n), N(n, d), np.zeros(n), N(n, n), N(n, d), np.zeros(n),
                                                           N(m, n), N(m, n), np.zeros(m)), bidirectional_gradient)):
        run = stack_problem_run(StackProblem(p, xs, o))
        start = time.perf_counter()
        res = mod.check(StackContext(arch, run, run.checkpoints[0], 0))
        elapsed = time.perf_counter() - start
        assert res and all(r.passed for r in res), [r for r in res if not r.passed]
        print(f"{arch}: n={n}, T={T}: {len(res)} checks in {elapsed:.2f} s")


@pytest.mark.slow
@pytest.mark.parametrize("arch, name", [("stacked_rnn_jacobian", "path_sum"), ("bidirectional_gradient", "backward_part")])
def test_a_slightly_wrong_derivation_fails_at_the_size_users_run(monkeypatch, arch, name):
    """Detection power at n = 64, T = 120: the derived path sum (stacked) or backward part
    (bidirectional) off by a relative 1e-7 in every entry fails its check."""
    import numpy as np

    from rnnproof.numeric import stacked
    from rnnproof.numeric.checks import check_module
    from rnnproof.numeric.checks.stacked_base import StackContext
    from rnnproof.numeric.strategies import StackProblem, stack_problem_run

    rng = np.random.default_rng(64)
    n, d, m, T = 64, 8, 4, 120
    N = lambda r, c: rng.normal(0, 1 / np.sqrt(c), (r, c))  # noqa: E731
    xs, o = rng.normal(size=(T, d)), rng.normal(size=(T, m))
    p = (stacked.StackedParams(N(n, n), N(n, d), np.zeros(n), N(n, n), N(n, n), np.zeros(n), N(m, n), np.zeros(m))
         if arch == "stacked_rnn_jacobian" else
         stacked.BidirParams(N(n, n), N(n, d), np.zeros(n), N(n, n), N(n, d), np.zeros(n), N(m, n), N(m, n),
                             np.zeros(m)))
    original = StackContext.expression
    monkeypatch.setattr(StackContext, "expression",
                        lambda self, which: original(self, which) * (1 + 1e-7) if which == name else original(self, which))
    run = stack_problem_run(StackProblem(p, xs, o))
    res = check_module(arch).check(StackContext(arch, run, run.checkpoints[0], 0))
    assert res and any(not r.passed and r.method != "bound" for r in res), [r.quantity for r in res]
