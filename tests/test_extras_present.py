"""In CI's extras run the optional extras must be importable, so their tests run instead of skipping.

``.ci/run`` sets ``RNNPROOF_REQUIRE_EXTRAS=torch,dask`` for the run that installs
``'.[test,torch,dask]'``; elsewhere (a user's ``pytest`` with the core dependencies only) this test
skips with the reason, and the torch and Dask tests skip with theirs.
"""

from __future__ import annotations

import importlib
import os

import pytest

_MODULES = {"torch": "torch", "dask": "dask.distributed"}
REQUIRED = [e for e in os.environ.get("RNNPROOF_REQUIRE_EXTRAS", "").split(",") if e]


@pytest.mark.parametrize("extra", REQUIRED or [pytest.param("none", marks=pytest.mark.skip(
    reason="RNNPROOF_REQUIRE_EXTRAS is not set (only CI's extras run requires the optional extras)"))])
def test_required_extra_is_importable(extra):
    assert extra in _MODULES, f"unknown extra {extra!r} in RNNPROOF_REQUIRE_EXTRAS (known: {sorted(_MODULES)})"
    importlib.import_module(_MODULES[extra])
