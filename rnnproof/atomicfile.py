"""One way to write a file atomically: a reader sees the old content or the new, never half.

The data goes to a fresh ``O_EXCL`` temporary file in the target's directory (``mkstemp``, so
concurrent writers from several threads or processes never share a temporary name), is flushed
to disk, and is moved over the target with :func:`os.replace`.  ``os.replace`` replaces a
symlink at the target instead of writing through it, so a link planted in a report directory
cannot redirect the write.  On any error the temporary file is removed and the target is left
as it was.

References
----------
POSIX ``rename(2)``, ``open(2)`` with ``O_EXCL``; Python :func:`tempfile.mkstemp`, :func:`os.replace`.
"""

from __future__ import annotations

import os
import pathlib
import tempfile

__all__ = ["write_bytes_atomic"]


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (its directory must exist).

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> write_bytes_atomic(p, b"hello"); p.read_bytes()
    b'hello'
    """
    target = pathlib.Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name[:40]}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
