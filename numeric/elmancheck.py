r"""Check an Elman loss gradient block by block: full elementwise when affordable, never diluted.

One :class:`~rnnproof.numeric.results.CheckResult` per parameter block (``W_hh``, ``W_xh``,
``b_h``, ``W_yh``, ``b_y``), each decided by

* the **full elementwise comparison** (default whenever :math:`P\,n\,T \le` :data:`FULL_BUDGET`,
  which includes n = 64, T = 100 and n = 128, T = 200): every entry against the batched
  complex-step gradient (:func:`fd.elman_gradient_complex_step`), so a wrong single entry is
  compared with its own tolerance and cannot be averaged away; or
* seeded **projections per block** (:data:`PROJECTIONS` directions supported on that block only,
  forward-mode complex step) when the full comparison is too expensive; a failed projection
  triggers the full comparison to name the worst entry.

The tolerance of entry :math:`i` is the reference's own error plus twice the calibrated bound
:func:`rnnproof.numeric.errmodel.gradient_bound` (one float64 computation each side).  The
result's ``note`` says which comparison decided.

**Cannot decide.**  When the error model or the reference is not finite (overflow, e.g.
gradients near 1e300), when rounding in the forward trajectory alone (measured) moves a block by
more than :data:`UNDECIDED_FRACTION` of its largest entry (a chaotic or exploding run: float64
cannot resolve the gradient), or when the tolerance exceeds that fraction of the largest gradient
entry, a block that shows no violation gets ``verdict="undecided"`` (and ``passed=False``) with
the reason, instead of a vacuous pass.  A violation larger than the tolerance is still a failure.
A block that merely vanishes (a saturated network's recurrent gradient, ~1e-16 of the rest) is
decided: it is zero to within its absolute tolerance, which is what the comparison states.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from rnnproof.derivations.errors import InputError, ShapeError

from . import engine, errmodel, fd
from .results import CheckResult

__all__ = ["check_blocks", "worst", "FULL_BUDGET", "PROJECTIONS", "UNDECIDED_FRACTION", "MODES"]

#: largest P n T (multiply-adds of the batched complex step) for which the full comparison is the default
FULL_BUDGET = 2.0e9
#: seeded directions per block when projecting
PROJECTIONS = 3
#: a block whose tolerance reaches this fraction of the largest gradient entry cannot be decided
UNDECIDED_FRACTION = 0.1
MODES = ("auto", "full", "projections")


def _label(identity, quantity, run, checkpoint, seed, shape):
    return dict(identity=identity, run=run, checkpoint=checkpoint, quantity=quantity, seed=seed,
                shapes=(shape, shape), dtype="float64")


def _block_full(D, J, err, tol, label, note):
    """Entrywise comparison; entries whose reference or tolerance is not finite cannot be judged."""
    with np.errstate(invalid="ignore", over="ignore"):
        gap = np.abs(D - J)
        judged = np.isfinite(J) & np.isfinite(tol)
        bad = judged & ~(gap <= tol)  # a non-finite derived value next to a finite reference is a violation
        ratio = np.where(judged, gap / np.where(tol > 0, tol, np.finfo(float).tiny), -1.0)
    ratio = np.where(np.isnan(ratio), np.inf, ratio)
    i = int(np.argmax(ratio)) if judged.any() else 0
    scale = float(np.max(np.abs(J[np.isfinite(J)]), initial=0.0))
    gmax = float(np.max(gap[judged], initial=0.0))
    return CheckResult(**label, method="complex-batched", step=1e-200, max_abs_err=gmax,
                       max_rel_err=gmax / scale if scale else math.inf, worst_index=(i,),
                       derived=float(D[i]), reference=float(J[i]), error_estimate=float(err[i]),
                       tolerance=float(tol[i]), passed=not bad.any(), note=note)


def _undecided(r: CheckResult, tol, ref, fwd, scale) -> CheckResult:
    """Turn a pass into ``undecided`` when the comparison could not have seen a wrong gradient.

    ``fwd`` is the block's measured forward-rounding term (:func:`errmodel.forward_sensitivity`),
    ``scale`` the largest finite entry of the whole reference gradient.
    """
    if not r.passed:
        return r
    top = float(np.max(np.abs(ref))) if ref.size and np.all(np.isfinite(ref)) else 0.0
    if not (np.all(np.isfinite(tol)) and np.all(np.isfinite(ref))):
        k = int(np.sum(~(np.isfinite(tol) & np.isfinite(ref))))
        why = f"the error model or the reference overflowed (not finite) on {k} of {tol.size} entries"
    elif top > 0 and float(np.max(fwd)) > UNDECIDED_FRACTION * top:
        why = (f"rounding in the forward trajectory alone moves this block by up to {float(np.max(fwd)):.2g} "
               f"(measured), more than {UNDECIDED_FRACTION:g} x its largest entry {top:.2g}: float64 cannot resolve "
               f"this gradient (chaotic or exploding run)")
    elif scale > 0 and float(np.max(tol)) > UNDECIDED_FRACTION * scale:
        why = (f"the tolerance {float(np.max(tol)):.2g} exceeds {UNDECIDED_FRACTION:g} x the largest gradient entry "
               f"{scale:.2g}")
    else:
        return r
    return dataclasses.replace(r, passed=False, verdict="undecided", note=f"cannot decide: {why}; {r.note}")


def check_blocks(grad, params: engine.ElmanParams, xs, targets, *, kind: str = "squared", h0=None,
                 names=engine.PARAM_NAMES, seed: int = 0, mode: str = "auto", identity: str = "loss_gradients",
                 run: str = "", checkpoint: str = "") -> list[CheckResult]:
    r"""Compare a flat Elman loss gradient with the complex-step gradient, one result per block.

    Parameters
    ----------
    grad : array (P,) or ElmanParams
        The gradient under test, :meth:`ElmanParams.flat` order (entries of blocks not in
        ``names`` are ignored).
    names : sequence of str
        The blocks to check.
    mode : {"auto", "full", "projections"}
        ``auto``: full when :math:`P n T \le` :data:`FULL_BUDGET`, else projections per block.

    Returns
    -------
    list of CheckResult
        ``quantity = "dL/d<name>"``, ``worst_index = (flat index within the block,)``.
    """
    if mode not in MODES:
        raise InputError(f"mode must be one of {MODES}, got {mode!r}")
    g = grad.flat() if isinstance(grad, engine.ElmanParams) else np.asarray(grad, dtype=np.float64).ravel()
    if g.size != params.size:
        raise ShapeError(f"{identity}: gradient has {g.size} entries, expected P = {params.size} "
                         f"(n={params.n}, d={params.d}, m={params.m})")
    traj = engine.forward(params, xs, h0=h0)
    T = traj.T
    full = mode == "full" or (mode == "auto" and params.size * params.n * T <= FULL_BUDGET)
    fwd = errmodel.forward_sensitivity(params, xs, targets, kind=kind, h0=h0, trajectory=traj, seed=seed)
    slices, cache = params.slices(), {}

    def bound():  # the O(T n^3) covariance only when an entrywise comparison runs
        if "B" not in cache:
            with np.errstate(over="ignore", invalid="ignore"):
                cache["B"] = errmodel.backward_bound(params, xs, targets, kind=kind, h0=h0, trajectory=traj) + fwd
        return cache["B"]

    def reference():
        if "J" not in cache:
            with np.errstate(over="ignore", invalid="ignore"):
                cache["J"] = fd.elman_gradient_complex_step(params, xs, targets, kind=kind, h0=h0)
        return cache["J"]

    out = []
    for name in names:
        sl = slices[name]
        label = _label(identity, f"dL/d{name}", run, checkpoint, seed, getattr(params, name).shape)
        if not full:
            r = _block_projections(g, params, traj, targets, kind, sl, fwd, seed, label)
            if r.passed:
                out.append(_undecided(r, np.array([r.tolerance]), np.array([r.reference]), np.zeros(1), 0.0))
                continue
        J, err = reference()
        tol = err[sl] + 2 * bound()[sl]
        why = ("full elementwise comparison of all {} entries".format(sl.stop - sl.start) if full else
               f"a projection failed, then the full elementwise comparison (P n T = {params.size * params.n * T:.2g}"
               f" > {FULL_BUDGET:.2g})")
        r = _block_full(g[sl], J[sl], err[sl], tol, label,
                        f"decided by {why} vs complex step; tol = ref. error + 2 x calibrated bound")
        scale = float(np.max(np.abs(J[np.isfinite(J)]), initial=0.0))
        out.append(_undecided(r, tol, J[sl], fwd[sl], scale))
    return out


def _block_projections(g, params, traj, targets, kind, sl, fwd, seed, label):
    """:data:`PROJECTIONS` seeded directions supported on one block: :math:`u^\\top g` vs forward-mode complex step."""
    from .gradcheck import _elman_projections, rounding_tolerance
    rng = np.random.default_rng([seed, sl.start])
    U = np.zeros((PROJECTIONS, params.size))
    for k in range(PROJECTIONS):
        U[k, sl] = fd.random_direction(sl.stop - sl.start, rng)
    o = engine._targets(targets, traj.T, params.m, kind, "float", None)
    d, ref_err, derived = _elman_projections(params, traj, o, kind, U)
    lhs = U @ g
    absU = np.abs(U)
    tol = ref_err + derived + 2 * (absU @ fwd) + rounding_tolerance(absU @ np.abs(g), sl.stop - sl.start)
    gap = np.abs(lhs - d)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(tol > 0, gap / tol, np.inf)
    w = int(np.argmax(np.where(np.isnan(ratio), np.inf, ratio)))
    return CheckResult(**label, method="directional", step=1e-200, max_abs_err=float(gap[w]),
                       max_rel_err=float(gap[w] / abs(d[w])) if d[w] else math.inf, worst_index=(),
                       derived=float(lhs[w]), reference=float(d[w]), error_estimate=float(ref_err[w]),
                       tolerance=float(tol[w]), passed=bool(np.all(gap <= tol)),
                       note=f"decided by {PROJECTIONS} seeded projections on this block only (u^T g vs forward-mode "
                            f"complex step); full comparison not affordable")


def worst(results: list[CheckResult]) -> CheckResult:
    """The deciding result of several blocks: the first failed, else the first undecided, else the tightest."""
    for r in results:
        if r.verdict == "failed":
            return r
    for r in results:
        if r.verdict == "undecided":
            return r
    return max(results, key=lambda r: abs(r.derived - r.reference) / r.tolerance if r.tolerance > 0 else 0.0)
