r"""A red-team corpus: wrong BPTT implementations written as users write them (issue 11).

Each mutant has the calling convention of :mod:`rnnproof.numeric.usercheck`
(``fn(params_dict, xs, targets, h0) -> dict``, column layout, Elman tanh, squared loss) and
carries one classic bug into an otherwise correct textbook BPTT
(:math:`r_t = (1-h_t^2)\odot(W_{yh}^\top\delta_t + W_{hh}^\top r_{t+1})`,
:math:`\partial L/\partial W_{hh} = \sum_t r_t h_{t-1}^\top`, ...):

========================================  ===================================================
``transposed recurrent Jacobian``         carry :math:`W_{hh} r_t` instead of :math:`W_{hh}^\top r_t`
``phi' applied twice``                    carry :math:`W_{hh}^\top(\varphi'_t\odot r_t)`
``sigma' for tanh'``                      :math:`\sigma(z)(1-\sigma(z))` as the derivative of tanh
``1 - h_{t-1}^2 for 1 - h_t^2``           the derivative one step late
``dropped immediate term``                :math:`\varphi'_t\odot W_{yh}^\top\delta_t` left out of the sums
``earliest term dropped``                 the sums over time start at :math:`t = 2`
``bias gradient without phi'``            :math:`\partial L/\partial b_h = \sum_t g_t`
``x_{t-1} for x_t``                       :math:`\partial L/\partial W_{xh} = \sum_t r_t x_{t-1}^\top`
``W_hh/W_xh swapped``                     the two weight gradients exchanged
``float32 accumulation``                  the correct algorithm in float32
``1e-7 / 1e-9 relative error in <p>``     the largest entry of block ``p`` times :math:`1+10^{-7}` or :math:`1+10^{-9}`
========================================  ===================================================

:func:`correct` is the same textbook code without a bug (row-vector products and
:math:`1-h_t^2`: a different rounding from rnnproof's own BPTT, as a user's code would have).
"""

from __future__ import annotations

import numpy as np

from .engine import PARAM_NAMES

__all__ = ["MUTANTS", "correct", "mutant", "STRUCTURAL"]

STRUCTURAL = ("transposed recurrent Jacobian", "phi' applied twice", "sigma' for tanh'",
              "1 - h_{t-1}^2 for 1 - h_t^2", "dropped immediate term", "earliest term dropped",
              "bias gradient without phi'", "x_{t-1} for x_t", "W_hh/W_xh swapped", "float32 accumulation")
MUTANTS = STRUCTURAL + tuple(f"{e} relative error in largest entry of {k}" for e in ("1e-7", "1e-9")
                             for k in PARAM_NAMES)


def _textbook(params, xs, targets, h0, bug=None, dtype=np.float64):
    W, U, b, V, c = (np.asarray(params[k], dtype=dtype) for k in PARAM_NAMES)
    xs, o = np.asarray(xs, dtype=dtype), np.asarray(targets, dtype=dtype)
    T = xs.shape[0]
    h, z = [np.asarray(h0, dtype=dtype)], [None]
    for t in range(T):
        z.append(h[-1] @ W.T + xs[t] @ U.T + b)
        h.append(np.tanh(z[-1]))
    g = {k: np.zeros_like(v) for k, v in zip(PARAM_NAMES, (W, U, b, V, c))}
    carry = np.zeros_like(h[0])
    for t in range(T, 0, -1):
        dy = V @ h[t] + c - o[t - 1]
        g["W_yh"] += np.outer(dy, h[t])
        g["b_y"] += dy
        dphi = 1 - h[t] ** 2
        if bug == "sigma' for tanh'":
            s = 1 / (1 + np.exp(-z[t]))
            dphi = s * (1 - s)
        elif bug == "1 - h_{t-1}^2 for 1 - h_t^2":
            dphi = 1 - h[t - 1] ** 2
        gt = V.T @ dy + carry
        r = dphi * gt
        acc = dphi * carry if bug == "dropped immediate term" else r
        if not (bug == "earliest term dropped" and t == 1):
            g["W_hh"] += np.outer(acc, h[t - 1])
            x_used = (xs[t - 2] if t >= 2 else np.zeros_like(xs[0])) if bug == "x_{t-1} for x_t" else xs[t - 1]
            g["W_xh"] += np.outer(acc, x_used)
            g["b_h"] += gt if bug == "bias gradient without phi'" else acc
        carry = W @ r if bug == "transposed recurrent Jacobian" else W.T @ ((dphi * r) if bug == "phi' applied twice"
                                                                            else r)
    if bug == "W_hh/W_xh swapped":
        g["W_hh"], g["W_xh"] = g["W_xh"], g["W_hh"]
    return {k: np.asarray(v, dtype=np.float64) for k, v in g.items()}


def correct(params, xs, targets, h0):
    """A correct textbook BPTT (row-vector products, :math:`1-h_t^2`, loops over time)."""
    return _textbook(params, xs, targets, h0)


def mutant(name: str):
    """The user function carrying bug ``name`` (one of :data:`MUTANTS`)."""
    if name not in MUTANTS:
        raise KeyError(f"unknown mutant {name!r}; known: {MUTANTS}")
    if name == "float32 accumulation":
        def fn(params, xs, targets, h0):
            return _textbook(params, xs, targets, h0, dtype=np.float32)
    elif name in STRUCTURAL:
        def fn(params, xs, targets, h0):
            return _textbook(params, xs, targets, h0, bug=name)
    else:
        rel, block = float(name.split()[0]), name.rsplit(" ", 1)[1]

        def fn(params, xs, targets, h0):
            g = _textbook(params, xs, targets, h0)
            v = g[block].ravel().copy()
            i = int(np.argmax(np.abs(v)))
            v[i] *= 1 + rel
            g[block] = v.reshape(g[block].shape)
            return g
    fn.__name__ = "mutant_" + "".join(ch if ch.isalnum() else "_" for ch in name)
    return fn
