r"""``gru_jacobian``: :math:`\partial h_t/\partial h_{t-1}` of the GRU (Cho et al. 2014).

.. math::
   u_t = \sigma(W_u h_{t-1} + U_u x_t + b_u),\quad r_t = \sigma(W_r h_{t-1} + U_r x_t + b_r),

   \tilde h_t = \tanh(W_h(r_t\odot h_{t-1}) + U_h x_t + b_h),\quad
   h_t = (1-u_t)\odot h_{t-1} + u_t\odot\tilde h_t,

   \frac{\partial h_t}{\partial h_{t-1}} = \operatorname{diag}(1-u_t)
     + \operatorname{diag}(\tilde h_t - h_{t-1})\operatorname{diag}(u_t\odot(1-u_t))W_u
     + \operatorname{diag}(u_t\odot(1-\tilde h_t^2))\,W_h\big[\operatorname{diag}(r_t)
     + \operatorname{diag}(h_{t-1}\odot r_t\odot(1-r_t))W_r\big].

Column vectors, numerator layout; ``hc`` is :math:`\tilde h_t`.  (Here ``W_*`` are the
*recurrent* n x n weights and ``U_*`` the input weights -- the opposite letters of the LSTM
sheet, as in IDENTITIES.md.)  The derivation follows the computation graph: the linear
pre-activations, the two gates, the product rule for :math:`r_t\odot h_{t-1}` (the reset-gate
term that is often dropped), the candidate, and the convex combination.  Each step is proved
entrywise at symbolic ``n`` (SymPy differentiates the forward map written with ``Indexed``
entries and ``Sum`` over the symbolic size; see
:func:`derivations.catalogue.lstm_cell_jacobian.chain_entry`) and cross-checked on explicit GRU
cells n = 1..3 (:class:`~derivations.explicit_gated.ExplicitGRU`, complex step at 80 digits).

Reference: IDENTITIES.md section G; Cho et al. (2014).
"""

from __future__ import annotations

import sympy as sp

from ..matrixclaims import Instance
from ..explicit_gated import ExplicitGRU
from ..matexpr import StateJacobian, diag, hadamard, ones, square
from ..model import COLUMN, Identity, Notation, Step, SymbolSpec
from ..symbols import d, n, state, t
from .lstm_cell_jacobian import IB, Y, CachedEq, _Q, chain_entry, ma, matrix_entry, mm, substitute_leaves

__all__ = ["IDENTITY", "jacobian", "reset_product_jacobian", "candidate_jacobian", "gate_jacobian", "network_hook",
           "gru_entry", "W", "U", "B"]

W = {g: sp.MatrixSymbol(f"W_{g}", n, n) for g in "urh"}
U = {g: sp.MatrixSymbol(f"U_{g}", n, d) for g in "urh"}
B = {g: sp.MatrixSymbol(f"b_{g}", n, 1) for g in "urh"}
_one = ones(n)
u, r, hc, hp = state("u", t), state("r", t), state("hc", t), state("h", t - 1)


def gate_jacobian(g):
    """:math:`\\partial g_t/\\partial h_{t-1} = \\operatorname{diag}(g_t\\odot(1-g_t))W_g` for g in u, r."""
    v = {"u": u, "r": r}[g]
    return mm(diag(hadamard(v, _one - v)), W[g])


def reset_product_jacobian(*, reset_term=True):
    """:math:`\\partial(r_t\\odot h_{t-1})/\\partial h_{t-1} = \\operatorname{diag}(r_t) + \\operatorname{diag}(h_{t-1}\\odot r_t\\odot(1-r_t))W_r`.

    ``reset_term=False`` drops the second term (the classic mistake: treating r_t as constant).
    """
    if not reset_term:
        return diag(r)
    return ma(diag(r), mm(diag(hadamard(hp, r, _one - r)), W["r"]))


def candidate_jacobian(*, reset_term=True):
    """:math:`\\partial\\tilde h_t/\\partial h_{t-1} = \\operatorname{diag}(1-\\tilde h_t^2)\\,W_h\\,[\\ldots]`."""
    return mm(diag(_one - square(hc)), W["h"], reset_product_jacobian(reset_term=reset_term))


def jacobian(*, reset_term=True):
    """The GRU Jacobian of IDENTITIES.md (``reset_term=False``: the variant without the reset-gate term)."""
    return ma(diag(_one - u), mm(diag(hc - hp), diag(hadamard(u, _one - u)), W["u"]),
              mm(diag(hadamard(u, _one - square(hc))), W["h"], reset_product_jacobian(reset_term=reset_term)))


# ------------------------------------------------------------------ forward map with Indexed entries
_H = IB("h_prev")
_ALPHA = {g: IB(f"alpha_{g}") for g in "ur"}
A_h = sp.Function("a_h", real=True)   # the candidate's pre-activation, generic: its derivative is a proved step
P = sp.Function("rho", real=True)     # rho_q = r_q h_{t-1,q}, generic in the pre-activation step
_LEAVES = ("u", "r", "hc", "h")


def _sig(v):
    return 1 / (1 + sp.exp(-v))


def _h(k, j, y):
    """:math:`h_{t-1,k}` with coordinate ``j`` displaced by ``y``."""
    return _H[k] + sp.KroneckerDelta(k, j) * y


def _gate(g, k, j, y):
    """:math:`\\sigma(\\alpha_{g,k} + (W_g)_{kj}y)`: the pre-activation is linear in h_{t-1} (first step)."""
    return _sig(_ALPHA[g][k] + IB(f"W_{g}")[k, j] * y)


def _values(name, time, k, j, y):
    if time != t:
        return _h(k, j, y)
    return {"u": lambda: _gate("u", k, j, y), "r": lambda: _gate("r", k, j, y),
            "hc": lambda: sp.tanh(A_h(k, y))}[name]()


def _candidate_pre(k, j):
    r"""Proved derivative of the candidate pre-activation: :math:`(W_h[\operatorname{diag}(r_t) + \ldots])_{kj}`."""
    return substitute_leaves(matrix_entry(mm(W["h"], reset_product_jacobian()), k, j),
                             lambda nm, tm, q: _values(nm, tm, q, j, Y), _LEAVES)


def gru_entry(kind, rhs):
    """``entry(i, j)`` of the step ``kind`` ('u', 'r', 'rh', 'a_h', 'hc', 'h') minus ``rhs``."""
    forward = {
        "u": lambda i, j, y: _gate("u", i, j, y),
        "r": lambda i, j, y: _gate("r", i, j, y),
        "rh": lambda i, j, y: _gate("r", i, j, y) * _h(i, j, y),
        "a_h": lambda i, j, y: sp.Sum(IB("W_h")[i, _Q[0]] * P(_Q[0], y), (_Q[0], 0, n - 1)),
        "hc": lambda i, j, y: sp.tanh(A_h(i, y)),
        "h": lambda i, j, y: (1 - _gate("u", i, j, y)) * _h(i, j, y) + _gate("u", i, j, y) * sp.tanh(A_h(i, y)),
    }[kind]
    if kind == "a_h":
        derivs = {P: lambda q, j: substitute_leaves(matrix_entry(reset_product_jacobian(), q, j),
                                                    lambda nm, tm, k: _values(nm, tm, k, j, Y), _LEAVES)}
    else:
        derivs = {A_h: _candidate_pre}
    return chain_entry(forward, rhs, _values, _LEAVES, derivatives=derivs)


# ------------------------------------------------------------------ explicit cells
_SIZES = (1, 2, 3)


def network_hook(reference, lhs, *, T=2):
    """``explicit`` hook: a concrete GRU on which ``reference(net, T)`` is the value of the defined
    quantity ``lhs``; the claim evaluates its own sides on it."""
    def run(rng, size, inst):
        net = ExplicitGRU(n=size, d=1, T=T, rng=rng)
        return Instance(net.env(), {t: T}, defined={lhs: reference(net, T)})
    return run


def _local(out):
    return lambda net, s: net.local_jacobian(s, out, "h")


def _eq(key, lhs, rhs, entry, ref):
    return CachedEq(lhs, rhs, size=n, entry=entry, explicit=network_hook(ref, lhs), sizes=_SIZES, key="gru_" + key,
                    entry_for=(lhs, rhs))


def _steps():
    J = StateJacobian(state("h", t), hp)
    rh = hadamard(r, hp)
    return (
        Step(_eq("a_u", StateJacobian(state("a_u", t), hp), W["u"], _pre_entry, _local("a_u")),
             "pre-activations W_g h_{t-1} + U_g x_t + b_g are linear in h_{t-1} (g = u, r)"),
        Step(_eq("u", StateJacobian(u, hp), gate_jacobian("u"), gru_entry("u", gate_jacobian("u")), _local("u")),
             "chain rule through sigma: sigma' = sigma(1 - sigma) (sigmoid_derivative)"),
        Step(_eq("r", StateJacobian(r, hp), gate_jacobian("r"), gru_entry("r", gate_jacobian("r")), _local("r")),
             "chain rule through sigma, for the reset gate"),
        Step(_eq("rh", StateJacobian(rh, hp), reset_product_jacobian(), gru_entry("rh", reset_product_jacobian()),
                 _local("rh")),
             "product rule: r_t depends on h_{t-1} too (the reset-gate term)"),
        Step(_eq("a_h", StateJacobian(state("a_h", t), hp), mm(W["h"], reset_product_jacobian()),
                 gru_entry("a_h", mm(W["h"], reset_product_jacobian())), _local("a_h")),
             "a_h = W_h (r_t * h_{t-1}) + U_h x_t + b_h: linear in r_t * h_{t-1}, summed over the symbolic size"),
        Step(_eq("hc", StateJacobian(hc, hp), candidate_jacobian(), gru_entry("hc", candidate_jacobian()), _local("hc")),
             "chain rule through tanh: tanh' = 1 - tanh^2 (tanh_derivative)"),
        Step(_eq("J", J, jacobian(), gru_entry("h", jacobian()), lambda net, s: net.state_jacobian(s, s - 1)),
             "h_t = (1 - u_t) h_{t-1} + u_t hc_t: product rule on both terms, with the steps above"),
    )


def _pre_entry(i, j):
    """Entry of :math:`\\partial(W h_{t-1} + c)/\\partial h_{t-1} - W` at symbolic n (Sum and Kronecker delta)."""
    Wi, c, q = sp.IndexedBase("W"), sp.IndexedBase("c"), sp.Dummy("q", integer=True)
    return sp.diff(sp.Sum(Wi[i, q] * _H[q], (q, 0, n - 1)) + c[i], _H[j]) - Wi[i, j]


IDENTITY = Identity(
    id="gru_jacobian",
    title="The GRU state Jacobian",
    section="G",
    summary=("dh_t/dh_{t-1} = diag(1 - u_t) + diag(hc_t - h_{t-1}) diag(u_t(1 - u_t)) W_u "
             "+ diag(u_t(1 - hc_t^2)) W_h [diag(r_t) + diag(h_{t-1} r_t (1 - r_t)) W_r]  (hc = candidate h~)"),
    statement=sp.Eq(StateJacobian(state("h", t), hp), jacobian(), evaluate=False),
    steps=_steps(),
    symbols=(
        SymbolSpec(u, "update gate u_t", (n, 1), (0.0, 1.0)),
        SymbolSpec(r, "reset gate r_t", (n, 1), (0.0, 1.0)),
        SymbolSpec(hc, "candidate state h~_t (env key 'hc')", (n, 1), (-1.0, 1.0)),
        SymbolSpec(state("h", t), "hidden state h_t", (n, 1), (-1.0, 1.0)),
        SymbolSpec(state("x", t), "input x_t", (d, 1)),
        *(SymbolSpec(W[g], f"recurrent weights W_{g}", (n, n)) for g in "urh"),
        *(SymbolSpec(U[g], f"input weights U_{g}", (n, d)) for g in "urh"),
        *(SymbolSpec(B[g], f"bias b_{g}", (n, 1)) for g in "urh"),
    ),
    derived={"J": jacobian()},
    notation=Notation(vectors=COLUMN + "; GRU: W_* recurrent (n x n), U_* input (n x d); hc = candidate h~"),
    sources=("IDENTITIES.md G", "Cho et al. 2014, Learning phrase representations using RNN encoder-decoder"),
)
