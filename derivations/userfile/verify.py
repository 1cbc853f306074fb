"""Check a parsed derivation file step by step with the claim machinery.

Step ``k`` claims ``previous rel current``.  Scalar steps become :class:`~derivations.claims.Rel`
(screened numerically over every symbol's whole domain first; then proved by simplify /
assumptions / ``solveset`` or by interval arithmetic, else numerically confirmed); steps with
matrices become :class:`.instances.InstanceClaim` (explicit instances of sizes 1..6, each
dimension its own size, random and structured matrices; matrix equalities are then proved
entrywise at symbolic size when SymPy can).  A 1x1 matrix compares with a scalar as a scalar.
Finally the chain must establish the claim: it has to start and end at the claim's sides and
its relations, all pointing one way (``= <= <`` upward or ``= >= >`` downward), must compose to
the claimed one.  A step that cannot be settled (time limit, an expression nothing can
evaluate) is *undecided*; only a malformed file raises.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from dataclasses import dataclass

import numpy as np
import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from ..claims import Rel, StepTimeout
from ..matexpr import SpectralNorm
from ..model import StepResult, Verdict
from .errors import DerivationFileError, ShapeMismatchError
from .explicit import entry_difference, explicit_builder
from .instances import InstanceClaim
from .model import DerivationFile, Expr
from .parser import announce

__all__ = ["CheckedStep", "FileResult", "verify", "TIME_LIMIT"]

#: seconds allowed for checking one step (a cap against adversarial expressions)
TIME_LIMIT = 60.0


@dataclass(frozen=True)
class CheckedStep:
    """One checked line: ``lhs rel rhs`` with its verdict; ``kind`` is ``step`` or ``conclusion``."""

    number: int
    line: int
    lhs: Expr
    rel: str
    rhs: Expr
    justification: str
    latex: str
    result: StepResult
    kind: str = "step"


@dataclass(frozen=True)
class FileResult:
    """Verdicts of every step of one file; ``first_failure`` is the index of the first refuted step."""

    file: DerivationFile
    steps: tuple[CheckedStep, ...]
    seed: int = 0

    @property
    def first_failure(self) -> int | None:
        return next((k for k, s in enumerate(self.steps) if s.result.verdict is Verdict.REFUTED), None)

    def count(self, verdict: Verdict) -> int:
        return sum(s.result.verdict is verdict for s in self.steps)

    @property
    def verdict(self) -> Verdict:
        """The weakest step's verdict (refuted, undecided, confirmed, by lemma, interval, proved)."""
        worst = [s.result.verdict for s in self.steps]
        for v in (Verdict.REFUTED, Verdict.UNDECIDED, Verdict.CONFIRMED, Verdict.BY_LEMMA, Verdict.PROVED_INTERVAL):
            if v in worst:
                return v
        return Verdict.PROVED

    @property
    def ok(self) -> bool:
        """Every step proved or numerically confirmed (exit 0); refuted or undecided is not ok."""
        return self.verdict not in (Verdict.REFUTED, Verdict.UNDECIDED)


@contextlib.contextmanager
def _time_limit(seconds: float):
    """Raise :class:`~derivations.claims.StepTimeout` after ``seconds`` (main thread only; else no limit).

    The claims catch it around their symbolic phase and keep the numeric screen's verdict.
    """
    if not seconds or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def on_alarm(signum, frame):
        raise StepTimeout()

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _has_matrices(e) -> bool:
    return isinstance(e, sp.Basic) and (e.has(sp.MatrixSymbol, SpectralNorm) or isinstance(e, sp.MatrixExpr))


def _main_dim(df, lhs, rhs):
    """The dimension of the entrywise proof at symbolic size: one in the shape of the claim if any."""
    for e in (lhs, rhs):
        for s in (e.shape or ()):
            found = [d for d in df.dims if d in getattr(s, "free_symbols", ())]
            if found:
                return found[0]
    return df.dims[0] if df.dims else None


def _layers(e) -> int:
    """Nesting depth of entrywise functions (``tanh(W @ tanh(W @ h))`` has 2)."""
    if not isinstance(e, sp.Basic) or not e.args:
        return 0
    return max(_layers(a) for a in e.args) + isinstance(e, ElementwiseApplyFunction)


def _is_1x1(shape) -> bool:
    return shape is not None and all(sp.sympify(x) == 1 for x in shape)


def make_claim(df: DerivationFile, lhs: Expr, rel: str, rhs: Expr):
    """The claim object for ``lhs rel rhs`` (see the module docstring for the choice)."""
    a, b = lhs.semantic, rhs.semantic
    scalar_like = all(e.shape is None or _is_1x1(e.shape) for e in (lhs, rhs))
    if (lhs.is_matrix or rhs.is_matrix) and not scalar_like:
        if rel != "=" or not (lhs.is_matrix and rhs.is_matrix):
            raise ShapeMismatchError(f"'{rel}' between a matrix and {'a matrix' if rhs.is_matrix and lhs.is_matrix else 'a scalar'}"
                                     " is not defined; compare norms, e.g. norm(A) <= norm(B)",
                                     path=df.path, line=lhs.line, col=lhs.col)
    if lhs.is_matrix or rhs.is_matrix or _has_matrices(a) or _has_matrices(b):
        size = _main_dim(df, lhs, rhs)
        build = explicit_builder(a, b, df.matrix_domains, df.declared_intervals())
        # through two or more layers SymPy's entrywise form does not close (measured: > 60 s, no
        # decision), so such claims are checked on the explicit instances only
        symbolic = rel == "=" and lhs.is_matrix and rhs.is_matrix and size is not None and max(_layers(a), _layers(b)) <= 1
        costly = max(_layers(a), _layers(b)) >= 2
        return InstanceClaim(a, rel, b, dims=tuple(df.dims), explicit=build,
                             entry=entry_difference(a, b) if symbolic else None, size=size, costly=costly)
    free = sorted((a.free_symbols | b.free_symbols) if isinstance(a, sp.Basic) and isinstance(b, sp.Basic) else [], key=str)
    var = free[0] if len(free) == 1 else None
    return Rel(a, rel, b, domains=df.declared_intervals(), variable=var,
               interval=df.scalar_intervals.get(var, sp.S.Reals))


def _check(df, claim, seed, time_limit) -> StepResult:
    """The verdict of ``claim`` (a claim, or ``(lhs, rel, rhs)`` of :class:`Expr` to build one).

    A step that cannot be settled is UNDECIDED (the file itself is fine); only a malformed step
    (a relation between matrices, say) raises a :class:`DerivationFileError`.
    """
    try:
        with _time_limit(time_limit):
            if isinstance(claim, tuple):
                claim = make_claim(df, *claim)
            return claim.check(rng=np.random.default_rng(seed))
    except DerivationFileError:
        raise
    except StepTimeout:
        return StepResult(Verdict.UNDECIDED, "time limit", f"no verdict within {time_limit:g} s; simplify the "
                          "expression or split the step")
    except RecursionError:
        return StepResult(Verdict.UNDECIDED, "nesting limit", "expression too deeply nested to check")
    except Exception as exc:  # SymPy/mpmath internals: an honest "don't know", never a traceback
        return StepResult(Verdict.UNDECIDED, "internal limitation",
                          f"SymPy/mpmath could not check this step ({type(exc).__name__}: {str(exc)[:120]})")


def _chain(df):
    """``[(lhs, rel, rhs, step)]`` of the chain, or the claim alone when there is no proof."""
    start = df.start if df.start is not None else (df.claim[0] if df.claim else None)
    out, prev = [], start
    for s in df.steps:
        out.append((prev, s.rel, s.expr, s))
        prev = s.expr
    return start, prev, out


def verify(df: DerivationFile, *, seed: int = 0, time_limit: float = TIME_LIMIT) -> FileResult:
    """Check every step of ``df`` and whether the chain establishes the claim."""
    start, end, chain = _chain(df)
    checked = []
    for k, (lhs, rel, rhs, step) in enumerate(chain, 1):
        announce(f"checking the step at line {step.line}")
        res = _check(df, (lhs, rel, rhs), seed + k, time_limit)
        checked.append(CheckedStep(k, step.line, lhs, rel, rhs, step.justification, step.latex, res))
    if df.claim is not None:
        checked.extend(_conclusion(df, start, end, [s.rel for s in df.steps], seed, time_limit, len(checked)))
    return FileResult(df, tuple(checked), seed)


_FLIP = {"=": "=", "<=": ">=", "<": ">", ">=": "<=", ">": "<"}
#: what a chain's composed relation establishes
_IMPLIES = {"=": {"="}, "<=": {"=", "<=", "<"}, "<": {"<"}, ">=": {"=", ">=", ">"}, ">": {">"}}


def _compose(rels) -> str | None:
    """The relation a chain establishes between its ends, or ``None`` if it changes direction."""
    up, down = {"<=", "<"} & set(rels), {">=", ">"} & set(rels)
    if up and down:
        return None
    if up:
        return "<" if "<" in up else "<="
    if down:
        return ">" if ">" in down else ">="
    return "="


def _conclusion(df, start, end, rels, seed, time_limit, k):
    """Checks that the chain proves the claim: endpoints agree, relations compose."""
    cl, crel, cr = df.claim
    announce(f"checking the claim at line {df.claim_line}")
    out = []
    if not rels:  # a bare claim: it is the only step
        res = _check(df, (cl, crel, cr), seed + 1, time_limit)
        return [CheckedStep(1, df.claim_line, cl, crel, cr, "the claim itself", "", res)]
    # a chain may run from the claim's left side to its right side, or the other way round
    reverse = start.semantic == cr.semantic and start.semantic != cl.semantic
    first, last, want = (cr, cl, _FLIP[crel]) if reverse else (cl, cr, crel)
    for side, ends, what in ((first, start, "starts"), (last, end, "ends")):
        if ends.semantic != side.semantic:
            res = _check(df, (ends, "=", side), seed + 900, time_limit)
            k += 1
            out.append(CheckedStep(k, df.claim_line, ends, "=", side, f"the chain {what} at the claim's side",
                                   "", res, "conclusion"))
    got = _compose(rels)
    if got is None or got not in _IMPLIES[want]:
        why = ("the chain changes direction (mixes <=/< with >=/>), so it proves nothing about its ends"
               if got is None else f"a chain joined by {' '.join(sorted(set(rels)))} proves '{got}', not the claimed '{want}'")
        res = StepResult(Verdict.REFUTED, "chain logic", why, counterexample={"chain proves": got or "nothing",
                                                                             "claimed": want})
        k += 1
        out.append(CheckedStep(k, df.claim_line, start, got or "?", end, "relations compose", "", res, "conclusion"))
    return out
