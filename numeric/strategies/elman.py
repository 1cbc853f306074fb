"""Hypothesis strategies for Elman networks (see :mod:`rnnproof.numeric.strategies`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.extra import numpy as hnp

from rnnproof.derivations.functions import GAMMA as _SYMBOLIC_GAMMA

from .. import engine
from ..runs import Checkpoint, Run

__all__ = ["GAMMA", "REGIMES", "RNNConfig", "ElmanProblem", "FLUSH", "rnn_configs", "activations", "finite_arrays",
           "orthogonal_matrices", "matrices_with_spectral_norm", "matrices_with_spectral_radius",
           "recurrent_weights", "input_sequences", "elman_problems", "problem_run"]

#: :math:`\gamma = \sup_x|\varphi'(x)|` per activation, from the derivations (tanh_derivative,
#: sigmoid_derivative_bound)
GAMMA = {k: float(v) for k, v in _SYMBOLIC_GAMMA.items()}

#: regime -> band of :math:`\gamma\lambda_1` (``saturated`` adds a bias that pins every unit
#: at :math:`|z| \ge 3`, so :math:`\varphi'` is tiny although :math:`\lambda_1 > 1/\gamma`)
REGIMES = {"any": (0.0, 3.0), "below": (0.1, 0.9), "near": (0.95, 1.05), "above": (1.1, 3.0),
           "saturated": (1.1, 3.0)}
_SATURATION = (3.0, 8.0)  # margin m: |z_{t,a}| >= m for every t, a in the saturated regime


@dataclass(frozen=True)
class RNNConfig:
    """Sizes of an Elman network and its sequence: hidden ``n``, input ``d``, output ``m``, length ``T``."""

    n: int
    d: int
    m: int
    T: int


@dataclass(frozen=True, eq=False)
class ElmanProblem:
    """One generated problem: weights, a sequence, its targets and the initial state.

    ``targets`` is ``(T, m)`` floats for the squared loss and ``(T,)`` integer classes for
    cross-entropy; ``regime`` is the :data:`REGIMES` key the recurrent weights were drawn in.
    """

    params: engine.ElmanParams
    xs: np.ndarray
    targets: np.ndarray
    h0: np.ndarray
    loss_kind: str = "squared"
    regime: str = "any"

    @property
    def config(self) -> RNNConfig:
        """The sizes."""
        return RNNConfig(self.params.n, self.params.d, self.params.m, self.xs.shape[0])

    def loss(self):
        """The loss of the sequence (:func:`engine.loss`)."""
        return engine.loss(self.params, self.xs, self.targets, kind=self.loss_kind, h0=self.h0)

    def gradient(self) -> engine.ElmanParams:
        """rnnproof's BPTT gradient (:func:`engine.bptt`), shaped like the parameters."""
        return engine.bptt(self.params, self.xs, self.targets, kind=self.loss_kind, h0=self.h0)[1]

    def describe(self) -> str:
        """One line for ``note()`` and failure messages."""
        c, lam = self.config, float(np.linalg.norm(self.params.W_hh, 2))
        return (f"n={c.n} d={c.d} m={c.m} T={c.T} {self.params.activation} {self.loss_kind} "
                f"regime={self.regime} lambda_1={lam:.4g} gamma*lambda_1={GAMMA[self.params.activation] * lam:.4g}")


# -- validation, in Hypothesis's style ----------------------------------------------------
def _check_int(name, value, lowest):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidArgument(f"{name}={value!r} must be an integer")
    if value < lowest:
        raise InvalidArgument(f"{name}={value!r} must be at least {lowest}")


def _check_range(lo_name, lo, hi_name, hi, *, lowest, integer=True):
    for name, v in ((lo_name, lo), (hi_name, hi)):
        if integer:
            _check_int(name, v, lowest)
        elif not isinstance(v, (int, float, np.floating)) or isinstance(v, bool) or not math.isfinite(v) or v < lowest:
            raise InvalidArgument(f"{name}={v!r} must be a finite number >= {lowest}")
    if lo > hi:
        raise InvalidArgument(f"Cannot have {lo_name}={lo!r} > {hi_name}={hi!r}; swap them or widen the range")


def _check_choices(name, values, allowed):
    values = (values,) if isinstance(values, str) else tuple(values)
    if not values:
        raise InvalidArgument(f"{name} must name at least one of {tuple(allowed)}, got an empty collection")
    bad = [v for v in values if v not in allowed]
    if bad:
        raise InvalidArgument(f"{name}: unknown value(s) {bad}; choose from {tuple(allowed)}")
    return values


# -- strategies -----------------------------------------------------------------------------
def rnn_configs(*, min_n=1, max_n=4, min_d=1, max_d=3, min_m=1, max_m=2, min_T=1, max_T=6):
    """Sizes ``RNNConfig(n, d, m, T)`` within the given inclusive bounds (shrink to the minima).

    >>> rnn_configs(max_n=2).example().n in (1, 2)
    True
    """
    for k, lo, hi in (("n", min_n, max_n), ("d", min_d, max_d), ("m", min_m, max_m), ("T", min_T, max_T)):
        _check_range(f"min_{k}", lo, f"max_{k}", hi, lowest=1)
    return st.builds(RNNConfig, n=st.integers(min_n, max_n), d=st.integers(min_d, max_d),
                     m=st.integers(min_m, max_m), T=st.integers(min_T, max_T))


def activations(*, allowed=("tanh", "sigmoid")):
    """Activation names, shrinking to the first of ``allowed``."""
    return st.sampled_from(_check_choices("allowed", allowed, GAMMA))


#: entries smaller than this in magnitude are flushed to 0: values like 1e-156 test nothing a
#: gradient check can resolve (the complex step with h = 1e-200 underflows on them) and read badly
FLUSH = 2.0 ** -20


def _flush(v: float) -> float:
    return 0.0 if abs(v) < FLUSH else v


def _floats(lo, hi):
    """Finite floats in [lo, hi], no subnormals, tiny magnitudes flushed to 0."""
    elements = st.floats(lo, hi, allow_subnormal=False)
    return elements.map(_flush) if lo <= 0.0 <= hi else elements


def finite_arrays(shape, *, min_value=-1.0, max_value=1.0):
    """float64 arrays of ``shape`` with finite entries in ``[min_value, max_value]``.

    Entries of magnitude below :data:`FLUSH` (:math:`2^{-20}`) become 0 (when 0 is in range).
    """
    _check_range("min_value", min_value, "max_value", max_value, lowest=-math.inf, integer=False)
    return hnp.arrays(np.float64, shape, elements=_floats(min_value, max_value))


def _givens(n, angles):
    Q = np.eye(n)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    for (i, j), a in zip(pairs, angles):
        c, s = math.cos(a), math.sin(a)
        Q[:, [i, j]] = Q[:, [i, j]] @ np.array([[c, -s], [s, c]])
    return Q


def orthogonal_matrices(n):
    r"""``n x n`` orthogonal matrices: products of :math:`n(n-1)/2` Givens rotations (shrink to I)."""
    _check_int("n", n, 1)
    angles = hnp.arrays(np.float64, (n * (n - 1) // 2,), elements=_floats(-math.pi, math.pi))
    return angles.map(lambda a: _givens(n, a))


def matrices_with_spectral_norm(n, *, min_norm=0.0, max_norm=1.0):
    r"""``n x n`` matrices whose largest singular value :math:`\lambda_1` lies in ``[min_norm, max_norm]``.

    Built as :math:`U\,\mathrm{diag}(\lambda_1, \lambda_1 f_2, \ldots)V^\top` with fractions
    :math:`f_i\in[0,1]` and orthogonal :math:`U, V`, then rescaled so that
    ``numpy.linalg.norm(W, 2)`` equals the drawn :math:`\lambda_1` to one rounding.
    Shrinks to ``diag(min_norm, 0, ..., 0)``.
    """
    _check_int("n", n, 1)
    _check_range("min_norm", min_norm, "max_norm", max_norm, lowest=0.0, integer=False)

    @st.composite
    def build(draw):
        lam = draw(_floats(min_norm, max_norm))
        fractions = draw(finite_arrays((n - 1,), min_value=0.0, max_value=1.0))
        U, V = draw(orthogonal_matrices(n)), draw(orthogonal_matrices(n))
        W = U @ np.diag(np.concatenate([[lam], lam * fractions])) @ V.T
        norm = np.linalg.norm(W, 2)
        return W * (lam / norm) if norm > 0 else W
    return build()


def matrices_with_spectral_radius(n, *, min_radius=0.0, max_radius=1.0, max_off_diagonal=3.0,
                                  complex_eigenvalues=True):
    r"""``n x n`` matrices whose spectral radius :math:`\rho` lies in ``[min_radius, max_radius]``.

    Real Schur construction :math:`Q(D + N)Q^\top`: ``D`` holds 1x1 blocks and (when
    ``complex_eigenvalues``) 2x2 blocks :math:`r\,[[\cos\theta, \sin\theta], [-\sin\theta,
    \cos\theta]]` (eigenvalues :math:`re^{\pm i\theta}`); the first block has modulus
    :math:`\rho`, the others :math:`\le\rho`; ``N`` is strictly block upper triangular with
    entries in ``[-max_off_diagonal, max_off_diagonal]``, so the eigenvalues are exactly
    those of ``D`` (in exact arithmetic; a large ``N`` makes them ill-conditioned) while the
    norm can be far above :math:`\rho`.  Shrinks to ``diag(min_radius, 0, ..., 0)``.
    """
    _check_int("n", n, 1)
    _check_range("min_radius", min_radius, "max_radius", max_radius, lowest=0.0, integer=False)
    _check_range("0", 0.0, "max_off_diagonal", max_off_diagonal, lowest=0.0, integer=False)

    @st.composite
    def build(draw):
        rho = draw(_floats(min_radius, max_radius))
        pairs = draw(st.integers(0, n // 2)) if complex_eigenvalues else 0
        sizes = [2] * pairs + [1] * (n - 2 * pairs)
        D, starts, i = np.zeros((n, n)), [], 0
        for b, size in enumerate(sizes):
            r = rho if b == 0 else rho * draw(_floats(-1.0, 1.0))
            if size == 2:
                a = draw(_floats(0.0, math.pi))
                D[i:i + 2, i:i + 2] = abs(r) * np.array([[math.cos(a), math.sin(a)], [-math.sin(a), math.cos(a)]])
            else:
                D[i, i] = r
            starts.append(i)
            i += size
        block = np.repeat(np.arange(len(sizes)), sizes)
        N = draw(finite_arrays((n, n), min_value=-max_off_diagonal, max_value=max_off_diagonal))
        N = np.where(block[:, None] < block[None, :], N, 0.0)
        Q = draw(orthogonal_matrices(n))
        return Q @ (D + N) @ Q.T
    return build()


def recurrent_weights(n, *, activation="tanh", regime="any"):
    r"""``W_hh`` with :math:`\gamma\lambda_1` in the band :data:`REGIMES` ``[regime]``.

    ``below``: :math:`\lambda_1 < 1/\gamma` (vanishing guaranteed); ``near``: within 5% of
    :math:`1/\gamma`; ``above`` and ``saturated``: :math:`\lambda_1 > 1/\gamma`; ``any``:
    :math:`[0, 3/\gamma]`.
    """
    _check_choices("activation", activation, GAMMA)
    _check_choices("regime", regime, REGIMES)
    lo, hi = REGIMES[regime]
    g = GAMMA[activation]
    return matrices_with_spectral_norm(n, min_norm=lo / g, max_norm=hi / g)


def input_sequences(T, d, *, max_abs=1.0):
    """Inputs ``xs`` of shape ``(T, d)`` (row ``t-1`` is :math:`x_t`), entries in ``[-max_abs, max_abs]``."""
    _check_int("T", T, 1)
    _check_int("d", d, 1)
    _check_range("0", 0.0, "max_abs", max_abs, lowest=0.0, integer=False)
    return finite_arrays((T, d), min_value=-max_abs, max_value=max_abs)


def _saturating_bias(draw, W, W_xh, max_input, activation):
    r"""Bias with :math:`|b_a| = m + \lambda_1\sqrt n\,\max|h| + \sum_j|W_{xh,aj}|\max|x|`, so |z_{t,a}| >= m."""
    n = W.shape[0]
    margin = draw(st.floats(*_SATURATION))
    signs = draw(hnp.arrays(np.float64, (n,), elements=st.sampled_from([1.0, -1.0])))
    reach = np.linalg.norm(W, 2) * math.sqrt(n) + np.abs(W_xh).sum(axis=1) * max_input
    return signs * (margin + reach)


def elman_problems(*, min_n=1, max_n=4, min_d=1, max_d=3, min_m=1, max_m=2, min_T=1, max_T=6,
                   activations=("tanh", "sigmoid"), loss_kinds=("squared",), regimes=tuple(REGIMES),
                   max_weight=1.0, max_input=1.0):
    r"""Complete problems :class:`ElmanProblem` (params, xs, targets, h0) for gradient tests.

    ``W_hh`` comes from :func:`recurrent_weights` in a regime drawn from ``regimes``;
    ``W_xh, W_yh`` have entries in ``[-max_weight, max_weight]``, ``b_h, b_y, h0`` and the
    squared-loss targets entries in ``[-1, 1]``, inputs in ``[-max_input, max_input]``.
    In the ``saturated`` regime ``b_h`` is replaced by :func:`_saturating_bias`, which keeps
    every pre-activation at :math:`|z_{t,a}|\ge 3` for all ``t`` (by the triangle inequality
    with :math:`\lVert h_{t-1}\rVert_2\le\sqrt n`).  Cross-entropy targets are classes in
    ``[0, m)``.  Shrinks to ``n = d = m = T = min``, the first activation, loss kind and
    regime, and zero entries.

    Examples
    --------
    >>> p = elman_problems(activations=("sigmoid",), regimes=("below",)).example()
    >>> bool(p.params.activation == "sigmoid" and np.linalg.norm(p.params.W_hh, 2) < 4)
    True
    """
    configs = rnn_configs(min_n=min_n, max_n=max_n, min_d=min_d, max_d=max_d, min_m=min_m, max_m=max_m,
                          min_T=min_T, max_T=max_T)
    acts = _check_choices("activations", activations, GAMMA)
    losses = _check_choices("loss_kinds", loss_kinds, engine.LOSS_KINDS)
    regs = _check_choices("regimes", regimes, REGIMES)
    _check_range("0", 0.0, "max_weight", max_weight, lowest=0.0, integer=False)
    _check_range("0", 0.0, "max_input", max_input, lowest=0.0, integer=False)

    @st.composite
    def build(draw):
        c = draw(configs)
        act, kind, regime = draw(st.sampled_from(acts)), draw(st.sampled_from(losses)), draw(st.sampled_from(regs))
        W = draw(recurrent_weights(c.n, activation=act, regime=regime))
        U = draw(finite_arrays((c.n, c.d), min_value=-max_weight, max_value=max_weight))
        b = draw(finite_arrays((c.n,)))
        if regime == "saturated":
            b = _saturating_bias(draw, W, U, max_input, act)
        V = draw(finite_arrays((c.m, c.n), min_value=-max_weight, max_value=max_weight))
        params = engine.ElmanParams(W, U, b, V, draw(finite_arrays((c.m,))), act)
        xs = draw(input_sequences(c.T, c.d, max_abs=max_input))
        if kind == "squared":
            targets = draw(finite_arrays((c.T, c.m)))
        else:
            targets = draw(hnp.arrays(np.int64, (c.T,), elements=st.integers(0, c.m - 1)))
        h0 = draw(finite_arrays((c.n,)))
        return ElmanProblem(params, xs, targets, h0, kind, regime)
    return build()


def problem_run(problem: ElmanProblem, *, steps: int = 2, lr: float = 1e-3, tau: float = 1.0,
                name: str = "hypothesis", seed: int = 0) -> Run:
    r"""A synthetic :class:`~rnnproof.numeric.runs.Run` from one problem, for the identity checks.

    Trains exactly like :func:`~rnnproof.numeric.runs.build_run` (SGD with gradient-norm
    clipping :math:`\hat g = g\min(1, \tau/\lVert g\rVert)`, Pascanu et al. 2013, Algorithm 1)
    for ``steps`` steps on the problem's one sequence, recording the same ``history``
    (loss, grad_norm, tau, clipped) and the checkpoints ``initial`` and ``final``.
    """
    _check_int("steps", steps, 1)
    _check_range("0", 0.0, "lr", lr, lowest=0.0, integer=False)
    _check_range("0", 0.0, "tau", tau, lowest=0.0, integer=False)
    p, kind = problem.params, problem.loss_kind
    hist = {k: [] for k in ("loss", "grad_norm", "tau", "clipped")}
    for _ in range(steps):
        L, g = engine.bptt(p, problem.xs, problem.targets, kind=kind, h0=problem.h0)
        gf = g.flat()
        norm = float(np.linalg.norm(gf))
        clipped = norm > tau
        p = engine.ElmanParams.from_flat(p.flat() - lr * (gf * min(1.0, tau / norm) if norm > 0 else gf), p)
        for k, v in zip(hist, (float(L), norm, tau, clipped)):
            hist[k].append(v)
    c = problem.config
    config = dict(kind="synthetic", n=c.n, d=c.d, m=c.m, T=c.T, steps=steps, lr=lr, tau=tau, loss=kind, seed=seed,
                  regime=problem.regime, description=f"Hypothesis-generated: {problem.describe()}")
    cps = tuple(Checkpoint(cp, s, q, problem.xs, problem.targets, problem.h0, kind)
                for cp, s, q in (("initial", 0, problem.params), ("final", steps, p)))
    return Run(name, config["description"], config, seed, cps, {k: np.asarray(v) for k, v in hist.items()},
               problem.params.activation)


# -- gated cells (IDENTITIES.md section G) ------------------------------------------------------
#: gate regimes: which gate bias is pushed past the gate's reach (see :func:`lstm_params`)
