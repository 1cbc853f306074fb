"""``rnnproof list``: every identity with its title and symbolic status."""

from __future__ import annotations

import json

from rnnproof.derivations import registry
from rnnproof.derivations.batch import derive_many

__all__ = ["add_parser", "run"]


def add_parser(sub):
    p = sub.add_parser("list", help="list the catalogue: id, title and symbolic status")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--no-status", action="store_true", help="skip checking the derivations (instant)")
    return p


def run(args) -> int:
    rows = []
    idents = registry.all_identities()
    results = [None] * len(idents) if args.no_status else derive_many([i.id for i in idents])
    for ident, result in zip(idents, results):
        status = "" if result is None else str(result.verdict)
        rows.append({"id": ident.id, "section": ident.section, "title": ident.title, "status": status})
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    w = max(len(r["id"]) for r in rows)
    for r in rows:
        print(f"{r['id']:<{w}}  {r['section']}  {r['title']}" + (f"  [{r['status']}]" if r["status"] else ""))
    return 0
