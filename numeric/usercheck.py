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

Each gradient block is compared with the complex-step gradient of rnnproof's forward pass by
:func:`~rnnproof.numeric.elmancheck.check_blocks`: entry by entry whenever affordable (up to
n = 128, T = 200 by default), else seeded projections on that block alone, so one wrong entry is
never diluted over the other parameters.  The tolerance comes from the calibrated error model
:func:`~rnnproof.numeric.errmodel.gradient_bound`: a running error analysis of the backward
pass carried by the true (signed) Jacobians -- allowing :math:`\varphi'` computed from the output
as textbooks do (:math:`1 - h^2`) -- plus the forward trajectory's rounding, measured on the
problem.  Where float64 cannot resolve the gradient (chaotic or exploding runs, overflow) the
verdict is ``"undecided"``, with the reason, never a vacuous pass.

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

from rnnproof.derivations.errors import CheckFailure, InputError

from . import engine
from .results import CheckResult, format_failure

__all__ = ["check_gradients", "assert_gradients_match", "LAYOUTS"]

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
    grads, wrong = {}, {}
    for k in names:
        want = _to_user({k: getattr(params, k)}, layout)[k].shape
        try:
            g = np.asarray(out[k])
        except Exception as exc:  # ragged lists and the like
            raise InputError(f"{label}: dL/d{k}: not an array ({type(exc).__name__}: {exc})") from exc
        if g.dtype.kind not in "iuf":
            raise InputError(f"{label}: dL/d{k}: expected real numbers, got dtype {g.dtype}")
        if g.shape != want:
            wrong[k] = (g.shape, want)  # reported as a failed result naming both shapes
            continue
        grads[k] = g.T if layout == "row" and k in _MATRICES else g
    return grads, wrong


def _relabel(r: CheckResult, shape, layout, name) -> CheckResult:
    """Worst entry of a block comparison (flat index within the block) as an index of the parameter, user layout."""
    transposed = layout == "row" and name in _MATRICES
    user_shape = shape[::-1] if transposed else shape
    idx = r.worst_index
    if len(idx) == 1:
        idx = tuple(int(i) for i in np.unravel_index(idx[0], shape))
        idx = idx[::-1] if transposed else idx
    return dataclasses.replace(r, worst_index=idx, shapes=(user_shape, user_shape))


def _shape_result(label, name, got, want, layout, seed) -> CheckResult:
    hint = " (transposed? check layout=)" if tuple(got) == tuple(want)[::-1] else ""
    return CheckResult(identity=label, run="", checkpoint="", quantity=f"dL/d{name}", shapes=(tuple(want), tuple(got)),
                       dtype="float64", method="shape", step=float("nan"), max_abs_err=float("inf"),
                       max_rel_err=float("inf"), worst_index=(), derived=float("nan"), reference=float("nan"),
                       error_estimate=0.0, tolerance=0.0, seed=seed, passed=False,
                       note=f"dL/d{name} returned with shape {tuple(got)}, parameter {name} has shape {tuple(want)} "
                            f"(layout={layout!r}){hint}")


def _as_params(params, activation, layout) -> engine.ElmanParams:
    """An :class:`ElmanParams` from one, or from the dict layout of the docs (user layout)."""
    if isinstance(params, engine.ElmanParams):
        return params
    if not isinstance(params, dict):
        raise InputError(f"params must be an ElmanParams or a dict name -> array with keys {engine.PARAM_NAMES}, "
                         f"got {type(params).__name__}")
    missing = [k for k in engine.PARAM_NAMES if k not in params]
    if missing:
        raise InputError(f"params: missing {missing}; expected keys {engine.PARAM_NAMES}")
    arrays = {k: np.asarray(params[k], dtype=np.float64) for k in engine.PARAM_NAMES}
    if layout == "row":
        arrays = {k: (v.T if k in _MATRICES else v) for k, v in arrays.items()}
    return engine.ElmanParams(**arrays, activation=activation)


def check_gradients(user_fn, params, xs, targets, *, h0=None, loss: str = "squared", layout: str = "column",
                    names=engine.PARAM_NAMES, seed: int = 0, label: str | None = None, activation: str = "tanh",
                    mode: str = "auto") -> list[CheckResult]:
    r"""Compare ``user_fn``'s gradients with rnnproof's references on one network; one result per parameter.

    Parameters
    ----------
    user_fn : callable
        ``user_fn(params_dict, xs, targets, h0) -> dict`` (see the module docstring).
    params : ElmanParams or dict
        The network (float64): an :class:`~rnnproof.numeric.engine.ElmanParams` (its
        ``activation`` is the one ``user_fn`` must implement), or the dict
        ``{"W_hh", "W_xh", "b_h", "W_yh", "b_y"}`` the user's function receives, in ``layout``.
    xs, targets, h0 : arrays
        ``(T, d)``, ``(T, m)`` or ``(T,)`` classes, ``(n,)`` (zeros when ``None``).
    loss : {"squared", "cross_entropy"}
    layout : {"column", "row"}
    names : sequence of str
        The parameters to check (default all five).
    seed : int
        Seeds the projections and the measured forward term (reported in every result).
    label : str, optional
        Names the function in messages (default ``user_fn.__name__``).
    activation : {"tanh", "sigmoid"}
        The activation when ``params`` is a dict.
    mode : {"auto", "full", "projections"}
        :func:`rnnproof.numeric.elmancheck.check_blocks`; ``auto`` compares every entry whenever affordable.

    Returns
    -------
    list of CheckResult
        ``quantity = "dL/d<name>"``; ``verdict`` is ``"passed"``, ``"failed"`` or ``"undecided"``
        (float64 cannot resolve the gradient; the note says why); a failed result's worst entry
        indexes the parameter in the user's layout; a wrongly shaped gradient gives a failed
        result (``method="shape"``) naming the parameter and both shapes.

    Raises
    ------
    InputError
        Bad options, or ``user_fn`` raised or returned something other than a dict.
    CheckFailure
        A requested gradient is missing from the returned dict.

    Examples
    --------
    >>> from rnnproof.numeric import engine
    >>> rng = np.random.default_rng(0)
    >>> params = {"W_hh": rng.normal(0, .3, (3, 3)), "W_xh": rng.normal(size=(3, 2)), "b_h": np.zeros(3),
    ...           "W_yh": rng.normal(size=(1, 3)), "b_y": np.zeros(1)}
    >>> def mine(p, xs, o, h0):
    ...     return engine.bptt(engine.ElmanParams(**p), xs, o, h0=h0)[1].arrays()
    >>> [r.verdict for r in check_gradients(mine, params, rng.normal(size=(5, 2)), rng.normal(size=(5, 1)))]
    ['passed', 'passed', 'passed', 'passed', 'passed']
    """
    from .elmancheck import check_blocks
    if layout not in LAYOUTS:
        raise InputError(f"layout must be one of {LAYOUTS}, got {layout!r}")
    if loss not in engine.LOSS_KINDS:
        raise InputError(f"loss must be one of {engine.LOSS_KINDS}, got {loss!r}")
    names = tuple(names)
    unknown = [k for k in names if k not in engine.PARAM_NAMES]
    if unknown or not names:
        raise InputError(f"names: unknown or empty {unknown or names}; choose from {engine.PARAM_NAMES}")
    params = _as_params(params, activation, layout)
    label = label or getattr(user_fn, "__name__", "user_fn")
    h0 = np.zeros(params.n) if h0 is None else np.asarray(h0, dtype=np.float64)
    grads, wrong = _call_user(user_fn, params, xs, targets, h0, layout, names, label)
    flat = params.flat()  # entries of unchecked blocks are ignored by check_blocks
    sl = params.slices()
    for k, g in grads.items():
        flat[sl[k]] = np.asarray(g, dtype=np.float64).ravel()
    checked = [k for k in names if k in grads]
    results = dict(zip(checked, check_blocks(flat, params, xs, targets, kind=loss, h0=h0, names=checked, seed=seed,
                                             mode=mode, identity=label))) if checked else {}
    out = []
    for name in names:
        if name in wrong:
            out.append(_shape_result(label, name, wrong[name][0], wrong[name][1], layout, seed))
        else:
            out.append(_relabel(results[name], getattr(params, name).shape, layout, name))
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
    InputError
        ``user_fn`` returned something other than a dict, or raised.
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
            # a network on which float64 cannot resolve the gradient says nothing about user_fn: draw another
            hypothesis.assume(r.verdict != "undecided")
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
