"""The first run of a new user (issue 13): instant ``list``, bad paths refused before any work,
a misspelled option answered with its subcommand's usage, and the derivation cache."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from rnnproof.cli import main
from rnnproof.derivations import Verdict, registry
from rnnproof.derivecache import (NAMESPACE, cached_results, catalogue_listing, derive_key, result_from_json,
                                  result_to_json, store_results)
from rnnproof.resultcache import ResultCache


@pytest.fixture
def cache(tmp_path, monkeypatch):
    root = tmp_path / "cache"
    monkeypatch.setenv("RNNPROOF_CACHE", str(root))
    return root


@pytest.fixture
def no_work(monkeypatch):
    """Any derivation or numeric check fails the test: bad input must be refused first."""
    def boom(*a, **k):
        raise AssertionError("work started before the paths were checked")
    monkeypatch.setattr("rnnproof.derivations.batch.derive_many", boom)
    monkeypatch.setattr("rnnproof.derivecache.derive_cached", boom)
    monkeypatch.setattr("rnnproof.numeric.checks.run_checks", boom)


@pytest.mark.parametrize("out", ["/proc/rnnproof-x", "FILE"])
def test_report_refuses_a_bad_out_before_any_work(out, tmp_path, cache, no_work, capsys):
    if out == "FILE":
        out = tmp_path / "a-regular-file"
        out.write_text("x")
    assert main(["report", "sigmoid_derivative", "--out", str(out), "--no-pdf"]) == 2
    err = capsys.readouterr().err
    assert "report --out" in err and str(out) in err and "Traceback" not in err


@pytest.mark.parametrize("command", [["report", "sigmoid_derivative", "--no-pdf"], ["check", "tanh_jacobian"],
                                     ["derive", "sigmoid_derivative"]])
def test_unusable_cache_is_bad_input_before_any_work(command, tmp_path, monkeypatch, no_work, capsys):
    monkeypatch.setenv("RNNPROOF_CACHE", "/proc/rnnproof-x")
    monkeypatch.chdir(tmp_path)
    assert main(command) == 2
    err = capsys.readouterr().err
    assert "RNNPROOF_CACHE" in err and "/proc/rnnproof-x" in err


@pytest.mark.parametrize("command", ["report", "check", "derive", "list"])
def test_misspelled_option_prints_the_subcommands_usage(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "--no-pfd"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"usage: rnnproof {command}" in err and "--no-pfd" in err


def test_list_takes_titles_from_the_sources_without_loading_the_catalogue():
    code = ("import sys, json; from rnnproof.cli import main; main(['list', '--json']); "
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith('rnnproof.derivations.catalogue.'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = json.loads(out.strip().splitlines()[-1])
    assert loaded == [], f"rnnproof list imported catalogue modules {loaded}"
    for row in catalogue_listing():
        ident = registry.get(row["id"])
        assert (row["title"], row["section"]) == (ident.title, ident.section)


def test_list_status_comes_from_the_derivation_cache(cache, capsys):
    assert main(["list", "--json"]) == 0
    assert {r["status"] for r in json.loads(capsys.readouterr().out)} == {""}
    assert main(["derive", "sigmoid_derivative", "--jobs", "1"]) == 0
    capsys.readouterr()
    assert main(["list", "--json"]) == 0
    rows = {r["id"]: r["status"] for r in json.loads(capsys.readouterr().out)}
    assert rows["sigmoid_derivative"] == str(Verdict.PROVED)
    assert all(s == "" for i, s in rows.items() if i != "sigmoid_derivative")


def test_cached_lemma_verdicts_keep_their_lemma(cache):
    """A step proved by lemma keeps the lemma's name and what it rests on through the cache (the
    report's Lemmas section and its pointers are built from them)."""
    result = registry.get("jacobian_norm_bound").derive(seed=0)
    lemmas = [r.lemma for r in result.results if r.verdict is Verdict.BY_LEMMA]
    assert lemmas and all(lemmas)
    store_results([result], seed=0)
    assert cached_results([result.identity], seed=0) == {result.identity: result}


def test_cached_result_round_trips_and_a_corrupt_entry_is_a_miss(cache):
    result = registry.get("sigmoid_derivative").derive(seed=0)
    assert result_from_json(json.loads(json.dumps(result_to_json(result))), result.identity, 0) == result
    store_results([result], seed=0)
    assert cached_results([result.identity], seed=0) == {result.identity: result}
    assert cached_results([result.identity], seed=1) == {}  # another seed is another key
    store = ResultCache(NAMESPACE)
    store.put(derive_key(result.identity, 0), {"identity": result.identity, "seed": 0, "steps": [{"verdict": "??"}]})
    assert cached_results([result.identity], seed=0) == {}


def test_derive_prints_every_verdict(cache, monkeypatch, capsys):
    from rnnproof.derivations.model import DerivationResult, StepResult

    ident = registry.get("sigmoid_derivative")
    verdicts = [Verdict.PROVED, Verdict.PROVED_INTERVAL, Verdict.BY_LEMMA, Verdict.UNDECIDED, Verdict.CONFIRMED]
    fake = DerivationResult(ident.id, tuple(StepResult(v, "synthetic") for v in verdicts[:len(ident.steps)]))
    monkeypatch.setattr("rnnproof.derivecache.derive_cached", lambda ids, **kw: [fake])
    assert main(["derive", ident.id]) == 0
    out = capsys.readouterr().out
    for v in verdicts[:len(ident.steps)]:
        assert f"1 {v.value}" in out, v
