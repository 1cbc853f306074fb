r"""Check *your* BPTT / gradient code against rnnproof's references.

The function under test has the calling convention

.. code-block:: python

    user_fn(params: dict, xs: ndarray, targets: ndarray, h0: ndarray) -> dict

* ``params``: ``{"W_hh", "W_xh", "b_h", "W_yh", "b_y"}`` -> float64 arrays (fresh copies);
* ``xs``: ``(T, d)``, row ``t-1`` is :math:`x_t`; ``h0``: ``(n,)``;
* ``targets``: ``(T, m)`` floats for the squared loss
  :math:`L = \sum_t \tfrac12\lVert y_t - o_t\rVert^2`, ``(T,)`` integer classes for softmax
  cross-entropy;
* returns :math:`\partial L/\partial\theta` for each parameter, shaped like the parameter
  (any array-like; a gradient of the *whole-sequence* loss, not averaged over time).

The network is the Elman cell of IDENTITIES.md, :math:`z_t = W_{hh}h_{t-1} + W_{xh}x_t + b_h`,
:math:`h_t = \varphi(z_t)`, :math:`y_t = W_{yh}h_t + b_y` with column vectors
(``layout="column"``, shapes ``W_hh (n, n), W_xh (n, d), W_yh (m, n)``) or in row-vector
notation :math:`h_t = \varphi(x_t W_{xh} + h_{t-1}W_{hh} + b_h)` (``layout="row"``: every
weight matrix, and its gradient, is the transpose: ``W_xh (d, n), W_yh (n, m)``).

Each gradient is compared with the complex-step gradient of rnnproof's forward pass
(:func:`~rnnproof.numeric.gradcheck.check_gradient`: seeded directional projections first,
then the full batched complex step naming the worst entry), with the tolerance of
:func:`~rnnproof.numeric.gradcheck.elman_rounding` (reference error + a high-probability
bound of float64 rounding; never a bare constant) plus :func:`derivative_rounding`, which
allows :math:`\varphi'` to be computed from the output as textbooks do (:math:`1 - h^2` loses
all relative accuracy in saturation, but a correct BPTT must still pass).

Examples
--------
>>> from rnnproof.numeric import engine
>>> def good(params, xs, targets, h0):
...     p = engine.ElmanParams(**params, activation="tanh")
...     return engine.bptt(p, xs, targets, h0=h0)[1].arrays()
>>> assert_gradients_match(good, max_examples=5, seed=1)
"""

from __future__ import annotations

import dataclasses
import secrets

import numpy as np

from rnnproof.derivations.errors import CheckFailure, InputError, ShapeError

from . import engine, fd, gradcheck
from .results import CheckResult, format_failure

__all__ = ["check_gradients", "assert_gradients_match", "derivative_rounding", "LAYOUTS"]

LAYOUTS = ("column", "row")
_MATRICES = ("W_hh", "W_xh", "W_yh")


def _to_user(arrays: dict, layout: str) -> dict:
    return {k: (v.T.copy() if layout == "row" and k in _MATRICES else np.array(v, dtype=np.float64))
            for k, v in arrays.items()}


def _call_user(user_fn, params, xs, targets, h0, layout, names, label):
    try:
        out = user_fn(_to_user(params.arrays(), layout), np.array(xs), np.array(targets), np.array(h0))
    except Exception as exc:  # the user's code failed: say so, with the sizes it was called with
        raise InputError(f"{label}: raised {type(exc).__name__}: {exc} (called with n={params.n}, d={params.d}, "
                         f"m={params.m}, T={np.shape(xs)[0]}, layout={layout!r})") from exc
    if not isinstance(out, dict):
        raise InputError(f"{label}: must return a dict name -> gradient array, got {type(out).__name__}")
    missing = [k for k in names if k not in out]
    if missing:
        raise CheckFailure(f"{label}: returned no gradient for {missing} (got keys {sorted(out)}); "
                           f"pass names=... to check only some parameters")
    grads = {}
    for k in names:
        want = _to_user({k: getattr(params, k)}, layout)[k].shape
        g = np.asarray(out[k])
        if g.shape != want:
            raise ShapeError(f"{label}: dL/d{k}: expected shape {want} (layout={layout!r}), got {g.shape}")
        if g.dtype.kind not in "iuf":
            raise InputError(f"{label}: dL/d{k}: expected real numbers, got dtype {g.dtype}")
        grads[k] = g.T if layout == "row" and k in _MATRICES else g
    return grads


def _relabel(r: CheckResult, shape, layout, name) -> CheckResult:
    """Worst entry of a flat block comparison as an index of the parameter, in the user's layout."""
    transposed = layout == "row" and name in _MATRICES
    user_shape = shape[::-1] if transposed else shape
    idx = r.worst_index
    if len(idx) == 2:  # (0, j): entry j of the flattened block
        idx = tuple(int(i) for i in np.unravel_index(idx[1], shape))
        idx = idx[::-1] if transposed else idx
    return dataclasses.replace(r, worst_index=idx, shapes=(user_shape, user_shape))


def derivative_rounding(params: engine.ElmanParams, xs, targets, *, kind: str = "squared", h0=None) -> np.ndarray:
    r"""Bound of the gradient error caused by computing :math:`\varphi'` from the output, per flat entry.

    Textbook code computes :math:`\varphi'(z_t)` as :math:`1 - h_t^2` (tanh) or
    :math:`h_t(1 - h_t)` (sigmoid) from the rounded :math:`h_t`: an *absolute* error
    :math:`|e_t| \le 3\varepsilon`, which in saturation is all of :math:`\varphi'`.  Through
    :math:`r_t = \varphi'_t\odot(W_{yh}^\top\delta_t + W_{hh}^\top r_{t+1})`:

    .. math::
        |\Delta r_t| \le 3\varepsilon|g_t| + (|\varphi'_t| + 3\varepsilon)\,|W_{hh}|^\top|\Delta r_{t+1}|,

    and :math:`|\Delta\,\partial L/\partial W_{hh}| \le \sum_t|\Delta r_t||h_{t-1}|^\top`
    (likewise :math:`W_{xh}`, :math:`b_h`; the read-out gradients are unaffected).  A worst-case
    first-order bound, in :meth:`ElmanParams.flat` order.
    """
    traj = engine.forward(params, xs, h0=h0)
    e = 3 * fd.EPS
    dphi = np.abs(engine._phi(params.activation, traj.z[1:], derivative=True))
    o = engine._targets(targets, traj.T, params.m, kind, "float", None)
    a = traj.y[1:]
    delta = a - o if kind == "squared" else engine._softmax_parts(a, "float", None)[1] - o
    absWT, W_T = np.abs(params.W_hh).T, params.W_hh.T
    dR, r_next, d_next = np.zeros_like(dphi), np.zeros(params.n), np.zeros(params.n)
    for t in range(traj.T - 1, -1, -1):
        g = delta[t] @ params.W_yh + W_T @ r_next
        dR[t] = e * np.abs(g) + (dphi[t] + e) * (absWT @ d_next)
        r_next, d_next = np.asarray(engine._phi(params.activation, traj.z[t + 1], derivative=True)) * g, dR[t]
    parts = [dR.T @ np.abs(traj.h[:-1]), dR.T @ np.abs(traj.x[1:]), dR.sum(0), np.zeros(params.W_yh.shape),
             np.zeros(params.m)]
    return np.concatenate([v.ravel() for v in parts])


def check_gradients(user_fn, params: engine.ElmanParams, xs, targets, *, h0=None, loss: str = "squared",
                    layout: str = "column", names=engine.PARAM_NAMES, seed: int = 0,
                    label: str | None = None) -> list[CheckResult]:
    r"""Compare ``user_fn``'s gradients with rnnproof's references on one network; one result per parameter.

    Parameters
    ----------
    user_fn : callable
        ``user_fn(params_dict, xs, targets, h0) -> dict`` (see the module docstring).
    params : ElmanParams
        The network (float64); its ``activation`` is the one ``user_fn`` must implement.
    xs, targets, h0 : arrays
        ``(T, d)``, ``(T, m)`` or ``(T,)`` classes, ``(n,)`` (zeros when ``None``).
    loss : {"squared", "cross_entropy"}
    layout : {"column", "row"}
    names : sequence of str
        The parameters to check (default all five).
    seed : int
        Seeds the random projections (reported in every result).
    label : str, optional
        Names the function in messages (default ``user_fn.__name__``).

    Returns
    -------
    list of CheckResult
        ``quantity = "dL/d<name>"``; a failed result's worst entry indexes the parameter in
        the user's layout.

    Raises
    ------
    InputError
        Bad options, or ``user_fn`` raised or returned something other than a dict.
    ShapeError
        A returned gradient of the wrong shape (the message names it and both shapes).
    CheckFailure
        A requested gradient is missing from the returned dict.
    """
    if layout not in LAYOUTS:
        raise InputError(f"layout must be one of {LAYOUTS}, got {layout!r}")
    if loss not in engine.LOSS_KINDS:
        raise InputError(f"loss must be one of {engine.LOSS_KINDS}, got {loss!r}")
    names = tuple(names)
    unknown = [k for k in names if k not in engine.PARAM_NAMES]
    if unknown or not names:
        raise InputError(f"names: unknown or empty {unknown or names}; choose from {engine.PARAM_NAMES}")
    label = label or getattr(user_fn, "__name__", "user_fn")
    h0 = np.zeros(params.n) if h0 is None else np.asarray(h0, dtype=np.float64)
    grads = _call_user(user_fn, params, xs, targets, h0, layout, names, label)
    theta, slices = params.flat(), params.slices()
    rounding = (gradcheck.elman_rounding(params, xs, targets, kind=loss, h0=h0)
                + derivative_rounding(params, xs, targets, kind=loss, h0=h0))
    full = {}

    def reference():
        if "g" not in full:
            full["g"] = fd.elman_gradient_complex_step(params, xs, targets, kind=loss, h0=h0)
        return full["g"]

    out = []
    for name in names:
        sl = slices[name]

        def f(block, sl=sl):
            th = theta.astype(np.result_type(block, np.float64))
            th[sl] = block
            return engine.loss(engine.ElmanParams.from_flat(th, params), xs, targets, kind=loss, h0=h0)

        r = gradcheck.check_gradient(grads[name], f, theta[sl], identity=label, quantity=f"dL/d{name}", seed=seed,
                                     method="complex", rounding=rounding[sl].reshape(1, -1),
                                     full_reference=lambda sl=sl: tuple(a[sl] for a in reference()))
        out.append(_relabel(r, getattr(params, name).shape, layout, name))
    return out


def assert_gradients_match(user_fn, *, activation: str = "tanh", loss: str = "squared", layout: str = "column",
                           names=engine.PARAM_NAMES, max_examples: int | None = None, seed: int | None = None,
                           min_n: int = 1, max_n: int = 4, min_T: int = 1, max_T: int = 6, max_d: int = 3,
                           max_m: int = 3, regimes=("any", "below", "near", "above", "saturated")) -> None:
    """Check ``user_fn`` against rnnproof's gradients on Hypothesis-generated Elman networks; raise on a mismatch.

    Networks come from :func:`rnnproof.numeric.strategies.elman_problems` (weights below,
    near and above :math:`1/\\gamma`, saturated units, sizes within the bounds); every one is
    checked with :func:`check_gradients`.  On a mismatch Hypothesis shrinks the network to a
    small one and this raises :class:`~rnnproof.derivations.errors.CheckFailure` with
    rnnproof's message (parameter, worst entry, both values, error vs tolerance) and the
    Hypothesis seed that reproduces it; the shrunk network is printed as the "Falsifying
    example".  Needs Hypothesis (``pip install rnnproof[test]``).

    Parameters
    ----------
    user_fn : callable
        ``user_fn(params_dict, xs, targets, h0) -> dict`` (module docstring).
    activation : {"tanh", "sigmoid"}
    loss : {"squared", "cross_entropy"}
    layout : {"column", "row"}
    names : sequence of str
        Parameters to check (default all five).
    max_examples : int, optional
        Networks to try; default: the loaded Hypothesis settings profile's ``max_examples``.
    seed : int, optional
        Hypothesis seed.  Default: derandomised if the loaded profile is (rnnproof's ``ci``),
        else a fresh random seed, reported in the failure message so you can pass it back.
    min_n, max_n, min_T, max_T, max_d, max_m : int
        Size bounds of the generated networks.
    regimes : sequence of str
        Weight regimes (:data:`rnnproof.numeric.strategies.REGIMES`).

    Raises
    ------
    CheckFailure
        A gradient does not match (message as above), or a gradient is missing.
    ShapeError, InputError
        ``user_fn`` returned a wrongly shaped gradient, something other than a dict, or raised.
    """
    import hypothesis
    from hypothesis import HealthCheck, Phase, note

    from . import strategies

    strat = strategies.elman_problems(min_n=min_n, max_n=max_n, max_d=max_d, max_m=max(max_m, 2 if loss ==
                                      "cross_entropy" else 1), min_T=min_T, max_T=max_T, activations=(activation,),
                                      loss_kinds=(loss,), regimes=regimes)
    base = hypothesis.settings.default
    derandomize = seed is None and base.derandomize
    seed = None if derandomize else (secrets.randbits(32) if seed is None else int(seed))
    where = "derandomized" if derandomize else f"hypothesis seed={seed}"
    label = getattr(user_fn, "__name__", "user_fn")

    def prop(problem):
        note(problem.describe())
        for r in check_gradients(user_fn, problem.params, problem.xs, problem.targets, h0=problem.h0, loss=loss,
                                 layout=layout, names=names, label=label):
            if not r.passed:
                raise CheckFailure(f"{format_failure(r)} [{problem.describe()}; {where}; "
                                   f"rerun with assert_gradients_match(..., seed={seed})]")

    prop.__name__ = "gradients_of_" + "".join(c if c.isalnum() else "_" for c in label)
    test = hypothesis.given(strat)(prop)
    test = hypothesis.settings(base, max_examples=max_examples or base.max_examples, derandomize=derandomize,
                               database=None, deadline=None, print_blob=False,
                               phases=[p for p in base.phases if p is not Phase.explain],
                               suppress_health_check=[HealthCheck.too_slow, HealthCheck.differing_executors])(test)
    if seed is not None:
        test = hypothesis.seed(seed)(test)
    test()
