r"""``truncated_bptt``: the error of :math:`\tau`-step truncated BPTT, and its bound.

For the Elman cell (column vectors, numerator layout, :math:`J_i = \operatorname{diag}(\varphi'(z_i))W_{hh}`),
with the sum of products of ``bptt_sum_of_products``,

.. math::
   \frac{dh_t}{d\theta} = \underbrace{\sum_{k=t-\tau+1}^{t}\frac{\partial h_t}{\partial h_k}
      \frac{\partial^+ h_k}{\partial\theta}}_{\text{truncated}}
   + \underbrace{\sum_{k=1}^{t-\tau}\frac{\partial h_t}{\partial h_k}\frac{\partial^+ h_k}{\partial\theta}}_{\text{error}}
   \qquad (1 \le \tau \le t),

   \Big\lVert\frac{dh_t}{d\theta} - \text{truncated}\Big\rVert
   \le \sum_{k=1}^{t-\tau}\Big\lVert\frac{\partial h_t}{\partial h_k}\Big\rVert
       \Big\lVert\frac{\partial^+ h_k}{\partial\theta}\Big\rVert
   \le \sum_{k=1}^{t-\tau}(\gamma\lambda_1)^{t-k}\Big\lVert\frac{\partial^+ h_k}{\partial\theta}\Big\rVert .

The split of the sum is *proved* at symbolic ``n``, ``t`` and ``tau`` (SymPy's ``sum_simplify``
on generic summands, with :math:`t = \tau + s`, :math:`s \ge 0`, so both ranges are proper).
The first inequality is the triangle inequality and submultiplicativity of the spectral norm,
which SymPy cannot decide for matrices of symbolic size: it is only *numerically confirmed* on
explicit random matrices, and so is the whole bound on concrete networks.  The power bound
:math:`\lVert\partial h_t/\partial h_k\rVert \le (\gamma\lambda_1)^{t-k}` is the induction of
``product_norm_bound`` (proved), and summing termwise bounds is proved by induction.  ``tau`` is
the positive integer symbol named ``"tau"``; ``t`` is bound by the caller.  ``error_bound`` is a
scalar ``Sum``: :func:`unroll` multiplies it out for concrete ``t, tau`` before evaluation.

Reference: IDENTITIES.md section G; Williams & Peng (1990); Pascanu, Mikolov, Bengio (2013), sec. 2.1.
"""

from __future__ import annotations


import mpmath
import sympy as sp
from sympy.simplify.simplify import sum_simplify

from ..claims import Induction, Rel
from ..explicit import ExplicitElman
from ..matexpr import OrderedProduct, SpectralNorm, TimeIndexed, TimeSum, unroll
from ..lemmas import ByLemma
from ..instances import SumRanges
from ..instantiation import Instantiation
from ..matrixclaims import Instance, MatrixEq, MatrixRel
from ..model import COLUMN, Identity, Notation, Step, SymbolSpec
from ..symbols import W_hh, h, i, k, n, t
from .bptt_recursion import PARAMS, TotalDerivative, _resolver, immediate, jacobian
from .jacobian_norm_bound import ACTIVATION_NAMES, gamma
from .hidden_state_chain import Conjunction
from .product_norm_bound import induction_claim

__all__ = ["IDENTITY", "tau", "term", "truncated", "full", "tail", "error_bound", "unroll", "split_entry",
           "network_split", "network_bound", "elman", "spectral_radius", "RHO"]


#: the truncation length, a positive integer
tau = sp.Symbol("tau", integer=True, positive=True)
_P = sp.Symbol("P", integer=True, positive=True)
#: the spectral radius of W_hh, for the eigenvalue-in-place-of-lambda_1 mutation
RHO = _RHO = sp.Symbol("rho", positive=True)


def term(param="W_hh", name="tanh"):
    """:math:`(\\prod_{i=k+1}^{t}J_i)\\,\\partial^+h_k/\\partial\\theta` (ordered, latest on the left)."""
    return OrderedProduct(jacobian(i, name), (i, k + 1, t)) * immediate(param, k, name)


def truncated(param="W_hh", name="tanh", *, lower=None):
    """:math:`\\sum_{k=t-\\tau+1}^{t}` of :func:`term` (``lower`` overrides the first k: a mutation hook)."""
    return TimeSum(term(param, name), (k, t - tau + 1 if lower is None else lower, t))


def full(param="W_hh", name="tanh"):
    """:math:`\\sum_{k=1}^{t}` of :func:`term` (= dh_t/dθ, bptt_sum_of_products)."""
    return TimeSum(term(param, name), (k, 1, t))


def tail(param="W_hh", name="tanh"):
    """:math:`\\sum_{k=1}^{t-\\tau}` of :func:`term`: the truncation error."""
    return TimeSum(term(param, name), (k, 1, t - tau))


def error_bound(param="W_hh", name="tanh", *, lam=None, upper=None):
    """:math:`\\sum_{k=1}^{t-\\tau}(\\gamma\\lambda_1)^{t-k}\\lVert\\partial^+h_k/\\partial\\theta\\rVert` (scalar ``Sum``).

    ``lam`` replaces :math:`\\lambda_1 = \\lVert W_{hh}\\rVert` and ``upper`` the last k (mutation hooks).
    """
    lam = SpectralNorm(W_hh) if lam is None else lam
    return sp.Sum((gamma(name) * lam) ** (t - k) * SpectralNorm(immediate(param, k, name)),
                  (k, 1, t - tau if upper is None else upper))


def split_entry(i_, j_):
    """Entry of :math:`\\sum_1^t X_k - \\sum_{t-\\tau+1}^{t}X_k - \\sum_1^{t-\\tau}X_k` for generic X, t = τ + s."""
    X, s = sp.IndexedBase("X"), sp.Dummy("s", integer=True, nonnegative=True)
    tt = tau + s
    e = sp.Sum(X[k, i_, j_], (k, 1, tt)) - sp.Sum(X[k, i_, j_], (k, tt - tau + 1, tt)) - sp.Sum(X[k, i_, j_], (k, 1, tt - tau))
    return sum_simplify(e)


def elman(rng, size, name="tanh", T=4):
    """A concrete Elman network (see :class:`derivations.explicit.ExplicitElman`)."""
    return ExplicitElman(n=size, d=1, T=T, rng=rng, activation=name)


_CASES = ({t: 3, tau: 1}, {t: 4, tau: 2}, {t: 4, tau: 4})


def network_split(param="W_hh", name="tanh", *, lower=None, sizes=(1, 2, 3), cases=_CASES):
    """``dh_t/dθ - truncated = tail`` on concrete networks (complex-step dh_t/dθ), stacked over cases."""
    trunc = truncated(param, name, lower=lower)

    def run(rng, size, inst):
        net = elman(rng, size, name)
        env = net.env()
        return [Instance(env, c, substitute=_resolver(net, c)) for c in cases]
    lhs = sp.MatAdd(TotalDerivative(h(t), PARAMS[param]), -trunc)
    return MatrixEq(lhs, tail(param, name), size=n, entry=split_entry, explicit=run, sizes=sizes,
                    entry_for=(lhs, tail(param, name)))


def spectral_radius(M) -> sp.Float:
    """Largest |eigenvalue| of an explicit matrix, at 40 digits (for the eigenvalue mutation)."""
    ctx = mpmath.MPContext()
    ctx.dps = 40
    ev = ctx.eig(ctx.matrix([[ctx.mpf(sp.Rational(v).p) / sp.Rational(v).q for v in M.row(r)] for r in range(M.rows)]),
                 left=False, right=False)
    ev = ev[0] if isinstance(ev, tuple) else ev
    return sp.Float(str(max(abs(v) for v in ev)), 40)


def network_bound(param="b_h", name="tanh", *, bound=None, network=None, instances=_CASES[:2], sizes=(1, 2, 3),
                  trials=1):
    """``||dh_t/dθ - truncated|| <= bound`` on concrete networks (``network(rng, size, name)``; ``bound`` may
    contain the symbol ``rho``, bound to the spectral radius of the network's W_hh)."""
    bound = error_bound(param, name) if bound is None else bound

    def run(rng, size, inst):
        net = (network or elman)(rng, size, name)
        binds = dict(inst)
        if _RHO in bound.free_symbols:
            binds[_RHO] = spectral_radius(net.params["W_hh"])
        return Instance(net.env(), binds, substitute=_resolver(net, inst))
    return MatrixRel(SpectralNorm(sp.MatAdd(TotalDerivative(h(t), PARAMS[param]), -truncated(param, name))), "<=", bound,
                     size=n, instances=instances, explicit=run, trials=trials, sizes=sizes,
                     why_not="a cross-check of the assembled bound on networks; it follows from steps 1-5")


def _submultiplicative(name):
    """Triangle inequality + submultiplicativity on random explicit J_i, G_k (generic, 2 columns)."""
    J, G = TimeIndexed("J", i, n, n), TimeIndexed("G", k, n, _P)
    lhs = SpectralNorm(TimeSum(OrderedProduct(J, (i, k + 1, t)) * G, (k, 1, t - tau)))
    rhs = sp.Sum(SpectralNorm(OrderedProduct(J, (i, k + 1, t))) * SpectralNorm(G), (k, 1, t - tau))
    return ByLemma("triangle", MatrixRel(lhs, "<=", rhs, size=n, instances=({t: 4, tau: 1, _P: 2}, {t: 5, tau: 2, _P: 2}),
                                         trials=2, sizes=(1, 2, 3)))


def _termwise():
    """0 <= a_k <= b_k, c_k >= 0 => sum a_k c_k <= sum b_k c_k, by induction on the number of terms."""
    a, b, c, m = sp.IndexedBase("a"), sp.IndexedBase("b"), sp.IndexedBase("c"), sp.Symbol("m", integer=True, nonnegative=True)
    B_, r_, s_, cc, bb = sp.symbols("B r s c b", nonnegative=True)
    base = Rel(sp.Sum(a[k] * c[k], (k, 1, 0)), "<=", sp.Sum(b[k] * c[k], (k, 1, 0)))
    step = Rel((B_ - r_) + (bb - s_) * cc, "<=", B_ + bb * cc)
    return Induction(m, base, step, text=r"0 \le a_k \le b_k,\ c_k \ge 0 \Rightarrow \sum_{k=1}^{m} a_k c_k \le \sum_{k=1}^{m} b_k c_k")


def _steps():
    steps = [Step(network_split("W_hh", sizes=(1, 2), cases=_CASES[:2]), "bptt_sum_of_products gives dh_t/dθ = Σ_{k=1}^{t}; split the finite sum at "
                  "k = t - τ (1 <= τ <= t: both ranges proper); cross-checked on networks (θ = W_hh, complex step)"),
             Step(network_split("b_h"), "the same split for θ = b_h"),
             Step(_submultiplicative("tanh"), "triangle inequality for the sum over k, then submultiplicativity of "
                  "each term (named lemmas)"),
             Step(induction_claim(), "||dh_t/dh_k|| <= (γ λ_1)^(t-k) (product_norm_bound: power bound by induction)"),
             Step(_termwise(), "replace each factor by its bound: sums of products of nonnegative terms are monotone")]
    for name in ACTIVATION_NAMES:
        steps.append(Step(network_bound("b_h", name), f"cross-check of the whole bound on concrete networks ({name}, θ = b_h)"))
    for name in ACTIVATION_NAMES:  # every piece the numeric side evaluates is a side of a step
        steps += [Step(_full_claims(name), f"dh_t/dθ = the sum of products over k = 1..t for θ = W_hh, W_xh "
                                           f"(bptt_sum_of_products; {name} networks)"),
                  Step(_full_b_h(name), f"dh_t/db_h = the sum of products: the induction about the identity in "
                                        f"bptt_sum_of_products ({name}) at v = t; screened on networks"),
                  Step(_split_claims(name), f"split the sum at k = t - τ (1 <= τ <= t), for each θ ({name})"),
                  Step(_bound_claims(name), f"cross-check of the whole bound for θ = W_hh and W_xh ({name} networks)")]
    return tuple(steps)


#: t = tau + s, s >= 0: the hypothesis 1 <= tau <= t that makes both ranges of the split proper
_SPLIT = {t: tau + sp.Symbol("s_0", integer=True, nonnegative=True)}


def _full_claims(name):
    """dh_t/dθ = Σ_{k=1}^{t} (∏ J_i) ∂⁺h_k/∂θ on concrete networks (t = 1..4), for every θ."""
    from .bptt_recursion import network_check
    parts = tuple(MatrixEq(TotalDerivative(h(t), PARAMS[p]), full(p, name), size=n, sizes=(1, 2),
                           explicit=network_check(T=4, times=(2, 4), activation_name=name),
                           why_not="the identity of bptt_sum_of_products; for this θ it is only cross-checked there too "
                                   "(no entrywise model of I (x) v^T); here on networks at t = 2 and 4")
                  for p in ("W_hh", "W_xh"))
    return Conjunction(parts, text=r"dh_t/d \theta = \sum_{k=1}^{t} (\prod_{i=k+1}^{t} J_i)\, \partial^+ h_k/\partial \theta"
                                   r"\quad (\theta \in \{W_{hh}, W_{xh}\})",
                       plain="dh_t/dθ = sum_{k=1}^{t} (prod_{i=k+1}^{t} J_i) d+h_k/dθ for θ in {W_hh, W_xh}")


def _full_b_h(name):
    """dh_t/db_h = full: bptt_sum_of_products' induction about the identity (θ = b_h) at v = t, screened on networks."""
    from .bptt_recursion import network_check
    from .bptt_sum_of_products import INDUCTIONS, V
    screen = MatrixEq(TotalDerivative(h(t), PARAMS["b_h"]), full("b_h", name), size=n, sizes=(1, 2),
                      explicit=network_check(T=4, times=(2, 4), activation_name=name))
    return Instantiation(INDUCTIONS[name], {V: t}, screen, given={t: sp.Symbol("s_0", integer=True, nonnegative=True)},
                         condition="t >= 0")


def _split_claims(name):
    """full − tail = truncated and full − truncated = tail, entrywise at symbolic n, t, τ (:class:`SumRanges`)."""
    from .bptt_recursion import network_check
    parts = []
    for p in PARAMS:
        f, tr, ta = full(p, name), truncated(p, name), tail(p, name)
        for lhs, rhs in ((sp.MatAdd(f, -ta), tr), (sp.MatAdd(f, -tr), ta)):
            # the explicit screen on a network's trajectory (40-digit values: far cheaper than exact tanh of rationals)
            parts.append(MatrixEq(lhs, rhs, size=n, entry=SumRanges(assume=_SPLIT), instances=({tau: 2},), sizes=(2,),
                                  explicit=network_check(T=3, times=(3,), activation_name=name)))
    return Conjunction(tuple(parts), text=r"\sum_{k=1}^{t} - \sum_{k=1}^{t-\tau} = \sum_{k=t-\tau+1}^{t},\quad"
                                          r"\sum_{k=1}^{t} - \sum_{k=t-\tau+1}^{t} = \sum_{k=1}^{t-\tau}"
                                          r"\quad (1 \le \tau \le t;\; \theta \in \{W_{hh}, W_{xh}, b_h\})",
                       plain="full - tail = truncated and full - truncated = tail (1 <= tau <= t) for θ in {W_hh, W_xh, b_h}")


def _bound_claims(name):
    """The assembled bound on concrete networks for θ = W_hh and W_xh (b_h: steps 6-7)."""
    # two networks per size: a bound weakened by dropping k from (γλ)^(t-k) survives about 1 network in 10
    parts = tuple(network_bound(p, name, sizes=(1, 2), trials=2) for p in ("W_hh", "W_xh"))
    return Conjunction(parts, text=r"\lVert dh_t/d \theta - \sum_{k=t-\tau+1}^{t} (\prod_{i=k+1}^{t} J_i)\, \partial^+ h_k/\partial \theta"
                                   r"\rVert \le \sum_{k=1}^{t-\tau} (\gamma \lambda_1)^{t-k} \lVert \partial^+ h_k/\partial \theta"
                                   r"\rVert \quad (\theta \in \{W_{hh}, W_{xh}\})",
                       plain="||dh_t/dθ - truncated|| <= sum_{k=1}^{t-tau} (γ λ_1)^(t-k) ||d+h_k/dθ|| for θ in {W_hh, W_xh}")


def _derived():
    out = {}
    for p in PARAMS:
        sfx = "" if p == "W_hh" else f"_{p}"
        out["truncated" + sfx] = lambda name, p=p: truncated(p, name)
        out["full" + sfx] = lambda name, p=p: full(p, name)
        out["tail" + sfx] = lambda name, p=p: tail(p, name)
        out["error_bound" + sfx] = lambda name, p=p: error_bound(p, name)
    return out


IDENTITY = Identity(
    id="truncated_bptt",
    title="The error of truncated BPTT",
    section="G",
    summary=("||dh_t/dθ - Σ_{k=t-τ+1}^{t} (∂h_t/∂h_k) ∂⁺h_k/∂θ|| <= Σ_{k=1}^{t-τ} (γλ₁)^{t-k} ||∂⁺h_k/∂θ||  "
             "(Elman cell, 1 <= τ <= t)"),
    statement=sp.Le(SpectralNorm(sp.MatAdd(TotalDerivative(h(t), W_hh), -truncated())), error_bound(), evaluate=False),
    steps=_steps(),
    symbols=(
        SymbolSpec(tau, "truncation length, a positive integer (symbol 'tau')"),
        SymbolSpec(t, "current time, 1 <= tau <= t"),
        SymbolSpec(h(t), "hidden state", (n, 1), (-1.0, 1.0)),
        SymbolSpec(W_hh, "recurrent weights; lambda_1 = ||W_hh||", (n, n)),
        SymbolSpec(TimeIndexed("J", i, n, n), "one-step Jacobian J_i (generic in the norm step)", (n, n)),
        SymbolSpec(TimeIndexed("G", k, n, _P), "immediate partial ∂⁺h_k/∂θ (generic in the norm step)", (n, _P)),
    ),
    derived=_derived(),
    notation=Notation(vectors=COLUMN + "; vec(θ) row-major; products latest on the left; ||.|| spectral norm"),
    sources=("IDENTITIES.md G", "Williams & Peng 1990 (truncated BPTT)", "Pascanu, Mikolov, Bengio 2013, sec. 2.1"),
)
