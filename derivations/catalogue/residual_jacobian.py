r"""``residual_jacobian``: :math:`\partial h_t/\partial h_{t-1} = I + \operatorname{diag}(\varphi'(z_t))W_{hh}`, its floor and ceiling.

Residual RNN (He et al. 2016, the skip connection in recurrent form):
:math:`z_t = W_{hh}h_{t-1} + W_{xh}x_t + b_h`, :math:`h_t = h_{t-1} + \tanh(z_t)`.

.. math::
   \frac{\partial h_t}{\partial h_{t-1}} = I + J_t,\quad J_t = \operatorname{diag}(\varphi'(z_t))W_{hh},
   \qquad \frac{\partial h_t}{\partial h_k} = \prod_{i=k+1}^{t}(I + J_i),

   \max(0, 1-\gamma\lambda_1)^{t-k} \le \sigma_{\min}\Big(\frac{\partial h_t}{\partial h_k}\Big)
   \quad\text{and}\quad \Big\lVert\frac{\partial h_t}{\partial h_k}\Big\rVert \le (1+\gamma\lambda_1)^{t-k},

with :math:`\gamma = 1` (tanh) and :math:`\lambda_1 = \lVert W_{hh}\rVert_2`.  The floor is what "protects old
data from disappearing" can honestly mean: when :math:`\gamma\lambda_1 < 1` no direction of the gradient
shrinks faster than :math:`(1-\gamma\lambda_1)^{t-k}`, whatever the saturation (a plain RNN's
:math:`\partial h_t/\partial h_k` goes to 0 when :math:`\varphi'\to 0`); the ceiling says residual products can
still grow.  For :math:`\gamma\lambda_1 \ge 1` the floor is 0 (nothing is claimed).

What is proved, and how:

* the one-step Jacobian, entrywise at symbolic ``n`` (SymPy differentiates the forward map written with
  ``Indexed`` entries, :func:`~derivations.catalogue.lstm_cell_jacobian.chain_entry`), cross-checked on
  explicit residual cells n = 1..3 (complex step at 80 digits);
* :math:`\lVert J_t\rVert \le \gamma\lambda_1` is ``jacobian_norm_bound``'s chain (by lemmas);
* per step, :math:`\sigma_{\min}(I+J_t) \ge \max(0, 1-\gamma\lambda_1)` and :math:`\lVert I+J_t\rVert \le 1+\gamma\lambda_1`
  by the lemmas ``identity_perturbation_floor``/``_ceiling`` (Weyl, Horn & Johnson Thm 3.3.16; the reverse
  triangle inequality);
* over ``t - k`` steps by ``min_singular_product`` (:math:`\sigma_{\min}(AB)\ge\sigma_{\min}(A)\sigma_{\min}(B)`),
  ``submultiplicativity_product``, and the inductions ``bounded_product_below``/``bounded_product``;
* the chain :math:`\partial h_t/\partial h_k = \prod(I+J_i)` for every :math:`s = t - k \ge 0` by induction
  (:mod:`._residual_chain`: base and chain rule entrywise at symbolic ``n``, the peel by definition).

Column vectors, numerator layout.  Reference: He, Zhang, Ren & Sun (2016), *Deep residual learning*;
Horn & Johnson, *Matrix Analysis* (2013), Thm 3.3.16; Pascanu, Mikolov & Bengio (2013), sec. 2.1.
"""

from __future__ import annotations

import sympy as sp

from ..explicit_remedies import ExplicitResidual
from ..lemmas import ByLemma
from ..matexpr import OrderedProduct, SpectralNorm, StateJacobian
from ..matrixclaims import Instance, MatrixRel
from ..model import COLUMN, Identity, Notation, Step, SymbolSpec
from ..singular import MinSingular
from ..symbols import W_hh, h, i, k, n, t, z
from .jacobian_norm_bound import bound as jnb_bound
from .jacobian_norm_bound import jacobian as elman_jacobian
from ._residual_chain import induction
from .hidden_state_chain import GAP
from .lstm_cell_jacobian import IB, Y, CachedEq, abstract, ma, matrix_entry, substitute_leaves

__all__ = ["IDENTITY", "jacobian", "step_factor", "product", "floor", "ceiling", "residual_entry", "network_hook"]

_I = sp.Identity(n)
_lam = SpectralNorm(W_hh)


def step_factor(time=t):
    """:math:`J_{time} = \\operatorname{diag}(\\varphi'(z_{time}))W_{hh}` (tanh; the Elman Jacobian)."""
    return elman_jacobian(time, "tanh")


def jacobian(time=t):
    """:math:`I + \\operatorname{diag}(\\varphi'(z_{time}))W_{hh}`."""
    return ma(_I, step_factor(time))


def product(upper=t):
    """:math:`\\prod_{i=k+1}^{upper}(I + J_i)` (ordered, latest on the left)."""
    return OrderedProduct(jacobian(i), (i, k + 1, upper))


def floor():
    """:math:`\\max(0, 1-\\gamma\\lambda_1)^{t-k}` (:math:`\\gamma = 1` for tanh)."""
    return sp.Max(0, 1 - jnb_bound("tanh")) ** (t - k)


def ceiling():
    """:math:`(1+\\gamma\\lambda_1)^{t-k}`."""
    return (1 + jnb_bound("tanh")) ** (t - k)


# ------------------------------------------------------------------ forward map with Indexed entries
_H, _ALPHA = IB("h_prev"), IB("alpha")


def _z(q, j, y):
    """:math:`z_{t,q}` with :math:`h_{t-1,j}` displaced by ``y``: linear, :math:`\\alpha_q + (W_{hh})_{qj}y`."""
    return _ALPHA[q] + IB("W_hh")[q, j] * y


def _cosh_as_tanh(e):
    """:math:`\\cosh u = (1-\\tanh^2 u)^{-1/2}` for real u (SymPy derives tanh' as cosh^-2; the forward map's
    derivative comes out as 1 - tanh^2): one identity, so that :func:`abstract` sees one atom."""
    return e.replace(lambda a: isinstance(a, sp.cosh), lambda a: 1 / sp.sqrt(1 - sp.tanh(a.args[0]) ** 2))


def residual_entry(rhs):
    """``entry(i, j)`` of :math:`\\partial h_t/\\partial h_{t-1} - rhs` for :math:`h_t = h_{t-1} + \\tanh(z_t)`."""
    def forward(a, j, y):
        return _H[a] + sp.KroneckerDelta(a, j) * y + sp.tanh(_z(a, j, y))

    def entry(a, j):
        lhs = sp.diff(forward(a, j, Y), Y)
        right = substitute_leaves(matrix_entry(rhs, a, j), lambda nm, tm, q: _z(q, j, Y), ("z",))
        return abstract(_cosh_as_tanh(lhs - right))
    return entry


# ------------------------------------------------------------------ explicit cells
def network_hook(lag=1, *, T=4):
    """A concrete residual cell on which :math:`\\partial h_t/\\partial h_{t-lag}` is the complex-step Jacobian."""
    def run(rng, size, inst):
        net = ExplicitResidual(n=size, d=1, T=T, rng=rng)
        return Instance(net.env(), {t: T, k: T - lag}, defined={StateJacobian(h(t), h(t - lag) if lag == 1 else h(k)):
                                                                net.state_jacobian(T, T - lag)})
    return run


_SIZES = (1, 2, 3)
#: a contracting and a larger W_hh: the floor is tight in the first, zero in the second
_REGIONS = ({"W_hh": (-0.3, 0.3)}, {"W_hh": (-1.5, 1.5)})
_INSTANCES = ({t: 3, k: 1},)


#: products over t - k = 2 steps are screened at n = 1 and 3 (each a 45-digit SVD of an unrolled product)
_PRODUCT_SIZES = (1, 3)


def _rel(lhs, rel, rhs, sizes=_PRODUCT_SIZES):
    return MatrixRel(lhs, rel, rhs, size=n, instances=_INSTANCES, trials=2, sizes=sizes, regions=_REGIONS)


def _steps():
    from .jacobian_norm_bound import IDENTITY as JNB
    per_step = next(s.claim for s in JNB.steps if getattr(s.claim, "lemma", "") == "transitivity"
                    and s.claim.rhs == jnb_bound("tanh"))
    J1 = StateJacobian(h(t), h(t - 1))
    chain = induction(jacobian(i))
    lo = ByLemma("identity_perturbation_floor",
                 _rel(sp.Max(0, 1 - jnb_bound("tanh")), "<=", MinSingular(jacobian()), _SIZES), premises=(per_step,))
    hi = ByLemma("identity_perturbation_ceiling",
                 _rel(SpectralNorm(jacobian()), "<=", 1 + jnb_bound("tanh"), _SIZES), premises=(per_step,))
    prod_min = sp.Product(MinSingular(jacobian(i)), (i, k + 1, t))
    prod_norm = sp.Product(SpectralNorm(jacobian(i)), (i, k + 1, t))
    msp = ByLemma("min_singular_product", _rel(prod_min, "<=", MinSingular(product())))
    below = ByLemma("bounded_product_below", _rel(floor(), "<=", prod_min), premises=(lo,))
    sub = ByLemma("submultiplicativity_product", _rel(SpectralNorm(product()), "<=", prod_norm))
    above = ByLemma("bounded_product", _rel(prod_norm, "<=", ceiling()), premises=(hi,))
    return (
        Step(CachedEq(J1, jacobian(), size=n, entry=residual_entry(jacobian()), explicit=network_hook(1), sizes=_SIZES,
                      key="residual_J", entry_for=(J1, jacobian())),
             "chain rule: h_t = h_{t-1} + tanh(z_t), z_t linear in h_{t-1}; d h_{t-1}/d h_{t-1} = I"),
        Step(chain, "induction on s = t - k >= 0: base dh_k/dh_k = I = empty product; step: chain rule through "
                    "h_{t+1} = h_t + tanh(W_hh h_t + u), the hypothesis, then peel the product (as hidden_state_chain)"),
        Step(lo, "Weyl / reverse triangle: sigma_min(I + J_t) >= 1 - ||J_t|| >= 1 - gamma lambda_1 (premise: "
                 "jacobian_norm_bound's ||J_t|| <= gamma lambda_1, gamma = 1), and sigma_min >= 0"),
        Step(hi, "triangle inequality, ||I|| = 1 and the same premise: ||I + J_t|| <= 1 + gamma lambda_1"),
        Step(msp, "sigma_min(AB) >= sigma_min(A) sigma_min(B), once per factor"),
        Step(below, "induction on t - k with 0 <= max(0, 1 - gamma lambda_1) <= sigma_min(I + J_i) (step 3)"),
        Step(ByLemma("transitivity", _rel(floor(), "<=", MinSingular(product())), premises=(below, msp)),
             "the floor: max(0, 1 - gamma lambda_1)^(t-k) <= sigma_min(dh_t/dh_k)"),
        Step(sub, "submultiplicativity, once per factor"),
        Step(above, "induction on t - k with ||I + J_i|| <= 1 + gamma lambda_1 (step 4)"),
        Step(ByLemma("transitivity", _rel(SpectralNorm(product()), "<=", ceiling()), premises=(sub, above)),
             "the ceiling: ||dh_t/dh_k|| <= (1 + gamma lambda_1)^(t-k): residual products can still explode"),
    )


IDENTITY = Identity(
    id="residual_jacobian",
    title="The residual RNN Jacobian: a floor and a ceiling",
    section="H",
    summary=("h_t = h_{t-1} + tanh(z_t): dh_t/dh_{t-1} = I + diag(phi'(z_t)) W_hh; "
             "max(0, 1 - gamma lambda_1)^(t-k) <= sigma_min(dh_t/dh_k), ||dh_t/dh_k|| <= (1 + gamma lambda_1)^(t-k)"),
    statement=sp.Eq(StateJacobian(h(t), h(t - 1)), jacobian(), evaluate=False),
    steps=_steps(),
    symbols=(
        SymbolSpec(h(t), "hidden state h_t = h_{t-1} + tanh(z_t) (unbounded: the skip adds up)", (n, 1)),
        SymbolSpec(z(t), "pre-activation z_t = W_hh h_{t-1} + W_xh x_t + b_h", (n, 1), (-3.0, 3.0)),
        SymbolSpec(W_hh, "recurrent weights; lambda_1 = ||W_hh|| its largest singular value", (n, n)),
        SymbolSpec(t, "later time (t >= k)"),
        SymbolSpec(k, "earlier time"),
        SymbolSpec(i, "product index, k < i <= t"),
        SymbolSpec(GAP, "s = t - k >= 0, the induction variable"),
    ),
    # "chain": the induction's product at s + 1 (the peel's right side), i.e. t = k + s + 1: bind k and s = t - k - 1
    derived={"J": jacobian(), "chain": product(k + GAP + 1), "floor": floor(), "ceiling": ceiling(),
             "min_singular_product": MinSingular(product()), "norm_product": SpectralNorm(product())},
    notation=Notation(vectors=COLUMN + "; residual: h_t = h_{t-1} + tanh(W_hh h_{t-1} + W_xh x_t + b_h); "
                      "gamma = sup|tanh'| = 1, lambda_1 = ||W_hh||_2, sigma_min = smallest singular value"),
    sources=("He, Zhang, Ren, Sun 2016, Deep residual learning for image recognition",
             "Horn & Johnson 2013, Matrix Analysis, Thm 3.3.16 (Weyl's inequalities for singular values)",
             "Pascanu, Mikolov, Bengio 2013, sec. 2.1"),
)
