r"""``orthogonal_initialisation``: an orthogonal :math:`W_{hh}` preserves norms exactly in the linear RNN,
and bounds the tanh product by :math:`\prod\lVert\operatorname{diag}(1-h_i^2)\rVert \le 1`.

Hypothesis: :math:`W_{hh}^\top W_{hh} = I` (orthogonal, e.g. at an orthogonal initialisation).

.. math::
   \Big(\prod_{i=k+1}^{t} W_{hh}\Big)^\top\prod_{i=k+1}^{t} W_{hh} = I
   \;\Rightarrow\; \Big\lVert\prod_{i=k+1}^{t} W_{hh}\Big\rVert = 1 \quad (t \ge k),

so in a linear RNN (:math:`\partial h_t/\partial h_k = W_{hh}^{t-k}`) the gradient norm is preserved exactly at
every length.  For tanh, :math:`\lVert\partial h_t/\partial h_k\rVert \le \prod_{i=k+1}^{t}\lVert\operatorname{diag}
\varphi'(z_i)\rVert\lVert W_{hh}\rVert = \prod_{i=k+1}^{t}\lVert\operatorname{diag}\varphi'(z_i)\rVert \le 1`
(:math:`\varphi'(z_i) = 1 - h_i^2`): the only loss is the saturation of the units.  The identity initialisation with
ReLU (IRNN, :math:`W_{hh} = I`): for active units (:math:`z_{t,a} > 0`, so ReLU' = 1) the one-step Jacobian is
:math:`\operatorname{diag}(\mathbf 1)\,I = I`, hence :math:`\partial h_t/\partial h_k = I`.

The hypothesis is assumed, not a step (a premise of the steps that use it).  Steps: the product identity by
induction on :math:`t-k` (rewriting with the hypothesis), the norm by the lemma
``orthogonal_norm``, the tanh chain by the lemmas ``submultiplicativity_product``, ``bounded_product`` (premise:
``jacobian_norm_bound``'s :math:`\lVert\operatorname{diag}\tanh'(z_t)\rVert \le 1`) and ``transitivity``; the
substitution :math:`\lVert W_{hh}\rVert = 1` is exact.  Column vectors, numerator layout.

References: Saxe, McClelland, Ganguli (2014), "Exact solutions to the nonlinear dynamics of learning in deep linear
neural networks", sec. 3; Le, Jaitly, Hinton (2015), "A simple way to initialize recurrent networks of rectified
linear units" (IRNN); Pascanu, Mikolov, Bengio (2013), sec. 2.1.
"""

from __future__ import annotations

import sympy as sp

from ..lemmas import ByLemma
from ..matexpr import OrderedProduct, SpectralNorm, diag
from ..matrixclaims import MatrixEq, MatrixRel
from ..model import COLUMN, Identity, Notation, Step, SymbolSpec
from ..claims import Rel
from ..orthclaims import BySubstitution, GramEq, OrthogonalProducts, orthogonal_instance
from ..symbols import W_hh, i, k, n, t, z
from . import product_norm_bound as pnb
from .jacobian_norm_bound import IDENTITY as JNB, diag_norm, phi_prime

__all__ = ["IDENTITY", "linear_product", "linear_norm", "lhs", "middle", "diag_product", "bound", "irnn_jacobian"]

_T = ({t: 3, k: 1}, {t: 1, k: 1}, {t: 4, k: 0})
_Z = {"z": (-2.0, 2.0)}
#: the tanh products cost ~0.1 s per instance (exact tanh' at rationals): fewer, but with an empty product and t - k = 2
_TJ = ({t: 3, k: 1}, {t: 1, k: 1})


def linear_product():
    r""":math:`\prod_{i=k+1}^{t} W_{hh}` (= :math:`\partial h_t/\partial h_k` of the linear RNN)."""
    return OrderedProduct(W_hh, (i, k + 1, t))


def linear_norm():
    r""":math:`\lVert\prod_{i=k+1}^{t} W_{hh}\rVert`."""
    return SpectralNorm(linear_product())


lhs = pnb.lhs("tanh")            #: ||prod_i diag(tanh'(z_i)) W_hh||
middle = pnb.middle("tanh")      #: prod_i ||diag tanh'(z_i)|| ||W_hh||
diag_product = sp.Product(SpectralNorm(diag(phi_prime(i, "tanh"))), (i, k + 1, t))  #: prod_i ||diag tanh'(z_i)||
bound = sp.Pow(sp.Integer(1), t - k, evaluate=False)  #: gamma^(t-k) with gamma = 1 for tanh

#: ReLU'(u) = 1 for an active unit u > 0 (ReLU(u) = max(0, u) = u there)
_u = sp.Symbol("u", positive=True)
_RELU_ACTIVE = sp.Derivative(sp.Max(0, _u, evaluate=False), _u)


def irnn_jacobian():
    r""":math:`\operatorname{diag}(\mathbf 1)\,I`: the IRNN one-step Jacobian with every unit active."""
    return sp.MatMul(sp.DiagMatrix(sp.OneMatrix(n, 1)), sp.Identity(n))


def _orth_rel(left, rel, right, instances=_T, trials=1):
    return MatrixRel(left, rel, right, size=n, instances=instances, trials=trials, sizes=(1, 2, 3),
                     explicit=orthogonal_instance(_Z),
                     why_not="spectral norms at symbolic size are not decided by SymPy; W_hh exact Cayley-orthogonal")


def _steps():
    P = linear_product()
    hyp = "the hypothesis W_hh^T W_hh = I"
    gram = OrthogonalProducts(sp.MatMul(sp.Transpose(P), P), sp.Identity(n), W_hh, t, k, size=n, instances=_T)
    w_gram = GramEq(sp.MatMul(sp.Transpose(W_hh), W_hh), sp.Identity(n), (W_hh,), size=n, hypothesis=hyp)
    lin = ByLemma("orthogonal_norm", _orth_rel(linear_norm(), "=", sp.Integer(1)), premises=(gram,))
    w_norm = ByLemma("orthogonal_norm", _orth_rel(SpectralNorm(W_hh), "=", sp.Integer(1), ({},)), premises=(w_gram,))
    sub = ByLemma("submultiplicativity_product", _orth_rel(lhs, "<=", middle, _TJ, 1))
    subst = BySubstitution(middle, diag_product, w_norm, screen=lambda a, b: _orth_rel(a, "=", b, _TJ, 1))
    dn = next(s.claim for s in JNB.steps if getattr(s.claim, "lemma", "") == "diag_norm"
              and s.claim.lhs == diag_norm("tanh"))
    bp = ByLemma("bounded_product", _orth_rel(diag_product, "<=", bound, _TJ, 1), premises=(dn,))
    chain1 = ByLemma("transitivity", _orth_rel(lhs, "<=", diag_product, _TJ, 1), premises=(sub, subst))
    chain2 = ByLemma("transitivity", _orth_rel(lhs, "<=", bound, _TJ, 1), premises=(chain1, bp))
    return (
        Step(gram, "induction on t - k: (W_hh P)^T (W_hh P) = P^T (W_hh^T W_hh) P = P^T P = I"),
        Step(lin, "lemma orthogonal_norm: the linear RNN's dh_t/dh_k = W_hh^(t-k) keeps the norm exactly"),
        Step(w_norm, "lemma orthogonal_norm for one factor (premise: the hypothesis W_hh^T W_hh = I)"),
        Step(sub, "submultiplicativity over the factors diag(tanh'(z_i)) W_hh"),
        Step(subst, "substitute ||W_hh|| = 1"),
        Step(bp, "||diag tanh'(z_i)|| = max_a (1 - h_{i,a}^2) <= 1 (jacobian_norm_bound)"),
        Step(chain1, "steps (4) and (5) chain"),
        Step(chain2, "steps (7) and (6) chain: the tanh product can only shrink, by saturation"),
        Step(Rel(_RELU_ACTIVE, "=", sp.Integer(1)), "IRNN (Le et al. 2015): an active ReLU unit (u > 0) has ReLU'(u) = 1"),
        Step(MatrixEq(irnn_jacobian(), sp.Identity(n), size=n),
             "IRNN, W_hh = I, units active: J_t = diag(ReLU'(z_t)) I = I, so dh_t/dh_k = I"),
    )


IDENTITY = Identity(
    id="orthogonal_initialisation",
    title="Orthogonal initialisation: norm preserved exactly (linear), bounded by saturation (tanh)",
    section="H",
    summary="W_hh^T W_hh = I: ||prod_{i=k+1}^t W_hh|| = 1 for every t >= k; for tanh ||dh_t/dh_k|| <= "
            "prod_i ||diag(1 - h_i^2)|| <= 1; IRNN (ReLU, W_hh = I, active units): dh_t/dh_k = I",
    statement=sp.Eq(linear_norm(), 1, evaluate=False),
    steps=_steps(),
    symbols=(
        SymbolSpec(W_hh, "recurrent weight matrix, orthogonal: W_hh^T W_hh = I (the hypothesis)", (n, n)),
        SymbolSpec(z(i), "pre-activation at time i (h_i = tanh(z_i))", (n, 1), (-3.0, 3.0)),
        SymbolSpec(t, "later time (t >= k)"),
        SymbolSpec(k, "earlier time"),
        SymbolSpec(i, "product index, k < i <= t"),
        SymbolSpec(_u, "an active ReLU unit's pre-activation, u > 0", (), (0.0, 10.0)),
    ),
    derived={"linear_norm": linear_norm(), "one": sp.Integer(1), "lhs": lhs, "middle": middle,
             "diag_product": diag_product, "irnn_jacobian": irnn_jacobian()},
    notation=Notation(vectors=COLUMN + "; hypothesis (assumed, not derived): W_hh^T W_hh = I"),
    sources=("Saxe, McClelland, Ganguli 2014, sec. 3", "Le, Jaitly, Hinton 2015 (IRNN)",
             "Pascanu, Mikolov, Bengio 2013, sec. 2.1"),
)
