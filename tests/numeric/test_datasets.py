"""Built-in sequences: present without download, deterministic, regimes as constructed."""

import numpy as np
import pytest

from rnnproof.numeric import datasets
from rnnproof.numeric.engine import forward


def test_zen_text_ships_with_python():
    text = datasets.zen_text()
    assert text.startswith("The Zen of Python") and "Beautiful is better than ugly." in text


def test_char_sequences_deterministic():
    a = datasets.char_sequences(20, rng=np.random.default_rng(1))
    b = datasets.char_sequences(20, rng=np.random.default_rng(1))
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]) and a[0].shape == (20, len(a[2]))


def test_adding_problem_targets():
    xs, o = datasets.adding_problem(30, rng=np.random.default_rng(0))
    assert xs[:, 1].sum() == 2 and np.isclose(o[-1, 0], (xs[:, 0] * xs[:, 1]).sum())


@pytest.mark.parametrize("name", datasets.REGIMES)
def test_regimes(name):
    p, xs, o, h0 = datasets.regime(name, rng=np.random.default_rng(0))
    lam1, rho = np.linalg.norm(p.W_hh, 2), np.abs(np.linalg.eigvals(p.W_hh)).max()
    tr = forward(p, xs, h0=h0)
    dphi = 1 - tr.h[1:] ** 2
    if name == "vanishing":
        assert lam1 < 1
    elif name == "exploding":
        assert lam1 > 1 and dphi.min() > 0.99
    elif name == "saturated":
        assert lam1 > 1 and dphi.max() < 1e-4
    else:
        assert rho < 1 and np.linalg.norm(p.W_hh @ p.W_hh, 2) > 1
