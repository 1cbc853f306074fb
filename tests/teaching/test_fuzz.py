"""Fuzz: random and mutated derivation files never raise anything but an InputError.

(The hostile-input campaign through the command line is tests/hostile/test_campaign.py.)

Example counts scale with the active Hypothesis profile (tests/conftest.py): the parser fuzz
runs ``17 x max_examples`` (dev 170, ci 1,020, thorough 10,200); the parse-and-verify fuzz
runs ``max_examples`` (dev 10, ci 60, thorough 600) because each verification samples at
40 digits.
"""

from __future__ import annotations

import pathlib

import pytest
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st

from rnnproof.derivations.errors import InputError
from rnnproof.derivations.userfile import parse_text, verify
from rnnproof.sandbox import Limits, run_limited

EX = pathlib.Path(__file__).resolve().parents[2] / "examples" / "derivations"
SEEDS = [p.read_text() for p in sorted(EX.glob("*.rnnp"))]
SCALAR_SEEDS = [t for t in SEEDS if "matrix(" not in t and "vector(" not in t]
HOSTILE = ["__import__('os')", ".system", "lambda x: x", "[x for x in y]", "x[0]", "**99999", "1/0", "(" * 60,
           ")" * 3, "\\input{/etc/passwd}", "\\write18{ls}", "| latex: \\catcode", "# by: ", "=", "<=", "<", ">=",
           "@", "diag(", "jacobian(", "T(", "norm(", "exp(exp(exp(", "let ", "def ", "claim: ", "proof:", "\n",
           "\x00", "\t", "'", '"', "{", "}", "$", "%", "&", "10**12", "1e308", "nan", "inf", "True", "None",
           "...", ":=", "if", "yield", "await", "f'{x}'", "b''", "0x1f", "1j", "matrix(n, n)", "vector(1000)",
           "in (-1, 1)", "notation: row", "σ", "≤", "\u202e"]

SCALE_PARSE = 17
_base = settings()


def _mutate(draw_text, ops):
    text = draw_text
    for kind, pos, piece in ops:
        p = pos % (len(text) + 1)
        if kind == 0:
            text = text[:p] + piece + text[p:]
        elif kind == 1:
            text = text[:p] + text[p + 1 + len(piece) % 7:]
        elif kind == 2:
            text = text[:p] + piece + text[p + len(piece):]
        else:
            lines = text.splitlines()
            if len(lines) > 1:
                a, b = p % len(lines), (p // 3) % len(lines)
                lines[a], lines[b] = lines[b], lines[a]
                text = "\n".join(lines)
    return text


_ops = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 5000),
                          st.one_of(st.sampled_from(HOSTILE), st.text(max_size=6))), min_size=1, max_size=6)
_mutated = st.builds(_mutate, st.sampled_from(SEEDS), _ops)
_random = st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=10)), max_size=30).map("".join)


def _parse_or_input_error(text):
    note(repr(text[:2000]))
    try:
        return parse_text(text, path="fuzz.rnnp")
    except InputError as exc:
        assert str(exc).startswith("fuzz.rnnp:"), str(exc)
        return None


@settings(parent=_base, max_examples=SCALE_PARSE * _base.max_examples, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.one_of(_mutated, _random))
@example("let x: real\nclaim: __import__('os').system('echo pwned') = 1")
@example("let x: real\nclaim: " + "(" * 500 + "x" + ")" * 500 + " = 1")
@example("let x: real\nclaim: 9**9**9**9 = 1")
def test_parser_never_crashes(text):
    _parse_or_input_error(text)


def _mutate_math(seed, ops):
    """Mutations confined to a step's math, so most results still parse and get verified."""
    lines = seed.splitlines()
    idx = [k for k, l in enumerate(lines) if l.lstrip().startswith(("=", "<"))]
    for pos, piece in ops:
        k = idx[pos % len(idx)]
        math, sep, rest = lines[k].partition("#")
        cut = 3 + pos % max(1, len(math) - 3)
        lines[k] = math[:cut] + piece + math[cut:] + sep + rest
    return "\n".join(lines)


_pieces = st.sampled_from(["+ 1", "- x", "*x", "**2", "/2", "(", ")", "exp(", "1 -", "sigma(", "x", "0", "*0",
                           "/(x-x)", "+ sin(x)", "**-1", "abs(", "tanh(", "log("])
_verify_input = st.builds(_mutate_math, st.sampled_from(SCALAR_SEEDS),
                          st.lists(st.tuples(st.integers(0, 10 ** 6), _pieces), min_size=1, max_size=3))


def _verify_in_child(text):
    df = parse_text(text, path="fuzz.rnnp")
    res = verify(df, time_limit=10.0)
    return [str(s.result.verdict) for s in res.steps]


@pytest.mark.slow
@settings(parent=_base, max_examples=_base.max_examples, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(_verify_input)
@example("let x: real\nproof:\n  x\n  = x/(exp(x) - exp(x)*1)")
def test_verify_never_crashes(text):
    """Through the sandbox, as the CLI runs it: a verdict for every step or an InputError,
    within the budget (a hang or a memory blow-up would show as timeout/memory, not pass)."""
    note(repr(text[:2000]))
    out = run_limited(_verify_in_child, text, limits=Limits(wall_seconds=20, memory_bytes=2 * 1024 ** 3))
    assert out.status in ("ok", "error"), (out.status, out.message, out.phase)
    if out.status == "error":
        assert out.message.startswith("fuzz.rnnp:"), out.message
    else:
        assert all(v for v in out.value)
