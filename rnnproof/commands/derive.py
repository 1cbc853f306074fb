"""``rnnproof derive [ID...]``: every derivation step with its verdict, and the counts."""

from __future__ import annotations

import json

from rnnproof.derivations import Verdict, registry
from rnnproof.derivations.printing import claim_latex, claim_text, latex_statement

__all__ = ["add_parser", "run"]

_MARK = {Verdict.PROVED: "proved", Verdict.PROVED_INTERVAL: "interval", Verdict.BY_LEMMA: "by lemma",
         Verdict.CONFIRMED: "confirmed", Verdict.UNDECIDED: "undecided", Verdict.REFUTED: "REFUTED"}


def _counts(count) -> str:
    """``n proved, n by lemma, n numerically confirmed, n refuted`` (other verdicts only when they occur)."""
    shown = [v for v in Verdict if v in (Verdict.PROVED, Verdict.BY_LEMMA, Verdict.CONFIRMED, Verdict.REFUTED) or count(v)]
    return ", ".join(f"{count(v)} {v}" for v in shown)


def add_parser(sub):
    p = sub.add_parser("derive", help="derive identities step by step and check every step")
    p.add_argument("ids", nargs="*", metavar="ID", help="identity ids (default: the whole catalogue)")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--latex", action="store_true", help="print LaTeX instead of text")
    fmt.add_argument("--json", action="store_true", help="machine-readable verdicts")
    p.add_argument("--seed", type=int, default=0, help="seed of the sampling and explicit matrices (default 0)")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="worker processes (default: every usable core; the verdicts do not depend on it)")
    return p


def _text(ident, result) -> list[str]:
    lines = [f"{ident.id}: {ident.title}", f"  statement: {ident.summary}",
             f"  notation:  {ident.notation.vectors}; {ident.notation.layout}"]
    for k, (step, r) in enumerate(zip(ident.steps, result.results), 1):
        lines.append(f"  {k:>2}. [{_MARK[r.verdict]:>9}] {claim_text(step.claim)}")
        how = f"{r.method}" + (f"; {r.detail}" if r.detail else "")
        lines.append(f"      by {step.justification} -- {how}")
        if r.counterexample:
            lines.append("      counterexample: " + ", ".join(f"{k}={v}" for k, v in r.counterexample.items()))
    lines.append(f"  => {result.verdict} ({_counts(result.count)})")
    return lines


def _latex(ident, result) -> list[str]:
    lines = [f"% {ident.id}", r"\begin{align*}", f"  & {latex_statement(ident)} \\\\"]
    for step, r in zip(ident.steps, result.results):
        lines.append(f"  & {claim_latex(step.claim)} && \\text{{({r.verdict})}} \\\\")
    lines.append(r"\end{align*}")
    return lines


def run(args) -> int:
    from rnnproof.derivecache import derive_cached
    from rnnproof.resultcache import check_cache_root

    idents = registry.resolve(args.ids)
    check_cache_root()  # the results are cached there (``rnnproof list`` reads them)
    totals = dict.fromkeys(Verdict, 0)
    records = []
    results = derive_cached([i.id for i in idents], seed=args.seed, jobs=args.jobs)
    for ident, result in zip(idents, results):
        for v in Verdict:
            totals[v] += result.count(v)
        if args.json:
            records.append({"identity": ident.id, "verdict": str(result.verdict), "steps": [
                {"claim": claim_text(s.claim), "justification": s.justification, "verdict": str(r.verdict),
                 "method": r.method, "detail": r.detail, "counterexample": dict(r.counterexample or {}),
                 "lemma": r.lemma, "rests_on": r.rests_on}
                for s, r in zip(ident.steps, result.results)]})
        else:
            print("\n".join(_latex(ident, result) if args.latex else _text(ident, result)), flush=True)
            print()
    if args.json:
        print(json.dumps(records, indent=2))
    else:
        print(f"{len(idents)} identities, steps: {_counts(totals.__getitem__)}")
    return 1 if totals[Verdict.REFUTED] else 0
