"""Numeric half of rnnproof: evaluates what the derivations produced on real RNN runs and
compares it with finite differences, complex step and mpmath references."""
