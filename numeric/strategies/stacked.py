r"""Hypothesis strategies for the stacked (two-layer) and bidirectional tanh RNNs of section H.

:func:`stacked_params`, :func:`bidir_params` draw weights whose recurrent matrices have a chosen
largest singular value :math:`\lambda` (``regime``: ``"contracting"`` :math:`\lambda \le 0.9`,
``"expanding"`` :math:`1.1 \le \lambda \le 2`, or ``"any"``), by scaling a finite random matrix to that
norm; :func:`stack_problems` adds a sequence and targets; :func:`problem_run` wraps a problem as a
one-checkpoint :class:`~rnnproof.numeric.runs.Run` for the identity checks.  Shrinking goes to small
sizes and zero entries (a zero recurrent matrix stays zero: scaling never divides by zero).

>>> from hypothesis import given, settings
>>> @settings(max_examples=5, deadline=None)
... @given(stack_problems(arch="bidir", max_n=2, max_T=3))
... def test_loss_is_finite(problem):
...     assert np.isfinite(problem.loss())
>>> test_loss_is_finite()
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from .. import stacked
from ..runs import Checkpoint, Run
from .elman import _check_choices, _check_int, finite_arrays, input_sequences

__all__ = ["STACK_REGIMES", "StackProblem", "stacked_params", "bidir_params", "stack_problems", "stack_problem_run"]

STACK_REGIMES = ("any", "contracting", "expanding")
_NORMS = {"any": (0.0, 2.0), "contracting": (0.1, 0.9), "expanding": (1.1, 2.0)}


@dataclass(frozen=True, eq=False)
class StackProblem:
    """One generated stacked or bidirectional problem: weights, a sequence, targets, the loss kind."""

    params: "stacked.StackedParams | stacked.BidirParams"
    xs: np.ndarray
    targets: np.ndarray
    loss_kind: str = "squared"
    regime: str = "any"

    arch = property(lambda self: "stacked" if isinstance(self.params, stacked.StackedParams) else "bidir")

    def loss(self):
        return stacked.loss_of(self.params, self.xs, self.targets, self.loss_kind)

    def describe(self) -> str:
        """One line for failure notes: architecture, sizes, regime, loss."""
        T = self.xs.shape[0]
        return (f"{self.arch} n={self.params.n} d={self.params.d} m={self.params.m} T={T} regime={self.regime} "
                f"loss={self.loss_kind}")

    def gradient(self):
        """rnnproof's BPTT gradient (:func:`stacked.stacked_bptt` / :func:`stacked.bidir_bptt`)."""
        return stacked.bptt_of(self.params, self.xs, self.targets, None, self.loss_kind)[1]


def _scaled(draw, n, regime):
    W = draw(finite_arrays((n, n)))
    lo, hi = _NORMS[regime]
    norm = np.linalg.norm(W, 2)
    if norm == 0:
        return W
    return W * (draw(st.floats(lo, hi)) / norm)


@st.composite
def _params(draw, arch, n, d, m, regime):
    W1, W2 = _scaled(draw, n, regime), _scaled(draw, n, regime)
    vec = lambda k: draw(finite_arrays((k,), min_value=-0.5, max_value=0.5))  # noqa: E731
    mat = lambda r, c: draw(finite_arrays((r, c)))  # noqa: E731
    if arch == "stacked":
        return stacked.StackedParams(W1, mat(n, d), vec(n), W2, mat(n, n), vec(n), mat(m, n), vec(m))
    return stacked.BidirParams(W1, mat(n, d), vec(n), W2, mat(n, d), vec(n), mat(m, n), mat(m, n), vec(m))


def stacked_params(n, d, m, *, regime="any"):
    """:class:`~rnnproof.numeric.stacked.StackedParams` with both recurrent norms in the ``regime``."""
    for k, v in (("n", n), ("d", d), ("m", m)):
        _check_int(k, v, 1)
    _check_choices("regime", regime, STACK_REGIMES)
    return _params("stacked", n, d, m, regime)


def bidir_params(n, d, m, *, regime="any"):
    """:class:`~rnnproof.numeric.stacked.BidirParams` with both chains' recurrent norms in the ``regime``."""
    for k, v in (("n", n), ("d", d), ("m", m)):
        _check_int(k, v, 1)
    _check_choices("regime", regime, STACK_REGIMES)
    return _params("bidir", n, d, m, regime)


@st.composite
def stack_problems(draw, *, arch="stacked", min_n=1, max_n=3, max_d=2, max_m=2, min_T=2, max_T=5,
                   regimes=STACK_REGIMES, loss_kinds=("squared", "cross_entropy")):
    """A :class:`StackProblem` of architecture ``arch`` (``"stacked"`` or ``"bidir"``), ``T >= 2``."""
    _check_choices("arch", arch, ("stacked", "bidir"))
    _check_int("min_T", min_T, 2)
    n, d, m = draw(st.integers(min_n, max_n)), draw(st.integers(1, max_d)), draw(st.integers(1, max_m))
    T, regime, kind = draw(st.integers(min_T, max_T)), draw(st.sampled_from(regimes)), draw(st.sampled_from(loss_kinds))
    p = draw((stacked_params if arch == "stacked" else bidir_params)(n, d, m, regime=regime))
    xs = draw(input_sequences(T, d))
    if kind == "squared":
        o = draw(finite_arrays((T, m)))
    else:
        o = np.asarray(draw(st.lists(st.integers(0, m - 1), min_size=T, max_size=T)), dtype=np.int64)
    return StackProblem(p, xs, o, kind, regime)


def stack_problem_run(problem: StackProblem, *, name: str = "hypothesis", seed: int = 0) -> Run:
    """A one-checkpoint (``final``) :class:`Run` of the problem's weights, for the identity checks."""
    n = problem.params.n
    s0 = np.zeros(2 * n if problem.arch == "stacked" else n)
    cp = Checkpoint("final", 0, problem.params, problem.xs, problem.targets, s0, problem.loss_kind)
    return Run(name, f"generated {problem.arch} problem ({problem.regime})", {"loss": problem.loss_kind}, seed, (cp,),
               {}, "tanh")
