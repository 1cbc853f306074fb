"""A content-keyed on-disk cache of JSON results (derivation verdicts, graded files).

Each entry is one JSON file ``<namespace>/<key>.json`` holding ``{"key", "namespace",
"value"}``.  The key is a SHA-256 of everything the result depends on (:func:`content_key`:
file text, rnnproof version, SymPy version, seed, ...), so a changed input or a new version
simply misses.  Writes are atomic (temporary file in the same directory, then
:func:`os.replace`), safe from several threads and processes at once; a missing, truncated,
corrupt or foreign entry reads as absent, so the caller recomputes it: an entry is never
trusted blindly.

A cache directory that cannot be used (a regular file, ``/proc/...``, not writable) is bad
input: :func:`validate_cache_dir` raises :class:`~rnnproof.derivations.errors.InputError`
naming the path, before any work starts.

References
----------
POSIX ``rename(2)``; Python :func:`os.replace`; the run cache :mod:`rnnproof.numeric.cache`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import pathlib
import re
import tempfile
from typing import Any

from rnnproof.atomicfile import write_bytes_atomic
from rnnproof.derivations.errors import InputError

__all__ = ["ResultCache", "content_key", "cache_root", "validate_cache_dir", "validate_writable_dir", "check_cache_root",
           "code_versions"]

_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def cache_root(path: str | os.PathLike | None = None) -> pathlib.Path:
    """``path``, else ``$RNNPROOF_CACHE``, else ``~/.cache/rnnproof`` (same root as the run cache)."""
    return pathlib.Path(path or os.environ.get("RNNPROOF_CACHE") or pathlib.Path.home() / ".cache" / "rnnproof")


def validate_writable_dir(path: str | os.PathLike, *, what: str = "directory") -> pathlib.Path:
    """Create ``path`` if needed and check that it is a writable directory.

    Parameters
    ----------
    path : path-like
    what : str
        How the message names it (``"cache directory"``, ``"report --out"``).

    Raises
    ------
    InputError
        When ``path`` exists but is not a directory, cannot be created, or is not writable
        (the message names the path and the reason; the CLI turns it into exit 2).
    """
    p = pathlib.Path(path)
    try:
        p.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise InputError(f"{what} {str(p)!r}: exists and is not a directory") from None
    except OSError as exc:
        raise InputError(f"{what} {str(p)!r}: cannot be created ({exc.strerror or exc})") from None
    if not p.is_dir():
        raise InputError(f"{what} {str(p)!r}: not a directory")
    try:
        fd, probe = tempfile.mkstemp(dir=p, prefix=".probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise InputError(f"{what} {str(p)!r}: not writable ({exc.strerror or exc})") from None
    return p


def validate_cache_dir(path: str | os.PathLike) -> pathlib.Path:
    """Create ``path`` if needed and check that it is a writable directory.

    Raises
    ------
    InputError
        When ``path`` exists but is not a directory, cannot be created, or is not writable
        (the message names the path and the reason; the CLI turns it into exit 2).
    """
    return validate_writable_dir(path, what="cache directory")


def check_cache_root() -> pathlib.Path:
    """Validate the cache root every command uses (``$RNNPROOF_CACHE`` or the default) before
    any work; the message names the environment variable when it set the path."""
    env = os.environ.get("RNNPROOF_CACHE")
    what = "RNNPROOF_CACHE: cache directory" if env else "cache directory"
    return validate_writable_dir(cache_root(), what=what)


def content_key(*parts: str | bytes | int) -> str:
    """SHA-256 (hex) of ``parts``, each length-prefixed so that no two part lists collide.

    >>> content_key("a", "bc") != content_key("ab", "c")
    True
    """
    h = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode("utf-8")
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def code_versions() -> tuple[str, str, str]:
    """``(rnnproof version, SymPy version, source digest)``: every result key includes all three.

    The source digest hashes the text of every ``.py`` file of the installed rnnproof packages
    (``rnnproof``, ``rnnproof.derivations``, ``rnnproof.numeric``), so an edited checkout never
    reads results computed by other code, even when the version number did not change.
    """
    import sympy

    import rnnproof

    try:
        from importlib.metadata import version

        own = version("rnnproof")
    except Exception:  # a source checkout that is not installed
        own = "source"
    h = hashlib.sha256()
    # only package folders: a source checkout also puts its root on rnnproof.__path__ (so that
    # rnnproof.derivations finds derivations/), and hashing the root would read tests, reports
    # and any virtual environment inside the checkout
    roots = sorted({pathlib.Path(p).resolve() for p in rnnproof.__path__ if (pathlib.Path(p) / "__init__.py").is_file()})
    for sub in ("derivations", "numeric"):
        mod = __import__(f"rnnproof.{sub}", fromlist=["__path__"])
        roots += sorted({pathlib.Path(p).resolve() for p in mod.__path__})
    for root in roots:
        for f in sorted(root.rglob("*.py")):
            h.update(str(f.relative_to(root)).encode())
            h.update(f.read_bytes())
    return own, sympy.__version__, h.hexdigest()[:16]


class ResultCache:
    """JSON results under ``<root>/<namespace>/``, keyed by :func:`content_key`.

    Parameters
    ----------
    namespace : str
        Sub-folder, e.g. ``"derive"`` or ``"grade"`` (letters, digits, ``_.-``).
    root : path, optional
        Cache root (default :func:`cache_root`); validated lazily on the first write, or
        eagerly with :meth:`validate`.
    """

    def __init__(self, namespace: str, root: str | os.PathLike | None = None) -> None:
        if not _NAME.match(namespace):
            raise InputError(f"cache namespace {namespace!r}: use letters, digits, '_', '.', '-'")
        self.namespace = namespace
        self.directory = cache_root(root) / namespace
        self._validated = False  # the directory is checked once, before the first write

    def validate(self) -> "ResultCache":
        """Check (and create) the directory now; raises InputError when unusable."""
        validate_cache_dir(self.directory)
        self._validated = True
        return self

    def _path(self, key: str) -> pathlib.Path:
        if not re.fullmatch(r"[0-9a-f]{16,128}", key):
            raise InputError(f"cache key {key!r}: expected a hex digest from content_key()")
        return self.directory / f"{key}.json"

    def get(self, key: str) -> Any | None:
        """The stored value, or ``None`` when absent, unreadable, corrupt or not this entry."""
        path = self._path(key)  # a malformed key is a caller's bug: raised, not read as a miss
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("key") != key or entry.get("namespace") != self.namespace:
            return None
        return entry.get("value")

    def put(self, key: str, value: Any) -> None:
        """Store ``value`` (JSON-serialisable) atomically; a concurrent writer of the same key is harmless."""
        path = self._path(key)
        data = json.dumps({"key": key, "namespace": self.namespace, "value": value}, sort_keys=True)
        if not self._validated:
            self.validate()
        write_bytes_atomic(path, data.encode("utf-8"))
