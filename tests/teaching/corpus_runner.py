"""Run the labelled adversarial corpus (``tests/teaching/corpus/*.rnnp``) and count verdicts.

Each corpus file starts with header comments::

    # truth: true | false
    # class: CLASS
    # false-steps: 2,3      (optional: the checked lines that are false; the others are true)
    # why: TEXT             (optional: why sampling may not see a false claim)

A *true* file must have no step refuted and must not be rejected; a *false* file must not be
graded a proof.  ``python -m tests.teaching.corpus_runner`` prints the table by class.
"""

from __future__ import annotations

import collections
import pathlib
import sys
import time
from dataclasses import dataclass

from rnnproof.derivations.model import Verdict
from rnnproof.derivations.userfile import DerivationFileError, parse_file, verify

__all__ = ["CORPUS", "Case", "Outcome", "read_case", "run_case", "run_corpus", "summary"]

CORPUS = pathlib.Path(__file__).resolve().parent / "corpus"
#: per-step time limit used for the corpus (seconds)
TIME_LIMIT = 20.0


@dataclass(frozen=True)
class Case:
    path: pathlib.Path
    truth: bool
    cls: str
    false_steps: frozenset[int]
    why: str


@dataclass(frozen=True)
class Outcome:
    """``grade`` is one of proved, interval, confirmed, undecided, refuted, rejected, crash."""

    case: Case
    grade: str
    unsound: bool
    detail: str
    seconds: float


def read_case(path) -> Case:
    head = {}
    for line in pathlib.Path(path).read_text().splitlines():
        if not line.startswith("#"):
            break
        key, _, val = line[1:].partition(":")
        head[key.strip()] = val.strip()
    steps = frozenset(int(s) for s in head.get("false-steps", "").split(",") if s.strip())
    return Case(pathlib.Path(path), head["truth"] == "true", head["class"], steps, head.get("why", ""))


def _grade(verdicts) -> str:
    for v, g in ((Verdict.REFUTED, "refuted"), (Verdict.UNDECIDED, "undecided"), (Verdict.CONFIRMED, "confirmed"),
                 (Verdict.BY_LEMMA, "proved"), (Verdict.PROVED_INTERVAL, "interval")):
        if v in verdicts:
            return g
    return "proved"


def run_case(case: Case, *, time_limit: float = TIME_LIMIT) -> Outcome:
    t0 = time.perf_counter()
    try:
        res = verify(parse_file(case.path), time_limit=time_limit)
    except DerivationFileError as exc:
        return Outcome(case, "rejected", case.truth, str(exc), time.perf_counter() - t0)
    except Exception as exc:  # exit 3 in the command line
        return Outcome(case, "crash", True, f"{type(exc).__name__}: {exc}"[:200], time.perf_counter() - t0)
    dt = time.perf_counter() - t0
    verdicts = [s.result.verdict for s in res.steps]
    detail = "; ".join(f"{s.number}:{s.result.verdict}" for s in res.steps)
    if case.truth:
        grade = _grade(verdicts)
        return Outcome(case, grade, grade == "refuted", detail, dt)
    if case.false_steps:  # the listed lines are false, the others true
        false = [s.result.verdict for s in res.steps if s.number in case.false_steps]
        true = [s.result.verdict for s in res.steps if s.number not in case.false_steps]
        grade = _grade(false) if false else "proved"
        return Outcome(case, grade, grade in ("proved", "interval") or Verdict.REFUTED in true, detail, dt)
    grade = _grade(verdicts)
    return Outcome(case, grade, grade in ("proved", "interval"), detail, dt)


def run_corpus(paths=None, *, time_limit: float = TIME_LIMIT) -> list[Outcome]:
    paths = sorted(CORPUS.glob("*.rnnp")) if paths is None else paths
    return [run_case(read_case(p), time_limit=time_limit) for p in paths]


GRADES = ("proved", "interval", "confirmed", "undecided", "refuted", "rejected", "crash")


def summary(outcomes) -> dict:
    """``{(class, truth): Counter(grade)}`` plus the totals under class ``"all"``."""
    table = collections.defaultdict(collections.Counter)
    for o in outcomes:
        table[(o.case.cls, o.case.truth)][o.grade] += 1
        table[("all", o.case.truth)][o.grade] += 1
    return dict(table)


def _main(argv) -> int:
    outcomes = run_corpus([pathlib.Path(a) for a in argv] or None)
    table = summary(outcomes)
    print(f"{'class':<10} {'truth':<6} " + " ".join(f"{g:>9}" for g in GRADES))
    for (cls, truth), cnt in sorted(table.items(), key=lambda kv: (kv[0][0] == "all", kv[0])):
        print(f"{cls:<10} {str(truth):<6} " + " ".join(f"{cnt[g]:>9}" for g in GRADES))
    for o in outcomes:
        if o.unsound or o.grade in ("crash", "rejected") or (not o.case.truth and o.grade == "confirmed"):
            print(f"{'UNSOUND ' if o.unsound else ''}{o.case.path.name}: {o.grade} ({o.detail[:160]}) {o.seconds:.1f}s")
    slow = sorted(outcomes, key=lambda o: -o.seconds)[:5]
    print("slowest:", ", ".join(f"{o.case.path.name} {o.seconds:.1f}s" for o in slow))
    print(f"total {sum(o.seconds for o in outcomes):.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
