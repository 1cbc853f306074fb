"""The parser: the format, the math whitelist, and errors with file:line:column."""

from __future__ import annotations

import pytest
import sympy as sp

from rnnproof.derivations.errors import InputError
from rnnproof.derivations.userfile import (FileSyntaxError, ForbiddenConstructError, LimitExceededError,
                                           ShapeMismatchError, UnknownNameError, parse_text)
from rnnproof.derivations.userfile.latexsafe import check_latex


def _err(text):
    with pytest.raises(InputError) as info:
        parse_text(text, path="f.rnnp")
    return info.value


def test_declarations_and_shapes():
    df = parse_text("notation: row\nlet n: dim\nlet h: vector(n) in (-1, 1)\nlet W: matrix(n, 3)\n"
                    "let x: positive\nclaim: h @ W = h @ W")
    n = sp.Symbol("n", integer=True, positive=True)
    assert df.claim[0].shape == (1, 3) and df.notation == "row"
    assert df.matrix_domains == {"h": sp.Interval.open(-1, 1)} and sp.Symbol("x", positive=True) in df.scalar_intervals


def test_def_keeps_display_and_expands_semantics():
    df = parse_text("let x: real\ndef sigma(u) = 1/(1 + exp(-u))\nclaim: sigma(x) = sigma(x)")
    lhs = df.claim[0]
    assert lhs.display == sp.Function("sigma")(sp.Symbol("x", real=True))
    assert lhs.semantic == 1 / (1 + sp.exp(-sp.Symbol("x", real=True)))


def test_step_justification_and_latex():
    df = parse_text("let x: real\nproof:\n  x\n  = x + 0   # by: nothing | latex: x + 0\n")
    s = df.steps[0]
    assert (s.rel, s.justification, s.latex, s.line) == ("=", "nothing", "x + 0", 4)


@pytest.mark.parametrize("math, cls, col", [
    ("__import__('os')", ForbiddenConstructError, 8),
    ("x.real", ForbiddenConstructError, 8),
    ("(lambda: 1)()", ForbiddenConstructError, 8),
    ("[y for y in x]", ForbiddenConstructError, 8),
    ("x[0]", ForbiddenConstructError, 8),
    ("'abc'", ForbiddenConstructError, 8),
    ("y + 1", UnknownNameError, 8),
    ("f(x)", UnknownNameError, 8),
    ("exp(x, x)", FileSyntaxError, 8),
    ("1/0", FileSyntaxError, 8),
    ("x/(x - x)", FileSyntaxError, 8),
    ("2**10**10", LimitExceededError, 8),
    ("x**100000", LimitExceededError, 8),
    ("exp(exp(exp(x)))", LimitExceededError, 8),
    ("(" * 200 + "x" + ")" * 200, LimitExceededError, 8),
    ("10**20", LimitExceededError, 8),
    ("x +", FileSyntaxError, 8),
    ("exp(x=1)", ForbiddenConstructError, 8),
])
def test_bad_math_is_rejected_with_position(math, cls, col):
    exc = _err(f"let x: real\nclaim: {math} = 1")
    assert isinstance(exc, cls), exc
    assert exc.line == 2 and exc.col >= col and str(exc).startswith("f.rnnp:2:")


def test_column_points_at_the_unknown_name():
    exc = _err("let x: real\nclaim: x + zeta = 1")
    assert (exc.line, exc.col) == (2, 12)


def test_shape_mismatches():
    base = "let n, m: dim\nlet W: matrix(n, m)\nlet h: vector(n)\n"
    for bad in ("W @ W", "W + h", "h * W", "1/h", "diag(W)", "jacobian(W, h)"):
        assert isinstance(_err(base + f"claim: {bad} = 1"), ShapeMismatchError), bad


def test_matrix_inequality_needs_norms():
    df = parse_text("let n: dim\nlet A: matrix(n, n)\nclaim: norm(A) <= norm(A) + 1")
    assert df.claim[1] == "<="


@pytest.mark.parametrize("text, cls", [
    ("let x real", FileSyntaxError),
    ("let x: banana", FileSyntaxError),
    ("let __x: real", FileSyntaxError),
    ("let exp: real", FileSyntaxError),
    ("let x: real\nlet x: real", FileSyntaxError),
    ("hello", FileSyntaxError),
    ("let x: real\nproof:\n  x\n  => x", FileSyntaxError),
    ("let x: real\nproof:\n  x\n  x", FileSyntaxError),
    ("let x: real", FileSyntaxError),
    ("let x: real in (5, 1)", FileSyntaxError),
    ("let x: real in (0, 1e30)", LimitExceededError),
    ("let v: vector(1000)", LimitExceededError),
    ("x" * 70000, LimitExceededError),
    ("let x: real\x00", FileSyntaxError),
    ("let x: real\nproof:\n  x\n  = x  # ok | latex: \\input{/etc/passwd}", ForbiddenConstructError),
])
def test_malformed_files(text, cls):
    assert isinstance(_err(text), cls)


@pytest.mark.parametrize("latex", [r"\input{x}", r"\write18{rm}", r"\catcode`\%=12", r"\def\a{b}", r"^^5cinput",
                                   "$x$", "x % y", r"\frac{a}{b", r"\immediate\openout"])
def test_latex_whitelist_rejects_injection(latex):
    with pytest.raises(ForbiddenConstructError):
        check_latex(latex)


def test_latex_whitelist_accepts_maths():
    assert check_latex(r"\frac{e^{-x}}{(1+e^{-x})^2} \le \tfrac14 \sigma\left(x\right)")
