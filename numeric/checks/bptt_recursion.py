r"""Numeric check of ``bptt_recursion``: :math:`\frac{dh_t}{d\theta} = \frac{\partial^+h_t}{\partial\theta} + J_t\frac{dh_{t-1}}{d\theta}`.

For :math:`\theta \in \{W_{hh}, W_{xh}, b_h\}` (``n x P`` Jacobians, row-major ``vec``), two
comparisons per checkpoint, at :data:`TIMES` times spread over the sequence:

* the derived immediate partial ``"immediate_<theta>"`` at time ``t`` against the complex-step
  Jacobian of the actual one-step map :math:`\theta \mapsto h_t` with :math:`h_{t-1}` held at
  its value on the run;
* the total derivative obtained by *running the derived recursion* from
  :math:`dh_0/d\theta = 0` with the derived ``"J"`` and ``"immediate_<theta>"``, against the
  complex-step Jacobian of the actual multi-step map :math:`\theta \mapsto h_t` (all of
  :math:`h_1 \dots h_t` recomputed); directional projections first, full on failure.

Error model (Higham 2002, sec. 3.5; probabilistic form in :mod:`rnnproof.numeric.gradcheck`).
Immediate partial: entry :math:`(a, (a,b))` is :math:`\varphi'(z_{t,a})c_b` with
:math:`c = h_{t-1}, x_t` or 1; :math:`\varphi' = 1-\tanh^2` is computed with an *absolute*
error of a few :math:`\varepsilon` (cancellation in saturated units), so
:math:`M = (1+h_{t,a}^2)|c_b|` (:func:`phi_magnitude`), :math:`K = 4`.  Recursion: the local
errors of step ``s`` (magnitude :math:`M^+_s + (1+h_s^2)|W_{hh}|\,|dh_{s-1}/d\theta|`) are
carried to ``t`` by the true products of Jacobians (:func:`propagated_magnitude`),
:math:`K = n + 4 + t`.  The reference is the complex step (error :math:`2\varepsilon|Ju|`).

Reference: IDENTITIES.md section C; Werbos (1990); Pascanu, Mikolov, Bengio (2013), eq. (4)-(5).
"""

from __future__ import annotations

import numpy as np

from rnnproof.derivations.evaluate import evaluate
from rnnproof.numeric import engine

from ..gradcheck import check_jacobian
from .base import Context

__all__ = ["RUNS", "TIMES", "PARAMS", "check", "evaluator", "abs_env", "param_state_map", "immediate_map",
           "phi_magnitude", "immediate_magnitude", "propagated_magnitude", "jacobians"]

RUNS = ("text", "adding")
TIMES = 3
PARAMS = ("W_hh", "W_xh", "b_h")


def evaluator(ctx: Context, name: str, env=None):
    """``(**bindings) -> float64 array``: the derived expression ``name``, built once, evaluated on ``env``.

    (``derived_value`` rebuilds the expression on every call; a recursion evaluates it ``T`` times.)
    """
    expr = ctx.expression(name)
    env = ctx.env if env is None else env
    return lambda **b: np.asarray(evaluate(expr, env, b, backend="numpy"), dtype=np.float64)


def abs_env(env: dict) -> dict:
    r"""The magnitude environment: every leaf by its absolute value, targets by :math:`-|o|`.

    A derived expression that is a sum of products of leaves (with the only subtraction being
    :math:`y - o` in the loss terms) evaluates here to :math:`M`, the sum of the absolute
    values of its terms.  Pre-activations are kept (:math:`\varphi' > 0` for tanh and
    :math:`\sigma`); the cancellation inside :math:`\varphi'` is accounted for separately
    (:func:`phi_magnitude`).
    """
    out = {k: np.abs(v) for k, v in env.items()}
    out["z"] = env["z"]
    if "o" in env:
        out["o"] = -np.abs(env["o"])
    return out


def phi_magnitude(ctx: Context, t: int) -> np.ndarray:
    r""":math:`\max(|\varphi'(z_t)|, 1 + h_t\odot h_t)` (tanh: the terms of :math:`1-\tanh^2`), shape ``(n,)``."""
    h = ctx.traj.h[t]
    return np.maximum(np.abs(1 - h * h), 1 + h * h) if ctx.activation == "tanh" else np.ones_like(h)


def param_state_map(ctx: Context, name: str, t: int, *, start: int = 0, h_start=None):
    r"""``(f, theta)``: the actual map :math:`\operatorname{vec}\theta \mapsto h_t` from time ``start``
    (state ``h_start``, default the run's), all other weights fixed, and :math:`\operatorname{vec}\theta`."""
    cp = ctx.checkpoint
    p = cp.params
    shape = getattr(p, name).shape
    xs = cp.xs[start:t]
    h0 = ctx.traj.h[start] if h_start is None else h_start

    def f(w):
        return engine.forward(p.with_(**{name: np.reshape(w, shape)}), xs, h0=h0).h[-1]
    return f, getattr(p, name).ravel().astype(np.float64)


def immediate_map(ctx: Context, name: str, t: int):
    """``(f, theta)``: :math:`\\theta \\mapsto h_t` with :math:`h_{t-1}` held at its value on the run."""
    return param_state_map(ctx, name, t, start=t - 1)


def immediate_magnitude(ctx: Context, name: str, t: int) -> np.ndarray:
    r"""Sum of absolute values of the terms of each entry of :math:`\partial^+h_t/\partial\theta` (``n x P``):
    :func:`phi_magnitude` times :math:`|h_{t-1,b}|`, :math:`|x_{t,b}|` or 1 in the Kronecker pattern."""
    n = ctx.params.n
    if name == "b_h":
        return np.diag(phi_magnitude(ctx, t))
    c = {"W_hh": np.abs(ctx.traj.h[t - 1]), "W_xh": np.abs(ctx.traj.x[t])}[name]
    return phi_magnitude(ctx, t)[:, None] * np.kron(np.eye(n), c[None, :])


def propagated_magnitude(J: dict, Jmag: dict, Gmag: dict, prev: dict, t: int) -> np.ndarray:
    r"""First-order rounding magnitude of a computed :math:`dh_t/d\theta`.

    .. math::
        E_t = \sum_{s=1}^{t} \big|\Phi(t,s)\big|\,\big(M^+_s + M^J_s\,P_{s-1}\big),\qquad
        \Phi(t,s) = J_t\cdots J_{s+1}

    The error made at step ``s`` (in the immediate partial, magnitude :math:`M^+_s`; in
    :math:`J_s` and the product :math:`J_s\cdot dh_{s-1}/d\theta`, magnitude
    :math:`M^J_s P_{s-1}` with ``prev[s-1]`` :math:`= P_{s-1} \ge |dh_{s-1}/d\theta|`) is carried to
    time ``t`` by the *true* product of Jacobians (Higham 2002, sec. 3.5, first order), not by
    the product of absolute values, which would grow like :math:`\lVert|W_{hh}|\rVert^{t}`.
    """
    E = np.zeros_like(Gmag[t])
    Phi = np.eye(E.shape[0])
    for s in range(t, 0, -1):
        local = Gmag[s] + (Jmag[s] @ prev[s - 1] if s > 1 else 0.0)
        E += np.abs(Phi) @ local
        Phi = Phi @ J[s]
    return E


def jacobians(ctx: Context, tmax: int, *, identity: str | None = None):
    """``(J, Jmag)``: derived :math:`J_s` (of ``identity``, default the context's) and
    :math:`(1+h_s^2)|W_{hh}|` (the terms of its entries) for ``s = 1..tmax``."""
    if identity is None:
        J = evaluator(ctx, "J")
    else:
        from rnnproof.derivations import registry
        expr = registry.get(identity).expression("J", ctx.activation)
        J = lambda **b: np.asarray(evaluate(expr, ctx.env, b, backend="numpy"), dtype=np.float64)
    Js = {s: J(t=s) for s in range(1, tmax + 1)}
    return Js, {s: phi_magnitude(ctx, s)[:, None] * np.abs(ctx.params.W_hh) for s in Js}


def check(ctx: Context):
    times = ctx.times(TIMES)
    n, tmax = ctx.params.n, max(times)
    Js, Jmag = jacobians(ctx, tmax)
    out = []
    for name in PARAMS:
        imm = evaluator(ctx, f"immediate_{name}")
        D, Gmag, absD = None, {}, {}
        for s in range(1, tmax + 1):
            G, Gmag[s] = imm(t=s), immediate_magnitude(ctx, name, s)
            D = G if D is None else G + Js[s] @ D
            absD[s] = np.abs(D)
            if s not in times:
                continue
            f, theta = immediate_map(ctx, name, s)
            out.append(check_jacobian(G, f, theta, quantity=f"d+h_t/d{name} (immediate, t={s})",
                                      magnitude=Gmag[s], depth=4, **ctx.labels))
            f, theta = param_state_map(ctx, name, s)
            M = propagated_magnitude(Js, Jmag, Gmag, absD, s)
            out.append(check_jacobian(D, f, theta, quantity=f"dh_t/d{name} (recursion from t=1, t={s})",
                                      magnitude=M, depth=n + 4 + s, **ctx.labels))
    return out
