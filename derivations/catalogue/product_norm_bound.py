r"""``product_norm_bound``: :math:`\lVert\partial h_t/\partial h_k\rVert \le \prod_{i=k+1}^{t}\lVert\operatorname{diag}\varphi'(z_i)\rVert\lambda_1 \le (\gamma\lambda_1)^{t-k}`.

.. math::
   \Big\lVert \prod_{i=k+1}^{t} \operatorname{diag}(\varphi'(z_i))W_{hh} \Big\rVert
   \le \prod_{i=k+1}^{t} \lVert\operatorname{diag}\varphi'(z_i)\rVert\,\lambda_1
   \le (\gamma\lambda_1)^{t-k}.

The first inequality is submultiplicativity applied :math:`2(t-k)` times (only *numerically
confirmed* on explicit matrices: SymPy cannot decide spectral-norm inequalities at symbolic size).
The second is *proved* for every :math:`t \ge k` by induction on :math:`t - k`: with
:math:`0 \le a_i \le c` (here :math:`a_i = \lVert\operatorname{diag}\varphi'(z_i)\rVert\lambda_1`,
:math:`c = \gamma\lambda_1`, from ``jacobian_norm_bound``), :math:`\prod a_i \le c^{t-k}`.

The ``middle`` expression is a scalar :class:`sympy.Product`; :func:`unroll` expands it for concrete
``t, k`` (the evaluator walks it once ``sympy.Product`` support is added to ``evaluate``).

Reference: IDENTITIES.md section D; Pascanu, Mikolov, Bengio (2013), sec. 2.1, eq. (6).
"""

from __future__ import annotations


import sympy as sp

from ..claims import Induction, Rel
from ..matexpr import OrderedProduct, SpectralNorm, StateJacobian, diag, unroll
from ..matrixclaims import MatrixRel, instantiate
from ..model import Identity, Step, SymbolSpec
from ..symbols import W_hh, h, i, k, n, t, z
from .jacobian_norm_bound import ACTIVATION_NAMES, gamma, jacobian, phi_prime
from .jacobian_norm_bound import bound as jnb_bound
from ..lemmas import ByLemma

__all__ = ["IDENTITY", "lhs", "middle", "bound", "unroll", "induction_claim", "explicit_pair"]

_a, _s, _r, _Q = sp.symbols("a s r Q", nonnegative=True)


def lhs(name: str):
    """:math:`\\lVert\\partial h_t/\\partial h_k\\rVert = \\lVert\\prod_{i=k+1}^{t} J_i\\rVert` (ordered, latest left)."""
    return SpectralNorm(OrderedProduct(jacobian(i, name), (i, k + 1, t)))


def middle(name: str):
    """:math:`\\prod_{i=k+1}^{t}\\lVert\\operatorname{diag}\\varphi'(z_i)\\rVert\\,\\lVert W_{hh}\\rVert` (a scalar Product)."""
    return sp.Product(SpectralNorm(diag(phi_prime(i, name))) * SpectralNorm(W_hh), (i, k + 1, t))


def bound(name: str):
    """:math:`(\\gamma\\lVert W_{hh}\\rVert)^{t-k}`."""
    return (gamma(name) * SpectralNorm(W_hh)) ** (t - k)


def explicit_pair(left, right, domains):
    """A ``MatrixRel`` hook: both sides on the same random explicit leaves, products unrolled."""
    def run(rng, size, values):
        leaves = {}
        return (instantiate(unroll(left, values), values, rng, domains, leaves),
                instantiate(unroll(right, values), values, rng, domains, leaves))
    return run


def induction_claim() -> Induction:
    r"""For :math:`0 \le a_i \le c`: :math:`\prod_{i=k+1}^{t} a_i \le c^{t-k}` for every :math:`t \ge k`.

    Base :math:`t = k`: the empty product is 1 = :math:`c^0`.  Step: with :math:`c = a_{t+1} + s`
    (:math:`s \ge 0`), hypothesis :math:`\prod_{i=k+1}^{t} a_i = Q - r` (:math:`Q = c^{t-k}`,
    :math:`r \ge 0`): :math:`a_{t+1}(Q - r) \le cQ = c^{t+1-k}`.
    """
    ai = sp.IndexedBase("a")
    c = sp.Symbol("c", nonnegative=True)
    base = Rel(sp.Product(ai[i], (i, k + 1, k)), "<=", c ** (k - k))
    step = Rel(_a * (_Q - _r), "<=", (_a + _s) * _Q)
    return Induction(t - k, base, step, text=r"0 \le a_i \le c \Rightarrow \prod_{i=k+1}^{t} a_i \le c^{t-k}")


_INSTANCES = ({t: 2, k: 1}, {t: 4, k: 1})


def _steps():
    from .jacobian_norm_bound import IDENTITY as JNB  # the per-factor bound a_i <= gamma lambda_1, by lemmas there
    per_factor = {name: next(s.claim for s in JNB.steps if getattr(s.claim, "lemma", "") == "monotonicity"
                             and s.claim.rhs == jnb_bound(name)) for name in ACTIVATION_NAMES}
    steps = []
    for name in ACTIVATION_NAMES:
        steps.append(Step(ByLemma("submultiplicativity_product", MatrixRel(
            lhs(name), "<=", middle(name), size=n, instances=_INSTANCES, trials=2, sizes=(1, 2, 3), domains=_TIGHT, regions=_REGIONS)),
            f"submultiplicativity, once per factor: ||prod_i F_i|| <= prod_i ||F_i|| with F_i = diag phi'(z_i) W_hh ({name})"))
    steps.append(Step(induction_claim(), "induction on t - k: each factor ||diag phi'(z_i)|| lambda_1 lies in "
                      "[0, gamma lambda_1] (jacobian_norm_bound), and the factors are nonnegative"))
    for name in ACTIVATION_NAMES:
        steps.append(Step(ByLemma("bounded_product", MatrixRel(
            middle(name), "<=", bound(name), size=n, instances=_INSTANCES, trials=2, sizes=(1, 2, 3), domains=_TIGHT, regions=_REGIONS),
            premises=(per_factor[name],)),
            f"the induction above with a_i = ||diag phi'(z_i)|| lambda_1 <= gamma lambda_1 = c (jacobian_norm_bound) ({name})"))
    return tuple(steps)


#: tight region: z near 0 makes each factor close to gamma lambda_1, so a bound too small fails there
#: a contracting and an expanding W_hh: a power bound with the wrong exponent fails in one of them
_REGIONS = ({"W_hh": (-0.4, 0.4)}, {"W_hh": (-1.5, 1.5)})
_TIGHT = {"z": (-0.25, 0.25), "W_hh": (-1.5, 1.5)}


_gamma_sym = sp.Symbol("gamma", positive=True)
IDENTITY = Identity(
    id="product_norm_bound",
    title="Norm bound on the product of Jacobians",
    section="D",
    summary="||dh_t/dh_k|| <= prod_{i=k+1}^{t} ||diag phi'(z_i)|| lambda_1 <= (gamma lambda_1)^(t-k)",
    statement=sp.Le(SpectralNorm(StateJacobian(h(t), h(k))), (_gamma_sym * SpectralNorm(W_hh)) ** (t - k),
                    evaluate=False),
    steps=_steps(),
    symbols=(
        SymbolSpec(z(i), "pre-activation at time i", (n, 1), (-3.0, 3.0)),
        SymbolSpec(W_hh, "recurrent weight matrix; lambda_1 = ||W_hh||", (n, n)),
        SymbolSpec(t, "later time (t >= k)"),
        SymbolSpec(k, "earlier time"),
        SymbolSpec(i, "product index, k < i <= t"),
        SymbolSpec(_a, "one factor a_i = ||diag phi'(z_i)|| lambda_1 >= 0", (), (0.0, 40.0)),
        SymbolSpec(_s, "c - a_i >= 0 with c = gamma lambda_1", (), (0.0, 40.0)),
        SymbolSpec(_Q, "c^(t-k)", (), (0.0, 40.0)),
        SymbolSpec(_r, "c^(t-k) - prod a_i >= 0 (induction hypothesis)", (), (0.0, 40.0)),
    ),
    derived={"lhs": lhs, "middle": middle, "bound": bound},
    sources=("IDENTITIES.md D", "Pascanu, Mikolov, Bengio 2013, sec. 2.1, eq. (6)"),
)
