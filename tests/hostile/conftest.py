"""Fixtures of the hostile-input tests: LaTeX tools, a jail directory with planted secrets."""

from __future__ import annotations

import os
import shutil

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def latex_tools():
    """latexmk and poppler; missing: fail under CI, skip (with the reason) elsewhere."""
    missing = [t for t in ("latexmk", "pdflatex", "pdftotext") if shutil.which(t) is None]
    if missing:
        msg = f"LaTeX tools not on PATH: {', '.join(missing)}"
        if IN_CI:
            pytest.fail(msg + " -- required under CI")
        pytest.skip(msg)
    return True
