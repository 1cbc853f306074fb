r"""Hypothesis strategies for section H's orthogonal and echo-state cells (see :mod:`rnnproof.numeric.strategies`).

* :func:`orthogonal_problems` -- tanh Elman problems whose :math:`W_{hh}` is orthogonal (Saxe et al. 2014);
* :func:`echo_pairs` -- a tanh Elman problem with :math:`\lVert W_{hh}\rVert \le` ``max_norm`` (echo-state scaling,
  Jaeger 2001) and a second initial state :math:`h'_0`: two runs of the same network and inputs.

Both shrink like :func:`~rnnproof.numeric.strategies.elman_problems` (sizes to their minimum, rotation angles to
0 so :math:`W_{hh}` shrinks to :math:`I`, free entries to 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from .. import engine
from .elman import ElmanProblem, _check_range, finite_arrays, input_sequences, matrices_with_spectral_norm, \
    orthogonal_matrices, rnn_configs

__all__ = ["orthogonal_problems", "EchoPair", "echo_pairs"]


def _problem(draw, c, W, max_input):
    U = draw(finite_arrays((c.n, c.d)))
    b = draw(finite_arrays((c.n,)))
    V = draw(finite_arrays((c.m, c.n)))
    params = engine.ElmanParams(W, U, b, V, draw(finite_arrays((c.m,))), "tanh")
    xs = draw(input_sequences(c.T, c.d, max_abs=max_input))
    return ElmanProblem(params, xs, draw(finite_arrays((c.T, c.m))), draw(finite_arrays((c.n,))), "squared", "any")


def orthogonal_problems(*, min_n=1, max_n=4, min_T=1, max_T=6, max_input=1.0):
    """Tanh :class:`~rnnproof.numeric.strategies.ElmanProblem` with an orthogonal ``W_hh`` (Givens product)."""
    configs = rnn_configs(min_n=min_n, max_n=max_n, min_T=min_T, max_T=max_T)
    _check_range("0", 0.0, "max_input", max_input, lowest=0.0, integer=False)

    @st.composite
    def build(draw):
        c = draw(configs)
        return _problem(draw, c, draw(orthogonal_matrices(c.n)), max_input)
    return build()


@dataclass(frozen=True, eq=False)
class EchoPair:
    """A problem and a second initial state: the two runs share weights and inputs."""

    problem: ElmanProblem
    h0p: np.ndarray

    def trajectories(self):
        """``(traj, traj')`` of :func:`engine.forward` from ``h0`` and ``h0p``."""
        p = self.problem
        return engine.forward(p.params, p.xs, h0=p.h0), engine.forward(p.params, p.xs, h0=self.h0p)


def echo_pairs(*, min_n=1, max_n=4, min_T=1, max_T=8, min_norm=0.0, max_norm=0.99, max_input=1.0):
    r""":class:`EchoPair` with :math:`\lVert W_{hh}\rVert \in` [``min_norm``, ``max_norm``]."""
    configs = rnn_configs(min_n=min_n, max_n=max_n, min_T=min_T, max_T=max_T)
    _check_range("min_norm", min_norm, "max_norm", max_norm, lowest=0.0, integer=False)

    @st.composite
    def build(draw):
        c = draw(configs)
        W = draw(matrices_with_spectral_norm(c.n, min_norm=min_norm, max_norm=max_norm))
        return EchoPair(_problem(draw, c, W, max_input), draw(finite_arrays((c.n,), min_value=-2.0, max_value=2.0)))
    return build()
