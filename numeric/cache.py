"""On-disk cache of runs: ``<key>.npz`` + ``<key>.json`` manifest with a SHA-256 checksum.

The key hashes the configuration, the seed and :data:`CODE_VERSION`; writes are atomic
(temporary file in the same directory + :func:`os.replace`, manifest last).  A missing,
truncated, corrupt (checksum mismatch) or stale (different key/version in the manifest) entry
is reported as absent, so the caller rebuilds it: a cache entry is never trusted blindly.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["CODE_VERSION", "cache_dir", "cache_key", "save", "load"]

#: bump when the engine, the datasets or the training loop change what a run contains
CODE_VERSION = "runs-3"


def cache_dir(path=None) -> Path:
    """``path``, else ``$RNNPROOF_CACHE``, else ``~/.cache/rnnproof``."""
    return Path(path or os.environ.get("RNNPROOF_CACHE") or Path.home() / ".cache" / "rnnproof")


def cache_key(name: str, config: dict, seed: int) -> str:
    """Hash of (name, configuration, seed, code version)."""
    blob = json.dumps({"name": name, "config": config, "seed": seed, "version": CODE_VERSION}, sort_keys=True)
    return f"{name}-{hashlib.sha256(blob.encode()).hexdigest()[:16]}"


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save(directory, key: str, arrays: dict, meta: dict) -> None:
    """Write ``arrays`` (npz) then the manifest (with the npz checksum) atomically."""
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    data = buf.getvalue()
    d = cache_dir(directory)
    _atomic_write(d / f"{key}.npz", data)
    manifest = {"key": key, "version": CODE_VERSION, "sha256": hashlib.sha256(data).hexdigest(), "meta": meta}
    _atomic_write(d / f"{key}.json", json.dumps(manifest, sort_keys=True).encode())


def load(directory, key: str):
    """``(arrays, meta)`` if the entry is present, intact and current; else ``None``."""
    d = cache_dir(directory)
    try:
        manifest = json.loads((d / f"{key}.json").read_text())
        data = (d / f"{key}.npz").read_bytes()
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("key") != key or manifest.get("version") != CODE_VERSION:
        return None
    if manifest.get("sha256") != hashlib.sha256(data).hexdigest():
        return None
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError, EOFError):
        return None
    return arrays, manifest.get("meta", {})
