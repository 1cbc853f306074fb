r"""``loss_gradients``: the backward recursion of BPTT and the parameter gradients.

With :math:`\delta_t = \partial\ell_t/\partial(W_{yh}h_t + b_y) = y_t - o_t` (squared loss) and
:math:`g_t = \partial L/\partial h_t` (total):

.. math::
   g_T = W_{yh}^\top\delta_T,\quad g_t = W_{yh}^\top\delta_t + J_{t+1}^\top g_{t+1}
   \iff g_t = \sum_{s=t}^{T}\Big(\prod_{i=t+1}^{s}J_i\Big)^{\!\top} W_{yh}^\top\delta_s,

:math:`r_t = \varphi'(z_t)\odot g_t`, :math:`\partial L/\partial W_{hh} = \sum_t r_t h_{t-1}^\top`,
:math:`\partial L/\partial W_{xh} = \sum_t r_t x_t^\top`, :math:`\partial L/\partial b_h = \sum_t r_t`,
:math:`\partial L/\partial W_{yh} = \sum_t \delta_t h_t^\top`, :math:`\partial L/\partial b_y = \sum_t\delta_t`;
and the backward recursion equals the sum-of-products form
:math:`\sum_t\sum_{k\le t}(\partial\ell_t/\partial h_t)(\partial h_t/\partial h_k)(\partial^+h_k/\partial\theta)`.

Reference: IDENTITIES.md section C; Werbos (1990); d2l.ai, "Backpropagation Through Time".
"""

from __future__ import annotations

import sympy as sp

from ..claims import Induction
from ..explicit import ExplicitElman
from ..matexpr import OrderedProduct, TimeIndexed, TimeSum, hadamard
from ..matrixclaims import EntryModel, Instance, MatrixEq
from ..model import COLUMN, Identity, Notation, Step, SymbolSpec
from ..symbols import T, W_hh, W_xh, W_yh, b_h, b_y, h, i, k, m, n, o, t, x
from .bptt_recursion import phi_prime, jacobian
from ..rewrite import RewriteEq, peel_lower, split_first, swap_triangle
from .bptt_sum_of_products import P

__all__ = ["IDENTITY", "delta", "g", "gradients", "closed_form_induction", "exchange_claim", "network_gradient_check",
           "s", "w"]

#: summation variable over later times in g_t; w >= 0 encodes t <= T - 1 in the backward step
s = sp.Symbol("s", integer=True)
w = sp.Symbol("w", integer=True, nonnegative=True)
_a = TimeIndexed("a", s, n)  # generic a_s = W_yh^T delta_s
_J = TimeIndexed("J", i, n, n)
PARAM_NAMES = ("W_hh", "W_xh", "b_h", "W_yh", "b_y")


def delta(time=t):
    """:math:`\\delta_{time} = W_{yh}h_{time} + b_y - o_{time}` (m x 1), squared loss."""
    return sp.MatAdd(W_yh * h(time), b_y, -o(time))


def _closed(time, a, J, *, transpose=True):
    prod = OrderedProduct(J, (i, time + 1, s))
    return TimeSum((sp.Transpose(prod) if transpose else prod) * a, (s, time, T))


def g(time=t, name="tanh"):
    """:math:`g_{time} = \\sum_{s=time}^{T}(\\prod_{i=time+1}^{s}J_i)^\\top W_{yh}^\\top\\delta_s` (n x 1)."""
    return _closed(time, W_yh.T * delta(s), jacobian(i, name))


def gradients(name="tanh"):
    """The five parameter gradients, shaped like the parameters (biases as columns)."""
    r = hadamard(phi_prime(t, name), g(t, name))
    return {
        "dL_dW_hh": TimeSum(r * h(t - 1).T, (t, 1, T)),
        "dL_dW_xh": TimeSum(r * x(t).T, (t, 1, T)),
        "dL_db_h": TimeSum(r, (t, 1, T)),
        "dL_dW_yh": TimeSum(delta(t) * h(t).T, (t, 1, T)),
        "dL_db_y": TimeSum(delta(t), (t, 1, T)),
    }


def closed_form_induction(*, transpose=True):
    """Backward induction from T: g_T = a_T and a_t + J_{t+1}^T C_{t+1} = C_t for t <= T - 1.

    ``transpose=False`` is the classic mutation (J_{t+1} instead of J_{t+1}^T in the recursion).
    """
    base = RewriteEq(_a.at(T), _closed(T, _a, _J), instances=[{T: 3}])
    Jn = _J.xreplace({i: t + 1})
    lhs = sp.MatAdd(_a.at(t), (sp.Transpose(Jn) if transpose else Jn) * _closed(t + 1, _a, _J))
    step = RewriteEq(lhs, _closed(t, _a, _J), instances=[{t: 1, T: 3}, {t: 2, T: 4}],
                     rhs_rules=((split_first, s), (peel_lower, i)), assume={T: t + 1 + w})
    return Induction(t, base, step, text=r"g_T = a_T,\quad a_t + J_{t+1}^\top C_{t+1} = C_t \ (t \le T-1)")


def exchange_claim():
    """Sum of products = backward recursion: Σ_s Σ_{k≤s} a_sᵀ(∏J)G_k = Σ_k C_kᵀ G_k (generic leaves)."""
    G = TimeIndexed("G", k, n, P)
    lhs = TimeSum(TimeSum(sp.Transpose(_a) * OrderedProduct(_J, (i, k + 1, s)) * G, (k, 1, s)), (s, 1, T))
    rhs = TimeSum(sp.Transpose(_closed(k, _a, _J)) * G, (k, 1, T))
    return RewriteEq(lhs, rhs, instances=[{T: 3, P: 2}], lhs_rules=((swap_triangle(k), s),))


_DELTA_LHS = TimeIndexed("delta", t, m)


def _delta_model():
    r"""Entries at symbolic m: :math:`\delta_{t,a}` is SymPy's derivative of :math:`\tfrac12\sum_c (y_c-o_c)^2`
    by :math:`y_a`; in the claim's rhs :math:`y_{t,a} \to y_a`, :math:`o_{t,a} \to o_a`."""
    Y, O = sp.IndexedBase("y"), sp.IndexedBase("o")
    c = sp.Dummy("c", integer=True)

    def leaves(e):
        return e.replace(lambda x_: isinstance(x_, sp.Indexed) and str(x_.base) in ("y", "o") and len(x_.indices) == 2
                         and x_.indices[0] == t, lambda x_: sp.IndexedBase(str(x_.base))[x_.indices[1]])
    return EntryModel({_DELTA_LHS: lambda a_, b_: sp.diff(sp.Sum((Y[c] - O[c]) ** 2 / 2, (c, 0, m - 1)), Y[a_])}, leaves)


def _delta_explicit(rng, size, inst):
    from ..sampling import rational_matrix
    yv, ov = rational_matrix(rng, size, 1), rational_matrix(rng, size, 1)
    ys = sp.symbols(f"y0:{size}")
    loss = sum((ys[c] - ov[c]) ** 2 for c in range(size)) / 2
    grad = sp.Matrix([sp.diff(loss, v) for v in ys]).xreplace(dict(zip(ys, yv)))
    return Instance({"y": {3: yv}, "o": {3: ov}}, {t: 3}, defined={_DELTA_LHS: grad})


def _loss_by_state(net, time):
    """Reference g_time: complex-step derivative of L by h_time (later states recomputed)."""
    return net.loss_by_state(time)


def _net_hook(instances, *, T_len=3, m_out=2, activation="tanh"):
    """A hook giving the :class:`Instance` list ``instances(net, env)`` of one concrete network per size."""
    def run(rng, size, inst):
        net = ExplicitElman(n=size, d=2, T=T_len, m=m_out, rng=rng, activation=activation)
        return instances(net, net.env())
    return run


def network_g_check(expr=None, *, T_len=3, activation="tanh", sizes=(1, 2, 3)):
    """g_t = ``expr`` (default: the derived closed form) where g_t is the complex-step ∂L/∂h_t, t = 1..T."""
    expr = g(t, activation) if expr is None else expr

    def instances(net, env):
        gs = {u: _loss_by_state(net, u) for u in range(1, net.T + 1)}
        return [Instance({**env, "g": gs}, {t: u, T: net.T}) for u in gs]
    return MatrixEq(TimeIndexed("g", t, n), expr, size=n, sizes=sizes,
                    explicit=_net_hook(instances, T_len=T_len, activation=activation),
                    why_not="a cross-check on networks: the proof is the backward recursion's induction (step 2)")


def network_gradient_check(name, expr, *, T_len=3, sizes=(1, 2, 3), activation="tanh"):
    """∂L/∂θ of concrete networks (complex step, ExplicitElman.loss_gradient) against ``expr``."""
    def instances(net, env):
        return [Instance({**env, f"dL/d{name}": net.loss_gradient(name)}, {T: net.T})]
    shape = {"W_hh": (n, n), "W_xh": (n, sp.Symbol("d")), "b_h": (n, 1), "W_yh": (m, n), "b_y": (m, 1)}[name]
    return MatrixEq(sp.MatrixSymbol(f"dL/d{name}", *shape), expr, size=n, sizes=sizes,
                    explicit=_net_hook(instances, T_len=T_len, activation=activation),
                    why_not="a cross-check against complex-step loss gradients; SymPy does not expand the "
                            "double sum over time at symbolic T")


def _steps():
    grads = gradients()
    steps = [
        Step(MatrixEq(_DELTA_LHS, sp.MatAdd(TimeIndexed("y", t, m), -o(t)), size=m,
                      explicit=_delta_explicit, entry=_delta_model()),
             "derivative of the squared loss 1/2 ||y_t - o_t||^2 by y_t = W_yh h_t + b_y"),
        Step(closed_form_induction(), "backward induction on t from T: split the first term of the sum, "
                                      "peel J_(t+1) off the ordered product, transpose of a product"),
        Step(network_g_check(), "g_t is the total dL/dh_t: explicit check on networks (complex step by h_t, 80 digits)"),
        Step(exchange_claim(), "exchange of the triangular double sum; transpose of a sum; linearity"),
    ]
    for p in PARAM_NAMES:
        steps.append(Step(network_gradient_check(p, grads[f"dL_d{p}"], T_len=4 if p == "W_hh" else 3),
                          f"dL/d{p} from r_t or delta_t: explicit check against the complex-step loss gradient"))
    # the sigmoid forms the numeric side evaluates on sigmoid runs (the output-layer gradients do not involve phi)
    steps.append(Step(network_g_check(activation="sigmoid", sizes=(1, 2)),
                      "the same g_t on sigmoid networks, J_i = diag(sigma'(z_i)) W_hh"))
    sig = gradients("sigmoid")
    for p in PARAM_NAMES[:3]:
        steps.append(Step(network_gradient_check(p, sig[f"dL_d{p}"], sizes=(1, 2), activation="sigmoid"),
                          f"dL/d{p} on sigmoid networks, r_t = sigma'(z_t) (.) g_t"))
    return tuple(steps)


def _derived():
    out = {key: (lambda name, key=key: gradients(name)[key]) for key in gradients()}
    out["g"] = lambda name: g(t, name)
    return out


IDENTITY = Identity(
    id="loss_gradients",
    title="Loss gradients by the backward recursion of BPTT",
    section="C",
    summary="g_T = W_yhᵀδ_T, g_t = W_yhᵀδ_t + J_{t+1}ᵀ g_{t+1}; dL/dW_hh = Σ_t (φ'(z_t)⊙g_t) h_{t-1}ᵀ, ...",
    statement=sp.Eq(sp.MatrixSymbol("dL/dW_hh", n, n), gradients()["dL_dW_hh"], evaluate=False),
    steps=_steps(),
    symbols=(
        SymbolSpec(h(t), "hidden state", (n, 1), (-1.0, 1.0)),
        SymbolSpec(o(t), "target at time t", (m, 1)),
        SymbolSpec(_a, "generic a_s = W_yhᵀ δ_s in the induction", (n, 1)),
        SymbolSpec(_J, "one-step Jacobian (generic in the induction)", (n, n)),
        SymbolSpec(W_hh, "recurrent weights", (n, n)),
        SymbolSpec(W_xh, "input weights", (n, sp.Symbol("d"))),
        SymbolSpec(b_h, "hidden bias", (n, 1)),
        SymbolSpec(W_yh, "output weights", (m, n)),
        SymbolSpec(b_y, "output bias", (m, 1)),
        SymbolSpec(T, "sequence length (bound by the caller)"),
    ),
    derived=_derived(),
    notation=Notation(vectors=COLUMN + "; gradients shaped like the parameters; L = Σ_t ½‖W_yh h_t + b_y − o_t‖²"),
    sources=("IDENTITIES.md C", "Werbos 1990", "d2l.ai, Backpropagation Through Time, sec. 9.7"),
)
