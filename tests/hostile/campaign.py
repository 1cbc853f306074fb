"""Generators of hostile derivation files for the fuzz campaign (tests/hostile/test_campaign.py).

Five families, each a function ``(rng, k, ctx) -> Case`` drawing from a seeded
:class:`random.Random`: ``code`` (code-execution attempts in every position), ``encoding``
(bytes that are not the UTF-8 the format asks for, BOMs, odd line ends, odd file names),
``latex`` (TeX injection in titles, justifications and ``| latex:``), ``grammar`` (mutated
examples and malformed declarations) and ``resource`` (inputs built to hang or exhaust
memory: rational power towers, ``def`` chains that double, nested user functions, vector
chains, big explicit Jacobians, long and deep text).  ``ctx`` names the canary and the
secret file the payloads aim at.
"""

from __future__ import annotations

import pathlib
import random
from dataclasses import dataclass

__all__ = ["Case", "FAMILIES", "SEEDS"]

EX = pathlib.Path(__file__).resolve().parents[2] / "examples" / "derivations"
SEEDS = [p.read_text() for p in sorted(EX.glob("*.rnnp"))]
SCALAR = [t for t in SEEDS if "matrix(" not in t and "vector(" not in t]


@dataclass(frozen=True)
class Case:
    """One generated input: the file's bytes, its name, and whether to ask for a report."""

    data: bytes
    name: str
    report: bool = False


# -- code execution ------------------------------------------------------------------------------------------

_CODE = ["__import__('os').system('touch {canary}')", "open('{canary}', 'w')", "exec('open(\"{canary}\",\"w\")')",
         "eval('1')", "globals()", "().__class__.__bases__[0].__subclasses__()", "lambda: 0", "[c for c in x]",
         "x.real", "getattr(x, 'real')", "breakpoint()", "compile('1', '', 'eval')", "f'{{x}}'", "b'x'",
         "x if x else x", "(y := 1)", "await x", "(yield x)", "*x", "{{1: 2}}", "{{x}}", "x[0]", "x[0:1]",
         "sympify('x')", "S('x')", "Symbol('x')", "parse_expr('x')", "E**x", "I", "oo", "zoo", "nan", "pi",
         "Function('f')(x)", "sp.exp(x)", "__builtins__", "_x", "x.__dict__", "x.__class__", "os.system('id')",
         "__import__", "type(x)", "vars()", "dir()", "input()", "print(1)", "quit()", "memoryview(b'')",
         "x and x", "not x", "x or 1", "~x", "x % 2", "x // 2", "x << 2", "x ^ 1", "x | 1", "x & 1", "x == x",
         "x is x", "x in x", "1j", "0x10", "0o7", "0b1", "1_000", "...", "None", "True", "'{canary}'",
         "\\u0065xec('1')", "ｅｘｅｃ('1')", "ᵉval('1')", "exp(x).func", "sigmoid.__init__", "diff(x, x, 99)",
         "jacobian(x, 'os')", "T(__import__('os'))", "norm(open('{canary}'))"]
_CODE_SLOTS = ["claim: {p} = 1", "claim: x = {p}", "def f(u) = {p}", "def g = {p}", "let {p}: real",
               "let y: {p}", "let y: real in ({p}, 1)", "title: {p}", "notation: {p}", "proof:\n  x\n  = {p}",
               "proof:\n  x\n  = x   # by: {p}", "proof:\n  x\n  = x   # by: a | latex: {p}", "{p}",
               "def {p}(u) = u", "claim: exp({p}) <= x + {p}"]


def code(rng, k, ctx) -> Case:
    parts = ["let x: real"]
    for _ in range(rng.randint(1, 3)):
        payload = rng.choice(_CODE).format(canary=ctx["canary"])
        if rng.random() < 0.3:
            payload = payload + rng.choice([" + ", " * ", "(", ")", " ** "]) + rng.choice(_CODE).format(
                canary=ctx["canary"])
        parts.append(rng.choice(_CODE_SLOTS).format(p=payload))
    if not any(p.startswith("claim") or p.startswith("proof") for p in parts):
        parts.append("claim: x = x")
    # proof: must come last; a misplaced one is itself an input error worth exercising
    return Case("\n".join(parts).encode("utf-8", "surrogatepass") + b"\n", f"code-{k}.rnnp")


# -- encodings -----------------------------------------------------------------------------------------------

_BAD_BYTES = [b"\xff", b"\xfe", b"\xc0\x80", b"\xed\xa0\x80", b"\x80", b"\xe2\x82", b"\xf4\x90\x80\x80", b"\x00",
              b"\xef\xbb\xbf", b"\r", b"\r\n", b"\x0c", b"\x0b", b"\x1b[31m", b"\xe2\x80\xae", b"\xe2\x80\x8b",
              b"\xe2\x80\xa8", b"\xc2\x85", b"\t", b"\xd0\xb0", b"\xcc\x81", b"\xf0\x9f\x98\x80"]
_NAMES = ["x.tex", "-x.rnnp", "--report.rnnp", "a b.rnnp", "Þórð.rnnp", "x;rm -rf.rnnp", "$(id).rnnp", "`id`.rnnp",
          "a%b#c&.rnnp", "\\input{x}.rnnp", "日本.rnnp", "x\u202egnp.rnnp", ".hidden.rnnp", "x..rnnp", "-.rnnp",
          "{}.rnnp", "x'\".rnnp", "x.rnnp.tex", "x.pdf", "x.log"]


def encoding(rng, k, ctx) -> Case:
    text = rng.choice(SEEDS)
    how = rng.randrange(8)
    if how == 0:
        data = text.encode(rng.choice(["utf-16", "utf-16-le", "utf-32", "latin-1", "cp1252"]), "replace")
    elif how == 1:
        data = b"\xef\xbb\xbf" * rng.randint(1, 3) + text.encode()
    else:
        data = bytearray(text.encode())
        for _ in range(rng.randint(1, 6)):
            pos = rng.randrange(len(data) + 1)
            data[pos:pos] = rng.choice(_BAD_BYTES)
        if how == 2:
            data = bytes(data).replace(b"\n", rng.choice([b"\r", b"\r\n", b"\xe2\x80\xa8", b"\x0c\n"]))
        data = bytes(data)
    name = f"enc-{k}-" + rng.choice(_NAMES) if rng.random() < 0.5 else f"enc-{k}.rnnp"
    return Case(data, name, report=k % 10 == 0)


# -- LaTeX injection -----------------------------------------------------------------------------------------

_TEX = [r"\input{{{secret}}}", r"\include{{secret}}", r"\openin1={secret} \read1 to\x \x", r"\write18{{touch {canary}}}",
        r"\immediate\write18{{touch {canary}}}", r"\catcode`\$=11", r"\def\x{{\input{{{secret}}}}}\x", r"^^5cinput{{x}}",
        r"\csname input\endcsname{{{secret}}}", r"\lowercase{{\input}}", r"\usepackage{{{secret}}}",
        r"\verbatiminput{{{secret}}}", r"\IfFileExists{{{secret}}}{{yes}}{{no}}", r"\special{{pdf:x}}",
        r"\pdffiledump", r"\directlua{{os.execute('touch {canary}')}}", "$", "%", "#", "&", "~", "_", "^", "{{", "}}",
        "\\", r"\\", r"\par", r"\end{{document}}", r"\begin{{verbatim}}", r"\makeatletter\@@input",
        r"\newwrite\f\immediate\openout\f={canary}", r"\tracingall", r"\errmessage{{x}}", r"\batchmode",
        "Þ ð þ Ð", "日本語", "😀", "\u202e", "\x07", "\x1b", "σ ≤ ¼", "ẞ", "ǅ", "\u0301", "-" * 5, "''", "``",
        "<>|\"", "\\u005c"]
_MATH_TOKENS = [r"\frac", r"\sqrt", r"\left", r"\right", r"\big", r"\Big", "(", ")", "[", "]", "|", ".", "{", "}",
                "^", "_", "x", "1", "2", r"\sigma", r"\alpha", r"\cdot", r"\le", r"\text", r"\mathbb", r"\diag",
                r"\lt", r"\{", r"\}", r"\|", "'", " ", r"\,", r"\operatorname", r"\hat", "σ", "≤", "ᵀ", "é", r"\lVert",
                r"\rVert", r"\langle", r"\rangle", r"\sum", r"\prod", r"\lim", r"\to", "+", "-", "=", "!", r"\top"]


def latex(rng, k, ctx) -> Case:
    payload = lambda: "".join(rng.choice(_TEX).format(secret=ctx["secret"], canary=ctx["canary"])  # noqa: E731
                              for _ in range(rng.randint(1, 3)))
    maths = "".join(rng.choice(_MATH_TOKENS) for _ in range(rng.randint(1, 14)))
    title = payload() if rng.random() < 0.7 else "ok"
    why = payload() if rng.random() < 0.7 else "ok"
    disp = maths if rng.random() < 0.6 else payload()
    text = (f"title: {title}\nlet x: real\nclaim: x*1 = x\nproof:\n  x*1\n"
            f"  = x   # by: {why}" + (f" | latex: {disp}" if rng.random() < 0.8 else "") + "\n")
    name = f"tex-{k}-" + rng.choice(_NAMES) if rng.random() < 0.3 else f"tex-{k}.rnnp"
    return Case(text.encode("utf-8", "surrogatepass"), name, report=k % 4 == 0)


# -- grammar mutations ---------------------------------------------------------------------------------------

_PIECES = ["(", ")", ",", ":", "=", "<=", ">=", "<", ">", "#", "|", "latex:", "let ", "def ", "claim:", "proof:",
           "matrix(", "vector(", "dim", "real", " in (0, 1)", " in [", "T(", "@", "**", "*", "/", "-", "+", "diag(",
           "jacobian(", "norm(", "diff(", "ones(", "eye(", "sigmoid(", "tanh(", "n", "m", "16", "17", "0", "-1",
           "1e12", "1e13", "1/3", "x", "W", "h", "\n", "    ", "notation: row", "title:", "f(m)", " if x else ",
           " + (m", "min(", "max(", "abs("]
_DECL = ["let W: matrix({a}, {b}){s}", "let v: vector({a}){s}", "let x: {kind}{s}", "def f({p}) = {e}",
         "def g = {e}", "claim: {e} {r} {e}"]


def _decl(rng) -> str:
    arg = lambda: rng.choice(["n", "m", "2", "16", "17", "0", "-1", "n+1", "n, m", "size_n) + (m", "n), f(m",  # noqa: E731
                              "lambda: 1", "x", "1.5", "'n'", "n=2", "*n", "", "(n)", "n if x else m", "W", "10**9"])
    return rng.choice(_DECL).format(a=arg(), b=arg(), s=rng.choice(["", " in (0, 1)", " + 1", "(m)", ", f(m)", " in"]),
                                    kind=rng.choice(["real", "dim", "positive", "matrix", "vector", "tensor", "int"]),
                                    p=rng.choice(["u", "u, v", "", "u,", "1", "u u"]),
                                    e=rng.choice(["u", "x + 1", "W @ v", "T(W)", "f(x)", "g", "(", "u)"]),
                                    r=rng.choice(["=", "<=", "<", ">=", "==", "!="]))


def grammar(rng, k, ctx) -> Case:
    lines = rng.choice(SEEDS).splitlines()
    for _ in range(rng.randint(1, 3)):
        op, pos = rng.randrange(5), rng.randrange(len(lines))
        if op == 0:
            line = lines[pos]
            at = rng.randrange(len(line) + 1)
            lines[pos] = line[:at] + rng.choice(_PIECES) + line[at:]
        elif op == 1:
            line = lines[pos]
            at = rng.randrange(len(line) + 1)
            lines[pos] = line[:at] + line[at + rng.randint(1, 5):]
        elif op == 2:
            lines.insert(pos, _decl(rng))
        elif op == 3:
            other = rng.randrange(len(lines))
            lines[pos], lines[other] = lines[other], lines[pos]
        else:
            lines[pos] = _decl(rng)
    return Case("\n".join(lines).encode() + b"\n", f"gram-{k}.rnnp")


# -- resource attacks ----------------------------------------------------------------------------------------

def _tower(rng):
    base = rng.choice(["1+1/10**12", "2", "3/7", "1/10**12", "10**12", "0.999999", "(1+1/10**6)"])
    expr = base
    for _ in range(rng.randint(1, 6)):
        expr = f"({expr})**{rng.choice([2, 16, 63, 64, -64, '1/2', '64/3'])}"
    return f"let x: real\nclaim: {expr} = x\n"


def _def_chain(rng):
    body = rng.choice(["a{j} + sin(a{j})", "a{j}*a{j}", "(a{j} + 1)**2", "a{j} + a{j}*x", "tanh(a{j}) + a{j}**2",
                       "a{j}/(1 + a{j})", "sigmoid(a{j}) * a{j}"])
    n = rng.randint(5, 30)
    return "\n".join(["let a0, x: real"] + [f"def a{k} = " + body.format(j=k - 1) for k in range(1, n)]
                     + [f"claim: a{n - 1} = a{n - 1} + 0"]) + "\n"


def _fn_nesting(rng):
    call = rng.choice(["f{j}(f{j}(u))", "f{j}(u) + f{j}(u + 1)", "f{j}(u)*2", "f{j}(f{j}(f{j}(u)))", "sin(f{j}(u))"])
    n = rng.randint(3, 20)
    return "\n".join(["let u0: real", "def f0(u) = " + rng.choice(["sin(u) + u", "u*u", "tanh(u)", "u + 1"])]
                     + [f"def f{k}(u) = " + call.format(j=k - 1) for k in range(1, n)]
                     + [f"claim: f{n - 1}(u0) = f{n - 1}(u0)"]) + "\n"


def _vector_chain(rng):
    body = rng.choice(["v{j} + tanh(v{j})", "tanh(W @ v{j}) + v{j}", "v{j} * v{j}", "diag(v{j}) @ v{j}",
                       "W @ v{j} + v{j}"])
    n = rng.randint(3, 25)
    size = rng.choice(["n", "16", "4"])
    return "\n".join([f"let W: matrix({size}, {size})", f"let v0: vector({size})"]
                     + [f"def v{k} = " + body.format(j=k - 1) for k in range(1, n)]
                     + [f"claim: v{n - 1} = v{n - 1}"]) + "\n"


def _jacobian(rng):
    depth, size = rng.randint(1, 5), rng.choice(["n", "8", "16"])
    inner = "h"
    for _ in range(depth):
        inner = f"tanh(W @ {inner})"
    return (f"let W: matrix({size}, {size})\nlet h: vector({size})\n"
            f"claim: jacobian({inner}, h) = jacobian({inner}, h)\n")


def _text_limits(rng):
    kind = rng.randrange(6)
    if kind == 0:
        return "let x: real\nclaim: " + "+".join(["x"] * rng.randint(100, 700)) + " = x\n"
    if kind == 1:
        d = rng.randint(15, 60)
        return "let x: real\nclaim: " + "(" * d + "x" + ")" * d + " = x\n"
    if kind == 2:
        return "let x: real\nclaim: x = x\nproof:\n  x\n" + "  = x*1\n" * rng.randint(50, 150)
    if kind == 3:
        return "# c\n" * rng.randint(900, 1100) + "let x: real\nclaim: x = x\n"
    if kind == 4:
        return "let x: real\nclaim: " + "*".join([f"(x+{k})**64" for k in range(rng.randint(2, 12))]) + " = 0\n"
    return "let x: real\nclaim: diff(" + "sigmoid(" * 2 + "x" + ")" * 2 + f", x, {rng.randint(1, 5)}) = 0\n"


_RESOURCE = [_tower, _def_chain, _fn_nesting, _vector_chain, _jacobian, _text_limits]


def resource(rng, k, ctx) -> Case:
    return Case(rng.choice(_RESOURCE)(rng).encode(), f"res-{k}.rnnp", report=k % 25 == 0)


#: family name -> generator
FAMILIES = {"code": code, "encoding": encoding, "latex": latex, "grammar": grammar, "resource": resource}
