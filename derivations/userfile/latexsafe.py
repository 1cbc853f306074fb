r"""Display LaTeX written by the user (``| latex: ...``) is checked against a whitelist.

Only math-mode macros that cannot read or write files, change category codes or define
new macros are accepted (``\frac``, ``\sigma``, ``\left`` ...), and only macros the report
defines (:data:`SAFE_MACROS`; the teaching report provides ``\diag``, ``\lt``, ``\gt``).
The characters ``$ % # & ^^`` (mode switches, comments, parameters, alignment, ``^^``
escapes) and control characters are refused; Unicode maths (``σ``, ``≤``, ``∂``, ``ᵀ``...)
is transliterated to its macro (:data:`UNICODE_MATH`), any other non-ASCII character is
refused.  The structure is checked too, so the report never fails on it: braces balance
(escaped ``\{ \}`` not counted) and nest at most :data:`MAX_GROUPS` deep, ``\left`` and
``\right`` pair up inside one group with a delimiter each, ``\big``-type sizes take a
delimiter, ``^``/``_`` and macros such as ``\frac`` get their arguments, and ``\text{...}``
holds plain text.  Anything else raises :class:`~.errors.ForbiddenConstructError` with the
position.  Plain text (titles, justifications) is never passed through: the report escapes it.
"""

from __future__ import annotations

import re

from .errors import ForbiddenConstructError

__all__ = ["check_latex", "SAFE_MACROS", "UNICODE_MATH", "MAX_LATEX", "MAX_GROUPS"]

_GREEK = ("alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi "
          "rho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Phi Psi Omega")
SAFE_MACROS = frozenset((_GREEK + " frac dfrac tfrac left right cdot cdots ldots dots times div pm mp le leq ge "
                         "geq lt gt ne neq approx equiv partial nabla sqrt sum prod lim infty exp log ln tanh "
                         "sinh cosh sin cos max min mathrm mathbf mathit boldsymbol operatorname text top odot "
                         "circ quad qquad lVert rVert Vert lvert rvert vert big Big bigl bigr Bigl Bigr bigg "
                         "Bigg langle rangle prime displaystyle hat tilde bar overline underline to mapsto "
                         "in notin mathbb mathcal diag").split())
#: Unicode a student may type, and the macro it becomes
UNICODE_MATH = {"α": r"\alpha ", "β": r"\beta ", "γ": r"\gamma ", "δ": r"\delta ", "ε": r"\varepsilon ",
                "ζ": r"\zeta ", "η": r"\eta ", "θ": r"\theta ", "ι": r"\iota ", "κ": r"\kappa ",
                "λ": r"\lambda ", "μ": r"\mu ", "ν": r"\nu ", "ξ": r"\xi ", "π": r"\pi ", "ρ": r"\rho ",
                "σ": r"\sigma ", "τ": r"\tau ", "υ": r"\upsilon ", "φ": r"\varphi ", "χ": r"\chi ",
                "ψ": r"\psi ", "ω": r"\omega ", "Γ": r"\Gamma ", "Δ": r"\Delta ", "Θ": r"\Theta ",
                "Λ": r"\Lambda ", "Ξ": r"\Xi ", "Π": r"\Pi ", "Σ": r"\Sigma ", "Φ": r"\Phi ", "Ψ": r"\Psi ",
                "Ω": r"\Omega ", "≤": r"\le ", "≥": r"\ge ", "≠": r"\ne ", "≈": r"\approx ", "≡": r"\equiv ",
                "∂": r"\partial ", "∇": r"\nabla ", "∞": r"\infty ", "∑": r"\sum ", "∏": r"\prod ",
                "·": r"\cdot ", "⋅": r"\cdot ", "×": r"\times ", "÷": r"\div ", "±": r"\pm ", "∓": r"\mp ",
                "⊙": r"\odot ", "∘": r"\circ ", "→": r"\to ", "↦": r"\mapsto ", "∈": r"\in ", "∉": r"\notin ",
                "‖": r"\Vert ", "⟨": r"\langle ", "⟩": r"\rangle ", "−": "-", "′": "'", "ᵀ": r"^{\top}",
                "²": "^{2}", "³": "^{3}", "¹": "^{1}", "√": r"\sqrt ", "…": r"\dots ", "⋯": r"\cdots ",
                "¼": r"\tfrac14 ", "½": r"\tfrac12 ", "¾": r"\tfrac34 ", "\u00a0": " ", "\u2009": " "}
MAX_LATEX = 1000
#: deepest brace nesting accepted (TeX's own limit is 255 grouping levels)
MAX_GROUPS = 20
_DELIMS = frozenset("()[]|./<>") | {r"\{", r"\}", r"\|", r"\langle", r"\rangle", r"\lVert", r"\rVert", r"\lvert",
                                    r"\rvert", r"\Vert", r"\vert"}
_SIZES = frozenset("big Big bigg Bigg bigl bigr Bigl Bigr".split())
_ONE_ARG = frozenset("sqrt mathrm mathbf mathit boldsymbol operatorname text hat tilde bar overline underline "
                     "mathbb mathcal".split())
_TWO_ARGS = frozenset("frac dfrac tfrac".split())
_TOKEN = re.compile(r"\\([A-Za-z]+|.?)|\s+|.", re.S)
_PLAIN_TEXT = re.compile(r"[A-Za-z0-9 ,.;:!?'()\-+=/*]*")


def _transliterate(text: str, fail) -> str:
    out = []
    for pos, ch in enumerate(text):
        if ch in UNICODE_MATH:
            out.append(UNICODE_MATH[ch])
        elif ord(ch) < 32 or ord(ch) == 127:
            fail(f"control character U+{ord(ch):04X} is not allowed in display LaTeX", pos)
        elif ord(ch) > 126:
            fail(f"character {ch!r} (U+{ord(ch):04X}) cannot be typeset in display LaTeX; write its macro", pos)
        else:
            out.append(ch)
    return "".join(out)


def check_latex(text: str, *, path: str = "<string>", line: int = 1, col: int = 1) -> str:
    """Return ``text`` (Unicode maths transliterated) if it only uses whitelisted, well-formed LaTeX.

    Raises
    ------
    ForbiddenConstructError
        With the position of the first problem.
    """
    def fail(message, offset=0):
        raise ForbiddenConstructError(message, path=path, line=line, col=col + offset)

    if len(text) > MAX_LATEX:
        fail(f"display LaTeX longer than {MAX_LATEX} characters")
    for bad in ("$", "%", "#", "&", "^^"):
        if bad in text:
            fail(f"character {bad!r} is not allowed in display LaTeX", text.index(bad))
    text = _transliterate(text, fail)
    tokens = [(m.start(), m.group(0)) for m in _TOKEN.finditer(text) if not m.group(0).isspace()]
    for pos, tok in tokens:
        if tok.startswith("\\"):
            name = tok[1:]
            if name.isalpha() and name not in SAFE_MACROS:
                fail(f"LaTeX command \\{name} is not allowed in display LaTeX", pos)
            if not name.isalpha() and name not in (",", ";", "!", " ", "{", "}", "|"):
                fail(f"LaTeX command \\{name or '(end)'} is not allowed in display LaTeX", pos)
    _check_structure(text, tokens, fail)
    return text


def _group_end(tokens, k) -> int:
    """Index after the argument starting at ``tokens[k]`` (a ``{...}`` group or one token)."""
    if tokens[k][1] != "{":
        return k + 1
    depth = 0
    for j in range(k, len(tokens)):
        depth += (tokens[j][1] == "{") - (tokens[j][1] == "}")
        if depth == 0:
            return j + 1
    return len(tokens)


def _check_structure(text, tokens, fail) -> None:
    """Braces, \\left/\\right pairs, delimiters after sizes, arguments of ^ _ and macros."""
    stack = [0]  # open \left count per brace group
    for k, (pos, tok) in enumerate(tokens):
        nxt = tokens[k + 1][1] if k + 1 < len(tokens) else None
        if tok == "{":
            stack.append(0)
            if len(stack) - 1 > MAX_GROUPS:
                fail(f"braces nested more than {MAX_GROUPS} deep in display LaTeX", pos)
        elif tok == "}":
            if len(stack) == 1:
                fail("unbalanced '}' in display LaTeX", pos)
            if stack.pop():
                fail("\\left without its \\right inside this group", pos)
        elif tok in (r"\left", r"\right") or tok[1:] in _SIZES:
            if nxt not in _DELIMS:
                fail(f"{tok} must be followed by a delimiter such as ( [ | . or \\{{", pos)
            if tok == r"\left":
                stack[-1] += 1
            elif tok == r"\right":
                if not stack[-1]:
                    fail("\\right without a \\left before it in the same group", pos)
                stack[-1] -= 1
        elif tok in ("^", "_"):
            if nxt is None or nxt in ("}", "^", "_", r"\right") or nxt in (r"\left",):
                fail(f"'{tok}' needs something to raise or lower after it", pos)
        elif tok[1:] in _ONE_ARG or tok[1:] in _TWO_ARGS:
            _check_args(text, tokens, k, 2 if tok[1:] in _TWO_ARGS else 1, fail)
    if len(stack) > 1:
        fail("unbalanced '{' in display LaTeX")
    if stack[0]:
        fail("\\left without its \\right")
    _check_scripts(tokens, fail)


def _check_args(text, tokens, k, count, fail) -> None:
    pos, tok = tokens[k]
    j = k + 1
    if tok == r"\sqrt" and j < len(tokens) and tokens[j][1] == "[":  # optional index: \sqrt[3]{x}
        close = next((i for i in range(j, len(tokens)) if tokens[i][1] == "]"), None)
        if close is None or any(t in ("{", "}") for _, t in tokens[j:close]):
            fail("\\sqrt[n]{x}: the index needs a closing ']' and no braces", pos)
        j = close + 1
    for _ in range(count):
        if j >= len(tokens) or tokens[j][1] in ("}", "^", "_", "&") or tokens[j][1] in (r"\right",):
            fail(f"{tok} needs {count} argument(s), e.g. {tok}{{x}}" + ("{y}" if count == 2 else ""), pos)
        end = _group_end(tokens, j)
        if tok == r"\text":
            inner = text[tokens[j][0] + 1: tokens[end - 1][0]] if tokens[j][1] == "{" else tokens[j][1]
            if not _PLAIN_TEXT.fullmatch(inner):
                fail("\\text{...} may hold only letters, digits, spaces and simple punctuation", pos)
        j = end


def _check_scripts(tokens, fail) -> None:
    """No double superscript or subscript on one base (``x^2^3``, ``x_1_2``, ``x^2'``); primes
    may precede one superscript directly (``x'^2``), as TeX folds them together."""
    k = 0
    while k < len(tokens):
        if tokens[k][1] not in ("^", "_", "'"):
            k += 1
            continue
        sup = sub = primed = False
        prev = None
        while k < len(tokens) and tokens[k][1] in ("^", "_", "'"):
            pos, t = tokens[k]
            if t == "'" and (sup or primed and prev != "'") or t == "^" and (sup or primed and prev != "'") \
                    or t == "_" and sub:
                fail(f"double {'subscript' if t == '_' else 'superscript'} in display LaTeX; use braces", pos)
            sup, sub, primed = sup or t == "^", sub or t == "_", primed or t == "'"
            prev = t
            k = k + 1 if t == "'" else _group_end(tokens, k + 1)
