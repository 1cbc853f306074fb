r"""``lstm_cell_jacobian``: the LSTM state Jacobian, block by block, and the constant error carousel.

Notation of IDENTITIES.md section G, with the usual names: **rem** = forget gate :math:`f`,
**save** = input gate :math:`i`, **focus** = output gate :math:`o`, **ltm** = cell state
:math:`c`, **wm** = hidden state :math:`h`, **ltm'** (``ltmc``) = candidate :math:`g`/:math:`\tilde c`.

.. math::
   rem_t = \sigma(a_{r,t}),\ save_t = \sigma(a_{s,t}),\ focus_t = \sigma(a_{f,t}),\ ltm'_t = \tanh(a_{l,t}),
   \quad a_{g,t} = W_g x_t + U_g wm_{t-1} + b_g,

   ltm_t = rem_t\odot ltm_{t-1} + save_t\odot ltm'_t,\qquad wm_t = focus_t\odot\tanh(ltm_t).

Derived (column vectors, numerator layout, state :math:`s_t = [ltm_t; wm_t]`, blocks ordered (ltm, wm)):

.. math::
   \frac{\partial ltm_t}{\partial ltm_{t-1}}\Big|_{wm_{t-1}} = \operatorname{diag}(rem_t)
   \quad\text{(the constant error carousel)},\qquad
   \frac{\partial wm_t}{\partial ltm_t} = \operatorname{diag}(focus_t\odot(1-\tanh^2(ltm_t))) =: D_t,

   \frac{\partial ltm_t}{\partial wm_{t-1}} = \operatorname{diag}(ltm_{t-1}\odot\sigma'_r)U_r
     + \operatorname{diag}(ltm'_t\odot\sigma'_s)U_s + \operatorname{diag}(save_t\odot(1-ltm'^2_t))U_l =: B_t,

   \frac{\partial s_t}{\partial s_{t-1}} =
   \begin{pmatrix} \operatorname{diag}(rem_t) & B_t \\ D_t\operatorname{diag}(rem_t) &
     \operatorname{diag}(\tanh(ltm_t)\odot\sigma'_f)U_f + D_t B_t \end{pmatrix},

with :math:`\sigma'_g = g_t\odot(1-g_t)`.  Every block is proved entrywise at symbolic ``n``:
SymPy differentiates the cell's forward map written with ``Indexed`` entries, where each
pre-activation is a generic function whose derivative is the proved linear step
(:math:`\partial a_{g,t}/\partial wm_{t-1} = U_g`), and compares with the entry of the derived
matrix expression (:func:`matrix_entry`).  Each step is cross-checked on explicit LSTM cells
n = 1..3 (:class:`~derivations.explicit_gated.ExplicitLSTM`, complex step at 80 digits).

``state_jacobian`` is derived as :math:`\sum_{a,b} E_{ab}\otimes S_{ab}` (``KroneckerProduct`` of
the 2 x 2 unit matrices with the blocks), which :func:`derivations.evaluate.evaluate` walks
as is; :func:`state_jacobian_blocks` is the same matrix as a ``BlockMatrix`` for printing.

Reference: IDENTITIES.md section G; Hochreiter & Schmidhuber (1997).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from ..explicit_gated import ExplicitLSTM
from ..matexpr import StateJacobian, TimeIndexed, diag, hadamard, ones, square
from ..matrixclaims import Instance, MatrixEq, _entrywise_zero
from ..model import COLUMN, Identity, Notation, Step, SymbolSpec, Verdict
from ..symbols import d, n, state, t

__all__ = ["IDENTITY", "NAMES", "IB", "Y", "matrix_entry", "vector_entry", "abstract", "mm", "ma", "substitute_leaves", "chain_entry", "BlockAssembly",
           "gate_jacobian", "dltm_dltm_prev", "dltm_dwm_prev", "dwm_dltm", "dwm_dltm_prev", "dwm_dwm_prev",
           "state_jacobian", "state_jacobian_blocks", "lstm_entry", "network_hook", "sigmoid_prime"]

#: sheet name -> usual name
NAMES = {"rem": "forget gate f", "save": "input gate i", "focus": "output gate o", "ltm": "cell state c",
         "wm": "hidden state h", "ltmc": "candidate ltm' (g, c~)"}

_u = sp.Symbol("u", real=True)
TANH = sp.Lambda(_u, sp.tanh(_u))
_Q = tuple(sp.Dummy(f"q{k}", integer=True) for k in range(4))  # canonical bound indices, one per depth


# ------------------------------------------------------------------ entries of matrix expressions
def IB(name):
    """The real ``IndexedBase`` an entry of ``name`` is written with (weights, states, gates are real)."""
    return sp.IndexedBase(name, real=True)


def vector_entry(v, i, depth=0):
    """Entry ``i`` of a column-vector expression (Hadamard algebra, elementwise functions, time-indexed leaves)."""
    if isinstance(v, TimeIndexed):
        return IB(str(v.name))[v.time, i]
    if isinstance(v, sp.HadamardProduct):
        return sp.Mul(*[vector_entry(a, i, depth) for a in v.args])
    if isinstance(v, sp.HadamardPower):
        return vector_entry(v.base, i, depth) ** v.exp
    if isinstance(v, sp.OneMatrix):
        return sp.Integer(1)
    if isinstance(v, sp.MatAdd):
        return sp.Add(*[vector_entry(a, i, depth) for a in v.args])
    if isinstance(v, ElementwiseApplyFunction):
        return v.function(vector_entry(v.expr, i, depth))
    if isinstance(v, sp.MatMul) and len(v.as_coeff_matrices()[1]) == 1:
        c, (m,) = v.as_coeff_matrices()
        return c * vector_entry(m, i, depth)
    return matrix_entry(v, i, sp.Integer(0), depth)


def matrix_entry(e, i, j, depth=0):
    r"""Entry ``(i, j)`` of a matrix expression, by the definitions of the operations.

    :math:`(\operatorname{diag}(v)M)_{ij} = v_i M_{ij}`, :math:`(AM)_{ij} = \sum_q A_{iq}M_{qj}` (a ``Sum``
    over a canonical bound index per depth, so equal expressions give identical sums),
    :math:`\operatorname{diag}(v)_{ij} = \delta_{ij}v_i`; ``MatrixSymbol`` entries become ``Indexed``.
    """
    if isinstance(e, sp.MatAdd):
        return sp.Add(*[matrix_entry(a, i, j, depth) for a in e.args])
    if isinstance(e, sp.MatMul):
        c, mats = e.as_coeff_matrices()
        if len(mats) == 1:
            return c * matrix_entry(mats[0], i, j, depth)
        first, rest = mats[0], (sp.MatMul(*mats[1:]) if len(mats) > 2 else mats[1])
        if isinstance(first, sp.DiagMatrix):
            return c * vector_entry(first.args[0], i, depth) * matrix_entry(rest, i, j, depth)
        q = _Q[depth]
        return c * sp.Sum(matrix_entry(first, i, q, depth + 1) * matrix_entry(rest, q, j, depth + 1),
                          (q, 0, first.shape[1] - 1))
    if isinstance(e, sp.DiagMatrix):
        return sp.KroneckerDelta(i, j) * vector_entry(e.args[0], i, depth)
    if isinstance(e, sp.MatrixSymbol):
        return IB(str(e.name))[i, j]
    if isinstance(e, sp.Identity):
        return sp.KroneckerDelta(i, j)
    if e.shape[1] == 1:
        return vector_entry(e, i, depth)
    raise TypeError(f"matrix_entry: unsupported node {type(e).__name__}")


def substitute_leaves(expr, values: Callable[[str, Any, Any], Any], names):
    """Replace each time-indexed entry ``name[time, k]`` (``name`` in ``names``) by ``values(name, time, k)``."""
    def hit(a):
        return isinstance(a, sp.Indexed) and len(a.indices) == 2 and str(a.base) in names
    return expr.replace(hit, lambda a: values(str(a.base), a.indices[0], a.indices[1]))


#: displacement of the differentiated coordinate: x_j -> x_j + y, so d/dx_j is d/dy
Y = sp.Symbol("y", real=True)


def chain_entry(forward, rhs, values, names, *, derivatives=None):
    r"""``entry(i, j)`` of :math:`\partial f_i/\partial x_j - rhs_{ij}` for :class:`MatrixEq`.

    ``forward(i, j, y)`` is :math:`f_i` with coordinate ``j`` of the state displaced by ``y``
    (so a pre-activation row ``k`` reads :math:`\alpha_k + U_{kj}y`, by the proved linear step,
    and a state entry :math:`x_k + \delta_{kj}y`).  ``values(name, time, k, j, y)`` gives the
    leaves of the derived matrix expression on the same footing.  ``derivatives`` maps a
    generic function to ``(k, j) ->`` its proved derivative (the chain rule through a step
    proved before).  SymPy differentiates; :func:`abstract` then lets ``cancel`` decide.
    """
    def entry(i, j):
        lhs = sp.diff(forward(i, j, Y), Y)
        if derivatives:
            lhs = lhs.replace(lambda a: isinstance(a, sp.Derivative) and getattr(a.expr, "func", None) in derivatives,
                              lambda a: derivatives[a.expr.func](a.expr.args[0], j))
        rhs_e = substitute_leaves(matrix_entry(rhs, i, j), lambda nm, tm, k: values(nm, tm, k, j, Y), names)
        return abstract(lhs - rhs_e)
    return entry


def abstract(expr):
    """Generalise atoms after differentiation, so that SymPy's ``cancel`` decides quickly.

    Every ``exp``, ``tanh``, generic function application and ``Sum`` that contains no bound
    summation index of an enclosing sum becomes a fresh symbol (innermost first; equal
    subexpressions get the same symbol), and the result is cancelled.  Sound: if the
    generalised expression is identically zero, so is the original.
    """
    memo, bound = {}, set(_Q)

    def atom(a):
        return isinstance(a, (sp.exp, sp.tanh, sp.Sum, sp.core.function.AppliedUndef)) and not isinstance(a, sp.Derivative)

    def fresh(a):
        return a if a.free_symbols & bound else memo.setdefault(a, sp.Dummy("atom"))
    out = sp.sympify(expr).replace(atom, fresh)
    return sp.cancel(out) if not out.has(sp.Sum) else sp.expand(out)


# ------------------------------------------------------------------ the LSTM and its blocks
def S(name, time=t):
    """A time-indexed LSTM value (n x 1)."""
    return state(name, time)


U = {g: sp.MatrixSymbol(f"U_{g}", n, n) for g in "rsfl"}
W = {g: sp.MatrixSymbol(f"W_{g}", n, d) for g in "rsfl"}
B = {g: sp.MatrixSymbol(f"b_{g}", n, 1) for g in "rsfl"}
_GATE = {"r": "rem", "s": "save", "f": "focus", "l": "ltmc"}
_one = ones(n)


def mm(*factors):
    """Unevaluated matrix product, nested products flattened (``*`` would call ``doit``, which asks slow assumption queries)."""
    flat = []
    for f in factors:
        flat += list(f.args) if isinstance(f, sp.MatMul) else [f]
    return sp.MatMul(*flat)


def ma(*terms):
    """Unevaluated matrix sum."""
    return sp.MatAdd(*terms)


def sigmoid_prime(v):
    """:math:`v\\odot(1-v)` for a sigmoid output ``v`` (sigmoid_derivative)."""
    return hadamard(v, _one - v)


def gate_jacobian(g):
    """:math:`\\partial g_t/\\partial wm_{t-1}`: ``diag(g(1-g)) U_g`` for sigmoid gates, ``diag(1-ltm'^2) U_l``."""
    if g == "l":
        return mm(diag(_one - square(S("ltmc"))), U["l"])
    return mm(diag(sigmoid_prime(S(_GATE[g]))), U[g])


def dltm_dltm_prev():
    """:math:`\\operatorname{diag}(rem_t)` (wm_{t-1} held): the constant error carousel."""
    return diag(S("rem"))


def dltm_dwm_prev():
    """:math:`B_t = \\partial ltm_t/\\partial wm_{t-1}` (ltm_{t-1} held), by the product rule."""
    return ma(mm(diag(hadamard(S("ltm", t - 1), sigmoid_prime(S("rem")))), U["r"]),
              mm(diag(hadamard(S("ltmc"), sigmoid_prime(S("save")))), U["s"]),
              mm(diag(hadamard(S("save"), _one - square(S("ltmc")))), U["l"]))


def dwm_dltm():
    """:math:`D_t = \\partial wm_t/\\partial ltm_t = \\operatorname{diag}(focus_t\\odot(1-\\tanh^2(ltm_t)))`."""
    return diag(hadamard(S("focus"), _one - square(ElementwiseApplyFunction(TANH, S("ltm")))))


def dwm_dltm_prev():
    """:math:`D_t\\operatorname{diag}(rem_t)`."""
    return mm(dwm_dltm(), dltm_dltm_prev())


def dwm_dwm_prev():
    """:math:`\\operatorname{diag}(\\tanh(ltm_t)\\odot\\sigma'_f)U_f + D_t B_t`."""
    return ma(mm(diag(hadamard(ElementwiseApplyFunction(TANH, S("ltm")), sigmoid_prime(S("focus")))), U["f"]),
              mm(dwm_dltm(), dltm_dwm_prev()))


def _blocks():
    return ((dltm_dltm_prev(), dltm_dwm_prev()), (dwm_dltm_prev(), dwm_dwm_prev()))


def state_jacobian():
    """:math:`\\partial s_t/\\partial s_{t-1} = \\sum_{a,b}E_{ab}\\otimes S_{ab}` (evaluable 2n x 2n block form)."""
    terms = []
    for a, row in enumerate(_blocks()):
        for b, blk in enumerate(row):
            E = sp.ImmutableMatrix(2, 2, lambda r, c: int((r, c) == (a, b)))
            terms.append(sp.KroneckerProduct(E, blk))
    return sp.MatAdd(*terms)


def state_jacobian_blocks():
    """The same 2n x 2n Jacobian as a ``BlockMatrix`` (for printing)."""
    return sp.BlockMatrix([list(r) for r in _blocks()])


# ------------------------------------------------------------------ forward map with Indexed entries
_X, _C, _L = IB("wm_prev"), IB("ltm_prev"), IB("ltm_now")
_ALPHA = {g: IB(f"alpha_{g}") for g in "rsfl"}
_LEAVES = ("rem", "save", "focus", "ltmc", "ltm", "wm")


def _sig(v):
    return 1 / (1 + sp.exp(-v))


def _cell(k, j, y, wrt):
    """Every LSTM value at row ``k`` with entry ``j`` of ``wrt`` ('wm' or 'ltm' at t-1) displaced by ``y``.

    The pre-activation is :math:`a_{g,k} = \alpha_{g,k} + (U_g)_{kj}y` when ``wrt`` is wm (the
    linear step; :math:`\alpha` collects the other terms), and does not move when ``wrt`` is ltm.
    """
    mv = wrt == "wm"
    pre = {g: _ALPHA[g][k] + (IB(f"U_{g}")[k, j] * y if mv else 0) for g in "rsfl"}
    v = {"rem": _sig(pre["r"]), "save": _sig(pre["s"]), "focus": _sig(pre["f"]), "ltmc": sp.tanh(pre["l"])}
    v["ltm"] = v["rem"] * _prev("ltm", k, j, y, wrt) + v["save"] * v["ltmc"]
    v["wm"] = v["focus"] * sp.tanh(v["ltm"])
    return v


def _prev(name, k, j, y, wrt):
    base = {"ltm": _C, "wm": _X}[name][k]
    return base + sp.KroneckerDelta(k, j) * y if name == wrt else base


def _values(wrt):
    def values(name, time, k, j, y):
        return _prev(name, k, j, y, wrt) if time != t else _cell(k, j, y, wrt)[name]
    return values


def lstm_entry(out, wrt, rhs):
    r"""``entry(i, j)`` of :math:`\partial out_t/\partial wrt_{t-1} - rhs` (``out`` a value name, ``wrt`` 'wm'/'ltm')."""
    return chain_entry(lambda i, j, y: _cell(i, j, y, wrt)[out], rhs, _values(wrt), _LEAVES)


def _output_entry(i, j):
    r"""Entry of :math:`\partial(focus_t\odot\tanh(ltm_t))/\partial ltm_t - D_t` with focus held."""
    fo = IB("focus")
    return chain_entry(lambda i_, j_, y: fo[t, i_] * sp.tanh(_L[i_] + sp.KroneckerDelta(i_, j_) * y), dwm_dltm(),
                       lambda nm, tm, k, j_, y: _L[k] + sp.KroneckerDelta(k, j_) * y, ("ltm",))(i, j)


def _pre_entry(i, j):
    """Entry of :math:`\\partial(U wm_{t-1} + c)/\\partial wm_{t-1} - U` at symbolic n (Sum and Kronecker delta)."""
    Ui, c, q = sp.IndexedBase("U"), sp.IndexedBase("c"), sp.Dummy("q", integer=True)
    return sp.diff(sp.Sum(Ui[i, q] * _X[q], (q, 0, n - 1)) + c[i], _X[j]) - Ui[i, j]


# ------------------------------------------------------------------ explicit cells
def network_hook(reference, lhs, *, T=2, time=None):
    """``explicit`` hook: a concrete LSTM on which ``reference(net, time)`` is the value of the defined
    quantity ``lhs``; the claim evaluates its own sides on it."""
    def run(rng, size, inst):
        net = ExplicitLSTM(n=size, d=1, T=T, rng=rng)
        s = time or T
        return Instance(net.env(), {t: s}, defined={lhs: reference(net, s)})
    return run


def _pre_activation_hook(rng, size, inst):
    """A concrete LSTM; the generic gate g is taken as the forget gate r (U_g = U_r)."""
    net = ExplicitLSTM(n=size, d=1, T=2, rng=rng)
    env = net.env()
    return Instance({**env, "U_g": env["U_r"]}, {t: 2},
                    defined={StateJacobian(S("a_g"), S("wm", t - 1)): net.local_jacobian(2, "a_r", "wm")})


def _block_ref(a, b):
    def ref(net, s):
        J = net.state_jacobian(s, s - 1)
        return J[a * net.n:(a + 1) * net.n, b * net.n:(b + 1) * net.n]
    return ref


_SIZES = (1, 2, 3)
_PROOFS: dict = {}


def proved_entrywise(key, entry) -> bool:
    """``_entrywise_zero`` of ``entry`` at symbolic n, computed once per ``key`` (a deterministic SymPy decision)."""
    if key not in _PROOFS:
        _PROOFS[key] = bool(_entrywise_zero(None, n, entry))
    return _PROOFS[key]


@dataclass(frozen=True)
class CachedEq(MatrixEq):
    """A :class:`MatrixEq` whose entrywise proof is computed once under ``key`` and shared
    (the block assembly reuses the block proofs); the explicit check runs every time."""

    key: str = ""

    def check(self, rng):
        res = MatrixEq(self.lhs, self.rhs, size=self.size, explicit=self.explicit, symbolic=False,
                       sizes=self.sizes).check(rng)
        if res.verdict is Verdict.REFUTED or not self.entry_applies() or not proved_entrywise(self.key, self.entry):
            return res
        return dataclasses.replace(res, verdict=Verdict.PROVED, detail="",
                                   method="entrywise at symbolic n (Indexed); " + res.method)


def _eq(key, lhs, rhs, entry, ref, **kw):
    return CachedEq(lhs, rhs, size=n, entry=entry, explicit=network_hook(ref, lhs, **kw), sizes=_SIZES, key=key,
                    entry_for=(lhs, rhs))


_BLOCK_ENTRIES = {
    (0, 0): lambda: lstm_entry("ltm", "ltm", dltm_dltm_prev()),
    (0, 1): lambda: lstm_entry("ltm", "wm", dltm_dwm_prev()),
    (1, 0): lambda: lstm_entry("wm", "ltm", dwm_dltm_prev()),
    (1, 1): lambda: lstm_entry("wm", "wm", dwm_dwm_prev()),
}


#: ds_t/ds_{t-1} for the stacked state s_t = [ltm_t; wm_t] (2n x 2n), defined by the explicit cells
_STACKED = StateJacobian(TimeIndexed("s", t, 2 * n), TimeIndexed("s", t - 1, 2 * n))


@dataclass(frozen=True)
class BlockAssembly:
    """The 2n x 2n state Jacobian is the block matrix of its four partial Jacobians.

    Proved when each block is proved entrywise at symbolic n (the computations of the block
    steps, cached) and the assembled matrix agrees with the explicit cells' full
    :math:`\\partial[ltm_t; wm_t]/\\partial[ltm_{t-1}; wm_{t-1}]` (complex step).
    """

    lhs: Any
    rhs: Any
    evaluable: Any
    proofs: Callable[[], bool]
    sizes: tuple = _SIZES
    rel: str = "="

    def relation(self):
        return sp.Eq(self.lhs, self.rhs, evaluate=False)

    def check(self, rng):
        res = MatrixEq(self.lhs, self.rhs, size=n, symbolic=False, sizes=self.sizes,
                       explicit=network_hook(lambda net, s: net.state_jacobian(s, s - 1), _STACKED)).check(rng)
        if res.verdict is not Verdict.REFUTED and self.evaluable != self.rhs:  # the derived (flat) form too
            res = MatrixEq(self.lhs, self.evaluable, size=n, symbolic=False, sizes=self.sizes,
                           explicit=network_hook(lambda net, s: net.state_jacobian(s, s - 1), _STACKED)).check(rng)
        if res.verdict is Verdict.REFUTED or not self.proofs():
            return res
        return dataclasses.replace(res, verdict=Verdict.PROVED, detail="",
                                   method="each block entrywise at symbolic n (steps above); " + res.method)


_s = lambda time: TimeIndexed("s", time, 2 * n)
_SJ = lambda out, wrt_name, wrt_time=t - 1: StateJacobian(S(out), S(wrt_name, wrt_time))


def _steps():
    steps = [Step(MatrixEq(StateJacobian(S("a_g"), S("wm", t - 1)), sp.MatrixSymbol("U_g", n, n), size=n,
                           entry=_pre_entry, sizes=_SIZES,
                           entry_for=(StateJacobian(S("a_g"), S("wm", t - 1)), sp.MatrixSymbol("U_g", n, n)),
                           explicit=_pre_activation_hook),
                  "pre-activation a_g = W_g x_t + U_g wm_{t-1} + b_g is linear in wm_{t-1} (g = r, s, f, l)")]
    for g in "rsfl":
        name = _GATE[g]
        why = ("tanh' = 1 - tanh^2 (tanh_derivative)" if g == "l" else "sigma' = sigma(1 - sigma) (sigmoid_derivative)")
        steps.append(Step(_eq(f"gate_{g}", _SJ(name, "wm"), gate_jacobian(g), lstm_entry(name, "wm", gate_jacobian(g)),
                              lambda net, s, name=name: net.local_jacobian(s, name, "wm")),
                          f"chain rule through a_{g}: {name}_t = {'tanh' if g == 'l' else 'sigma'}(a_{g}), {why}"))
    steps += [
        Step(_eq("block00", _SJ("ltm", "ltm"), dltm_dltm_prev(), _BLOCK_ENTRIES[(0, 0)](), _block_ref(0, 0)),
             "ltm_t = rem_t * ltm_{t-1} + save_t * ltm'_t; with wm_{t-1} held no gate moves: the constant error carousel"),
        Step(_eq("block01", _SJ("ltm", "wm"), dltm_dwm_prev(), _BLOCK_ENTRIES[(0, 1)](), _block_ref(0, 1)),
             "product rule on rem_t * ltm_{t-1} + save_t * ltm'_t, with the gate Jacobians above"),
        Step(_eq("output", StateJacobian(S("wm"), S("ltm")), dwm_dltm(), _output_entry, lambda net, s: net.output_jacobian(s)),
             "wm_t = focus_t * tanh(ltm_t) with focus_t (a function of wm_{t-1}, x_t) held; tanh' = 1 - tanh^2"),
        Step(_eq("block10", _SJ("wm", "ltm"), dwm_dltm_prev(), _BLOCK_ENTRIES[(1, 0)](), _block_ref(1, 0)),
             "chain rule: ltm_{t-1} reaches wm_t only through ltm_t"),
        Step(_eq("block11", _SJ("wm", "wm"), dwm_dwm_prev(), _BLOCK_ENTRIES[(1, 1)](), _block_ref(1, 1)),
             "product rule on focus_t * tanh(ltm_t): through focus_t and through ltm_t"),
        Step(BlockAssembly(StateJacobian(_s(t), _s(t - 1)), state_jacobian_blocks(), state_jacobian(),
                           lambda: all(proved_entrywise(f"block{a}{b}", _BLOCK_ENTRIES[(a, b)]()) for a in (0, 1)
                                       for b in (0, 1))),
             "the Jacobian of the stacked state s_t = [ltm_t; wm_t] has the partial Jacobians as its blocks"),
    ]
    return tuple(steps)


_SUMMARY = ("d ltm_t/d ltm_{t-1} (wm_{t-1} held) = diag(rem_t) (constant error carousel); "
            "d wm_t/d ltm_t = diag(focus_t * (1 - tanh^2(ltm_t))); full 2n x 2n state Jacobian in blocks (ltm, wm). "
            "Names: rem = forget gate f, save = input gate i, focus = output gate o, ltm = cell state c, "
            "wm = hidden state h, ltm' = candidate g")

IDENTITY = Identity(
    id="lstm_cell_jacobian",
    title="The LSTM state Jacobian and the constant error carousel",
    section="G",
    summary=_SUMMARY,
    statement=sp.Eq(StateJacobian(_s(t), _s(t - 1)), state_jacobian_blocks(), evaluate=False),
    steps=_steps(),
    symbols=(
        *(SymbolSpec(S(v), f"{v}_t: {NAMES[v]}", (n, 1), (0.0, 1.0) if v in ("rem", "save", "focus") else (-1.0, 1.0))
          for v in ("rem", "save", "focus", "ltmc", "ltm", "wm")),
        *(SymbolSpec(S(f"a_{g}"), f"pre-activation of {_GATE[g]}", (n, 1), (-3.0, 3.0)) for g in "rsfl"),
        SymbolSpec(S("x"), "input x_t", (d, 1)),
        *(SymbolSpec(U[g], f"recurrent weights of {_GATE[g]}", (n, n)) for g in "rsfl"),
        *(SymbolSpec(W[g], f"input weights of {_GATE[g]}", (n, d)) for g in "rsfl"),
        *(SymbolSpec(B[g], f"bias of {_GATE[g]}", (n, 1)) for g in "rsfl"),
    ),
    derived={"dltm_dltm_prev": dltm_dltm_prev(), "dwm_dltm": dwm_dltm(), "dltm_dwm_prev": dltm_dwm_prev(),
             "dwm_dltm_prev": dwm_dltm_prev(), "dwm_dwm_prev": dwm_dwm_prev(), "state_jacobian": state_jacobian()},
    notation=Notation(vectors=COLUMN + "; LSTM names of the sheet: rem = forget gate f, save = input gate i, "
                      "focus = output gate o, ltm = cell state c, wm = hidden state h, ltm' (ltmc) = candidate g; "
                      "state s_t = [ltm_t; wm_t], blocks ordered (ltm, wm)"),
    sources=("IDENTITIES.md G", "Hochreiter & Schmidhuber 1997, Long short-term memory (constant error carousel)"),
)
