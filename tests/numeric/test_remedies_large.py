"""residual_jacobian and highway_jacobian checks at the size users run (n = 64, T = 120), on random cells.

Marked slow (about 3 s each on this machine): the checks' complex-step references cost n forward passes
per compared Jacobian.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from rnnproof.numeric import remedies
from rnnproof.numeric.checks import check_module
from rnnproof.numeric.checks.remedies_base import RemedyContext
from rnnproof.numeric.runs import Checkpoint, Run

N, D, T = 64, 8, 120


def _run(cell, rng):
    W = rng.normal(0, (0.5 if cell == "residual" else 1.0) / np.sqrt(N), (N, N))
    common = dict(W_hh=W, W_xh=rng.normal(0, 1 / np.sqrt(D), (N, D)), b_h=np.zeros(N),
                  W_yh=rng.normal(0, 1 / np.sqrt(N), (1, N)), b_y=np.zeros(1))
    if cell == "residual":
        p = remedies.ResidualParams(**common)
    else:
        p = remedies.HighwayParams(**common, W_g=rng.normal(0, 1 / np.sqrt(N), (N, N)),
                                   U_g=rng.normal(0, 1 / np.sqrt(D), (N, D)), b_g=np.full(N, -1.0))
    xs = rng.uniform(-1, 1, (T, D))
    cp = Checkpoint("final", 0, p, xs, np.zeros((T, 1)), np.zeros(N), "squared")
    return Run(f"random_{cell}_64", "random cell at n = 64, T = 120", {"cell": cell}, 0, (cp,), {}, cell)


@pytest.mark.slow
@pytest.mark.parametrize("ident, cell", [("residual_jacobian", "residual"), ("highway_jacobian", "highway")])
def test_checks_pass_at_n64_T120(ident, cell):
    run = _run(cell, np.random.default_rng(64))
    start = time.perf_counter()
    res = check_module(ident).check(RemedyContext(ident, run, run.checkpoints[0], 0))
    elapsed = time.perf_counter() - start
    assert res and all(r.passed for r in res), [r for r in res if not r.passed]
    print(f"{ident}: {len(res)} checks at n={N}, T={T} in {elapsed:.2f} s")


@pytest.mark.slow
@pytest.mark.parametrize("ident, cell", [("residual_jacobian", "residual"), ("highway_jacobian", "highway")])
@pytest.mark.parametrize("mutation", ["transposed", "scaled by 1 + 1e-7"])
def test_a_wrong_jacobian_fails_at_n64_T120(monkeypatch, ident, cell, mutation):
    """Detection power at the size users run: the derived one-step Jacobian transposed, or off by a
    relative 1e-7 in every entry, fails its check (the tolerances stay near rounding at n = 64)."""
    original = RemedyContext.expression
    change = (lambda e: e.T) if mutation == "transposed" else (lambda e: e * (1 + 1e-7))

    def mutated(self, name):
        e = original(self, name)
        return change(e) if name == "J" else e
    monkeypatch.setattr(RemedyContext, "expression", mutated)
    run = _run(cell, np.random.default_rng(64))
    res = check_module(ident).check(RemedyContext(ident, run, run.checkpoints[0], 0))
    failed = [r for r in res if not r.passed]
    assert any(r.quantity.startswith("dh_t/dh_(t-1)") for r in failed), [r.quantity for r in res]
