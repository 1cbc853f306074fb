"""The standard symbols of the Elman network, shared by every derivation and the numeric side.

Names here are the contract with :mod:`rnnproof.numeric`: a ``MatrixSymbol`` named
``"W_hh"`` is looked up as ``env["W_hh"]``, a :class:`~derivations.matexpr.TimeIndexed`
named ``"h"`` as ``env["h"][t]``.  Conventions follow ``IDENTITIES.md``: column vectors,
``z_t = W_hh h_{t-1} + W_xh x_t + b_h``, ``h_t = phi(z_t)``, ``y_t = W_yh h_t + b_y``.
"""

from __future__ import annotations

import sympy as sp

from .matexpr import TimeIndexed

__all__ = [
    "n", "d", "m", "t", "k", "i", "j", "T", "x_scalar",
    "W_hh", "W_xh", "b_h", "W_yh", "b_y",
    "h", "z", "x", "y", "o", "state", "SIZE_SYMBOLS",
]

#: hidden size, input size, output size
n, d, m = sp.symbols("n d m", integer=True, positive=True)
#: time indices: t (current), k (earlier), i (product/sum variable), j; T (sequence length)
t, k, i, j = sp.symbols("t k i j", integer=True)
T = sp.Symbol("T", integer=True, positive=True)
#: a real scalar argument of activations
x_scalar = sp.Symbol("x", real=True)

W_hh = sp.MatrixSymbol("W_hh", n, n)
W_xh = sp.MatrixSymbol("W_xh", n, d)
b_h = sp.MatrixSymbol("b_h", n, 1)
W_yh = sp.MatrixSymbol("W_yh", m, n)
b_y = sp.MatrixSymbol("b_y", m, 1)

SIZE_SYMBOLS = (n, d, m)


def h(time):
    """Hidden state :math:`h_{time}` (n x 1)."""
    return TimeIndexed("h", time, n)


def z(time):
    """Pre-activation :math:`z_{time}` (n x 1)."""
    return TimeIndexed("z", time, n)


def x(time):
    """Input :math:`x_{time}` (d x 1)."""
    return TimeIndexed("x", time, d)


def y(time):
    """Output :math:`y_{time}` (m x 1)."""
    return TimeIndexed("y", time, m)


def o(time):
    """Target :math:`o_{time}` (m x 1)."""
    return TimeIndexed("o", time, m)


def state(name, time, rows=n):
    """Any other time-indexed column (gates of LSTM/GRU cells, deltas)."""
    return TimeIndexed(name, time, rows)
