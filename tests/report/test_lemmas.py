"""The Lemmas section: each lemma a step is proved by is stated and proved once, and every such
step points to it (instead of repeating the proof at each use)."""

from __future__ import annotations

import re

from rnnproof.derivations import registry
from rnnproof.derivations.model import Verdict
from rnnproof.derivecache import derive_cached
from rnnproof.report.lemmas import lemma_label, lemma_section, used_lemmas
from rnnproof.report.writer import build_report

IDS = ("jacobian_norm_bound", "product_norm_bound", "tanh_derivative")


def _build():
    idents = [registry.get(i) for i in IDS]
    results = derive_cached(IDS, seed=0)
    return idents, results, build_report(idents, results)


def test_every_lemma_step_points_to_its_one_entry():
    idents, results, files = _build()
    main = files["rnnproof.tex"]
    used = used_lemmas(results)
    assert {"submultiplicativity", "diag_norm"} <= set(used)
    for name in used:
        assert main.count(r"\label{%s}" % lemma_label(name)) == 1, name
    steps = sum(r.verdict is Verdict.BY_LEMMA for res in results for r in res.results)
    links = re.findall(r"\\hyperref\[lemma:([a-z_]+)\]", main)
    assert len(links) == steps and set(links) == set(used)
    # the appendix says how each step was settled: it points to its own copy of the lemmas
    appendix = files["rnnproof-appendix.tex"]
    pointers = re.findall(r"\\pageref\{lemma:([a-z_]+)\}", appendix)
    assert len(pointers) == steps and set(pointers) == set(used)
    for name in used:
        assert appendix.count(r"\label{%s}" % lemma_label(name)) == 1, name
    # the proof text of a lemma is printed once per document, not at every step
    proof = "the definition of the induced norm"
    for doc in (main, appendix):
        assert doc.count(proof) == sum(proof in rests for rests in used.values()) >= 1


def test_no_lemma_no_section():
    results = derive_cached(("tanh_derivative",), seed=0)
    assert used_lemmas(results) == {} and lemma_section(results) == ""


def test_standalone_section_carries_its_lemmas():
    _, _, files = _build()
    alone = files["product_norm_bound.tex"]
    for name in re.findall(r"\\pageref\{lemma:([a-z_]+)\}", alone):
        assert r"\label{%s}" % lemma_label(name) in alone
