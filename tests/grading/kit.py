"""Shared material of the grading tests: a fast scalar assignment and its submissions."""

from __future__ import annotations

import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
COURSE = ROOT / "examples" / "course"
DERIV = ROOT / "examples" / "derivations"

#: the sigmoid's derivative: every step SymPy decides in milliseconds
SIGMOID_ASSIGNMENT = """\
assignment: sigmoid_derivative
title: Derivative of the logistic sigmoid
let x: real
def sigma(x) = 1/(1 + exp(-x))
claim: diff(sigma(x), x) = sigma(x)*(1 - sigma(x))
accept: proved
require: sigma(x) - sigma(x)**2
"""
HEAD = "let x: real\ndef sigma(x) = 1/(1 + exp(-x))\n"
GOOD = HEAD + """claim: diff(sigma(x), x) = sigma(x)*(1 - sigma(x))
proof:
    diff(sigma(x), x)
  = exp(-x)/(1 + exp(-x))**2
  = sigma(x) - sigma(x)**2
  = sigma(x)*(1 - sigma(x))
"""
SUBMISSIONS = {
    "good.rnnp": GOOD,
    "good_swapped.rnnp": HEAD + """claim: sigma(x)*(1 - sigma(x)) = diff(sigma(x), x)
proof:
    sigma(x)*(1 - sigma(x))
  = sigma(x) - sigma(x)**2
  = diff(sigma(x), x)
""",
    "slip.rnnp": GOOD.replace("  = sigma(x)*(1 - sigma(x))\n", "  = sigma(x)*(1 + sigma(x))\n"),
    "missing_step.rnnp": HEAD + """claim: diff(sigma(x), x) = sigma(x)*(1 - sigma(x))
proof:
    diff(sigma(x), x)
  = sigma(x)*(1 - sigma(x))
""",
    "other_claim.rnnp": HEAD + """claim: diff(tanh(x), x) = 1 - tanh(x)**2
proof:
    diff(tanh(x), x)
  = 1 - tanh(x)**2
""",
    "positive_x.rnnp": GOOD.replace("let x: real", "let x: positive"),
    "malformed.rnnp": HEAD + "claim: diff(sigma(x), x) = = 1\n",
}


def write(directory: pathlib.Path, files: dict) -> pathlib.Path:
    """Write ``{name: text or bytes}`` into ``directory``; returns it."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (directory / name).write_bytes(data if isinstance(data, bytes) else data.encode())
    return directory
