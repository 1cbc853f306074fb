r"""Built-in real sequences: text that ships with Python, the adding problem, and regimes.

* :func:`zen_text` -- "The Zen of Python" (PEP 20), the rot13-encoded string ``s`` in the
  standard-library module ``this`` (``Lib/this.py``, part of every CPython installation).  It
  is read from the module's *source* with :mod:`ast` (importing ``this`` would print it) and
  decoded with :mod:`codecs`; nothing is downloaded.
* :func:`adding_problem` -- Hochreiter & Schmidhuber (1997), as used by Pascanu, Mikolov &
  Bengio (ICML 2013, sec. 5.1): input pairs (value in [0, 1], marker), two markers; the
  target is the sum of the two marked values.  Our losses sum over time, so the target at
  time ``t`` is the sum of the marked values seen so far (it equals the classic target at T).
* :func:`regime` -- weights constructed to sit in a named gradient regime (IDENTITIES.md D):
  ``vanishing`` (λ₁ < 1/γ), ``exploding`` (λ₁ > 1/γ, linear regime, growing Jacobian products),
  ``saturated`` (λ₁ > 1/γ but saturated units: vanishing anyway) and ``spectral_witness``
  (spectral radius < 1/γ but ‖W²‖ > 1, from [[0.5, 3], [0, 0.5]] blocks).

No optional real time series: none of the already-installed well-known packages ships one
(statsmodels is not a dependency), so that extra is skipped.
"""

from __future__ import annotations

import ast
import codecs
import importlib.util

import numpy as np

from rnnproof.derivations.errors import InputError

from .engine import ElmanParams

__all__ = ["orthogonal", "zen_text", "char_sequences", "adding_problem", "regime", "REGIMES", "calibration_problem",
           "CALIBRATION_REGIMES"]

REGIMES = ("vanishing", "exploding", "saturated", "spectral_witness")
#: weight regimes of the error-model calibration (bench/bench_calibration.py)
CALIBRATION_REGIMES = ("small", "sigma3", "saturated", "long")


def zen_text() -> str:
    """The Zen of Python, decoded from the source of the stdlib module ``this`` (no import)."""
    spec = importlib.util.find_spec("this")
    if spec is None or not spec.origin:
        raise InputError("the standard-library module 'this' is missing from this Python installation")
    with open(spec.origin, encoding="utf-8") as fh:
        tree = ast.parse(fh.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "s" for t in node.targets):
            return codecs.decode(ast.literal_eval(node.value), "rot13")
    raise InputError(f"no string 's' in {spec.origin}")


def char_sequences(T: int, *, rng: np.random.Generator, text: str | None = None):
    """A random window of ``T + 1`` characters: one-hot inputs (T, V), next-char classes (T,), alphabet."""
    text = zen_text() if text is None else text
    alphabet = "".join(sorted(set(text)))
    idx = np.array([alphabet.index(c) for c in text])
    start = int(rng.integers(0, idx.size - T - 1))
    window = idx[start:start + T + 1]
    xs = np.eye(len(alphabet))[window[:-1]]
    return xs, window[1:].astype(np.int64), alphabet


def adding_problem(T: int, *, rng: np.random.Generator):
    """One adding-problem sequence: xs (T, 2) = (value, marker), targets (T, 1) = running marked sum."""
    if T < 2:
        raise InputError(f"adding problem needs T >= 2, got {T}")
    values = rng.uniform(0, 1, T)
    first = int(rng.integers(0, max(1, T // 2)))
    second = int(rng.integers(T // 2, T))
    if second == first:
        second = T - 1 if first != T - 1 else 0
    marker = np.zeros(T)
    marker[[first, second]] = 1.0
    return np.column_stack([values, marker]), np.cumsum(values * marker)[:, None]


def orthogonal(n, rng):
    """A random n x n orthogonal matrix (QR of a Gaussian matrix, signs fixed: Haar distributed)."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def regime(name: str, *, n: int = 8, d: int = 2, m: int = 1, T: int = 30, rng: np.random.Generator):
    """``(params, xs, targets, h0)`` constructed to lie in regime ``name`` (tanh, γ = 1)."""
    if name not in REGIMES:
        raise InputError(f"unknown regime {name!r}; known: {REGIMES}")
    W_yh, b_y = rng.normal(0, 1 / np.sqrt(n), (m, n)), np.zeros(m)
    xs, o = rng.normal(0, 1, (T, d)), rng.normal(0, 1, (T, m))
    h0 = np.zeros(n)
    if name == "vanishing":  # λ₁ = 0.5 < 1/γ = 1
        W, U, b = 0.5 * orthogonal(n, rng), rng.normal(0, 0.5, (n, d)), np.zeros(n)
    elif name == "exploding":  # λ₁ = 1.3, tiny inputs keep tanh ~ linear: products grow like 1.3^k
        W, U, b = 1.3 * orthogonal(n, rng), rng.normal(0, 1e-6, (n, d)), np.zeros(n)
        h0 = rng.normal(0, 1e-6, n)
    elif name == "saturated":  # λ₁ = 3, but |b| = 20 > 3 sqrt(n) + |U x| saturates every unit
        W, U, b = 3.0 * orthogonal(n, rng), rng.normal(0, 0.1, (n, d)), rng.choice([-1.0, 1.0], n) * (3 * np.sqrt(n) + 12)
    else:  # block-diagonal [[0.5, 3], [0, 0.5]]: spectral radius 0.5, ||W^2|| ≈ 3
        if n % 2:
            raise InputError(f"spectral_witness needs an even n, got {n}")
        W = np.kron(np.eye(n // 2), np.array([[0.5, 3.0], [0.0, 0.5]]))
        U, b = rng.normal(0, 1e-3, (n, d)), np.zeros(n)
        h0 = rng.normal(0, 1e-3, n)
    return ElmanParams(W, U, b, W_yh, b_y, "tanh"), xs, o, h0


def calibration_problem(n: int, T: int, regime: str, *, rng: np.random.Generator, d: int = 4, m: int = 2):
    """``(params, xs, targets)`` of the anchors' problem (Elman tanh, squared loss, d = 4, m = 2) in a regime.

    ``small``: W_hh scaled to largest singular value 0.5; ``sigma3``: to 3; ``saturated``:
    largest singular value 3 and biases +-(3 sqrt(n) + 5), so most units sit at |z| >= 5;
    ``long``: W_hh orthogonal (all singular values 1: errors are carried over the whole sequence).
    Other weights: W_xh ~ N(0, 1/4), b_h ~ N(0, 1/100), W_yh ~ N(0, 1/n), b_y ~ N(0, 1/100).
    """
    if regime not in CALIBRATION_REGIMES:
        raise InputError(f"unknown calibration regime {regime!r}; known: {CALIBRATION_REGIMES}")
    W = rng.normal(0, 1 / np.sqrt(n), (n, n))
    U, b = rng.normal(0, 0.5, (n, d)), rng.normal(0, 0.1, n)
    if regime == "small":
        W *= 0.5 / np.linalg.norm(W, 2)
    elif regime == "sigma3":
        W *= 3 / np.linalg.norm(W, 2)
    elif regime == "saturated":
        W *= 3 / np.linalg.norm(W, 2)
        b = rng.choice([-1.0, 1.0], n) * (3 * np.sqrt(n) + 5)
    else:
        W = orthogonal(n, rng)
    p = ElmanParams(W, U, b, rng.normal(0, 1 / np.sqrt(n), (m, n)), rng.normal(0, 0.1, m), "tanh")
    return p, rng.normal(size=(T, d)), rng.normal(size=(T, m))
