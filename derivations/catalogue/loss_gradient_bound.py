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

from ..lemmas import ByLemma
from ..matexpr import OrderedProduct, SpectralNorm, TimeIndexed, diag
from ..matrixclaims import MatrixRel
from ..model import Identity, Step, SymbolSpec
from ..symbols import W_hh, i, j, n, t, z
from .jacobian_norm_bound import ACTIVATION_NAMES, gamma, jacobian, phi_prime

__all__ = ["IDENTITY", "dl_dh", "lhs", "bound"]



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


_INSTANCES = ({i: 3, j: 1}, {i: 2, j: 2})
#: tight region: z near 0 makes each factor close to gamma lambda_1, so a bound too small fails there
#: a contracting and an expanding W_hh: a power bound with the wrong exponent fails in one of them
_REGIONS = ({"W_hh": (-0.4, 0.4)}, {"W_hh": (-1.5, 1.5)})
_TIGHT = {"z": (-0.25, 0.25), "W_hh": (-1.5, 1.5), "dl_dh": (-2.0, 2.0)}


def _rel(a, b):
    return MatrixRel(a, "<=", b, size=n, instances=_INSTANCES, trials=2, sizes=(1, 2, 3), domains=_TIGHT, regions=_REGIONS)


def _activation_steps(name, per_factor):
    P = SpectralNorm(_product(name))
    g = SpectralNorm(dl_dh(i))
    power = (gamma(name) * SpectralNorm(W_hh)) ** (i - j)
    factors = sp.Product(SpectralNorm(diag(phi_prime(t, name))) * SpectralNorm(W_hh), (t, j + 1, i))
    sub = ByLemma("submultiplicativity", _rel(lhs(name), g * P))
    prod = ByLemma("submultiplicativity_product", _rel(P, factors))
    bounded = ByLemma("bounded_product", _rel(factors, power), premises=(per_factor,))
    chain = ByLemma("transitivity", _rel(P, power), premises=(prod, bounded))
    scaled = ByLemma("monotonicity", _rel(g * P, bound(name)), premises=(chain,))
    return [
        Step(sub, f"submultiplicativity ||g P|| <= ||g|| ||P|| with g = dl_i/dh_i, P = prod_t J_t ({name})"),
        Step(prod, f"submultiplicativity once per factor of P ({name})"),
        Step(bounded, f"each factor ||diag phi'(z_t)|| lambda_1 <= gamma lambda_1 (jacobian_norm_bound), i - j factors ({name})"),
        Step(chain, f"the two bounds above chain: ||P|| <= (gamma lambda_1)^(i-j) ({name})"),
        Step(scaled, f"multiply by ||dl_i/dh_i|| >= 0 ({name})"),
        Step(ByLemma("transitivity", _rel(lhs(name), bound(name)), premises=(sub, scaled)),
             f"the bounds chain: ||dl_i/dh_j|| <= ||dl_i/dh_i|| (gamma lambda_1)^(i-j) ({name})"),
    ]


def _steps():
    from .jacobian_norm_bound import IDENTITY as JNB, bound as jnb_bound
    steps = []
    for name in ACTIVATION_NAMES:
        per_factor = next(s.claim for s in JNB.steps if getattr(s.claim, "lemma", "") == "monotonicity"
                          and s.claim.rhs == jnb_bound(name))
        steps += _activation_steps(name, per_factor)
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
    ),
    derived={"lhs": lhs, "bound": bound},
    sources=("IDENTITIES.md D", "Pascanu, Mikolov, Bengio 2013, sec. 2.1"),
)
