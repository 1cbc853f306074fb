"""Shared test configuration: Hypothesis profiles and the slow-test policy.

Profiles (``HYPOTHESIS_PROFILE``): ``dev`` (default, fast), ``ci`` (more examples,
derandomised, no deadline; used by ``.ci/run``), ``thorough`` (ten times ``ci``).

Tests marked ``slow`` run under ``ci`` and ``thorough``; under ``dev`` they are skipped with a
reason unless selected explicitly (``-m slow`` or any ``-m`` expression naming them).
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
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "dev")
settings.load_profile(PROFILE)

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def in_ci() -> bool:
    """True under CI, where optional-tool tests (LaTeX) must run, not skip."""
    return IN_CI


@pytest.fixture(scope="session")
def latex_tools():
    """latexmk and poppler; missing: fail under CI, skip (with the reason) elsewhere."""
    import shutil

    missing = [t for t in ("latexmk", "pdflatex", "pdftotext", "pdftoppm", "pdffonts") if shutil.which(t) is None]
    if missing:
        msg = f"LaTeX tools not on PATH: {', '.join(missing)} (install texlive-latex-base texlive-latex-recommended " \
              "texlive-pictures latexmk poppler-utils)"
        if IN_CI:
            pytest.fail(msg + " -- required under CI")
        pytest.skip(msg)
    return True


def pytest_collection_modifyitems(config, items):
    if PROFILE != "dev" or config.getoption("markexpr"):
        return
    skip = pytest.mark.skip(reason="slow: runs under HYPOTHESIS_PROFILE=ci or thorough (or select it with -m slow)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
