"""Derivations written by people: the ``.rnnp`` file format, its safe parser and its checker.

>>> from rnnproof.derivations.userfile import parse_text, verify
>>> df = parse_text("let x: real\\nclaim: exp(x)*exp(-x) = 1")
>>> verify(df).verdict.value
'proved'

Symbolic only: this package never imports :mod:`rnnproof.numeric`.
"""

from .errors import (DerivationFileError, FileSyntaxError, ForbiddenConstructError, LimitExceededError,
                     ShapeMismatchError, UncheckableStepError, UnknownNameError)
from .model import ChainStep, Declaration, DerivationFile, Expr
from .parser import parse_file, parse_text
from .verify import CheckedStep, FileResult, verify

__all__ = ["DerivationFileError", "FileSyntaxError", "ForbiddenConstructError", "LimitExceededError",
           "ShapeMismatchError", "UncheckableStepError", "UnknownNameError", "ChainStep", "Declaration",
           "DerivationFile", "Expr", "parse_file", "parse_text", "CheckedStep", "FileResult", "verify"]
