r"""``bptt_recursion``: :math:`\frac{dh_t}{d\theta} = \frac{\partial^+ h_t}{\partial\theta} + J_t\frac{dh_{t-1}}{d\theta}`.

For :math:`\theta \in \{W_{hh}, W_{xh}, b_h\}`, with :math:`J_t = \operatorname{diag}(\varphi'(z_t))W_{hh}`
and the immediate partials (``vec`` is row-major, numpy ``ravel`` order: column ``a*cols + b`` of
an ``n x P`` Jacobian belongs to :math:`\theta_{ab}`)

.. math::
   \frac{\partial^+ h_t}{\partial\operatorname{vec}W_{hh}} = \operatorname{diag}(\varphi'(z_t))(I_n\otimes h_{t-1}^\top),\quad
   \frac{\partial^+ h_t}{\partial\operatorname{vec}W_{xh}} = \operatorname{diag}(\varphi'(z_t))(I_n\otimes x_t^\top),\quad
   \frac{\partial^+ h_t}{\partial b_h} = \operatorname{diag}(\varphi'(z_t)).

The recursion is the chain rule for :math:`h_t = \varphi(z_t(h_{t-1}(\theta), \theta))`; it is proved
entrywise at symbolic ``n`` for a generic scalar parameter and a generic differentiable
:math:`\varphi`, and cross-checked on concrete networks (complex step at 80 digits).

Reference: IDENTITIES.md section C; Werbos (1990); Pascanu, Mikolov, Bengio (2013), eq. (4)-(5).
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.simplify.simplify import sum_simplify

from ..explicit import ExplicitElman
from ..functions import activation_derivative
from ..matexpr import StateJacobian, diag
from ..errors import InputError
from ..matrixclaims import Instance, MatrixEq
from ..model import COLUMN, Identity, Notation, Step, SymbolSpec
from ..symbols import W_hh, W_xh, b_h, d, h, n, t, x, z

__all__ = ["IDENTITY", "TotalDerivative", "PARAMS", "phi_prime", "jacobian", "immediate", "network_check",
           "recursion_entry", "immediate_entry"]

#: the parameters the recursion is stated for, with their matrix symbols
PARAMS = {"W_hh": W_hh, "W_xh": W_xh, "b_h": b_h}


class TotalDerivative(sp.MatrixExpr):
    r"""The Jacobian :math:`dh_t/d\operatorname{vec}\theta` (``n x P``), total or immediate (:math:`\partial^+`).

    A name for a quantity defined by the forward map (it is never evaluated symbolically: the
    explicit checks compute it by complex step on a concrete network).
    """

    is_commutative = False

    def __new__(cls, state, theta, immediate=False):
        return super().__new__(cls, state, theta, sp.true if immediate else sp.false)

    shape = property(lambda self: (self.args[0].shape[0], self.args[1].shape[0] * self.args[1].shape[1]))

    def _latex(self, printer):
        d_ = r"\partial^{+}" if self.args[2] else "d"
        th = printer._print(self.args[1])
        th = th if self.args[1].shape[1] == 1 else r"\operatorname{vec} " + th
        return r"\frac{%s %s}{%s %s}" % (d_, printer._print(self.args[0]), d_, th)

    def _sympystr(self, printer):
        d_ = "d+" if self.args[2] else "d"
        return "%s%s/%s%s" % (d_, printer._print(self.args[0]), d_, printer._print(self.args[1]))


@lru_cache(maxsize=None)
def _dphi(name):
    return activation_derivative(name)


def phi_prime(time=t, name="tanh"):
    """:math:`\\varphi'(z_{time})` elementwise, :math:`\\varphi'` derived by SymPy from the definition."""
    return ElementwiseApplyFunction(_dphi(name), z(time))


def jacobian(time=t, name="tanh"):
    """:math:`J_{time} = \\operatorname{diag}(\\varphi'(z_{time}))W_{hh}` (tanh_jacobian, general form)."""
    return diag(phi_prime(time, name)) * W_hh


def immediate(param, time=t, name="tanh", *, lag=1):
    """:math:`\\partial^+ h_{time}/\\partial\\operatorname{vec}\\theta` (``n x P``, row-major vec).

    ``lag`` is the time offset of the state in the ``W_hh`` partial (1 is right; 0 is the
    classic wrong-time-index mutation used by the tests).
    """
    D = diag(phi_prime(time, name))
    if param == "W_hh":
        return D * sp.KroneckerProduct(sp.Identity(n), sp.Transpose(h(time - lag)))
    if param == "W_xh":
        return D * sp.KroneckerProduct(sp.Identity(n), sp.Transpose(x(time)))
    if param == "b_h":
        return D
    raise KeyError(param)


def network_check(*, T=4, times=None, activation_name="tanh", d_in=2):
    """An ``explicit`` hook for :class:`MatrixEq`: one concrete network per size, one
    :class:`Instance` per time ``t`` in ``times`` (default ``1..T``).

    The claim evaluates its own sides on each instance; every :class:`TotalDerivative` node in
    them (total or immediate, at whatever time the side names) is the exact complex-step
    Jacobian of the network's forward map (zero at t = 0: h_0 does not depend on θ).
    """
    def run(rng, size, inst):
        net = ExplicitElman(n=size, d=d_in, T=T, rng=rng, activation=activation_name)
        env = net.env()
        return [Instance(env, {**inst, t: s}, substitute=_resolver(net, {**inst, t: s}))
                for s in (times or range(1, T + 1))]
    return run


def _resolver(net, bind):
    bind = {sp.sympify(k_): sp.sympify(v) for k_, v in bind.items()}

    def value(node):
        when = int(node.args[0].time.xreplace(bind))
        param = str(node.args[1].name)
        if not 0 <= when <= net.T:
            raise InputError(f"{node} at t={when}: outside the run (times 0..{net.T})")
        if when == 0:
            return sp.zeros(net.n, _count(net, param))
        return net.parameter_jacobian(when, param, immediate=bool(node.args[2]))
    return lambda e: e.xreplace({nd: sp.ImmutableMatrix(value(nd)) for nd in e.atoms(TotalDerivative)})


def immediate_check(param=None, expr=None, name="tanh", T=3):
    """Hook: exact immediate partials of a network (complex step, h_{t-1} held) stand for ∂⁺h_t/∂θ."""
    return network_check(T=T, activation_name=name)


def recursion_check(param=None, name="tanh", T=3, **_):
    """Hook: exact total and immediate dh_t/dθ of a network stand for the claim's derivatives."""
    return network_check(T=T, activation_name=name)


def _count(net, param):
    p = net.params[param]
    return p.rows * p.cols


def recursion_entry(i, j):
    """Entry ``i`` of the recursion residual at symbolic ``n`` (see :func:`_recursion_residual`)."""
    row, residual = _recursion_residual()
    return residual.xreplace({row: i})


@lru_cache(maxsize=None)
def _recursion_residual():
    r"""Entry ``i`` of :math:`dh_t/dw - \partial^+h_t/\partial w - J_t\,dh_{t-1}/dw` at symbolic ``n``.

    ``w`` is any scalar parameter: the recurrent weights ``A(i, q, w)``, the state
    ``H(q, w)`` = :math:`h_{t-1,q}` and the rest of the pre-activation ``B(i, w)`` may all depend
    on it, and :math:`\varphi` is a generic differentiable function.  The immediate partial is
    SymPy's derivative with ``H`` frozen; :math:`J_{iq}` is SymPy's derivative by a frozen
    :math:`h_{t-1,c}` for a column ``c < n``.  Computed once (it is the same for every θ) and
    returned with its row index.
    """
    i = sp.Dummy("i", integer=True, nonnegative=True)
    w = sp.Symbol("w", real=True)
    q, c, m = sp.Dummy("q", integer=True), sp.Dummy("c", integer=True, nonnegative=True), sp.Dummy("m", integer=True, nonnegative=True)
    A, H, B, phi, X = sp.Function("A"), sp.Function("H"), sp.Function("B"), sp.Function("phi"), sp.IndexedBase("X")
    thaw = lambda e: e.replace(lambda a: isinstance(a, sp.Indexed) and a.base == X, lambda a: H(a.indices[0], w))

    def zi(state, size=n):
        return sp.Sum(A(i, q, w) * state(q), (q, 0, size - 1)) + B(i, w)
    total = sp.diff(phi(zi(lambda r: H(r, w))), w).doit()
    imm = thaw(sp.diff(phi(zi(lambda r: X[r])), w).doit())
    J_ic = sp.piecewise_fold(sp.diff(phi(zi(lambda r: X[r], c + 1 + m)), X[c]).doit())
    J_ic = thaw(J_ic.xreplace({m: n - 1 - c}))
    chained = sp.Sum(J_ic.xreplace({c: q}) * sp.Derivative(H(q, w), w), (q, 0, n - 1))
    return i, sum_simplify(sp.expand(total - imm - chained))


def immediate_entry(i, j, name="tanh"):
    r"""Entry ``(i, j)`` of :math:`\partial^+h_t/\partial b_h - \operatorname{diag}(\varphi'(z_t))` at symbolic ``n``:
    SymPy differentiates :math:`\varphi(\sum_q W_{iq}h_{t-1,q} + u_i + b_i)` by :math:`b_j`."""
    W, hp, u, b = (sp.IndexedBase(s) for s in ("W", "hprev", "u", "b"))
    q = sp.Dummy("q", integer=True)
    from ..functions import activation
    zi = sp.Sum(W[i, q] * hp[q], (q, 0, n - 1)) + u[i] + b[i]
    return sp.diff(activation(name)(zi), b[j]) - _dphi(name)(zi) * sp.KroneckerDelta(i, j)


def _steps():
    steps = []
    for p, sym in PARAMS.items():
        entry = (lambda i, j: immediate_entry(i, j)) if p == "b_h" else None
        lhs = TotalDerivative(h(t), sym, True)
        steps.append(Step(MatrixEq(lhs, immediate(p), size=n, explicit=immediate_check(p, immediate(p)), entry=entry,
                                   sizes=(1, 2, 3), entry_for=(lhs, immediate(p)) if entry else None,
                                   why_not="no entrywise model of the Kronecker product I (x) h^T at symbolic n yet; "
                                           "exact network check"),
                          f"definition of the immediate partial: z_t is linear in {p}; chain rule through phi "
                          "(row-major vec; exact network check, h_(t-1) held fixed)"))
    for p, sym in PARAMS.items():  # the same immediate partials for the sigmoid (what sigmoid runs evaluate)
        lhs, rhs = TotalDerivative(h(t), sym, True), immediate(p, t, "sigmoid")
        entry = (lambda i, j: immediate_entry(i, j, "sigmoid")) if p == "b_h" else None
        steps.append(Step(MatrixEq(lhs, rhs, size=n, explicit=immediate_check(name="sigmoid"), entry=entry, sizes=(1, 2),
                                   entry_for=(lhs, rhs) if entry else None,
                                   why_not="no entrywise model of the Kronecker product I (x) h^T at symbolic n yet; "
                                           "exact network check"),
                          f"the immediate partial by {p} for phi = sigma (sigmoid networks)"))
    from .tanh_jacobian import elman_entries, explicit_jacobian_check
    for name in ("tanh", "sigmoid"):  # the J_t of the recursion, for each activation (tanh_jacobian)
        steps.append(Step(MatrixEq(StateJacobian(h(t), h(t - 1)), jacobian(t, name), size=n, sizes=(1, 2, 3),
                                   entry=elman_entries(name=name), explicit=explicit_jacobian_check(activation_name=name)),
                          f"J_t = dh_t/dh_(t-1) = diag(phi'(z_t)) W_hh for phi = {name} (tanh_jacobian)"))
    for p, sym in PARAMS.items():
        rhs = sp.MatAdd(TotalDerivative(h(t), sym, True), jacobian() * TotalDerivative(h(t - 1), sym))
        steps.append(Step(MatrixEq(TotalDerivative(h(t), sym), rhs, size=n, explicit=recursion_check(p),
                                   entry=recursion_entry, sizes=(1, 2, 3), entry_for=(TotalDerivative(h(t), sym), rhs)),
                          f"chain rule for the total derivative: h_t depends on {p} directly and through h_(t-1)"))
    return tuple(steps)


def _derived():
    out = {f"immediate_{p}": (lambda name, p=p: immediate(p, t, name)) for p in PARAMS}
    out["J"] = lambda name: jacobian(t, name)
    return out


IDENTITY = Identity(
    id="bptt_recursion",
    title="The BPTT recursion for the total parameter derivative",
    section="C",
    summary="dh_t/dθ = ∂⁺h_t/∂θ + J_t dh_{t-1}/dθ for θ in {W_hh, W_xh, b_h}",
    statement=sp.Eq(TotalDerivative(h(t), W_hh),
                    sp.MatAdd(TotalDerivative(h(t), W_hh, True), jacobian() * TotalDerivative(h(t - 1), W_hh)),
                    evaluate=False),
    steps=_steps(),
    symbols=(
        SymbolSpec(h(t), "hidden state at time t (h_0 given, independent of θ)", (n, 1), (-1.0, 1.0)),
        SymbolSpec(z(t), "pre-activation W_hh h_{t-1} + W_xh x_t + b_h", (n, 1), (-3.0, 3.0)),
        SymbolSpec(x(t), "input at time t", (d, 1)),
        SymbolSpec(W_hh, "recurrent weights", (n, n)),
        SymbolSpec(W_xh, "input weights", (n, d)),
        SymbolSpec(b_h, "hidden bias", (n, 1)),
    ),
    derived=_derived(),
    notation=Notation(vectors=COLUMN + "; vec(θ) row-major (numpy ravel order): column a*cols+b is θ[a, b]"),
    sources=("IDENTITIES.md C", "Werbos 1990, Backpropagation through time", "Pascanu, Mikolov, Bengio 2013, eq. (4)-(5)"),
)
