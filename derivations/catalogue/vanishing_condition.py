r"""``vanishing_condition``: :math:`\lambda_1 < 1/\gamma` is sufficient for vanishing gradients; :math:`\lambda_1 > 1/\gamma` is not sufficient for explosion.

.. math::
   \lambda_1 < \tfrac1\gamma \;\Rightarrow\; \eta = \gamma\lambda_1 < 1,\quad
   \Big\lVert\frac{\partial h_t}{\partial h_k}\Big\rVert \le \eta^{t-k} \xrightarrow[t-k\to\infty]{} 0.

The converse fails.  **Witness** (tanh, :math:`\gamma = 1`): :math:`W_{hh} = \begin{pmatrix}2&1\\0&2\end{pmatrix}`
(:math:`\lambda_1 = \sqrt{(9+\sqrt{17})/2} \approx 2.56 > 1`), :math:`W_{xh} = I`, :math:`b_h = 0`,
:math:`x_t = (10, 10)^\top`, :math:`h_0 = 0`.  Every unit is saturated: for any :math:`h \in [-1,1]^2`,
:math:`z = W_{hh}h + x \ge 7` entrywise, so :math:`\lVert J_t\rVert \le \rho = \tanh'(7)\lambda_1 < 1`
and :math:`\lVert\partial h_t/\partial h_k\rVert \le \rho^{t-k} \to 0` although :math:`\gamma\lambda_1 > 1`.
:func:`explosion_claim` is the wrong textbook claim "γλ₁ > 1 implies explosion"; the checker refutes
it on this witness.

Reference: IDENTITIES.md section D; Pascanu, Mikolov, Bengio (2013), sec. 2.1 (the condition is
sufficient for vanishing and only necessary for exploding gradients).
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import sympy as sp

from ..forall import ForAll
from ..claims import LimitIs, Rel
from ..matexpr import SpectralNorm, StateJacobian
from ..matrixclaims import MatrixRel
from ..model import Identity, Step, StepResult, SymbolSpec, Verdict
from ..symbols import W_hh, h, k, t
from ..claims import Exact
from .jacobian_norm_bound import ACTIVATION_NAMES, derivative, gamma
from .product_norm_bound import bound as pnb_bound, induction_claim

__all__ = ["IDENTITY", "WITNESS", "eta", "witness_run", "explosion_claim", "Implies"]

_s = sp.Symbol("s", positive=True)
_m = sp.Symbol("m", integer=True, nonnegative=True)
_xp = sp.Symbol("x", positive=True)

#: the saturated witness: lambda_1 > 1/gamma (tanh) and yet every Jacobian product vanishes
WITNESS = {
    "activation": "tanh",
    "W": sp.ImmutableMatrix([[2, 1], [0, 2]]),
    "W_xh": sp.ImmutableMatrix.eye(2),
    "b_h": sp.ImmutableMatrix.zeros(2, 1),
    "x": sp.ImmutableMatrix([10, 10]),
    "h0": sp.ImmutableMatrix.zeros(2, 1),
    "z_floor": sp.Integer(7),
    "T": 8,
}
_DPS = 60
#: lambda_1 = ||W_hh|| as a positive real, for the scalar steps about eta
_LAM = sp.Symbol("lambda_1", positive=True)


def eta(name: str):
    """:math:`\\eta = \\gamma\\lVert W_{hh}\\rVert`."""
    return gamma(name) * SpectralNorm(W_hh)


def _lambda1(W):
    """Exact largest singular value: the square root of the largest eigenvalue of ``W^T W``."""
    return sp.sqrt(sp.Max(*(W.T * W).eigenvals()))


def witness_run(T: int | None = None, *, dps: int = _DPS) -> sp.Matrix:
    """:math:`\\partial h_T/\\partial h_0 = J_T\\cdots J_1` on the witness run, at ``dps`` digits.

    Computed in a private :class:`mpmath.MPContext`; entries returned as SymPy Floats.
    """
    T = WITNESS["T"] if T is None else T
    ctx = mpmath.MPContext()
    ctx.dps = dps
    W = ctx.matrix([[int(v) for v in WITNESS["W"].row(r)] for r in range(2)])
    u = ctx.matrix([int(v) for v in WITNESS["W_xh"] * WITNESS["x"] + WITNESS["b_h"]])
    hv, P = ctx.matrix([int(v) for v in WITNESS["h0"]]), ctx.eye(2)
    for _ in range(T):
        zv = W * hv + u
        hv = ctx.matrix([ctx.tanh(v) for v in zv])
        P = ctx.diag([1 - v ** 2 for v in hv]) * W * P
    return sp.Matrix(2, 2, [sp.Float(ctx.nstr(P[r, c], dps), dps) for r in range(2) for c in range(2)])


def _witness_checks():
    W, g = WITNESS["W"], gamma("tanh")
    lam = _lambda1(W)
    rho = derivative("tanh")(WITNESS["z_floor"]) * lam

    def above():
        ok = bool(sp.Gt(lam, 1 / g))
        return ok, f"lambda_1 = {lam} = {sp.N(lam, 12)} {'>' if ok else '<='} 1/gamma = {1 / g}"

    def saturated():
        u = WITNESS["W_xh"] * WITNESS["x"] + WITNESS["b_h"]
        floor = [u[a] - sum(abs(v) for v in W.row(a)) for a in range(W.rows)]
        ok = all(f >= WITNESS["z_floor"] for f in floor)
        return ok, f"min over h in [-1,1]^2 of z_a = u_a - sum_b |W_ab| = {floor} (>= {WITNESS['z_floor']})"

    def contracting():
        ok = bool(sp.Lt(rho, 1))
        return ok, f"rho = tanh'(7) lambda_1 = {sp.N(rho, 12)} < 1, so ||dh_t/dh_k|| <= rho^(t-k) -> 0"

    def run():  # kept for the tests' reference value; the step itself is the interval enclosure below
        T = WITNESS["T"]
        nrm = SpectralNorm(sp.ImmutableMatrix(witness_run(T))).evaluate(_DPS)
        ok = bool(sp.Le(sp.Float(str(nrm), _DPS), sp.N(rho ** T, _DPS)))
        return ok, f"||dh_{T}/dh_0|| = {mpmath.nstr(nrm, 8)} <= rho^{T} = {sp.N(rho ** T, 8)} ({_DPS} digits)"

    dphi = derivative("tanh")(_xp)
    return [
        Step(Exact(r"\lambda_1(W) > 1/\gamma", above), "witness: exact singular value (eigenvalues of W^T W)"),
        Step(Exact(r"z_t = W h_{t-1} + x_t \ge 7 \text{ for every } h_{t-1} \text{ in } [-1,1]^2", saturated),
             "witness: saturation, exact interval arithmetic (|h_b| <= 1 for tanh states)"),
        Step(Rel(sp.diff(dphi, _xp), "<", 0), "calculus: tanh' is decreasing on (0, oo), so tanh'(z_a) <= tanh'(7)"),
        Step(Exact(r"\rho = \tanh'(7) \lambda_1 < 1", contracting),
             "witness: ||J_t|| <= ||diag tanh'(z_t)|| lambda_1 <= rho (jacobian_norm_bound) on every step"),
        Step(WitnessEnclosure(WITNESS["T"]),
             f"witness run: the 8 Jacobians multiplied in interval arithmetic at {_DPS} digits"),
    ]


def _steps():
    steps = []
    for name in ACTIVATION_NAMES:
        g = gamma(name)
        steps.append(Step(ForAll(eta(name), "<", 1, {SpectralNorm(W_hh): 1 / g - _s}),
                          f"lambda_1 < 1/gamma means lambda_1 = 1/gamma - s with s > 0, so eta = gamma lambda_1 < 1 ({name})"))
    steps.append(Step(induction_claim(), "||dh_t/dh_k|| <= (gamma lambda_1)^(t-k) = eta^(t-k) (product_norm_bound)"))
    for name in ACTIVATION_NAMES:
        steps.append(Step(ForAll(pnb_bound(name), "=", eta(name) ** (t - k), {SpectralNorm(W_hh): _LAM}),
                          f"the bound of product_norm_bound is eta^(t-k) with eta = gamma lambda_1 ({name})"))
    steps.append(Step(LimitIs((1 / (1 + _s)) ** _m, _m, sp.oo, 0),
                      "0 < eta < 1 written eta = 1/(1 + s), s > 0 (eta = 0 is trivial); squeeze 0 <= ||.|| <= eta^m"))
    return tuple(steps) + tuple(_witness_checks())


def _interval_witness(T: int, dps: int = _DPS):
    """Interval enclosures (private :class:`mpmath` interval context) of ``||dh_T/dh_0||_F`` and ``rho^T``.

    tanh is written with ``exp`` (the interval context has no tanh): ``tanh v = 1 - 2/(e^{2v} + 1)``;
    ``lambda_1^2`` is the larger eigenvalue of the 2 x 2 matrix ``W^T W``, ``(tr + sqrt(tr^2 - 4 det))/2``.
    """
    ctx = type(mpmath.iv)()
    ctx.dps = dps
    W = [[ctx.mpf(int(v)) for v in WITNESS["W"].row(r)] for r in range(2)]
    u = [ctx.mpf(int(v)) for v in WITNESS["W_xh"] * WITNESS["x"] + WITNESS["b_h"]]
    tanh = lambda v: 1 - 2 / (ctx.exp(2 * v) + 1)  # noqa: E731
    hv = [ctx.mpf(int(v)) for v in WITNESS["h0"]]
    P = [[ctx.mpf(1), ctx.mpf(0)], [ctx.mpf(0), ctx.mpf(1)]]
    for _ in range(T):
        hv = [tanh(W[a][0] * hv[0] + W[a][1] * hv[1] + u[a]) for a in range(2)]
        P = [[(1 - hv[a] ** 2) * (W[a][0] * P[0][c] + W[a][1] * P[1][c]) for c in range(2)] for a in range(2)]
    fro = ctx.sqrt(sum(P[a][c] ** 2 for a in range(2) for c in range(2)))
    G = sp.Matrix(WITNESS["W"]).T * sp.Matrix(WITNESS["W"])
    tr, det = ctx.mpf(int(G.trace())), ctx.mpf(int(G.det()))
    lam = ctx.sqrt((tr + ctx.sqrt(tr ** 2 - 4 * det)) / 2)
    rho = (1 - tanh(ctx.mpf(int(WITNESS["z_floor"]))) ** 2) * lam
    return fro, rho ** T


@dataclass(frozen=True)
class WitnessEnclosure:
    """``||dh_T/dh_0|| <= rho^T`` on the witness run, proved by interval arithmetic: every operation is
    enclosed, ``||P||_2 <= ||P||_F``, and the upper end of the enclosure of ``||P||_F`` lies below the
    lower end of the enclosure of ``rho^T`` (not a float comparison)."""

    T: int
    text: str = r"\lVert \partial h_8/\partial h_0 \rVert \le \lVert \partial h_8/\partial h_0 \rVert_F \le \rho^8"

    def check(self, rng) -> StepResult:
        from mpmath.libmp import mpf_gt, mpf_le, mpf_mul, from_int, to_str
        fro, bound = _interval_witness(self.T)
        (f_lo, f_hi), (b_lo, b_hi) = fro._mpi_, bound._mpi_  # exact endpoints (raw mpf values)
        detail = (f"||dh_{self.T}/dh_0||_F in [{to_str(f_lo, 8)}, {to_str(f_hi, 8)}], "
                  f"rho^{self.T} in [{to_str(b_lo, 8)}, {to_str(b_hi, 8)}] (intervals, {_DPS} digits)")
        if mpf_le(f_hi, b_lo):
            return StepResult(Verdict.PROVED_INTERVAL, f"interval arithmetic (mpmath interval context, {_DPS} digits)", detail)
        if mpf_gt(f_lo, mpf_mul(b_hi, from_int(2))):  # ||P||_2 >= ||P||_F / sqrt(2) for 2 x 2
            return StepResult(Verdict.REFUTED, "interval arithmetic", detail, counterexample={"enclosures": detail})
        return StepResult(Verdict.UNDECIDED, "interval arithmetic", detail + "; the enclosures overlap")


@dataclass(frozen=True)
class Implies:
    """A claim "premise implies conclusion" tested on a witness: refuted when the premise holds on
    the witness (proved) and the conclusion fails there."""

    premise: object
    conclusion: object
    text: str
    plain: str

    def check(self, rng) -> StepResult:
        p = self.premise.check(rng)
        if p.verdict is not Verdict.PROVED:
            return StepResult(Verdict.CONFIRMED, "witness", f"premise not established on the witness: {p.detail}")
        c = self.conclusion.check(rng)
        if c.verdict is Verdict.REFUTED:
            return StepResult(Verdict.REFUTED, f"witness: premise {p.method}, conclusion {c.method}",
                              f"premise holds ({p.detail}) but the conclusion fails",
                              counterexample={**(c.counterexample or {}), "W": str(WITNESS["W"].tolist()),
                                              "x": str(WITNESS["x"].T.tolist())},
                              max_discrepancy=c.max_discrepancy, dps=c.dps)
        return StepResult(c.verdict, "witness", f"premise: {p.detail}; conclusion: {c.detail}")


def explosion_claim() -> Implies:
    """The wrong claim "γλ₁ > 1 implies explosion" (here: ‖∂h_t/∂h_k‖ ≥ 1 for t - k = 8), on the witness."""
    premise = _witness_checks()[0].claim

    def hook(rng, size, values):
        return SpectralNorm(sp.ImmutableMatrix(witness_run(int(values[t]) - int(values[k])))), sp.Integer(1)
    conclusion = MatrixRel(SpectralNorm(StateJacobian(h(t), h(k))), ">=", sp.Integer(1), explicit=hook,
                           instances=({t: 8, k: 0},), sizes=(2,), trials=1)
    return Implies(premise, conclusion, r"\gamma\lambda_1 > 1 \Rightarrow \lVert\partial h_t/\partial h_k\rVert \ge 1",
                   "gamma lambda_1 > 1 => ||dh_t/dh_k|| >= 1 (explosion)")


IDENTITY = Identity(
    id="vanishing_condition",
    title="lambda_1 < 1/gamma is sufficient for vanishing gradients (and its converse fails)",
    section="D",
    summary="lambda_1 < 1/gamma => ||dh_t/dh_k|| <= eta^(t-k) -> 0, eta = gamma lambda_1 < 1; "
            "lambda_1 > 1/gamma does not imply explosion (saturated witness)",
    statement=sp.Eq(sp.Limit((sp.Symbol("eta", positive=True)) ** (t - k), t, sp.oo), 0, evaluate=False),
    steps=_steps(),
    symbols=(
        SymbolSpec(W_hh, "recurrent weight matrix; lambda_1 = ||W_hh||", (W_hh.shape[0], W_hh.shape[1])),
        SymbolSpec(_s, "1/gamma - lambda_1 > 0 (first steps), 1/eta - 1 > 0 (limit step)", (), (1e-6, 40.0)),
        SymbolSpec(_m, "t - k", (), (0.0, 40.0)),
        SymbolSpec(_xp, "a positive pre-activation", (), (1e-6, 40.0)),
    ),
    derived={"eta": eta},
    witnesses=dict(WITNESS),
    sources=("IDENTITIES.md D", "Pascanu, Mikolov, Bengio 2013, sec. 2.1"),
)
