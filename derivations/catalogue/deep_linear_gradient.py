r"""``deep_linear_gradient``: the gradient of a deep linear network, :math:`\partial\mathcal L/\partial W_l = (W_L\cdots W_{l+1})^\top(\hat y - y)(W_{l-1}\cdots W_1x)^\top`.

.. math::
   \hat y = W_L W_{L-1}\cdots W_1 x,\qquad \mathcal L = \tfrac12\lVert\hat y - y\rVert^2,\qquad
   \frac{\partial\mathcal L}{\partial W_l}
   = \Big(W_L\prod_{i=l+1}^{L-1}W_i\Big)^{\top}(\hat y - y)\Big(\prod_{i=1}^{l-1}W_i\,x\Big)^{\top},
   \quad 1 \le l < L,

and :math:`\partial\mathcal L/\partial W_L = (\hat y - y)(\prod_{i=1}^{L-1}W_i x)^\top`.
With 2x2 diagonal :math:`W_1..W_{L-1}` and :math:`W_L = (w_{11}, w_{12})`:
:math:`\partial\mathcal L/\partial w^{(1)}_{11} = (\hat y - y)\,w^{(L)}_{11}w^{(L-1)}_{11}\cdots w^{(2)}_{11}x_1`.

Symbols (the evaluator's env keys): ``W`` time-indexed by layer, ``W[l]`` is ``n x n`` for
``1 <= l < L`` and ``W[L]`` is ``m x n``; ``x`` (``n x 1``) the input; ``y`` (``m x 1``) the target;
integer symbols ``L`` (depth) and ``l`` (layer), ``i`` the product index; ``n``, ``m`` sizes.

Grading.  Writing :math:`\hat y = A W_l b` (``A = W_L prod_{l+1}^{L-1} W_i``, ``b = prod_1^{l-1} W_i x``)
is associativity of the ordered product, confirmed at explicit depths only (the structural product
rules cannot split a product at a symbolic interior index).  The derivative of the bilinear form
:math:`\partial(AW_lb)_r/\partial(W_l)_{ij} = A_{ri}b_j` is proved entrywise at symbolic n and the
chain rule for each term of :math:`\tfrac12\sum_r e_r^2`; the assembled formula is cross-checked
exactly against SymPy's differentiation of explicit networks (depths 2..4).  The diagonal special
case is proved for depths 2..5.

Reference: IDENTITIES.md section F; Saxe, McClelland, Ganguli (2014), "Exact solutions to the
nonlinear dynamics of learning in deep linear neural networks".
"""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixExpr

from ..claims import Rel
from ..matexpr import OrderedProduct, TimeIndexed
from ..matrixclaims import Instance, MatrixEq
from ..model import Identity, Step, SymbolSpec
from ..symbols import i, m, n
from .. import sampling

__all__ = ["IDENTITY", "L", "l", "layer", "x_in", "y_target", "y_hat", "dL_dW", "dL_dW_last",
           "LossGradient", "diagonal_case"]

L = sp.Symbol("L", integer=True, positive=True)
l = sp.Symbol("l", integer=True, positive=True)
x_in = sp.MatrixSymbol("x", n, 1)
y_target = sp.MatrixSymbol("y", m, 1)


def layer(index):
    """:math:`W_{index}` (``n x n``); the output layer is :func:`last_layer`."""
    return TimeIndexed("W", index, n, n)


def last_layer():
    """:math:`W_L` (``m x n``)."""
    return TimeIndexed("W", L, m, n)


def _prod(lo, hi):
    return OrderedProduct(layer(i), (i, lo, hi))


class LossGradient(MatrixExpr):
    r""":math:`\partial\mathcal L/\partial W` for a matrix ``W`` (a name for the quantity; same shape)."""

    is_commutative = False

    def __new__(cls, wrt):
        return super().__new__(cls, wrt)

    shape = property(lambda self: self.args[0].shape)

    def _latex(self, printer):
        return r"\frac{\partial \mathcal{L}}{\partial %s}" % printer._print(self.args[0])

    def _sympystr(self, printer):
        return "dL/d%s" % printer._print(self.args[0])


#: network output and residual
y_hat = last_layer() * _prod(1, L - 1) * x_in
_res = y_hat - y_target
#: the gradient by a hidden layer W_l, 1 <= l < L, and by the output layer W_L
dL_dW = (last_layer() * _prod(l + 1, L - 1)).T * _res * (_prod(1, l - 1) * x_in).T
dL_dW_last = _res * (_prod(1, L - 1) * x_in).T


def _network(rng, size, depth, out=2):
    mat = sampling.rational_matrix
    Ws = {q: mat(rng, size, size, (-1.2, 1.2)) for q in range(1, depth)}
    Ws[depth] = mat(rng, out, size, (-1.2, 1.2))
    return {"W": Ws, "x": mat(rng, size, 1, (-1, 1)), "y": mat(rng, out, 1, (-1, 1))}


def _exact_gradient(env, depth, which):
    """SymPy's own derivative of the explicit loss by every entry of layer ``which``."""
    Wq = env["W"][which]
    syms = sp.Matrix(Wq.rows, Wq.cols, lambda r, c: sp.Symbol(f"w_{r}_{c}"))
    out = env["x"]
    for q in range(1, depth + 1):
        out = (syms if q == which else env["W"][q]) * out
    e = out - env["y"]
    loss = sp.expand((e.T * e)[0, 0] / 2)
    return sp.Matrix(Wq.rows, Wq.cols, lambda r, c: sp.diff(loss, syms[r, c])).subs(dict(zip(syms, Wq)))


def _explicit_gradient(wrt, last=False):
    """A concrete network; SymPy's exact dL/dW of the layer ``wrt`` stands for ``LossGradient(wrt)``."""
    def run(rng, size, values):
        depth = int(values[L])
        which = depth if last else int(values[l])
        env = _network(rng, size, depth)
        return Instance(env, {L: depth, l: which, m: 2}, defined={LossGradient(wrt): _exact_gradient(env, depth, which)})
    return run


def _bilinear_entry(i_, j_):
    A, W, b = (sp.IndexedBase(s) for s in "AWb")
    p, q = sp.Dummy("p", integer=True), sp.Dummy("q", integer=True)
    r = sp.Symbol("r", integer=True, nonnegative=True)
    yr = sp.Sum(A[r, p] * sp.Sum(W[p, q] * b[q], (q, 0, n - 1)), (p, 0, n - 1))
    return sp.diff(yr, W[i_, j_]) - A[r, i_] * b[j_]


def _bilinear_explicit(rng, size, values):
    mat = sampling.rational_matrix
    A, b = mat(rng, 2, size, (-1, 1)), mat(rng, size, 1, (-1, 1))
    Ws = sp.Matrix(size, size, lambda r, c: sp.Symbol(f"w_{r}_{c}"))
    y0 = (A * Ws * b)[0, 0]
    return Instance({"A": A, "b": b}, {m: 2},
                    defined={LossGradient(sp.MatrixSymbol("W_l", n, n)): sp.Matrix(size, size, lambda r, c: sp.diff(y0, Ws[r, c]))})


def diagonal_case(depth: int):
    """(lhs, rhs) of the 2x2-diagonal special case at a concrete depth, with scalar symbols."""
    w11 = sp.symbols(f"w11_1:{depth + 1}")
    w22 = sp.symbols(f"w22_1:{depth}")
    w12 = sp.Symbol(f"w12_{depth}")
    x1, x2, yv = sp.symbols("x_1 x_2 y")
    h = sp.Matrix([x1, x2])
    for q in range(depth - 1):
        h = sp.diag(w11[q], w22[q]) * h
    yhat = (sp.Matrix([[w11[depth - 1], w12]]) * h)[0, 0]
    loss = (yhat - yv) ** 2 / 2
    return sp.Derivative(loss, w11[0]), (yhat - yv) * sp.Mul(*w11[1:]) * x1


def _steps():
    th, yv, f = sp.Symbol("theta"), sp.Symbol("y_r"), sp.Function("yhat_r")
    # one term of L = 1/2 sum_r (yhat_r - y_r)^2; d/dtheta is linear over the m terms.  (A symbolic-m Sum
    # here makes Derivative.doit() try to evaluate the sum in closed form, which costs seconds.)
    chain_lhs = sp.Derivative((f(th) - yv) ** 2 / 2, th)
    chain_rhs = (f(th) - yv) * sp.Derivative(f(th), th)
    depths = ({L: 2, l: 1}, {L: 3, l: 2}, {L: 4, l: 2})
    A, b = sp.MatrixSymbol("A", m, n), sp.MatrixSymbol("b", n, 1)
    steps = [
        Step(MatrixEq(_prod(1, L - 1), _prod(l + 1, L - 1) * layer(l) * _prod(1, l - 1), size=n,
                      instances=({L: 4, l: 1}, {L: 4, l: 2}, {L: 5, l: 4}), sizes=(1, 2, 3),
                      why_not="no rewrite rule splits an ordered product at an inner index l yet; explicit depths only"),
             "associativity: split the ordered product at layer l (y_hat = A W_l b); explicit depths only"),
        Step(MatrixEq(LossGradient(sp.MatrixSymbol("W_l", n, n)), A[0, :].T * b.T, size=n, entry=_bilinear_entry,
                      explicit=_bilinear_explicit, sizes=(1, 2, 3),
                      entry_for=(LossGradient(sp.MatrixSymbol("W_l", n, n)), A[0, :].T * b.T)),
             "derivative of the bilinear form: d(A W b)_r/dW_ij = A_ri b_j (row r = 0 shown; Indexed, symbolic n)"),
        Step(Rel(chain_lhs, "=", chain_rhs), "chain rule on each term of L = 1/2 sum_r (y_hat_r - y_r)^2 (linearity over the m terms)"),
        Step(MatrixEq(LossGradient(layer(l)), dL_dW, size=n, explicit=_explicit_gradient(layer(l)), instances=depths,
                      sizes=(1, 2), why_not="the assembly of steps 2-3 over a product of symbolic length L is not "
                                            "mechanised; exact cross-check at depths 2..4"),
             "assemble: dL/dW_ij = sum_r e_r A_ri b_j = (A^T e b^T)_ij; exact cross-check against SymPy's derivative "
             "of explicit networks (depths 2..4, n = 1, 2)"),
        Step(MatrixEq(LossGradient(last_layer()), dL_dW_last, size=n, explicit=_explicit_gradient(last_layer(), True),
                      instances=({L: 2}, {L: 4}), sizes=(1, 2),
                      why_not="as step 4 with A = I; exact cross-check at depths 2 and 4"),
             "output layer (A = I): dL/dW_L = (y_hat - y)(W_{L-1} ... W_1 x)^T; exact cross-check"),
    ]
    for depth in (2, 3, 4, 5):
        lhs, rhs = diagonal_case(depth)
        steps.append(Step(Rel(lhs, "=", rhs), f"2x2 diagonal layers, W_L = (w11, w12), depth L = {depth}: chain rule"))
    return tuple(steps)


IDENTITY = Identity(
    id="deep_linear_gradient",
    title="Gradient of a deep linear network",
    section="F",
    summary="y_hat = W_L...W_1 x, L = 1/2 (y_hat - y)^2  =>  dL/dW_l = (W_L...W_{l+1})^T (y_hat - y) (W_{l-1}...W_1 x)^T",
    statement=sp.Eq(LossGradient(layer(l)), dL_dW, evaluate=False),
    steps=_steps(),
    symbols=(
        SymbolSpec(layer(l), "hidden layer l (1 <= l < L), env key 'W'", (n, n), (-1.2, 1.2)),
        SymbolSpec(last_layer(), "output layer W_L, env key 'W'", (m, n), (-1.2, 1.2)),
        SymbolSpec(x_in, "input", (n, 1)),
        SymbolSpec(y_target, "target", (m, 1)),
        SymbolSpec(L, "depth (number of layers)"),
        SymbolSpec(l, "layer index"),
    ),
    derived={"dL_dW_l": dL_dW, "dL_dW_L": dL_dW_last},
    sources=("IDENTITIES.md F", "Saxe, McClelland, Ganguli 2014 (deep linear networks)"),
)
