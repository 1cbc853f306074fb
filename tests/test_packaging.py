"""The installed package must contain every source package folder of the checkout."""

from __future__ import annotations

import pathlib
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]
MAPPED = {"rnnproof": "rnnproof", "derivations": "rnnproof.derivations", "numeric": "rnnproof.numeric"}


def _source_packages():
    found = set()
    for top, name in MAPPED.items():
        for init in (ROOT / top).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / top)
            found.add(".".join([name, *rel.parts]) if rel.parts else name)
    return found


def test_every_package_folder_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    missing = _source_packages() - set(config["packages"])
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {sorted(missing)}"


#: optional or core dependencies the tests import (``pytest.importorskip`` must see the real one)
DEPENDENCIES = ("torch", "jax", "dask", "numdifftools", "numpy", "sympy", "mpmath", "hypothesis", "pytest")


def test_no_test_folder_shadows_a_dependency():
    """pytest's default (prepend) import mode puts ``tests/`` on ``sys.path``; a folder there named
    like a dependency is importable as a namespace package, so ``pytest.importorskip("torch")``
    would find ``tests/torch`` and run the torch tests without torch (issue 13)."""
    from importlib.machinery import PathFinder

    tests = ROOT / "tests"
    roots = [tests, *(d for d in tests.iterdir() if d.is_dir())]
    shadows = [(name, str(spec.origin or list(spec.submodule_search_locations or [])))
               for name in DEPENDENCIES for root in roots
               if (spec := PathFinder.find_spec(name, [str(root)])) is not None]
    assert not shadows, f"rename these test folders/files, they shadow a dependency: {shadows}"
