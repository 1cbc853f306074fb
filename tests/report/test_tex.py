"""Escaping and number formatting of the LaTeX writer."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, strategies as st

from rnnproof.report.tex import breakable, escape_tex, fmt_data, fmt_sci

#: the only control sequences escape_tex may emit
ALLOWED = {"textbackslash", "textasciicircum", "textasciitilde", "allowbreak", "dots", "alpha", "beta", "gamma",
           "delta", "varepsilon", "eta", "theta", "lambda", "mu", "sigma", "tau", "varphi", "omega", "partial",
           "odot", "le", "ge", "times", "top", "to", "infty", "frac", "in", "mathbb", "otimes", "prod", "sum",
           "approx", "neq", "nabla", "cdot", "ell", "pm", "surd", "Rightarrow", "mapsto", "circ", "hat", "tilde",
           "epsilon", "zeta", "iota", "kappa", "nu", "xi", "pi", "rho", "upsilon", "chi", "psi", "Gamma", "Delta",
           "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega", "phi", "S", "P"}


def _commands(s: str) -> set[str]:
    return set(re.findall(r"\\([A-Za-z]+)", s))


def _balanced(s: str) -> bool:
    depth = 0
    for tok in re.findall(r"\\[{}]|[{}]", s):
        if tok in ("{", "}"):
            depth += 1 if tok == "{" else -1
            if depth < 0:
                return False
    return depth == 0


def _inert(s: str) -> None:
    out = escape_tex(s)
    assert _commands(out) <= ALLOWED, f"{s!r} -> {out!r}: unexpected commands {_commands(out) - ALLOWED}"
    assert _balanced(out), f"{s!r} -> {out!r}: unbalanced braces"
    # every special character is escaped: none appears bare
    # math groups first (they may hold escaped characters such as \$), then escaped specials
    bare = re.sub(r"\$(?:\\.|[^$\\])*\$|\\(textbackslash|textasciicircum|textasciitilde|[A-Za-z]+)\{\}|\\[{}$&#_%]",
                  "", out)
    assert not re.search(r"[\\#%&~^_]", bare), f"{s!r} -> {out!r}: bare special character in {bare!r}"
    assert len(re.findall(r"(?<!\\)\$", out)) % 2 == 0, f"{s!r} -> {out!r}: unbalanced math shift"


@pytest.mark.parametrize("hostile", [
    r"\input{/etc/passwd}", r"\write18{rm -rf ~}", r"\immediate\write18{touch pwned}", r"\catcode`\{=12",
    "{", "}", "}{", "%", "#", "~", "^", "\\", "_", "&", "$", "$$", r"\\", "^^5c", "a\nb\tc", r"\def\x{y}\x",
    "\\csname input\\endcsname{/etc/passwd}", r"\makeatletter\@@input x", "\x00\x1b[31m", "--", "---",
])
def test_hostile_strings_are_inert(hostile):
    _inert(hostile)


def test_escape_exact_mapping():
    assert escape_tex(r"\input{x}") == r"\textbackslash{}input\{x\}"
    assert escape_tex("50% #1 a_b & $5 ~ ^") == r"50\% \#1 a\_b \& $\$$5 \textasciitilde{} \textasciicircum{}"
    assert escape_tex("a--b") == "a-{}-b"
    assert escape_tex("σ_t ≤ λ") == r"$\sigma$\_t $\le$ $\lambda$"
    assert escape_tex("✓") == "[U+2713]"


def test_control_characters_are_dropped():
    assert escape_tex("^^5c") == r"\textasciicircum{}\textasciicircum{}5c"
    assert escape_tex("a\x00b\x7fc") == "abc"


@given(st.text(max_size=60))
@example(r"\input{/etc/passwd}")
@example("}}}{{{")
def test_any_text_is_inert(s):
    _inert(s)


@given(st.text(max_size=200))
@example("||")  # two math pieces split at "|" once printed as "$|$$|$"
@example("0||")
def test_breakable_is_inert_and_keeps_text(s):
    out = breakable(s)
    assert _commands(out) <= ALLOWED
    assert _balanced(out)
    assert out.replace(r"\allowbreak{}", "") == escape_tex(s) or len(s) > 400 or "-" in s


def test_breakable_shortens_long_text():
    out = breakable("x" * 1000, limit=50)
    assert out.replace(r"\allowbreak{}", "").count("x") == 49


def test_fmt_sci():
    assert fmt_sci(0.000123) == r"1.23\times 10^{-4}"
    assert fmt_sci(2.5) == "2.50"
    assert fmt_sci(0) == "0"
    assert fmt_sci(float("nan")) == r"\text{--}"
    assert fmt_sci(None) == r"\text{--}"
    assert fmt_sci(float("inf")) == r"\infty"
    assert fmt_sci(1.0e-100, digits=1) == r"1.0\times 10^{-100}"


def test_fmt_data_is_deterministic():
    assert fmt_data(0.25) == "2.500000e-01"
    assert fmt_data(float("nan")) == "nan"
    assert fmt_data(float("inf")) == "nan"
    assert fmt_data(0) == "0" and fmt_data(17) == "17" and fmt_data(0.0) == "0"
    assert fmt_data(None) == "nan"


def test_letters_the_fonts_cannot_set_are_transliterated_in_every_report():
    # one mechanism for the catalogue report and the teaching report (was only in the latter)
    assert escape_tex("Þórð") == "Thórd"
    assert escape_tex("¼ ÷ ¦") == "1/4 / $|$"
    assert not set(escape_tex("ÞþÐð÷¦¤¼¾\ufeff")) & set("ÞþÐð÷¦¤¼¾\ufeff")
