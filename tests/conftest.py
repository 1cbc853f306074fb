"""Shared test configuration: Hypothesis profiles and the registry parametrisation.

Profiles (``HYPOTHESIS_PROFILE``): ``dev`` (default, fast), ``ci`` (more examples,
derandomised, no deadline; used by ``.ci/run``), ``thorough`` (ten times ``ci``).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=10, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=600, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def in_ci() -> bool:
    """True under CI, where optional-tool tests (LaTeX) must run, not skip."""
    return IN_CI
