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
from sympy.matrices.expressions.matexpr import MatrixElement

from ..entries import EntryEq
from ..matrixclaims import EntryModel, Instance, MatrixEq
from .tanh_jacobian import elman_entries, explicit_jacobian_check
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


_H = sp.IndexedBase("h")  # entries of the time-indexed state: h_t[a] is h[t, a]


def _z_of(a):
    r""":math:`z_{t,a} = \sum_q (W_{hh})_{aq} h_{t-1,q} + u_a` at symbolic n."""
    return sp.Sum(W_hh[a, _q] * _H[t - 1, _q], (_q, 0, n - 1)) + _u[a]


#: dz_t/dh_{t-1}: entry (a, b) is SymPy's derivative of the pre-activation by h_{t-1,b}
_Z_MODEL = EntryModel({StateJacobian(z(t), h(t - 1)): lambda a, b: sp.diff(_z_of(a), _H[t - 1, b])})
#: dh_t/dz_t: entry (a, b) is SymPy's derivative of tanh(z_{t,a}) by z_{t,b}; h_{t,a} is tanh(z_{t,a})
_TANH_MODEL = EntryModel(
    {StateJacobian(h(t), z(t)): lambda a, b: sp.diff(sp.tanh(_zz[a]), _zz[b])},
    lambda e: e.replace(lambda x: isinstance(x, sp.Indexed) and x.base == _H and x.indices[0] == t,
                        lambda x: sp.tanh(_zz[x.indices[1]])))


def entry_leaves(e):
    """Entries of the matrix leaves in the symbols of :data:`ENTRY`: h[t, a] -> h_a, W_hh[a, b] -> W_hh_ab."""
    e = e.replace(lambda x: isinstance(x, sp.Indexed) and x.base == _H and len(x.indices) == 2 and x.indices[0] == t,
                  lambda x: _h[x.indices[1]])
    return e.replace(lambda x: isinstance(x, MatrixElement) and x.parent == W_hh, lambda x: _W[x.i, x.j])


def _explicit_entry_leaves(value, leaves, size):
    """``value`` with ``h_a``, ``W_hh[a, b]`` replaced by the explicit leaves the matrix side was given."""
    hv, W = leaves["h"](5), leaves["W_hh"]
    return value.xreplace({**{_h[a]: hv[a] for a in range(size)},
                           **{_W[r, c]: W[r, c] for r in range(size) for c in range(size)}})


def entry_matrix(expr, hvals, W):
    """The explicit matrix whose ``(a, b)`` entry is ``expr`` at ``j=a, i=b``, ``h -> hvals``, ``W_hh -> W``."""
    size = W.rows
    subs_h = {_h[a]: hvals[a] for a in range(size)}
    return sp.Matrix(size, size, lambda a, b: expr.xreplace({j: a, i: b}).xreplace(
        {**subs_h, **{_W[r, c]: W[r, c] for r in range(size) for c in range(size)}}))


def _pre_activation_check(rng, size, inst):
    """``explicit`` hook: SymPy's Jacobian of z = W h + u for a concrete W stands for dz_t/dh_{t-1}."""
    net = ExplicitElman(n=size, d=1, T=1, rng=rng)
    hp = sp.Matrix(sp.symbols(f"hp0:{size}"))
    zvec = net.params["W_hh"] * hp + net.params["b_h"]
    return Instance(net.params, {t: 1}, defined={StateJacobian(z(t), h(t - 1)): zvec.jacobian(hp)})


def _activation_check(rng, size, inst):
    """``explicit`` hook: SymPy's Jacobian of tanh (elementwise) at a random point stands for dh_t/dz_t."""
    zs = sp.Matrix(sp.symbols(f"z0:{size}"))
    point = dict(zip(zs, sampling.rational_matrix(rng, size, 1, (-3.0, 3.0))))
    jac = zs.applyfunc(sp.tanh).jacobian(zs).xreplace(point)
    hv = sp.Matrix([sp.tanh(point[s]) for s in zs])
    return Instance({"h": {3: hv}, "z": {3: sp.Matrix([point[s] for s in zs])}}, {t: 3},
                    defined={StateJacobian(h(t), z(t)): jac})


_J = StateJacobian(h(t), h(t - 1))
#: the Jacobian derived in step 4 (column notation) and step 5 (row notation)
J_COLUMN = diag(ones(n) - square(h(t))) * W_hh
J_ROW = diag(ones(n) - square(h(t))) * W_hh.T
_steps = (
    Step(MatrixEq(StateJacobian(z(t), h(t - 1)), W_hh, size=n, entry=_Z_MODEL, explicit=_pre_activation_check),
         "z_{t,l} = sum_q (W_hh)_{lq} h_{t-1,q} + u_l is linear in h_{t-1}: dz_{t,l}/dh_{t-1,i} = (W_hh)_{li}"),
    Step(Rel(sp.Derivative(sp.tanh(x_scalar), x_scalar), "=", TANH_PRIME), "tanh_derivative"),
    Step(MatrixEq(StateJacobian(h(t), z(t)), diag(ones(n) - square(h(t))), size=n, entry=_TANH_MODEL,
                  explicit=_activation_check),
         "h_{t,j} = tanh(z_{t,j}) depends on z_{t,j} only: dh_{t,j}/dz_{t,l} = delta_{jl}(1 - h_{t,j}^2)"),
    Step(MatrixEq(_J, J_COLUMN, size=n, entry=elman_entries(), explicit=explicit_jacobian_check()),
         "chain rule, summed over l at symbolic n: only l = j survives, giving (1 - h_{t,j}^2)(W_hh)_{ji}"),
    Step(MatrixEq(_J, J_ROW, size=n, entry=elman_entries("row"), explicit=explicit_jacobian_check(row=True)),
         "row-vector notation: z_{t,j} = sum_q h_{t-1,q}(W_hh)_{qj} + u_j, so the entry is (W_hh)_{ij}(1 - h_{t,j}^2)",
         note="row"),
    Step(EntryEq(J_COLUMN, j, i, ENTRY, n, entry_leaves, _explicit_entry_leaves),
         "entry (j, i) of the Jacobian of step 4: diag(v) W has entries v_j W_ji"),
    Step(EntryEq(J_ROW, j, i, ENTRY_ROW, n, entry_leaves, _explicit_entry_leaves),
         "entry (j, i) of the row-notation Jacobian of step 5", note="row"),
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
