r"""``highway_jacobian``: the highway RNN Jacobian with the gate's own derivative, and its carry path.

Highway RNN (Srivastava, Greff & Schmidhuber 2015; recurrent form as in Zilly et al. 2017):

.. math::
   z_t = W_{hh}h_{t-1} + W_{xh}x_t + b_h,\quad \tilde h_t = \tanh(z_t),\quad
   g_t = \sigma(W_g h_{t-1} + U_g x_t + b_g),\quad h_t = g_t\odot\tilde h_t + (1-g_t)\odot h_{t-1},

   \frac{\partial h_t}{\partial h_{t-1}} = \operatorname{diag}(1-g_t)
     + \operatorname{diag}(g_t\odot\varphi'(z_t))W_{hh}
     + \operatorname{diag}((\tilde h_t - h_{t-1})\odot g_t\odot(1-g_t))W_g,

with :math:`\varphi'(z_t) = 1-\tilde h_t^2` (tanh).  The last term is the gate's own derivative
(:math:`g_t` depends on :math:`h_{t-1}`), the one that is easy to drop.  The *carry path*:

.. math::
   \frac{\partial h_t}{\partial h_{t-1}} = \operatorname{diag}(1-g_t) + \operatorname{diag}(g_t)M_t,\quad
   M_t = \operatorname{diag}(1-\tilde h_t^2)W_{hh} + \operatorname{diag}((\tilde h_t-h_{t-1})\odot(1-g_t))W_g,

so :math:`\lVert\partial h_t/\partial h_{t-1} - \operatorname{diag}(1-g_t)\rVert \le
\lVert\operatorname{diag}(g_t)\rVert\,\lVert M_t\rVert`: as :math:`g_t\to 0` the Jacobian tends to
:math:`\operatorname{diag}(1-g_t)\to I` and the gradient is carried unchanged, whatever :math:`W_{hh}` and the
saturation of :math:`\tanh` do.

Every equality is proved entrywise at symbolic ``n`` (SymPy differentiates the forward map written with
``Indexed`` entries, :func:`~derivations.catalogue.lstm_cell_jacobian.chain_entry`, as ``gru_jacobian``) and
cross-checked on explicit highway cells n = 1..3 (complex step at 80 digits); the norm step is
submultiplicativity (by lemma).  Column vectors, numerator layout; ``hc`` is :math:`\tilde h_t`.

Reference: Srivastava, Greff, Schmidhuber (2015), *Highway networks* / *Training very deep networks*;
Zilly, Srivastava, Koutník, Schmidhuber (2017), *Recurrent highway networks*.
"""

from __future__ import annotations

import sympy as sp

from ..explicit_remedies import ExplicitHighway
from ..lemmas import ByLemma
from ..matexpr import SpectralNorm, StateJacobian, diag, hadamard, ones, square
from ..matrixclaims import Instance, MatrixRel
from ..model import COLUMN, Identity, Notation, Step, SymbolSpec
from ..symbols import W_hh, d, n, state, t
from .lstm_cell_jacobian import IB, CachedEq, chain_entry, ma, mm

__all__ = ["IDENTITY", "jacobian", "gate_jacobian", "candidate_jacobian", "carry", "carried", "highway_entry",
           "network_hook", "W_g", "U_g", "b_g"]

W_g = sp.MatrixSymbol("W_g", n, n)
U_g = sp.MatrixSymbol("U_g", n, d)
b_g = sp.MatrixSymbol("b_g", n, 1)
_one = ones(n)
g, hc, hp = state("g", t), state("hc", t), state("h", t - 1)


def gate_jacobian():
    """:math:`\\partial g_t/\\partial h_{t-1} = \\operatorname{diag}(g_t\\odot(1-g_t))W_g` (sigmoid_derivative)."""
    return mm(diag(hadamard(g, _one - g)), W_g)


def candidate_jacobian():
    """:math:`\\partial\\tilde h_t/\\partial h_{t-1} = \\operatorname{diag}(1-\\tilde h_t^2)W_{hh}` (tanh_derivative)."""
    return mm(diag(_one - square(hc)), W_hh)


def jacobian(*, gate_term=True):
    """The highway Jacobian; ``gate_term=False`` drops the gate's own derivative (the classic slip)."""
    terms = [diag(_one - g), mm(diag(hadamard(g, _one - square(hc))), W_hh)]
    if gate_term:
        terms.append(mm(diag(hadamard(hc - hp, g, _one - g)), W_g))
    return ma(*terms)


def carried():
    """:math:`M_t = \\operatorname{diag}(1-\\tilde h_t^2)W_{hh} + \\operatorname{diag}((\\tilde h_t-h_{t-1})\\odot(1-g_t))W_g`."""
    return ma(candidate_jacobian(), mm(diag(hadamard(hc - hp, _one - g)), W_g))


def carry():
    """:math:`\\operatorname{diag}(1-g_t) + \\operatorname{diag}(g_t)M_t` (the carry-path form of the Jacobian)."""
    return ma(diag(_one - g), mm(diag(g), carried()))


# ------------------------------------------------------------------ forward map with Indexed entries
_H = IB("h_prev")
_ALPHA = {"z": IB("alpha_z"), "g": IB("alpha_g")}
_LEAVES = ("g", "hc", "h")


def _sig(v):
    return 1 / (1 + sp.exp(-v))


def _values(name, time, k, j, y):
    """Leaves with :math:`h_{t-1,j}` displaced by ``y``: pre-activations linear in it (rows ``k``)."""
    if time != t:
        return _H[k] + sp.KroneckerDelta(k, j) * y
    if name == "g":
        return _sig(_ALPHA["g"][k] + IB("W_g")[k, j] * y)
    return sp.tanh(_ALPHA["z"][k] + IB("W_hh")[k, j] * y)


def highway_entry(kind, rhs):
    """``entry(i, j)`` of the step ``kind`` ('g', 'hc', 'h') minus ``rhs``."""
    forward = {
        "g": lambda a, j, y: _values("g", t, a, j, y),
        "hc": lambda a, j, y: _values("hc", t, a, j, y),
        "h": lambda a, j, y: _values("g", t, a, j, y) * _values("hc", t, a, j, y)
        + (1 - _values("g", t, a, j, y)) * _values("h", t - 1, a, j, y),
    }[kind]
    return chain_entry(forward, rhs, _values, _LEAVES)


# ------------------------------------------------------------------ explicit cells
_SIZES = (1, 2, 3)


def network_hook(reference, lhs, *, T=2):
    """A concrete highway cell on which ``reference(net, T)`` is the value of the defined quantity ``lhs``."""
    def run(rng, size, inst):
        net = ExplicitHighway(n=size, d=1, T=T, rng=rng)
        return Instance(net.env(), {t: T}, defined={lhs: reference(net, T)})
    return run


def _eq(key, lhs, rhs, kind, ref):
    return CachedEq(lhs, rhs, size=n, entry=highway_entry(kind, rhs), explicit=network_hook(ref, lhs), sizes=_SIZES,
                    key="highway_" + key, entry_for=(lhs, rhs))


def _local(out):
    return lambda net, s: net.local_jacobian(s, out, "h")


def _steps():
    J = StateJacobian(state("h", t), hp)
    full = lambda net, s: net.state_jacobian(s, s - 1)  # noqa: E731
    bound = MatrixRel(SpectralNorm(mm(diag(g), carried())), "<=", SpectralNorm(diag(g)) * SpectralNorm(carried()),
                      size=n, trials=2, sizes=_SIZES, domains={"g": (0.0, 1.0), "hc": (-1.0, 1.0)})
    return (
        Step(_eq("g", StateJacobian(g, hp), gate_jacobian(), "g", _local("g")),
             "chain rule through sigma: a_g = W_g h_{t-1} + U_g x_t + b_g is linear in h_{t-1}, sigma' = sigma(1 - sigma)"),
        Step(_eq("hc", StateJacobian(hc, hp), candidate_jacobian(), "hc", _local("hc")),
             "chain rule through tanh: z_t is linear in h_{t-1}, tanh' = 1 - tanh^2"),
        Step(_eq("J", J, jacobian(), "h", full),
             "h_t = g_t hc_t + (1 - g_t) h_{t-1}: product rule on both terms; g_t depends on h_{t-1} (the gate term)"),
        Step(_eq("carry", J, carry(), "h", full),
             "regroup: the carry path diag(1 - g_t) plus diag(g_t) times the rest"),
        Step(ByLemma("submultiplicativity", bound),
             "||dh_t/dh_{t-1} - diag(1 - g_t)|| = ||diag(g_t) M_t|| <= max_a g_{t,a} ||M_t||: as g_t -> 0 only the "
             "carry path diag(1 - g_t) -> I remains"),
    )


IDENTITY = Identity(
    id="highway_jacobian",
    title="The highway RNN Jacobian and its carry path",
    section="H",
    summary=("h_t = g_t hc_t + (1 - g_t) h_{t-1}: dh_t/dh_{t-1} = diag(1 - g_t) + diag(g_t (1 - hc_t^2)) W_hh "
             "+ diag((hc_t - h_{t-1}) g_t (1 - g_t)) W_g = diag(1 - g_t) + diag(g_t) M_t"),
    statement=sp.Eq(StateJacobian(state("h", t), hp), jacobian(), evaluate=False),
    steps=_steps(),
    symbols=(
        SymbolSpec(g, "gate g_t = sigma(W_g h_{t-1} + U_g x_t + b_g)", (n, 1), (0.0, 1.0)),
        SymbolSpec(hc, "candidate hc_t = tanh(z_t), z_t = W_hh h_{t-1} + W_xh x_t + b_h (env key 'hc')", (n, 1),
                   (-1.0, 1.0)),
        SymbolSpec(state("h", t), "hidden state h_t", (n, 1), (-1.0, 1.0)),
        SymbolSpec(W_hh, "candidate recurrent weights", (n, n)),
        SymbolSpec(W_g, "gate recurrent weights", (n, n)),
    ),
    derived={"J": jacobian(), "carry": carry(), "carried_norm": SpectralNorm(mm(diag(g), carried())),
             "carried_bound": SpectralNorm(diag(g)) * SpectralNorm(carried()), "gate": gate_jacobian(),
             "candidate": candidate_jacobian()},
    notation=Notation(vectors=COLUMN + "; highway: W_hh, W_g recurrent (n x n), W_xh, U_g input (n x d); "
                      "hc = candidate tanh(z_t), g = gate"),
    sources=("Srivastava, Greff, Schmidhuber 2015, Highway networks / Training very deep networks",
             "Zilly, Srivastava, Koutnik, Schmidhuber 2017, Recurrent highway networks"),
)
