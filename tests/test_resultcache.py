"""The content-keyed result cache: round trip, misses, corruption, concurrency, bad directories."""

from __future__ import annotations

import threading

import pytest

from rnnproof.derivations.errors import InputError
from rnnproof.resultcache import ResultCache, code_versions, content_key, validate_cache_dir


def test_round_trip_and_miss(tmp_path):
    cache = ResultCache("derive", tmp_path)
    key = content_key("file text", 7)
    assert cache.get(key) is None
    cache.put(key, {"verdict": "proved", "steps": [1, 2]})
    assert cache.get(key) == {"verdict": "proved", "steps": [1, 2]}
    assert ResultCache("grade", tmp_path).get(key) is None  # namespaces are apart


def test_keys_are_length_prefixed():
    assert content_key("a", "bc") != content_key("ab", "c")
    assert content_key("a", 1) == content_key("a", "1")


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"key": "other", "namespace": "derive", "value": 1}', b"[1]"])
def test_corrupt_entries_read_as_absent(tmp_path, damage):
    cache = ResultCache("derive", tmp_path)
    key = content_key("x")
    cache.put(key, 1)
    (cache.directory / f"{key}.json").write_bytes(damage)
    assert cache.get(key) is None


def test_concurrent_writers(tmp_path):
    cache = ResultCache("grade", tmp_path)
    keys = [content_key(i) for i in range(40)]
    threads = [threading.Thread(target=lambda k=k: [cache.put(k, {"k": k}) for _ in range(5)]) for k in keys]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(cache.get(k) == {"k": k} for k in keys)
    assert not list(cache.directory.glob("*.tmp"))


def test_bad_directories_are_input_errors(tmp_path):
    regular = tmp_path / "file"
    regular.write_text("x")
    for bad in (regular, regular / "under", "/proc/rnnproof-cache"):
        with pytest.raises(InputError, match="cache directory"):
            validate_cache_dir(bad)


def test_bad_keys_and_namespaces(tmp_path):
    with pytest.raises(InputError):
        ResultCache("../up", tmp_path)
    with pytest.raises(InputError):
        ResultCache("derive", tmp_path).get("../../etc/passwd")


def test_code_versions_name_the_source():
    own, sympy_version, digest = code_versions()
    assert own and sympy_version and len(digest) == 16
