"""Shared machinery of the per-identity numeric checks.

A :class:`Context` is one checkpoint of one real run, with its trajectory and the evaluator
environment, plus the *actual* forward maps (built from :mod:`rnnproof.numeric.engine`) that
finite differences differentiate.  A check module ``numeric/checks/<id>.py`` exposes
``RUNS`` (the built-in runs it uses by default) and ``check(ctx) -> list[CheckResult]``; it
evaluates the identity's *derived* expressions with :func:`derived_value` and compares them
with a reference from :mod:`rnnproof.numeric.fd` through :mod:`rnnproof.numeric.gradcheck`.

Error model for derived values computed in float64 (Higham, *Accuracy and Stability of
Numerical Algorithms*, 2002, sec. 3.5): an entry accumulated from ``K`` floating-point
operations on terms whose absolute values sum to ``M`` is off by at most
:math:`\\gamma_K M`, :math:`\\gamma_K = K\\epsilon/(1-K\\epsilon)`.  Checks pass ``M`` (the
"magnitude", e.g. the product of absolute values of the factors) and ``K`` (the depth).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rnnproof.derivations import registry
from rnnproof.derivations.evaluate import evaluate
from rnnproof.numeric import engine

__all__ = ["ContextAPI", "Context", "derived_value", "gamma", "EPS", "spread_times", "bound_result", "scalar_result"]

EPS = float(np.finfo(np.float64).eps)


def gamma(K: int) -> float:
    """Higham's :math:`\\gamma_K = K\\epsilon/(1-K\\epsilon)`."""
    return K * EPS / (1 - K * EPS)


class ContextAPI:
    """What every check context shares (Elman, gated, residual/highway, stacked/bidirectional):
    the checkpoint's parameters, the labels of its results, the identity's derived expressions for
    the context's ``activation`` (built once per process), and times spread over the sequence.
    A context supplies ``identity``, ``run``, ``checkpoint``, ``seed``, ``activation`` and ``T``."""

    params = property(lambda self: self.checkpoint.params)

    @property
    def labels(self) -> dict:
        return {"identity": self.identity, "run": self.run.name, "checkpoint": self.checkpoint.name, "seed": self.seed}

    def expression(self, name: str):
        """The identity's derived expression ``name`` for this context's activation."""
        return _expression(self.identity, name, self.activation)

    def times(self, count: int, *, lo: int = 1, hi: int | None = None) -> list[int]:
        """``count`` distinct times in ``lo..hi`` (default ``T``), deterministic, spread over the sequence."""
        hi = self.T if hi is None else hi
        ts = np.unique(np.linspace(lo, hi, num=min(count, hi - lo + 1)).round().astype(int))
        return [int(t) for t in ts]


@dataclass(frozen=True)
class Context(ContextAPI):
    """One checkpoint of one run, ready for checks."""

    identity: str
    run: Any
    checkpoint: Any
    seed: int
    traj: Any = field(init=False)
    env: dict = field(init=False)

    def __post_init__(self):
        cp = self.checkpoint
        traj = engine.forward(cp.params, cp.xs, h0=cp.h0)
        object.__setattr__(self, "traj", traj)
        targets = cp.targets if cp.loss_kind == "squared" else None
        object.__setattr__(self, "env", engine.env(cp.params, traj, targets))

    @property
    def activation(self) -> str:
        return self.checkpoint.params.activation

    @property
    def T(self) -> int:
        return self.traj.T

    def state_map(self, t: int, k: int):
        """The actual forward map :math:`h_k \\mapsto h_t` (x_{k+1..t} and weights fixed)."""
        cp = self.checkpoint
        xs = cp.xs[k:t]

        def f(hk):
            return engine.forward(cp.params, xs, h0=hk).h[-1]
        return f


@functools.lru_cache(maxsize=None)
def _expression(identity_id: str, name: str, activation: str):
    # building a derived expression can cost ~20 ms (SymPy construction); evaluation ~1 ms
    return registry.get(identity_id).expression(name, activation)


def derived_value(ctx: Context, name: str, **bindings):
    """Evaluate the identity's derived expression ``name`` on the run (float64)."""
    return evaluate(ctx.expression(name), ctx.env, bindings, backend="numpy")


def spread_times(T: int, count: int) -> list[int]:
    """Up to ``count`` distinct times 1..T, evenly spread."""
    return [int(t) for t in np.unique(np.linspace(1, T, num=min(count, T)).round().astype(int))]


def bound_result(ctx: Context, *, quantity: str, actual: float, bound: float, depth: int, shapes=(), note="",
                 error_estimate: float = 0.0):
    """A ``method="bound"`` result: passes when ``actual <= bound`` up to rounding of both.

    ``slack`` = bound / actual (>= 1 when the bound holds; ``inf`` when actual is 0).  The
    tolerance is :math:`\\gamma_K(|actual| + |bound|)` plus ``error_estimate``, the error of the
    measured ``actual`` when it comes from a finite-difference reference: both sides are float64
    computations of depth ``K``; nothing else is allowed.
    """
    tol = gamma(depth) * (abs(actual) + abs(bound)) + abs(error_estimate)
    slack = bound / actual if actual > 0 else math.inf
    gap = max(0.0, actual - bound)
    return _result(ctx, quantity=quantity, method="bound", derived=bound, reference=actual, abs_err=gap,
                   tol=tol, passed=actual <= bound + tol, shapes=shapes, slack=slack, note=note,
                   error_estimate=abs(error_estimate))


def scalar_result(ctx: Context, *, quantity: str, derived: np.ndarray, reference: np.ndarray, error_estimate,
                  depth: int, magnitude, method: str, step: float, note=""):
    """Elementwise comparison of arrays of scalars, tolerance = reference error + gamma_K * magnitude."""
    d, r = np.asarray(derived, float).ravel(), np.asarray(reference, float).ravel()
    est = np.broadcast_to(np.asarray(error_estimate, float), d.shape)
    tol = est + gamma(depth) * np.broadcast_to(np.asarray(magnitude, float), d.shape)
    gap = np.abs(d - r)
    ratio = np.where(gap == 0, 0.0, gap / np.where(tol > 0, tol, np.finfo(float).tiny))
    w = int(np.argmax(ratio))
    return _result(ctx, quantity=quantity, method=method, derived=float(d[w]), reference=float(r[w]),
                   abs_err=float(gap.max()), tol=float(tol[w]), passed=bool(np.all(gap <= tol)),
                   shapes=(np.shape(derived),), step=step, error_estimate=float(est[w]), worst=(w,),
                   rel=float(gap.max() / max(np.abs(r).max(), np.finfo(float).tiny)), note=note)


def _result(ctx, *, quantity, method, derived, reference, abs_err, tol, passed, shapes=(), slack=math.nan,
            step=math.nan, error_estimate=0.0, worst=(), rel=None, note=""):
    from rnnproof.numeric.results import CheckResult

    return CheckResult(**ctx.labels, quantity=quantity, shapes=tuple(shapes), dtype="float64", method=method,
                       step=step, max_abs_err=abs_err,
                       max_rel_err=rel if rel is not None else (abs_err / abs(reference) if reference else math.inf),
                       worst_index=tuple(worst), derived=derived, reference=reference, error_estimate=error_estimate,
                       tolerance=tol, passed=bool(passed), slack=slack, note=note)
