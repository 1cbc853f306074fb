r"""``tanh_jacobian_entry``: :math:`\partial h_{t,j}/\partial h_{t-1,i} = (1 - h_{t,j}^2)(W_{hh})_{ji}` at symbolic n.

.. math::
   h_{t,j} = \tanh(z_{t,j}), \quad z_{t,j} = \sum_{q=1}^{n} (W_{hh})_{jq} h_{t-1,q} + u_j
   \;\Longrightarrow\;
   \frac{\partial h_{t,j}}{\partial h_{t-1,i}}
   = \sum_{l=1}^{n}\frac{\partial h_{t,j}}{\partial z_{t,l}}\frac{\partial z_{t,l}}{\partial h_{t-1,i}}
   = (1 - h_{t,j}^2)(W_{hh})_{ji},

with :math:`u = W_{xh}x_t + b_h` (independent of :math:`h_{t-1}`).  Every matrix step is
proved entrywise with ``Indexed`` symbols and ``Sum`` over a symbolic ``n`` (SymPy
differentiates the forward map itself; the Kronecker deltas of the sums are settled for indices
in range), and cross-checked with explicit networks of sizes 1..4 (:class:`ExplicitElman`,
exact complex-step Jacobians).  In row-vector notation
(:math:`z_{t,j} = \sum_q h_{t-1,q}(W_{hh})_{qj} + u_j`) the entry is
:math:`(W_{hh})_{ij}(1 - h_{t,j}^2)`.

Reference: IDENTITIES.md section B.
"""

from __future__ import annotations

import sympy as sp

from .. import sampling
from ..explicit import ExplicitElman
from ..matexpr import StateJacobian, diag, ones, square
from ..matrixclaims import MatrixEq
from ..claims import Rel
from ..model import COLUMN, Identity, Notation, Step, SymbolSpec
from ..symbols import W_hh, h, i, j, n, t, x_scalar, z
from .tanh_derivative import TANH_PRIME

__all__ = ["IDENTITY", "ENTRY", "ENTRY_ROW", "entry_matrix"]

_h, _W = sp.IndexedBase("h"), sp.IndexedBase("W_hh")
#: (dh_t/dh_{t-1})_{ji} in column notation, h = h_t
ENTRY = (1 - _h[j] ** 2) * _W[j, i]
#: the same entry in row-vector notation
ENTRY_ROW = _W[i, j] * (1 - _h[j] ** 2)

_hp, _u, _zz = sp.IndexedBase("hprev"), sp.IndexedBase("u"), sp.IndexedBase("zeta")
_q = sp.Dummy("q", integer=True)


def _z(row, *, row_notation=False):
    """:math:`z_{row}` written with a ``Sum`` over the symbolic size ``n``."""
    if row_notation:
        return sp.Sum(_hp[_q] * _W[_q, row], (_q, 0, n - 1)) + _u[row]
    return sp.Sum(_W[row, _q] * _hp[_q], (_q, 0, n - 1)) + _u[row]


def _entry_of(expr, a, b, zrow):
    """``expr`` with ``j -> a``, ``i -> b`` and :math:`h_{t,a}` replaced by :math:`\\tanh(z_a)`."""
    return expr.xreplace({j: a, i: b}).xreplace({_h[a]: sp.tanh(zrow)})


def _z_entry(a, b):
    """(dz_t/dh_{t-1} - W_hh)[a, b]: the pre-activation is linear in h_{t-1}."""
    return sp.diff(_z(a), _hp[b]) - _W[a, b]


def _tanh_entry(a, b):
    """(dh_t/dz_t - diag(1 - h_t^2))[a, b]: tanh acts entry by entry."""
    return sp.diff(sp.tanh(_zz[a]), _zz[b]) - sp.KroneckerDelta(a, b) * (1 - sp.tanh(_zz[a]) ** 2)


def _chain_entry(a, b):
    """(dh_t/dh_{t-1})[a, b] minus the derived :data:`ENTRY` at symbolic n."""
    return sp.diff(sp.tanh(_z(a)), _hp[b]) - _entry_of(ENTRY, a, b, _z(a))


def _row_entry(a, b):
    """Row notation: entry (a, b) of the numerator-layout Jacobian minus :data:`ENTRY_ROW`."""
    zr = _z(a, row_notation=True)
    return sp.diff(sp.tanh(zr), _hp[b]) - _entry_of(ENTRY_ROW, a, b, zr)


def entry_matrix(expr, hvals, W):
    """The explicit matrix whose ``(a, b)`` entry is ``expr`` at ``j=a, i=b``, ``h -> hvals``, ``W_hh -> W``."""
    size = W.rows
    subs_h = {_h[a]: hvals[a] for a in range(size)}
    return sp.Matrix(size, size, lambda a, b: expr.xreplace({j: a, i: b}).xreplace(
        {**subs_h, **{_W[r, c]: W[r, c] for r in range(size) for c in range(size)}}))


def _network_check(expr, *, row=False):
    """``explicit`` hook: exact dh_T/dh_{T-1} of a concrete tanh network against ``expr`` entrywise."""
    def run(rng, size, inst):
        T = 3
        net = ExplicitElman(n=size, d=2, T=T, rng=rng, row=row)
        hs, _ = net.trajectory()
        return net.state_jacobian(T, T - 1), entry_matrix(expr, hs[T], net.params["W_hh"])
    return run


def _pre_activation_check(rng, size, inst):
    """``explicit`` hook: SymPy's Jacobian of z = W h + u for a concrete W, against W."""
    net = ExplicitElman(n=size, d=1, T=1, rng=rng)
    hp = sp.Matrix(sp.symbols(f"hp0:{size}"))
    zvec = net.params["W_hh"] * hp + net.params["b_h"]
    return zvec.jacobian(hp), net.params["W_hh"]


def _activation_check(rng, size, inst):
    """``explicit`` hook: SymPy's Jacobian of tanh (elementwise) at a random point, against diag(1 - tanh^2)."""
    zs = sp.Matrix(sp.symbols(f"z0:{size}"))
    point = dict(zip(zs, sampling.rational_matrix(rng, size, 1, (-3.0, 3.0))))
    jac = zs.applyfunc(sp.tanh).jacobian(zs).xreplace(point)
    return jac, sp.diag(*[1 - sp.tanh(point[s]) ** 2 for s in zs])


_J = StateJacobian(h(t), h(t - 1))
_steps = (
    Step(MatrixEq(StateJacobian(z(t), h(t - 1)), W_hh, size=n, entry=_z_entry, explicit=_pre_activation_check),
         "z_{t,l} = sum_q (W_hh)_{lq} h_{t-1,q} + u_l is linear in h_{t-1}: dz_{t,l}/dh_{t-1,i} = (W_hh)_{li}"),
    Step(Rel(sp.Derivative(sp.tanh(x_scalar), x_scalar), "=", TANH_PRIME), "tanh_derivative"),
    Step(MatrixEq(StateJacobian(h(t), z(t)), diag(ones(n) - square(h(t))), size=n, entry=_tanh_entry,
                  explicit=_activation_check),
         "h_{t,j} = tanh(z_{t,j}) depends on z_{t,j} only: dh_{t,j}/dz_{t,l} = delta_{jl}(1 - h_{t,j}^2)"),
    Step(MatrixEq(_J, diag(ones(n) - square(h(t))) * W_hh, size=n, entry=_chain_entry, explicit=_network_check(ENTRY)),
         "chain rule, summed over l at symbolic n: only l = j survives, giving (1 - h_{t,j}^2)(W_hh)_{ji}"),
    Step(MatrixEq(_J, diag(ones(n) - square(h(t))) * W_hh.T, size=n, entry=_row_entry,
                  explicit=_network_check(ENTRY_ROW, row=True)),
         "row-vector notation: z_{t,j} = sum_q h_{t-1,q}(W_hh)_{qj} + u_j, so the entry is (W_hh)_{ij}(1 - h_{t,j}^2)",
         note="row"),
)

IDENTITY = Identity(
    id="tanh_jacobian_entry",
    title="One entry of the tanh RNN Jacobian, at symbolic size",
    section="B",
    summary="dh_{t,j}/dh_{t-1,i} = (1 - h_{t,j}^2)(W_hh)_{ji} for every n (row notation: (W_hh)_{ij}(1 - h_{t,j}^2))",
    statement=sp.Eq(sp.Derivative(sp.IndexedBase("h_t")[j], sp.IndexedBase("h_{t-1}")[i]), ENTRY, evaluate=False),
    steps=_steps,
    symbols=(
        SymbolSpec(_h[j], "entry j of the hidden state h_t, in (-1, 1)", (), (-1.0, 1.0)),
        SymbolSpec(_W[j, i], "entry (j, i) of the recurrent weight matrix W_hh", ()),
        SymbolSpec(n, "hidden size (symbolic)", ()),
        SymbolSpec(j, "row index (output unit), 0 <= j < n", ()),
        SymbolSpec(i, "column index (input unit of h_{t-1}), 0 <= i < n", ()),
    ),
    derived={"entry": ENTRY, "entry_row": ENTRY_ROW},
    notation=Notation(vectors=COLUMN + " (row-vector entry also derived)"),
    sources=("IDENTITIES.md B", "Pascanu, Mikolov, Bengio 2013, sec. 2"),
)
