"""Symbolic half of rnnproof: identities derived step by step in SymPy, every step checked.

This package never imports :mod:`rnnproof.numeric`; data flows derivations -> numeric -> reports.
"""

from .errors import RnnproofError
from .model import DerivationResult, Identity, Step, StepResult, Verdict
from .registry import IDS, all_identities, all_ids, get, resolve

__all__ = ["RnnproofError", "DerivationResult", "Identity", "Step", "StepResult", "Verdict",
           "IDS", "all_identities", "all_ids", "get", "resolve"]
