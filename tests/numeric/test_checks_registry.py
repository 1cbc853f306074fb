"""Every registered identity's numeric check has at least two default runs and passes on each of them.

Parametrised over :func:`rnnproof.derivations.registry.all_ids`, so a new identity is covered without a
new test file; the identity-specific mutations and facts stay in ``test_checks_<id>.py``.
"""

from __future__ import annotations

import pytest

from checkkit import default_results
from rnnproof.derivations import registry
from rnnproof.numeric.checks import default_runs
from rnnproof.numeric.results import format_failure

# the gated cells are also checked at their initial checkpoint (before training the gates are not saturated)
CHECKPOINTS = {"lstm_cell_jacobian": ("initial", "final"), "gru_jacobian": ("initial", "final")}

CASES = [pytest.param(identity, run_name, checkpoint, id=f"{identity}-{run_name}-{checkpoint}")
         for identity in registry.all_ids()
         for run_name in default_runs(identity)
         for checkpoint in CHECKPOINTS.get(identity, ("final",))]


@pytest.mark.parametrize("identity", registry.all_ids())
def test_at_least_two_distinct_default_runs(identity):
    runs = default_runs(identity)
    assert len(set(runs)) >= 2, f"{identity}: default RUNS {runs} has fewer than two distinct runs"


@pytest.mark.parametrize("identity, run_name, checkpoint", CASES)
def test_passes_on_default_run(identity, run_name, checkpoint):
    results = default_results(identity, run_name, checkpoint)
    assert results, f"{identity}: the check produced no results on run {run_name}/{checkpoint}"
    bad = [r for r in results if not r.passed]
    assert not bad, (f"{identity} fails on run {run_name}/{checkpoint} ({len(bad)} of {len(results)} results):\n"
                     + "\n".join(format_failure(r) for r in bad))
