"""Every catalogued identity's numeric check passes on Hypothesis-generated networks.

Parametrised over the one registry, so a failure names the identity and Hypothesis prints the
(shrunk) network that breaks it.  Each example is a synthetic run
(:func:`rnnproof.numeric.strategies.problem_run`: a generated problem trained for two
clipped-SGD steps, checkpoints ``initial`` and ``final``, with its history), checked through
the public path :func:`rnnproof.numeric.checks.check_identity` -- the same code that checks the
built-in runs.  The run is named ``hypothesis``, which no check treats as a constructed
witness, so only the claims that hold for *every* network are asserted (e.g.
``vanishing_condition``: the sufficiency claim when :math:`\\gamma\\lambda_1 < 1`, the bound
otherwise).  An identity whose check module is missing fails here, it is never skipped.

The section-G cell identities (:data:`GATED`) are checked on generated LSTMs and GRUs
(:func:`~rnnproof.numeric.strategies.lstm_problems`, :func:`~rnnproof.numeric.strategies.gru_problems`,
every gate regime: forget gate near 1 and near 0, saturated gates, ``rem_t = 1.0`` exactly)
through :func:`~rnnproof.numeric.strategies.gated_problem_run` and one
:class:`~rnnproof.numeric.checks.gated_base.GatedContext` per checkpoint (what
``check_identity`` does for the built-in gated runs).
"""

import importlib.util

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, find, given, note, settings
from hypothesis import strategies as st
from mutants import scaled

from rnnproof.derivations import registry
from rnnproof.numeric import checks, engine
from rnnproof.numeric.results import format_failure
from rnnproof.numeric.checks.gated_base import GatedContext
from rnnproof.numeric.strategies import StackProblem, stack_problem_run, stack_problems
from rnnproof.numeric.strategies import (ElmanProblem, GatedProblem, elman_problems, gated_problem_run, gru_problems,
                                         lstm_problems, problem_run)
from rnnproof.numeric.strategies.remedies import (RemedyProblem, highway_problems, remedy_problem_run,
                                                  residual_problems)

#: each example costs 0.05-0.5 s: the explain phase (which replays hundreds of variants of a
#: failing example) would take minutes per failure, so it is left out here
PHASES = tuple(p for p in settings.default.phases if p is not Phase.explain)

#: the part of the generated space each identity is stated (or checkable) on, and why
DOMAIN = {
    "loss_gradients": dict(loss_kinds=("squared",)),  # derived for the squared loss; the check refuses others
    "loss_to_hidden": dict(loss_kinds=("squared",)),  # idem
    "tanh_jacobian_entry": dict(activations=("tanh",)),  # (1 - h_j^2) W_ji is the tanh entry
    "spectral_radius_is_not_enough": dict(min_T=2),  # lag-2 products dh_t/dh_(t-2): nothing to check at T = 1
    "deep_linear_gradient": dict(min_T=5),  # linearises depths 3 and 5 along the run: needs T >= 5
    "truncated_bptt": dict(min_T=2),  # compares truncations at times t >= 2: nothing to check at T = 1
    "orthogonal_initialisation": dict(activations=("tanh",)),  # derived for tanh; the check refuses others
    "echo_state_scaling": dict(activations=("tanh",)),  # tanh is 1-Lipschitz; the check refuses others
}
#: identities about the gated cells -> the strategy of their networks
GATED = {"lstm_cell_jacobian": lstm_problems, "gru_jacobian": gru_problems}
#: section-H identities about the residual and highway cells -> the strategy of their networks
REMEDY = {"residual_jacobian": residual_problems, "highway_jacobian": highway_problems}
#: section H architectures -> the strategy of their networks (their runs are one-checkpoint, tau unused)
STACKED = {"stacked_rnn_jacobian": lambda **o: stack_problems(arch="stacked", max_n=o["max_n"], max_d=o["max_d"]),
           "bidirectional_gradient": lambda **o: stack_problems(arch="bidir", max_n=o["max_n"], max_d=o["max_d"])}

_z = np.zeros
#: one sigmoid unit with W_hh = 1 and everything else 0: z_1 = 0, so phi'(z_1) = 1/4 (tanh' would say 1)
SIGMOID_UNIT = ElmanProblem(engine.ElmanParams(np.ones((1, 1)), _z((1, 1)), _z(1), _z((1, 1)), _z(1), "sigmoid"),
                            _z((1, 1)), _z((1, 1)), _z(1))
#: the all-zero tanh network: the loss gradient is exactly 0
ZERO_NETWORK = ElmanProblem(engine.ElmanParams(_z((1, 1)), _z((1, 1)), _z(1), _z((1, 1)), _z(1), "tanh"),
                            _z((1, 1)), _z((1, 1)), _z(1))
#: W_hh = 0 (trained to ~1e-39) and a cross-entropy read-out whose W_yh rows are equal: dl_2/dh_2 is exactly 0, so is the bound
LINEAR_ZERO_RECURRENCE = ElmanProblem(
    engine.ElmanParams(_z((2, 2)), _z((2, 1)), _z(2), np.array([[1.0, 0.0], [1.0, 0.0]]), np.array([0.0, 0.5]), "tanh"),
    _z((2, 1)), np.array([0, 0]), _z(2), "cross_entropy")
#: W_hh = 0, b_h = 1/4: h_1 = tanh(1/4) computed in complex (from h_0) and in real (held) differ in the last bit
ZERO_RECURRENCE_BIAS = ElmanProblem(engine.ElmanParams(_z((1, 1)), _z((1, 1)), np.array([0.25]), _z((1, 1)), _z(1),
                                                       "tanh"), _z((2, 1)), _z((2, 1)), _z(1))
#: W_hh = 1, h_0 = 0: the bound's only term (t=2, tau=1) is ||d+h_1/dW_hh|| = ||diag(phi') (h_0^T x I)|| = 0
ZERO_STATE_BIAS = ElmanProblem(engine.ElmanParams(np.ones((1, 1)), _z((1, 1)), np.array([0.25]), _z((1, 1)), _z(1),
                                                  "tanh"), _z((2, 1)), _z((2, 1)), _z(1))
def _check_module_or_fail(identity_id):
    name = f"rnnproof.numeric.checks.{identity_id}"
    if importlib.util.find_spec(name) is None:
        pytest.fail(f"{identity_id}: no numeric check module numeric/checks/{identity_id}.py "
                    f"(every registered identity needs one)", pytrace=False)
    return checks.check_module(identity_id)


def problems_for(identity_id):
    """The generated problems an identity is checked on (small: n <= 3, d <= 2, T <= 5 unless it needs more)."""
    options = dict(max_n=3, max_d=2, max_T=5, loss_kinds=("squared", "cross_entropy"))
    options.update(DOMAIN.get(identity_id, {}))
    options["max_T"] = max(options["max_T"], options.get("min_T", 1))
    if identity_id in REMEDY:
        return REMEDY[identity_id](max_n=3, max_T=5, loss_kinds=options["loss_kinds"])
    if identity_id in STACKED:
        return STACKED[identity_id](**options)
    return GATED[identity_id](**options) if identity_id in GATED else elman_problems(**options)


def gated_results(identity_id, problem: GatedProblem, *, seed=0, tau=1.0):
    """Every result of a section-G check on the synthetic run of ``problem``, one GatedContext per checkpoint."""
    run = gated_problem_run(problem, tau=tau)
    mod = checks.check_module(identity_id)
    return [r for cp in run.checkpoints for r in mod.check(GatedContext(identity_id, run, cp, seed))]


def _check_all(identity_id, problem, *, seed=0, tau=1.0):
    if isinstance(problem, GatedProblem):
        results = gated_results(identity_id, problem, seed=seed, tau=tau)
    elif isinstance(problem, RemedyProblem):
        results = checks.check_identity(identity_id, remedy_problem_run(problem, tau=tau), seed=seed)
    elif isinstance(problem, StackProblem):
        results = checks.check_identity(identity_id, stack_problem_run(problem), seed=seed)
    else:
        results = checks.check_identity(identity_id, problem_run(problem, tau=tau), seed=seed)
    assert results, f"{identity_id}: check returned no results"
    failed = [r for r in results if not r.passed]
    assert not failed, "\n".join(format_failure(r) for r in failed)


@pytest.mark.parametrize("identity_id", registry.all_ids())
def test_identity_has_check_module(identity_id):
    mod = _check_module_or_fail(identity_id)
    assert callable(getattr(mod, "check", None)), f"{identity_id}: check module has no check(ctx)"


@pytest.mark.parametrize("identity_id", registry.all_ids())
@settings(max_examples=scaled(0.5, minimum=3), phases=PHASES, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_identity_check_passes_on_generated_rnns(identity_id, data):
    _check_module_or_fail(identity_id)
    problem = data.draw(problems_for(identity_id), label="problem")
    seed = data.draw(st.integers(0, 2 ** 16), label="seed")
    tau = data.draw(st.sampled_from([1.0, 0.1, 10.0]), label="tau")
    note(f"{identity_id} on {problem.describe()}, tau={tau}")
    _check_all(identity_id, problem, seed=seed, tau=tau)


def test_loss_bound_where_the_true_gradient_is_exactly_zero():
    """Regression (found by the property above): W_yh with equal rows makes dl_2/dh_2 exactly 0 under
    cross-entropy, so the bound is 0 while the complex-step reference keeps rounding noise (8.8e-93);
    the bound check allows the reference's rounding of the terms that cancel, nothing more."""
    _check_all("loss_gradient_bound", LINEAR_ZERO_RECURRENCE)


def test_clipping_check_on_a_zero_gradient():
    """Regression (found by the property above): g = 0 is outside the clipping identity's domain
    (tau/||g|| is undefined); the check keeps the recorded-norm facts and does not crash."""
    _check_all("gradient_clipping", ZERO_NETWORK)


@pytest.mark.parametrize("identity_id", sorted(GATED))
def test_check_identity_accepts_a_synthetic_gated_run(identity_id):
    """Regression (found by the properties): the context is chosen by the parameters' cell type,
    not by the run's name, so synthetic gated runs are checked like the built-in ones."""
    problem = find(GATED[identity_id](), lambda p: True, settings=settings(phases=[Phase.generate], database=None))
    results = checks.check_identity(identity_id, gated_problem_run(problem))
    assert results and all(r.passed for r in results)


@pytest.mark.parametrize("problem", [ZERO_RECURRENCE_BIAS, ZERO_STATE_BIAS], ids=["W_hh=0", "h0=0"])
def test_truncation_bound_of_zero_is_met_up_to_the_references_error(problem):
    """Regression (found by the properties): where the error bound is exactly 0 the two complex-step
    references still differ in the last bit; the bound check allows their own error, no more."""
    _check_all("truncated_bptt", problem)
