"""Shared helpers of the per-identity numeric-check tests (``tests/numeric/test_checks_*.py``).

Not a test module: imported as ``from checkkit import ...`` (pytest's default ``prepend`` import
mode puts ``tests/numeric`` on ``sys.path``). It loads the built-in runs once per session (Elman
runs via :func:`rnnproof.numeric.runs.load_run`, gated ones via
:func:`rnnproof.numeric.gated_runs.load_run`), builds the matching context (:class:`Context` or
:class:`GatedContext`, chosen by the parameters' cell type as
:func:`rnnproof.numeric.checks.check_identity` does) and monkeypatches the derived expressions a
check sees, so a mutant replaces the *derivation*, never the check.
"""

from __future__ import annotations

import functools

from rnnproof.numeric import gated_runs, remedies_runs, runs, stacked_runs
from rnnproof.numeric.checks import check_module
from rnnproof.numeric.checks.base import Context
from rnnproof.numeric.checks.gated_base import GatedContext
from rnnproof.numeric.checks.remedies_base import RemedyContext
from rnnproof.numeric.checks.stacked_base import StackContext
from rnnproof.numeric.gated import GRUParams, LSTMParams
from rnnproof.numeric.remedies import HighwayParams, ResidualParams
from rnnproof.numeric.stacked import BidirParams, StackedParams

__all__ = ["load", "context", "check_results", "fails", "default_results", "mutate", "replace", "shift"]

_CONTEXTS = (Context, GatedContext, RemedyContext, StackContext)
_ORIGINAL = {cls: cls.expression for cls in _CONTEXTS}


@functools.lru_cache(maxsize=None)
def load(run_name: str):
    """The built-in run ``run_name`` (gated or Elman), loaded once per session."""
    if remedies_runs.is_remedy(run_name):
        return remedies_runs.load_run(run_name)
    if stacked_runs.is_stacked_run(run_name):
        return stacked_runs.load_run(run_name)
    return (gated_runs.load_run if gated_runs.is_gated(run_name) else runs.load_run)(run_name)


def context(identity: str, run_name: str, checkpoint: str = "final", *, seed: int = 0):
    """The check context of ``identity`` on one checkpoint of a built-in run."""
    run = load(run_name)
    cp = run.checkpoint(checkpoint)
    cls = GatedContext if isinstance(cp.params, (LSTMParams, GRUParams)) else Context
    cls = RemedyContext if isinstance(cp.params, (ResidualParams, HighwayParams)) else cls
    cls = StackContext if isinstance(cp.params, (StackedParams, BidirParams)) else cls
    return cls(identity, run, cp, seed)


def check_results(identity: str, run_name: str, checkpoint: str = "final"):
    """Every result of ``identity``'s check module on ``run_name``/``checkpoint`` (seed 0), freshly computed."""
    return check_module(identity).check(context(identity, run_name, checkpoint))


def fails(identity: str, run_name: str, checkpoint: str = "final"):
    """The failing results of :func:`check_results`."""
    return [r for r in check_results(identity, run_name, checkpoint) if not r.passed]


def default_results(identity: str, run_name: str, checkpoint: str = "final"):
    """:func:`check_results` of the unmutated derivation, computed once per session.

    Raises
    ------
    AssertionError
        Called while a context's ``expression`` is monkeypatched (a mutant must never be cached).
    """
    patched = [cls.__name__ for cls in _CONTEXTS if cls.expression is not _ORIGINAL[cls]]
    assert not patched, f"default_results({identity!r}) called with {patched} expression monkeypatched"
    return _cached_results(identity, run_name, checkpoint)


@functools.lru_cache(maxsize=None)
def _cached_results(identity, run_name, checkpoint):
    return tuple(check_results(identity, run_name, checkpoint))


def _patch(monkeypatch, identity, wrap):
    for cls in _CONTEXTS:
        orig = cls.expression

        def fake(self, which, _orig=orig):
            return wrap(which, lambda: _orig(self, which)) if self.identity == identity else _orig(self, which)
        monkeypatch.setattr(cls, "expression", fake)


def mutate(monkeypatch, identity: str, name: str, fn) -> None:
    """Make ``identity``'s derived expression ``name`` read ``fn(original)`` in every context."""
    _patch(monkeypatch, identity, lambda which, original: fn(original()) if which == name else original())


def replace(monkeypatch, identity: str, **exprs) -> None:
    """Make ``identity``'s derived expressions read ``exprs[name]`` (the original is not built)."""
    _patch(monkeypatch, identity, lambda which, original: exprs[which] if which in exprs else original())


def shift(symbol: str, by: int):
    """A mutant maker: every free symbol named ``symbol`` in an expression becomes ``symbol + by``."""
    return lambda e: e.xreplace({s: s + by for s in e.free_symbols if s.name == symbol})
