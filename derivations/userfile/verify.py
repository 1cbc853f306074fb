"""Check a parsed derivation file step by step with the claim machinery.

Step ``k`` claims ``previous rel current``.  Scalar steps become :class:`~derivations.claims.Rel`
(proved by simplify / assumptions / ``solveset``, else sampled at ``sampling.DPS`` digits);
matrix equalities become :class:`~derivations.matrixclaims.MatrixEq` (proved entrywise at
symbolic size when SymPy can, and always cross-checked on explicit random matrices of sizes
1..4); scalar relations between matrix expressions (norms) become
:class:`~derivations.matrixclaims.MatrixRel` (numerically confirmed at best).  Finally the
chain must establish the claim: it has to start and end at the claim's sides and its
relations must compose to the claimed one.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from dataclasses import dataclass

import numpy as np
import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from ..claims import Rel
from ..matexpr import SpectralNorm
from ..matrixclaims import MatrixEq, MatrixRel
from ..model import StepResult, Verdict
from .errors import LimitExceededError, UncheckableStepError
from .explicit import entry_difference, explicit_hook
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
        worst = [s.result.verdict for s in self.steps]
        for v in (Verdict.REFUTED, Verdict.CONFIRMED):
            if v in worst:
                return v
        return Verdict.PROVED

    @property
    def ok(self) -> bool:
        return self.verdict is not Verdict.REFUTED


class _Timeout(BaseException):
    """Raised by the alarm; a BaseException so that no ``except Exception`` inside SymPy swallows it."""


@contextlib.contextmanager
def _time_limit(seconds: float, where):
    """Raise :class:`LimitExceededError` after ``seconds`` (main thread only; else no limit)."""
    if not seconds or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def on_alarm(signum, frame):
        raise _Timeout()

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _Timeout:
        raise LimitExceededError(f"checking this step took longer than {seconds:g} s; simplify the expression "
                                 "or split the step", path=where[0], line=where[1], col=where[2]) from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _has_matrices(e) -> bool:
    return isinstance(e, sp.Basic) and (e.has(sp.MatrixSymbol, SpectralNorm) or isinstance(e, sp.MatrixExpr))


def _main_dim(df, lhs, rhs):
    """The dimension the explicit sizes 1..4 are given to: one in the shape of the claim if any."""
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


def _ordered_dims(df, size):
    return tuple([size] + [d for d in df.dims if d != size]) if size is not None else ()


def make_claim(df: DerivationFile, lhs: Expr, rel: str, rhs: Expr):
    """The claim object for ``lhs rel rhs`` (see the module docstring for the choice)."""
    a, b = lhs.semantic, rhs.semantic
    size = _main_dim(df, lhs, rhs)
    if lhs.is_matrix or rhs.is_matrix:
        hook = explicit_hook(a, b, _ordered_dims(df, size), df.matrix_domains, df.scalar_domains)
        # through two or more layers SymPy's entrywise form does not close (measured: > 60 s, no
        # decision), so such claims go to the explicit matrices only and stay "numerically confirmed"
        entry = entry_difference(a, b) if size is not None and max(_layers(a), _layers(b)) <= 1 else None
        return MatrixEq(a, b, size=size, explicit=hook, entry=entry, domains=df.matrix_domains,
                        sizes=(1, 2, 3, 4) if size is not None else (1, 2, 3))
    if _has_matrices(a) or _has_matrices(b):
        hook = explicit_hook(a, b, _ordered_dims(df, size), df.matrix_domains, df.scalar_domains)
        return MatrixRel(a, rel, b, size=size, explicit=hook, sizes=(1, 2, 3, 4) if size is not None else (1, 2, 3))
    free = sorted((a.free_symbols | b.free_symbols) if isinstance(a, sp.Basic) and isinstance(b, sp.Basic) else [], key=str)
    var = free[0] if len(free) == 1 else None
    domains = {s: d for s, d in df.scalar_domains.items() if d is not None}
    return Rel(a, rel, b, domains=domains, variable=var, interval=df.scalar_intervals.get(var, sp.S.Reals))


def _compose(rels) -> str:
    return "<" if "<" in rels else "<=" if "<=" in rels else "="


def _check(df, claim, seed, where, time_limit) -> StepResult:
    with _time_limit(time_limit, where):
        try:
            return claim.check(rng=np.random.default_rng(seed))
        except (LimitExceededError, UncheckableStepError):
            raise
        except RecursionError:
            raise LimitExceededError("expression too deeply nested to check", path=where[0], line=where[1],
                                     col=where[2]) from None
        except Exception as exc:  # SymPy/mpmath internals: report, never a traceback
            raise UncheckableStepError(f"SymPy could not check this step ({type(exc).__name__}: {str(exc)[:120]})",
                                       path=where[0], line=where[1], col=where[2]) from None


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
        claim = make_claim(df, lhs, rel, rhs)
        res = _check(df, claim, seed + k, (df.path, step.line, step.expr.col), time_limit)
        checked.append(CheckedStep(k, step.line, lhs, rel, rhs, step.justification, step.latex, res))
    if df.claim is not None:
        checked.extend(_conclusion(df, start, end, [s.rel for s in df.steps], seed, time_limit, len(checked)))
    return FileResult(df, tuple(checked), seed)


def _conclusion(df, start, end, rels, seed, time_limit, k):
    """Checks that the chain proves the claim: endpoints agree, relations compose."""
    cl, crel, cr = df.claim
    announce(f"checking the claim at line {df.claim_line}")
    out = []
    if not rels:  # a bare claim: it is the only step
        lhs, rel, rhs = (cl, crel, cr) if crel in ("=", "<=", "<") else (cr, {">=": "<=", ">": "<"}[crel], cl)
        res = _check(df, make_claim(df, lhs, rel, rhs), seed + 1, (df.path, df.claim_line, cl.col), time_limit)
        return [CheckedStep(1, df.claim_line, lhs, rel, rhs, "the claim itself", "", res)]
    lo, hi = (cl, cr) if crel in ("=", "<=", "<") else (cr, cl)
    want = {">=": "<=", ">": "<"}.get(crel, crel)
    for side, ends, what in ((lo, start, "starts"), (hi, end, "ends")):
        if ends.semantic != side.semantic:
            claim = make_claim(df, ends, "=", side)
            res = _check(df, claim, seed + 900, (df.path, df.claim_line, side.col), time_limit)
            k += 1
            out.append(CheckedStep(k, df.claim_line, ends, "=", side, f"the chain {what} at the claim's side",
                                   "", res, "conclusion"))
    got = _compose(rels)
    if not (got == want or (want == "<=" and got == "<")):
        res = StepResult(Verdict.REFUTED, "chain logic", f"a chain joined by {' '.join(sorted(set(rels)))} proves "
                         f"'{got}', not the claimed '{want}'", counterexample={"chain proves": got, "claimed": want})
        k += 1
        out.append(CheckedStep(k, df.claim_line, start, got, end, "relations compose", "", res, "conclusion"))
    return out
