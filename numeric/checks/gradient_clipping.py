r"""Numeric check of ``gradient_clipping`` on real training gradients: :math:`\hat g = g\min(1,\tau/\lVert g\rVert)`.

At every checkpoint the whole loss gradient :math:`g` (``P`` entries, :meth:`ElmanParams.flat`
order) is recomputed with :func:`engine.bptt` on the checkpoint's sequence -- on the ``initial``
checkpoint this is exactly the gradient of training step 1, and its norm must equal
``run.history["grad_norm"][0]``.  The identity's *derived* ``clipped`` expression is evaluated with
``g`` bound to that gradient and ``tau`` to the run's threshold and to two thresholds around
:math:`\lVert g\rVert` (so both branches of the minimum are exercised); the node
:math:`\lVert g\rVert` is bound on the check side to the evaluator's value of the derived
``SpectralNorm(g)``.  Facts checked: :math:`\lVert\hat g\rVert = \min(\lVert g\rVert,\tau)`,
:math:`\lVert\hat g\rVert \le \tau` (slack :math:`\tau/\lVert\hat g\rVert`) and
:math:`\cos\angle(\hat g, g) = 1`.  Over the whole training history the derived ``factor`` with
:math:`\lVert g\rVert` = each recorded pre-clipping norm gives :math:`c\lVert g\rVert =
\min(\lVert g\rVert, \tau)` and reproduces the recorded ``clipped`` flags (:math:`c < 1`).

Rounding model (Higham 2002, sec. 3.1): a Euclidean norm of ``P`` entries is relatively accurate to
:math:`\gamma_{P+1}`, the factor adds 2 operations and the scaling 1, so
:math:`\lVert\hat g\rVert` has :math:`M = \min(\lVert g\rVert, \tau)`, :math:`K = 2P + 4`; the
cosine (one dot product and two norms) has :math:`M = 1`, :math:`K = 3P + 8`.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from rnnproof.derivations.evaluate import evaluate
from rnnproof.derivations.matexpr import SpectralNorm

from .. import engine
from .base import Context, bound_result, scalar_result

__all__ = ["RUNS", "check", "clip", "thresholds"]

RUNS = ("text", "adding", "text_large")


def _bind_norms(expr, env):
    """``expr`` with every ``SpectralNorm`` node replaced by a symbol, and the symbols' values."""
    nodes = sorted(expr.atoms(SpectralNorm), key=sp.default_sort_key)
    syms = {node: sp.Symbol(f"_norm{idx}", positive=True) for idx, node in enumerate(nodes)}
    values = {syms[node]: float(evaluate(node, env, {}, backend="numpy")) for node in nodes}
    return expr.xreplace(syms), values


def clip(ctx: Context, g: np.ndarray, tau: float) -> np.ndarray:
    """The derived ``clipped`` expression evaluated at the column ``g`` and threshold ``tau``."""
    env = {"g": g.reshape(-1, 1)}
    e, values = _bind_norms(ctx.expression("clipped"), env)
    return np.asarray(evaluate(e, env, {"tau": tau, **values}, backend="numpy"), dtype=float).ravel()


def thresholds(ctx: Context, norm: float) -> list[float]:
    """The run's own threshold and two around ``norm`` (one clips, one does not)."""
    return sorted({float(ctx.run.config["tau"]), 0.5 * norm, 2.0 * norm})


def _gradient(ctx: Context) -> np.ndarray:
    cp = ctx.checkpoint
    return engine.bptt(cp.params, cp.xs, cp.targets, kind=cp.loss_kind, h0=cp.h0)[1].flat()


def _history(ctx: Context, P: int):
    hist = ctx.run.history
    norms, tau = np.asarray(hist["grad_norm"], float), np.asarray(hist["tau"], float)
    keep = norms > 0  # a zero gradient is outside the identity's domain (see check)
    norms, tau = norms[keep], tau[keep]
    if norms.size == 0:  # every recorded gradient was zero: nothing in the identity's domain
        return []
    e, _ = _bind_norms(ctx.expression("factor"), {"g": np.zeros((1, 1))})
    sym = sorted(e.free_symbols - {sp.Symbol("tau", positive=True)}, key=str)
    c = np.array([float(evaluate(e, {}, {"tau": tv, sym[0]: nv}, backend="numpy")) for nv, tv in zip(norms, tau)])
    flags = np.asarray(hist["clipped"], bool)[keep]
    agree = flags == (c < 1)
    return [
        scalar_result(ctx, quantity=f"history: c ||g|| = min(||g||, tau) over {norms.size} training steps",
                      derived=c * norms, reference=np.minimum(norms, tau), error_estimate=0.0, depth=4,
                      magnitude=np.minimum(norms, tau), method="exact", step=float("nan")),
        scalar_result(ctx, quantity="history: recorded clipped flag == (derived factor < 1)",
                      derived=agree.astype(float), reference=np.ones(agree.size), error_estimate=0.0, depth=1,
                      magnitude=0.0, method="exact", step=float("nan"),
                      note=f"{int(flags.sum())} of {flags.size} steps clipped"),
    ]


def check(ctx: Context):
    g = _gradient(ctx)
    P = g.size
    norm = float(np.linalg.norm(g))
    out = []
    if ctx.checkpoint.step == 0:
        rec = float(ctx.run.history["grad_norm"][0])
        out.append(scalar_result(ctx, quantity="||g|| at step 1 = recorded training gradient norm",
                                 derived=np.array([norm]), reference=np.array([rec]), error_estimate=0.0,
                                 depth=P + 1, magnitude=rec, method="exact", step=float("nan")))
        out.extend(_history(ctx, P))
    # g = 0 lies outside the identity's domain (tau/||g|| is undefined; clip(0) = 0 by convention):
    # there is no direction to keep and no factor to compare, so only the recorded norm is checked
    for tau in thresholds(ctx, norm) if norm > 0 else ():
        gh = clip(ctx, g, tau)
        nh = float(np.linalg.norm(gh))
        cos = float(gh @ g) / (nh * norm)
        out.append(scalar_result(ctx, quantity=f"||g_hat|| = min(||g||, tau) (tau={tau:.4g}, ||g||={norm:.4g})",
                                 derived=np.array([nh]), reference=np.array([min(norm, tau)]), error_estimate=0.0,
                                 depth=2 * P + 4, magnitude=min(norm, tau), method="exact", step=float("nan")))
        out.append(bound_result(ctx, quantity=f"||g_hat|| <= tau (tau={tau:.4g})", actual=nh, bound=tau,
                                depth=2 * P + 4, shapes=((P, 1),)))
        out.append(scalar_result(ctx, quantity=f"cos(g_hat, g) = 1 (tau={tau:.4g})", derived=np.array([cos]),
                                 reference=np.array([1.0]), error_estimate=0.0, depth=3 * P + 8, magnitude=1.0,
                                 method="exact", step=float("nan")))
    return out
