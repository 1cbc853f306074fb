"""Numeric checks of every catalogued identity on the built-in real runs.

One module per identity id (``numeric/checks/<id>.py``) with ``RUNS`` and
``check(ctx) -> list[CheckResult]``; :func:`run_checks` loops over the one registry of
:mod:`rnnproof.derivations.registry`, so an identity without a check module is an error,
never a silent skip.
"""

from __future__ import annotations

import importlib
from typing import Callable, Iterable, Sequence

from rnnproof.derivations import registry
from rnnproof.derivations.errors import InputError

from ..results import CheckResult
from .base import Context

__all__ = ["run_checks", "check_module", "default_runs", "check_identity"]


def check_module(identity_id: str):
    """The check module of an identity (raises UnknownIdentityError for unknown ids)."""
    registry.get(identity_id)
    return importlib.import_module(f"{__name__}.{identity_id}")


def default_runs(identity_id: str) -> tuple[str, ...]:
    """The built-in runs an identity is checked on by default (at least two)."""
    return tuple(check_module(identity_id).RUNS)


def check_identity(identity_id: str, run, *, seed: int = 0) -> list[CheckResult]:
    """All results of one identity on every checkpoint of one loaded run."""
    from ..gated import GRUParams, LSTMParams
    from ..remedies import HighwayParams, ResidualParams
    from .gated_base import GatedContext
    from .remedies_base import RemedyContext
    from ..stacked import BidirParams, StackedParams
    from .stacked_base import StackContext

    mod = check_module(identity_id)
    out: list[CheckResult] = []
    for cp in run.checkpoints:
        # the cell type is a property of the parameters, not of the run's name (synthetic runs too)
        ctx_cls = GatedContext if isinstance(cp.params, (LSTMParams, GRUParams)) else Context
        ctx_cls = RemedyContext if isinstance(cp.params, (ResidualParams, HighwayParams)) else ctx_cls
        ctx_cls = StackContext if isinstance(cp.params, (StackedParams, BidirParams)) else ctx_cls
        out.extend(mod.check(ctx_cls(identity_id, run, cp, seed)))
    return out


def run_checks(ids: Sequence[str] = (), runs: Iterable[str] | None = None, *, seed: int = 0,
               progress: Callable[[str], None] | None = None, cache_dir=None) -> list[CheckResult]:
    """Check identities (all when ``ids`` is empty) on their default runs, or on ``runs``.

    Raises
    ------
    InputError
        A run name that is not built in.
    """
    from .. import gated_runs, remedies_runs, runs as elman_runs, stacked_runs

    # each family of built-in runs: its names and its loader
    loaders = {name: module.load_run for module in (elman_runs, gated_runs, remedies_runs, stacked_runs)
               for name in module.RUN_NAMES}
    runs = list(runs) if runs else None
    for r in runs or ():
        if r not in loaders:
            raise InputError(f"unknown run {r!r}; built-in runs: {', '.join(loaders)}")
    ids = [i.id for i in registry.resolve(ids)]
    loaded = {}
    results: list[CheckResult] = []
    for identity_id in ids:
        for run_name in runs or default_runs(identity_id):
            if run_name not in loaded:
                if progress:
                    progress(f"loading run {run_name}")
                loaded[run_name] = loaders[run_name](run_name, cache_dir=cache_dir)
            if progress:
                progress(f"checking {identity_id} on {run_name}")
            results.extend(check_identity(identity_id, loaded[run_name], seed=seed))
    return results
