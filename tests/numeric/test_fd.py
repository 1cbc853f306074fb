"""Finite differences: value and an honest error estimate on functions with known derivatives."""

import numpy as np
import pytest

from rnnproof.numeric import fd


def f(x):
    return np.array([np.sin(x[0]) * np.exp(x[1]), x[0] ** 3 / (1 + x[1] ** 2)])


def J_true(x):
    return np.array([[np.cos(x[0]) * np.exp(x[1]), np.sin(x[0]) * np.exp(x[1])],
                     [3 * x[0] ** 2 / (1 + x[1] ** 2), -2 * x[1] * x[0] ** 3 / (1 + x[1] ** 2) ** 2]])


@pytest.mark.parametrize("seed", range(20))
def test_central_error_estimate_is_honest(seed):
    x = np.random.default_rng(seed).uniform(-3, 3, 2) * 10.0 ** np.random.default_rng(seed).integers(-2, 2)
    J, err = fd.central_jacobian(f, x)
    assert np.all(np.abs(J - J_true(x)) <= err)


def test_complex_step_accuracy():
    x = np.array([0.7, -0.3])
    J, err = fd.complex_step_jacobian(f, x)
    assert np.all(np.abs(J - J_true(x)) <= err + 1e-300)


def f_mp(x):
    c = x[0].context
    return np.array([c.sin(x[0]) * c.exp(x[1]), x[0] ** 3 / (1 + x[1] ** 2)], dtype=object)


def test_mpmath_reference():
    x = np.array([0.7, -0.3])
    J, err = fd.mpmath_jacobian(f_mp, x)
    assert np.abs(J - J_true(x)).max() < 1e-15 and err.max() < 1e-35


@pytest.mark.parametrize("method", ["complex", "central"])
def test_directional(method):
    x, u = np.array([0.7, -0.3]), np.array([0.6, 0.8])
    d, err = fd.directional_derivative(f, x, u, method=method)
    assert np.all(np.abs(d - J_true(x) @ u) <= err + 1e-300)
