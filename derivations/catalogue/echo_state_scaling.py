r"""``echo_state_scaling``: with :math:`\lVert W_{hh}\rVert < 1` the tanh state map is a contraction.

Two runs of the same tanh network (same :math:`W_{hh}, W_{xh}, b_h` and inputs :math:`x_t`) from initial states
:math:`h_0, h'_0`:

.. math::
   \lVert h_t - h'_t\rVert \le \lVert W_{hh}(h_{t-1} - h'_{t-1})\rVert \le \lVert W_{hh}\rVert\,\lVert h_{t-1} - h'_{t-1}\rVert,
   \qquad
   \lVert h_t - h'_t\rVert \le \lVert W_{hh}\rVert^{t}\,\lVert h_0 - h'_0\rVert,

so :math:`\lVert W_{hh}\rVert < 1` makes the runs converge whatever their initial states (the echo-state property).
The first inequality is the lemma ``tanh_lipschitz`` (mean value theorem, :math:`0 < \tanh' \le 1` from
``tanh_derivative``) applied to the pre-activations, whose difference is :math:`W_{hh}(h_{t-1} - h'_{t-1})`
(entrywise at symbolic n); the second is submultiplicativity; the power bound is an induction on :math:`t`
generated from its statement.  The common rule "spectral radius < 1" does **not** give this step-by-step bound:
on the witness :math:`W = [[1/2, 3], [0, 1/2]]` of ``spectral_radius_is_not_enough`` (:math:`\rho(W) = 1/2`), two
runs from initial states :math:`10^{-2}` apart move about 3 times further apart before they converge.

Column vectors; :math:`\lVert\cdot\rVert` the Euclidean / spectral norm.

References: Jaeger (2001), "The echo state approach to analysing and training recurrent neural networks", GMD
Report 148, Prop. 3; Yildiz, Jaeger, Kiebel (2012), "Re-visiting the echo state property", Neural Networks 35;
Pascanu, Mikolov, Bengio (2013).
"""

from __future__ import annotations

from dataclasses import replace

import mpmath
import sympy as sp

from .. import sampling
from ..claims import Rel
from ..instances import Instance
from ..lemmas import ByLemma
from ..matexpr import SpectralNorm, TimeIndexed
from ..matrixclaims import MatrixRel
from ..model import COLUMN, Identity, Notation, Step, SymbolSpec
from ..orthclaims import ExpandEq, ScalarInduction
from ..symbols import W_hh, W_xh, b_h, d, h, n, t, x
from .spectral_radius_is_not_enough import W as WITNESS, Disproved, SpectralRadius

__all__ = ["IDENTITY", "hp", "distance", "bound", "step_bound", "lipschitz_rhs", "preact_diff", "radius_bound",
           "two_runs", "transient_growth", "transient_ratio"]


def hp(time):
    """The second run's state :math:`h'_{time}` (n x 1)."""
    return TimeIndexed("h'", time, n)


def distance(time=t):
    r""":math:`\lVert h_t - h'_t\rVert`."""
    return SpectralNorm(h(time) - hp(time))


def bound(time=t):
    r""":math:`\lVert W_{hh}\rVert^{t}\lVert h_0 - h'_0\rVert`."""
    return SpectralNorm(W_hh) ** time * distance(0)


def step_bound(time=t):
    r""":math:`\lVert W_{hh}\rVert\,\lVert h_{t-1} - h'_{t-1}\rVert`."""
    return SpectralNorm(W_hh) * distance(time - 1)


def preact_diff(time=t):
    r""":math:`W_{hh}(h_{t-1} - h'_{t-1})`."""
    return W_hh * (h(time - 1) - hp(time - 1))


def lipschitz_rhs(time=t):
    r""":math:`\lVert W_{hh}(h_{t-1} - h'_{t-1})\rVert`."""
    return SpectralNorm(preact_diff(time))


def radius_bound(time=t):
    r"""The wrong bound :math:`\rho(W_{hh})^{t}\lVert h_0 - h'_0\rVert` (spectral radius in place of the norm)."""
    return SpectralRadius(W_hh) ** time * distance(0)


def _mp_tanh(v, ctx):
    return sp.ImmutableMatrix([sp.Float(str(ctx.tanh(ctx.mpf(str(sp.N(e, sampling.DPS + 10))))), sampling.DPS + 5)
                               for e in v])


def two_runs(W, U, b, xs, h0, h0p, dps=None):
    """Both trajectories of ``h_s = tanh(W h_{s-1} + U x_s + b)`` at ``dps`` digits (private mpmath context)."""
    ctx = mpmath.MPContext()
    ctx.dps = (dps or sampling.DPS) + 10
    hs, hps = {0: sp.ImmutableMatrix(h0)}, {0: sp.ImmutableMatrix(h0p)}
    for s, xv in enumerate(xs, 1):
        hs[s] = _mp_tanh(W * hs[s - 1] + U * xv + b, ctx)
        hps[s] = _mp_tanh(W * hps[s - 1] + U * xv + b, ctx)
    return hs, hps


def _network(domain=0.3, T=4):
    """An ``explicit`` hook: a random tanh network near its linear regime (small inputs and states, so the
    one-step bounds are nearly tight) and two runs from different initial states; the claim evaluates its
    own sides on them."""
    def hook(rng, size, values):
        mat = sampling.rational_matrix
        W, U, b = mat(rng, size, size), mat(rng, size, 1, (-domain, domain)), mat(rng, size, 1, (-domain, domain))
        xs = [mat(rng, 1, 1, (-domain, domain)) for _ in range(T)]
        hs, hps = two_runs(W, U, b, xs, mat(rng, size, 1, (-domain, domain)), mat(rng, size, 1, (-domain, domain)))
        env = {"W_hh": W, "W_xh": U, "b_h": b, "x": dict(enumerate([sp.zeros(1, 1)] + xs)), "h": hs, "h'": hps}
        return Instance(env, {t: values.get(t, 2), d: 1})
    return hook


def _witness_runs(eps=sp.Rational(1, 100), T=12):
    """The witness W in the linear regime: zero input and bias, h_0 = 0, h'_0 = eps e_2."""
    z = sp.zeros(2, 1)
    return two_runs(WITNESS, sp.zeros(2, 1), z, [sp.zeros(1, 1)] * T, z, sp.ImmutableMatrix([0, eps]))


def _witness_hook(rng, size, values):
    hs, hps = _witness_runs()
    return Instance({"W_hh": WITNESS, "h": hs, "h'": hps}, {t: values.get(t, 2)},
                    substitute=lambda e: e.xreplace({SpectralRadius(W_hh): sp.Rational(1, 2)}))


def transient_growth(T=30):
    """``(max_t ||h_t - h'_t|| / ||h_0 - h'_0||, its t, final ratio)`` on the witness, at ``DPS`` digits."""
    hs, hps = _witness_runs(T=T)
    d0 = (hs[0] - hps[0]).norm()
    ratios = [(sp.N((hs[s] - hps[s]).norm() / d0, 15), s) for s in range(T + 1)]
    worst = max(ratios, key=lambda r: r[0])
    return worst[0], worst[1], ratios[-1][0]


def transient_ratio():
    r""":math:`\lVert h_1 - h'_1\rVert / \lVert h_0 - h'_0\rVert` on the witness, exactly: :math:`h_0 = 0`,
    :math:`h'_0 = e_2/100`, zero input, so :math:`h_1 = 0` and :math:`h'_1 = \tanh(W h'_0) = \tanh((3/100, 1/200))`."""
    h0p = sp.Matrix([0, sp.Rational(1, 100)])
    d1 = (WITNESS * h0p).applyfunc(sp.tanh)
    return sp.sqrt(d1[0] ** 2 + d1[1] ** 2) / sp.Rational(1, 100)


_NET = dict(size=n, trials=2, sizes=(1, 2), explicit=_network())
_H = {"h": (-1.0, 1.0), "h'": (-1.0, 1.0)}


def _steps():
    z_t = sp.MatAdd(W_hh * h(t - 1), W_xh * x(t), b_h)  # kept unevaluated: the input terms print, then cancel
    zp_t = sp.MatAdd(W_hh * hp(t - 1), W_xh * x(t), b_h)
    pre = ExpandEq(sp.MatAdd(z_t, sp.MatMul(-1, zp_t, evaluate=False), evaluate=False), preact_diff(), size=n,
                   instances=({t: 2, d: 2},))
    lip = ByLemma("tanh_lipschitz", MatrixRel(distance(), "<=", lipschitz_rhs(), instances=({t: 1}, {t: 3}), **_NET))
    sub = ByLemma("submultiplicativity", MatrixRel(lipschitz_rhs(), "<=", step_bound(), size=n, domains=_H, trials=2,
                                                   sizes=(1, 2, 3)))
    one = ByLemma("transitivity", MatrixRel(distance(), "<=", step_bound(), instances=({t: 1}, {t: 3}), **_NET),
                  premises=(lip, sub))
    nxt = ByLemma("transitivity", MatrixRel(distance(t + 1), "<=", step_bound(t + 1), instances=({t: 0}, {t: 2}), **_NET),
                  premises=(ByLemma("tanh_lipschitz", replace(lip.claim, lhs=distance(t + 1), rhs=lipschitz_rhs(t + 1))),
                            ByLemma("submultiplicativity", replace(sub.claim, lhs=lipschitz_rhs(t + 1),
                                                                   rhs=step_bound(t + 1)))))
    ind = ScalarInduction(distance(), bound(), t, nxt,
                          text=r"\lVert h_t - h'_t\rVert \le \lVert W_{hh}\rVert^t \lVert h_0 - h'_0\rVert")
    wrong = Disproved(MatrixRel(distance(), "<=", radius_bound(), explicit=_witness_hook, sizes=(2,), trials=1,
                                instances=({t: 1}, {t: 2})))
    return (
        Step(pre, "same W_xh x_t + b_h in both runs"),
        Step(lip, "lemma tanh_lipschitz (mean value theorem, tanh' <= 1)"),
        Step(sub, "submultiplicativity"),
        Step(one, "steps (2) and (3) chain: one step contracts by ||W_hh||"),
        Step(ind, "induction on t from the statement: base t = 0 is equality; step (4) at t + 1, c = ||W_hh|| >= 0"),
        Step(wrong, "rho(W_hh) in place of ||W_hh|| fails on the witness W of spectral_radius_is_not_enough"),
        Step(Rel(transient_ratio(), ">", 2), "two runs on the witness from states 1/100 apart: after one step they are "
                                             "about 3.04 times further apart (then they converge: numeric check)"),
    )


IDENTITY = Identity(
    id="echo_state_scaling",
    title="Echo-state scaling: ||W_hh|| < 1 makes the tanh state map a contraction",
    section="H",
    summary="two runs from h_0, h'_0 with the same inputs: ||h_t - h'_t|| <= ||W_hh||^t ||h_0 - h'_0|| (tanh is "
            "1-Lipschitz); rho(W_hh) < 1 does not give this (witness: transient growth about 3x)",
    statement=sp.Le(distance(), bound(), evaluate=False),
    steps=_steps(),
    symbols=(
        SymbolSpec(h(t), "state of the first run at time t", (n, 1), (-1.0, 1.0)),
        SymbolSpec(hp(t), "state of the second run (same weights and inputs, another h'_0)", (n, 1), (-1.0, 1.0)),
        SymbolSpec(W_hh, "recurrent weight matrix; the echo-state scaling makes ||W_hh|| < 1", (n, n)),
        SymbolSpec(t, "time, t >= 0"),
    ),
    derived={"distance": distance(), "bound": bound(), "step_bound": step_bound(), "lipschitz_rhs": lipschitz_rhs(),
             "preact_diff": preact_diff(), "radius_bound": radius_bound()},
    notation=Notation(vectors=COLUMN),
    sources=("Jaeger 2001, GMD Report 148, Prop. 3", "Yildiz, Jaeger, Kiebel 2012",
             "Pascanu, Mikolov, Bengio 2013, sec. 2.1"),
)
