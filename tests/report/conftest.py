"""Fixtures of the report tests (helpers live in report_helpers.py)."""

from __future__ import annotations

import shutil

import pytest

from report_helpers import IN_CI


@pytest.fixture(scope="session")
def latex_tools():
    """latexmk and poppler; missing: fail under CI, skip (with the reason) elsewhere."""
    missing = [t for t in ("latexmk", "pdflatex", "pdftotext", "pdftoppm", "pdffonts") if shutil.which(t) is None]
    if missing:
        msg = f"LaTeX tools not on PATH: {', '.join(missing)} (install texlive-latex-base texlive-latex-recommended " \
              "texlive-pictures latexmk poppler-utils)"
        if IN_CI:
            pytest.fail(msg + " -- required under CI")
        pytest.skip(msg)
    return True
