"""``rnnproof list``: every identity with its title and symbolic status, instantly.

Nothing is derived here: the titles are read from the catalogue's sources and the status
comes from the derivation cache that ``rnnproof derive`` and ``rnnproof report`` fill
(:mod:`rnnproof.derivecache`, keyed by the code and the SymPy version).  An identity whose
derivation is not cached for the running code is listed without a status, and a footnote
says how to fill it.
"""

from __future__ import annotations

import json

__all__ = ["add_parser", "run"]


def add_parser(sub):
    p = sub.add_parser("list", help="list the catalogue: id, section, title and the cached symbolic status",
                       description="List the catalogue (instant: the status comes from the derivation cache "
                                   "that `rnnproof derive` and `rnnproof report` fill; nothing is derived).")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--no-status", action="store_true", help="leave out the symbolic status")
    return p


def run(args) -> int:
    from rnnproof.derivecache import cached_results, catalogue_listing

    rows = catalogue_listing()
    cached = {} if args.no_status else cached_results([r["id"] for r in rows])
    for r in rows:
        res = cached.get(r["id"])
        r["status"] = "" if res is None else str(res.verdict)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    w = max(len(r["id"]) for r in rows)
    for r in rows:
        print(f"{r['id']:<{w}}  {r['section']}  {r['title']}" + (f"  [{r['status']}]" if r["status"] else ""))
    missing = sum(not r["status"] for r in rows)
    if missing and not args.no_status:
        print(f"({missing} of {len(rows)} without a status: not derived yet by this version of the code; "
              "`rnnproof derive` derives and caches them)")
    return 0
