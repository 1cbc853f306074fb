r"""Hypothesis strategies for Elman, LSTM and GRU networks: configurations, weights in a chosen regime, problems.

The public strategies that rnnproof's own property tests use, for testing *your* RNN, BPTT or
gradient code the same way.  Hypothesis is an optional test dependency (``pip install
rnnproof[test]``): this module imports it, and nothing else in rnnproof imports this module.

Every strategy keeps values finite, takes keyword-only bounds named ``min_...``/``max_...``,
validates its arguments eagerly (raising :class:`hypothesis.errors.InvalidArgument` with a
hint, like Hypothesis's own strategies) and shrinks towards small readable cases: sizes
shrink to their minimum, angles to 0 (so orthogonal factors shrink to the identity), free
entries to 0.

Weights with a controlled largest singular value :math:`\lambda_1 = \lVert W\rVert_2` are built
from an SVD :math:`W = U\,\mathrm{diag}(s)\,V^\top` with :math:`s_1 = \lambda_1`; weights with a
controlled spectral radius :math:`\rho` from a real Schur form :math:`W = Q(D + N)Q^\top` with
:math:`D` block diagonal (1x1 blocks and 2x2 rotation blocks, largest modulus :math:`\rho`)
and :math:`N` strictly block upper triangular (which leaves the eigenvalues alone but makes
:math:`\lVert W\rVert` as large as :math:`\lVert N\rVert` allows: the
``spectral_radius_is_not_enough`` phenomenon).  Orthogonal factors are products of Givens
rotations.  Regimes are relative to :math:`1/\gamma`, :math:`\gamma = \sup|\varphi'|`
(1 for tanh, 1/4 for the logistic sigmoid; Pascanu, Mikolov & Bengio, ICML 2013, sec. 2.1).

The gated cells of IDENTITIES.md section G (:mod:`rnnproof.numeric.gated`) get
:func:`lstm_params`, :func:`gru_params`, :func:`lstm_problems`, :func:`gru_problems` and
:func:`gated_problem_run`, with regimes :data:`GATE_REGIMES` set by the gate biases: the forget
gate near 1 (``remember``) or near 0 (``forget``), every gate ``saturated``, and the exact
constant error carousel :math:`\mathrm{rem}_t = 1.0` (``carousel``; Hochreiter & Schmidhuber 1997,
Gers et al. 2000).

Examples
--------
>>> import numpy as np
>>> from hypothesis import given, settings
>>> @settings(max_examples=10, deadline=None)
... @given(elman_problems(max_n=3, max_T=4))
... def test_loss_is_finite(problem):
...     assert np.isfinite(problem.loss())
>>> test_loss_is_finite()
"""


from __future__ import annotations

from .elman import *  # noqa: F401,F403
from .elman import __all__ as _elman_all
from .gated import *  # noqa: F401,F403
from .gated import __all__ as _gated_all
from .orthogonal import *  # noqa: F401,F403
from .orthogonal import __all__ as _orthogonal_all
from .remedies import *  # noqa: F401,F403
from .remedies import __all__ as _remedies_all
from .stacked import *  # noqa: F401,F403
from .stacked import __all__ as _stacked_all

__all__ = [*_elman_all, *_gated_all, *_orthogonal_all, *_remedies_all, *_stacked_all]
