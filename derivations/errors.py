"""The one exception hierarchy of rnnproof.

Every error that rnnproof raises on purpose derives from :class:`RnnproofError`, so the
command line can turn it into a clear message and an exit code instead of a traceback.
"""

from __future__ import annotations

__all__ = ["RnnproofError", "UnknownIdentityError", "ShapeError", "CheckFailure", "InputError"]


class RnnproofError(Exception):
    """Base class of every error rnnproof raises on purpose."""


class UnknownIdentityError(RnnproofError, KeyError):
    """An identity id that is not in the registry; the message names the closest ids."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ShapeError(RnnproofError, ValueError):
    """An array or matrix of the wrong shape; the message names the array and both shapes."""


class InputError(RnnproofError, ValueError):
    """Malformed user input (a file, an option, a value); the message says where and what."""


class CheckFailure(RnnproofError, AssertionError):
    """A derivation step or numeric check that failed; raised by the ``assert_*`` wrappers."""
