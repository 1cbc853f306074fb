r"""``loss_gradient_bound``: :math:`\lVert\partial\ell_i/\partial h_j\rVert \le \lVert\partial\ell_i/\partial h_i\rVert\,(\gamma\lambda_1)^{i-j}`.

With the row-gradient convention of ``loss_to_hidden``,
:math:`\partial\ell_i/\partial h_j = (\partial\ell_i/\partial h_i)\prod_{t=j+1}^{i} J_t`
(a :math:`1\times n` row, product ordered latest on the left), so

.. math::
   \Big\lVert\frac{\partial\ell_i}{\partial h_j}\Big\rVert
   \le \Big\lVert\frac{\partial\ell_i}{\partial h_i}\Big\rVert\,
       \Big\lVert\prod_{t=j+1}^{i} J_t\Big\rVert
   \le \Big\lVert\frac{\partial\ell_i}{\partial h_i}\Big\rVert\,(\gamma\lambda_1)^{i-j}.

Symbols: ``dl_dh`` is the time-indexed :math:`1\times n` row :math:`\partial\ell_i/\partial h_i`
(``env["dl_dh"][i]`` for the evaluator), ``z``, ``W_hh`` as in :mod:`derivations.symbols`.
Submultiplicativity is numerically confirmed (no symbolic singular values at symbolic n); the
power bound is the induction of ``product_norm_bound`` (proved); the last step is proved algebra.

Reference: IDENTITIES.md section D; Pascanu, Mikolov, Bengio (2013), sec. 2.1.
"""

from __future__ import annotations

import sympy as sp

from ..claims import Rel
from ..matexpr import OrderedProduct, SpectralNorm, TimeIndexed
from ..matrixclaims import MatrixRel
from ..model import Identity, Step, SymbolSpec
from ..symbols import W_hh, i, j, n, t, z
from .jacobian_norm_bound import ACTIVATION_NAMES, gamma, jacobian
from .product_norm_bound import explicit_pair, induction_claim

__all__ = ["IDENTITY", "dl_dh", "lhs", "bound"]

_G, _Q, _r = sp.symbols("G Q r", nonnegative=True)


def dl_dh(time=i):
    """:math:`\\partial\\ell_i/\\partial h_{time}` as a ``1 x n`` row (only the diagonal one, time = i, is a leaf)."""
    return TimeIndexed("dl_dh", time, 1, n)


def _product(name):
    return OrderedProduct(jacobian(t, name), (t, j + 1, i))


def lhs(name: str):
    """:math:`\\lVert(\\partial\\ell_i/\\partial h_i)\\prod_{t=j+1}^{i}J_t\\rVert = \\lVert\\partial\\ell_i/\\partial h_j\\rVert`."""
    return SpectralNorm(dl_dh(i) * _product(name))


def bound(name: str):
    """:math:`\\lVert\\partial\\ell_i/\\partial h_i\\rVert(\\gamma\\lVert W_{hh}\\rVert)^{i-j}`."""
    return SpectralNorm(dl_dh(i)) * (gamma(name) * SpectralNorm(W_hh)) ** (i - j)


_INSTANCES = ({i: 3, j: 1},)


def _steps():
    steps = []
    for name in ACTIVATION_NAMES:
        mid = SpectralNorm(dl_dh(i)) * SpectralNorm(_product(name))
        dom = {"z": (-3.0, 3.0), "W_hh": (-1.5, 1.5), "dl_dh": (-2.0, 2.0)}
        steps.append(Step(MatrixRel(lhs(name), "<=", mid, size=n, instances=_INSTANCES, trials=1, sizes=(1, 2, 3),
                                    explicit=explicit_pair(lhs(name), mid, dom)),
                          f"submultiplicativity ||g P|| <= ||g|| ||P|| ({name}); confirmed on explicit matrices only"))
    steps.append(Step(induction_claim(), "||prod_{t=j+1}^{i} J_t|| <= (gamma lambda_1)^(i-j) (product_norm_bound)"))
    steps.append(Step(Rel(_G * (_Q - _r), "<=", _G * _Q),
                      "multiply ||prod J_t|| = (gamma lambda_1)^(i-j) - r (r >= 0) by ||dl_i/dh_i|| >= 0"))
    for name in ACTIVATION_NAMES:
        dom = {"z": (-40.0, 40.0), "dl_dh": (-2.0, 2.0)}
        steps.append(Step(MatrixRel(lhs(name), "<=", bound(name), size=n, instances=_INSTANCES, trials=1, sizes=(1, 2, 3),
                                    explicit=explicit_pair(lhs(name), bound(name), dom)),
                          f"cross-check of the whole bound on explicit matrices ({name})"))
    return tuple(steps)


_gamma_sym = sp.Symbol("gamma", positive=True)
IDENTITY = Identity(
    id="loss_gradient_bound",
    title="Norm bound on the gradient of a later loss by an earlier state",
    section="D",
    summary="||dl_i/dh_j|| <= ||dl_i/dh_i|| (gamma lambda_1)^(i-j)  (row gradients, j <= i)",
    statement=sp.Le(SpectralNorm(dl_dh(i) * OrderedProduct(TimeIndexed("J", t, n, n), (t, j + 1, i))),
                    SpectralNorm(dl_dh(i)) * (_gamma_sym * SpectralNorm(W_hh)) ** (i - j), evaluate=False),
    steps=_steps(),
    symbols=(
        SymbolSpec(dl_dh(i), "row gradient dl_i/dh_i (env key 'dl_dh')", (1, n), (-2.0, 2.0)),
        SymbolSpec(z(t), "pre-activation at time t", (n, 1), (-3.0, 3.0)),
        SymbolSpec(W_hh, "recurrent weight matrix; lambda_1 = ||W_hh||", (n, n)),
        SymbolSpec(_G, "||dl_i/dh_i||", (), (0.0, 40.0)),
        SymbolSpec(_Q, "(gamma lambda_1)^(i-j)", (), (0.0, 40.0)),
        SymbolSpec(_r, "(gamma lambda_1)^(i-j) - ||prod J_t|| >= 0", (), (0.0, 40.0)),
    ),
    derived={"lhs": lhs, "bound": bound},
    sources=("IDENTITIES.md D", "Pascanu, Mikolov, Bengio 2013, sec. 2.1"),
)
