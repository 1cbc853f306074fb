"""Atomic file writes for the report: a reader never sees a half-written file.

Each file is written to a temporary name in the same directory, flushed to disk and moved
over the target with :func:`os.replace` (atomic on POSIX and Windows).  On any error or
interrupt the temporary file is removed and the old target is left untouched.

References
----------
POSIX ``rename(2)``; Python :func:`os.replace`.
"""

from __future__ import annotations

import os
import pathlib

__all__ = ["write_atomic", "remove_quietly", "read_or_none"]


def read_or_none(path: pathlib.Path) -> str | None:
    """The text of ``path``, or ``None`` when it does not exist."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def remove_quietly(path: pathlib.Path) -> None:
    """Delete ``path`` if it exists."""
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def write_atomic(path: pathlib.Path, text: str, *, stale: tuple[pathlib.Path, ...] = ()) -> bool:
    """Write ``text`` to ``path`` atomically; return True when the content changed.

    Parameters
    ----------
    path : pathlib.Path
        Target file; its directory must exist.
    text : str
        New content (UTF-8, ``\\n`` line ends on every platform).
    stale : tuple of pathlib.Path
        Files made from the old content (the PDF of a ``.tex``); deleted *before* the new
        content becomes visible, so an old PDF never sits beside a new ``.tex``.
    """
    path = pathlib.Path(path)
    if read_or_none(path) == text:
        return False
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        for s in stale:
            remove_quietly(pathlib.Path(s))
        os.replace(tmp, path)
    except BaseException:
        remove_quietly(tmp)
        raise
    return True
