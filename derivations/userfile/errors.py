"""Errors raised while reading or checking a derivation file (``.rnnp``).

Every error names the place: ``FILE:LINE:COL: message``.  They all derive from
:class:`~derivations.errors.InputError`, so the command line prints them and exits 2, never a
traceback.
"""

from __future__ import annotations

from ..errors import InputError

__all__ = ["DerivationFileError", "FileSyntaxError", "UnknownNameError", "ShapeMismatchError",
           "LimitExceededError", "ForbiddenConstructError", "UncheckableStepError"]


class DerivationFileError(InputError):
    """A problem at a known place of a derivation file.

    Parameters
    ----------
    message : str
        What is wrong, and where possible how to fix it.
    path : str
        File name as given by the user (``"<string>"`` for text).
    line, col : int
        1-based position of the offending text.
    """

    def __init__(self, message: str, *, path: str = "<string>", line: int = 1, col: int = 1):
        super().__init__(message)
        self.message, self.path, self.line, self.col = message, path, line, col

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


class FileSyntaxError(DerivationFileError):
    """A line that does not follow the file format, or math that is not valid syntax."""


class UnknownNameError(DerivationFileError):
    """A name that was never declared with ``let`` or ``def``, or an unknown function."""


class ShapeMismatchError(DerivationFileError):
    """Operands whose shapes do not fit (``W @ h`` with the wrong sizes, matrix ``<=``...)."""


class LimitExceededError(DerivationFileError):
    """Input beyond a documented safety cap: file size, expression depth, exponent size, time."""


class ForbiddenConstructError(DerivationFileError):
    """Python syntax outside the math whitelist: attributes, lambdas, subscripts, dunder names..."""


class UncheckableStepError(DerivationFileError):
    """SymPy failed inside the check of a step; the step has no verdict (the message says why)."""
