"""The derivation cache: step verdicts of every identity, keyed by the code that produced them.

``rnnproof derive`` and ``rnnproof report`` store each identity's :class:`DerivationResult`
(every :class:`StepResult`, as JSON) in the ``derive`` namespace of
:class:`~rnnproof.resultcache.ResultCache`; ``rnnproof list`` reads the status from there and
never derives.  The key (:func:`derive_key`) is the identity id, the seed and
:func:`~rnnproof.resultcache.code_versions` (rnnproof version, SymPy version, a digest of every
source file), so edited code or another SymPy simply misses.  An entry that does not
deserialise into a well-formed result reads as absent (recomputed), never trusted.

:func:`catalogue_listing` gives id, section and title of every identity without importing the
catalogue (which builds SymPy expressions, about 1.5 s): the two literal keyword arguments are
read from each catalogue module's source with :mod:`ast` (parsed, never executed); a module
whose title is not a literal is imported instead.
"""

from __future__ import annotations

import ast
import importlib.util
import pathlib
from typing import Any, Sequence

from rnnproof.derivations.model import DerivationResult, StepResult, Verdict
from rnnproof.resultcache import ResultCache, code_versions, content_key

__all__ = ["NAMESPACE", "derive_key", "result_to_json", "result_from_json", "cached_results", "store_results",
           "derive_cached", "catalogue_listing"]

NAMESPACE = "derive"


def derive_key(identity_id: str, seed: int) -> str:
    """The cache key of one identity's derivation at ``seed`` under the running code."""
    return content_key(NAMESPACE, identity_id, int(seed), *code_versions())


def result_to_json(result: DerivationResult) -> dict:
    """A JSON-ready record of every step result."""
    steps = [{"verdict": r.verdict.value, "method": r.method, "detail": r.detail,
              "counterexample": None if r.counterexample is None else {str(k): str(v) for k, v in
                                                                       r.counterexample.items()},
              "max_discrepancy": r.max_discrepancy, "points": r.points, "dps": r.dps,
              "explicit_sizes": list(r.explicit_sizes), "lemma": r.lemma, "rests_on": r.rests_on}
             for r in result.results]
    return {"identity": result.identity, "seed": result.seed, "steps": steps}


def result_from_json(value: Any, identity_id: str, seed: int) -> DerivationResult | None:
    """The result stored by :func:`result_to_json`, or ``None`` when ``value`` is not one."""
    try:
        if value["identity"] != identity_id or value["seed"] != seed:
            return None
        steps = tuple(StepResult(verdict=Verdict(s["verdict"]), method=str(s["method"]), detail=str(s["detail"]),
                                 counterexample=None if s["counterexample"] is None else dict(s["counterexample"]),
                                 max_discrepancy=s["max_discrepancy"], points=int(s["points"]), dps=int(s["dps"]),
                                 explicit_sizes=tuple(int(n) for n in s["explicit_sizes"]),
                                 lemma=str(s["lemma"]), rests_on=str(s["rests_on"]))
                      for s in value["steps"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return DerivationResult(identity=identity_id, results=steps, seed=seed) if steps else None


def cached_results(ids: Sequence[str], *, seed: int = 0, cache: ResultCache | None = None) -> dict:
    """``{id: DerivationResult}`` for the ids whose derivation is in the cache (others absent)."""
    cache = cache or ResultCache(NAMESPACE)
    out = {}
    for i in ids:
        r = result_from_json(cache.get(derive_key(i, seed)), i, seed)
        if r is not None:
            out[i] = r
    return out


def store_results(results: Sequence[DerivationResult], *, seed: int = 0, cache: ResultCache | None = None) -> None:
    """Store every result (the key is computed from its identity and ``seed``)."""
    cache = cache or ResultCache(NAMESPACE)
    for r in results:
        cache.put(derive_key(r.identity, seed), result_to_json(r))


def derive_cached(ids: Sequence[str], *, seed: int = 0, jobs: int | None = None) -> list[DerivationResult]:
    """:func:`~rnnproof.derivations.batch.derive_many` for the ids the cache does not hold, the
    cached results for the others (catalogue order kept); new results are stored."""
    from rnnproof.derivations.batch import derive_many

    cache = ResultCache(NAMESPACE)
    have = cached_results(ids, seed=seed, cache=cache)
    todo = [i for i in ids if i not in have]
    if todo:
        fresh = derive_many(todo, seed=seed, jobs=jobs)
        store_results(fresh, seed=seed, cache=cache)
        have.update(zip(todo, fresh))
    return [have[i] for i in ids]


def _literal_fields(path: pathlib.Path) -> dict | None:
    """``{"title", "section"}`` from ``IDENTITY = Identity(title="...", section="...")``."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None
    for node in tree.body:
        if (isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "IDENTITY" for t in node.targets)
                and isinstance(node.value, ast.Call)):
            kw = {k.arg: k.value for k in node.value.keywords if k.arg in ("title", "section")}
            if all(isinstance(kw.get(f), ast.Constant) and isinstance(kw[f].value, str) for f in ("title", "section")):
                return {f: kw[f].value for f in ("title", "section")}
    return None


def catalogue_listing() -> list[dict]:
    """``[{"id", "section", "title"}]`` of every registered identity, in catalogue order."""
    from rnnproof.derivations import registry

    rows = []
    for i in registry.all_ids():
        spec = importlib.util.find_spec(f"rnnproof.derivations.catalogue.{i}")
        fields = _literal_fields(pathlib.Path(spec.origin)) if spec and spec.origin else None
        if fields is None:  # not a literal: load the identity itself
            ident = registry.get(i)
            fields = {"title": ident.title, "section": ident.section}
        rows.append({"id": i, **fields})
    return rows
