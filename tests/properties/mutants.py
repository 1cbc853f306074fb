r"""Test helpers for the property suite: the classic BPTT bugs as mutant implementations,
an independent correct sum-of-products BPTT, and example counts scaled from the loaded profile.

Every implementation returns the flat gradient (the order of ``ElmanParams.flat``) of the loss
:math:`L = \sum_t \ell_t` of the Elman network of IDENTITIES.md.  The correct forms:

.. math::
    \frac{\partial L}{\partial\theta} = \sum_{t}\sum_{k\le t} c_t^\top
    \Big(\prod_{i=k+1}^{t} J_i\Big)\frac{\partial^+ h_k}{\partial\theta},\quad
    c_t = W_{yh}^\top\delta^y_t,\quad J_i = \mathrm{diag}(\varphi'(z_i))W_{hh}

(``bptt_sum_of_products``, ``loss_gradients``).  The mutants (each a bug seen in notes and code):

* ``transposed``: the backward carry uses :math:`J_{t+1}` instead of :math:`J_{t+1}^\top`
  (Pascanu et al. 2013 eq. 7 printed :math:`W^\top\mathrm{diag}` as the Jacobian);
* ``off_by_one``: the product runs over :math:`i = k..t` (one Jacobian too many);
* ``sigma_for_tanh``: :math:`\sigma'(z)` used as the derivative of tanh;
* ``wrong_time``: :math:`1 - h_{t-1}^2` used for :math:`1 - h_t^2`;
* ``dropped_immediate``: the :math:`k = t` term (the immediate partial of :math:`h_t` seen by
  :math:`\ell_t`) is dropped from the sum.
"""

from __future__ import annotations

import numpy as np
from hypothesis import settings

from rnnproof.numeric import engine

__all__ = ["scaled", "MUTANTS", "sum_of_products", "mutant_gradient", "APPLIES"]


def scaled(fraction: float, *, minimum: int = 1) -> int:
    """``fraction`` of the loaded profile's ``max_examples`` (dev 10, ci 60, thorough 600), at least ``minimum``."""
    return max(minimum, round(settings.default.max_examples * fraction))


def _output_deltas(p, traj, targets, kind):
    a = traj.y[1:]
    o = np.asarray(targets)
    if kind == "cross_entropy":
        o = np.eye(p.m)[o] if o.ndim == 1 else o
        e = np.exp(a - a.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True) - o
    return a - o


def _dphi(activation, h):
    """phi'(z) written through the output h = phi(z), as notes do: 1 - h^2 (tanh), h(1 - h) (sigmoid)."""
    return 1 - h ** 2 if activation == "tanh" else h * (1 - h)


def sum_of_products(p, xs, targets, *, kind="squared", h0=None, mutation=None):
    """The flat gradient by the explicit double sum over (t, k); ``mutation`` injects one bug."""
    traj = engine.forward(p, xs, h0=h0)
    T, n = traj.T, p.n
    delta = _output_deltas(p, traj, targets, kind)
    c = delta @ p.W_yh  # row t-1: c_t = W_yh^T delta_t
    h = traj.h
    if mutation == "sigma_for_tanh":
        s = 1 / (1 + np.exp(-traj.z))
        dphi = s * (1 - s)
    elif mutation == "wrong_time":
        dphi = np.vstack([np.zeros(n), _dphi(p.activation, h[:-1])])  # row t holds phi' from h_{t-1}
    else:
        dphi = _dphi(p.activation, h)
    J = [None] + [dphi[i][:, None] * p.W_hh for i in range(1, T + 1)]
    u = np.zeros((T + 1, n))  # u_k = sum_{t >= k} P(t, k)^T c_t
    for t in range(1, T + 1):
        P, Q = np.eye(n), np.eye(n)  # P = J_t ... J_{k+1};  Q = J_{k+1} ... J_t (the transposed bug)
        for k in range(t, 0, -1):
            if mutation == "transposed":
                term = Q @ c[t - 1]
            elif mutation == "off_by_one":
                term = (P @ J[k]).T @ c[t - 1]
            else:
                term = P.T @ c[t - 1]
            if not (mutation == "dropped_immediate" and k == t):
                u[k] += term
            P, Q = P @ J[k], J[k] @ Q
    r = dphi[1:] * u[1:]
    grads = [r.T @ h[:-1], r.T @ traj.x[1:], r.sum(axis=0), delta.T @ h[1:], delta.sum(axis=0)]
    return np.concatenate([g.ravel() for g in grads])


MUTANTS = ("transposed", "off_by_one", "sigma_for_tanh", "wrong_time", "dropped_immediate")
#: activations each mutant is a bug for (sigma' *is* the right derivative of a sigmoid network)
APPLIES = {m: ("tanh", "sigmoid") for m in MUTANTS} | {"sigma_for_tanh": ("tanh",)}


def mutant_gradient(name, p, xs, targets, *, kind="squared", h0=None):
    """The flat gradient of mutant ``name`` (one of :data:`MUTANTS`)."""
    if name not in MUTANTS:
        raise KeyError(f"unknown mutant {name!r}; have {MUTANTS}")
    return sum_of_products(p, xs, targets, kind=kind, h0=h0, mutation=name)
