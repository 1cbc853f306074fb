"""Check your own BPTT against rnnproof: drop this file into your pytest suite.

``my_bptt`` stands for your code: replace it by an import of your function
(``from mymodel import my_bptt``).  It must follow the calling convention of
:mod:`rnnproof.numeric.usercheck`: ``my_bptt(params, xs, targets, h0) -> dict`` of gradients
of the whole-sequence loss, one per parameter, shaped like the parameter.

Run with ``python -m pytest test_my_bptt.py``; choose the number of generated networks with
``max_examples=`` or a Hypothesis settings profile.  A mismatch fails with rnnproof's message,
e.g. ``my_bptt: dL/dW_hh mismatch (2x2, float64): worst entry (0, 1) derived=... reference=...,
|err|=... > tol=... (complex-batched, ...) [n=2 ...; hypothesis seed=...; rerun with ...]``.
"""

import numpy as np

from rnnproof.numeric.usercheck import assert_gradients_match


def my_bptt(params, xs, targets, h0):
    """A plain NumPy BPTT for h_t = tanh(W_hh h_{t-1} + W_xh x_t + b_h), y_t = W_yh h_t + b_y, squared loss."""
    W, U, b, V, c = (params[k] for k in ("W_hh", "W_xh", "b_h", "W_yh", "b_y"))
    T = xs.shape[0]
    hs = [h0]
    for t in range(T):
        hs.append(np.tanh(W @ hs[-1] + U @ xs[t] + b))
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    carry = np.zeros_like(h0)
    for t in range(T, 0, -1):
        dy = V @ hs[t] + c - targets[t - 1]           # dl_t/dy_t
        grads["W_yh"] += np.outer(dy, hs[t])
        grads["b_y"] += dy
        r = (1 - hs[t] ** 2) * (V.T @ dy + carry)     # dL/dz_t
        grads["W_hh"] += np.outer(r, hs[t - 1])
        grads["W_xh"] += np.outer(r, xs[t - 1])
        grads["b_h"] += r
        carry = W.T @ r                               # dL/dh_{t-1} through h_t
    return grads


def test_my_bptt_matches_rnnproof():
    assert_gradients_match(my_bptt, activation="tanh", loss="squared")
