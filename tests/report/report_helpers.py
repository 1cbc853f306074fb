"""Helpers of the report tests: available identities, synthetic evidence and series."""

from __future__ import annotations

import importlib.util
import math
import os

from rnnproof.derivations import registry
from rnnproof.derivations.model import DerivationResult, StepResult, Verdict
from rnnproof.numeric.results import CheckResult

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
HOSTILE_RUN = r"evil\input{/etc/passwd}\write18{touch pwned}\catcode`\{=12 #1 50% a_b ~^ & $x$"
#: identities whose derivation is quick and stable, for gold files
GOLD_IDS = ("sigmoid_derivative", "tanh_jacobian")


def available_ids() -> list[str]:
    """Registered ids whose catalogue module exists (others are being written)."""
    return [i for i in registry.IDS if importlib.util.find_spec(f"rnnproof.derivations.catalogue.{i}") is not None]


def synthetic_result(identity) -> DerivationResult:
    """A layout-only result (every step 'numerically confirmed' by a synthetic method), so the
    whole catalogue can be typeset without deriving it; never used outside tests."""
    steps = tuple(StepResult(Verdict.CONFIRMED, "synthetic test result", "layout test only") for _ in identity.steps)
    return DerivationResult(identity=identity.id, results=steps, seed=0)


def check(identity, run="vanishing", checkpoint="final", *, passed=True, method="central", slack=math.nan,
          quantity="J_t (t=17)", err=2.3e-11) -> CheckResult:
    """A check whose numbers agree with its verdict: the worst entry differs by ``err``; a bound's
    two sides are ``bound = slack * measured``."""
    derived, reference = (0.41210 * slack, 0.41210) if method == "bound" else (0.41210, 0.41210 - err)
    return CheckResult(identity=identity, run=run, checkpoint=checkpoint, quantity=quantity,
                       shapes=((4, 4), (4, 4)), dtype="float64", method=method, step=6.1e-6, max_abs_err=err,
                       max_rel_err=1e-10, worst_index=(1, 2), derived=derived, reference=reference,
                       error_estimate=1e-11, tolerance=1.1e-9, seed=7, passed=passed, slack=slack)


def synthetic_evidence(ids) -> list[CheckResult]:
    out = []
    for i in ids:
        out += [check(i), check(i, checkpoint="initial", err=5e-10), check(i, run="exploding", method="bound",
                                                                             slack=1.7, err=0.0)]
    out.append(check(ids[0], run=HOSTILE_RUN, passed=False, err=3e-3))
    return out


def synthetic_series() -> dict:
    lags = list(range(0, 21))
    return {
        "jacobian_norms": [
            {"run": "vanishing", "lags": lags, "norms": [0.9 * 0.4 ** k for k in lags], "gamma_lambda": 0.5},
            {"run": "exploding", "lags": lags, "norms": [0.99999 * 1.3 ** k for k in lags], "gamma_lambda": 1.3},
            # falls below the log floor at lag 3 and underflows to 0 at lag 20
            {"run": "saturated", "lags": lags, "norms": [0.8 * 1e-16 ** k if k < 20 else 0.0 for k in lags],
             "gamma_lambda": 3.0},
        ],
        "gradient_norm": [{"run": "adding", "steps": list(range(1, 41)),
                           "norms": [1.0 + 30.0 * (k % 10 == 0) + 0.1 * k for k in range(1, 41)], "threshold": 5.0,
                           "clipped": [min(1.0 + 30.0 * (k % 10 == 0) + 0.1 * k, 5.0) for k in range(1, 41)]}],
        "comparison": synthetic_comparison(),
    }


def synthetic_comparison(**changes) -> dict:
    """Three cells over 12 lags with an Elman bound above the Elman curve."""
    lags = list(range(13))
    out = {"lags": lags, "curves": {"elman": [0.9 ** k * (1 + 0.1 * (k % 2)) for k in lags],
                                    "lstm": [1.0 - 0.02 * k for k in lags], "gru": [0.95 ** k for k in lags]},
           "bound": [1.7 ** k for k in lags], "gamma": 1.0, "lambda1": 1.7,
           "runs": {"elman": "adding", "lstm": "adding_lstm", "gru": "adding_gru"},
           "confirmed": {"elman": (True, 5e-16, 4e-12), "lstm": (True, 4e-16, 9e-12), "gru": (True, 1e-16, 1e-12)}}
    out.update(changes)
    return out


