r"""Machine text made readable: ASCII mathematics and checker jargon turned into LaTeX prose.

The catalogue and the step checkers describe themselves in ASCII (``||dh_t/dh_k|| <=
(gamma lambda_1)^(t-k)``, ``entrywise at symbolic n (Indexed); explicit n=1..4``, ``positive:
1/(4*cosh(x/2)**2)``).  A reader of the report should see :math:`\lVert\partial h_t/\partial
h_k\rVert \le (\gamma\lambda_1)^{t-k}` and "entrywise at symbolic size n, and on explicit
matrices for n = 1, ..., 4".  :func:`mathify` sets the mathematical words of a sentence in
math mode; :func:`how` renders a step result's method and detail as a sentence;
:func:`identity_refs` turns catalogue ids into cross references.

Safety: a span is set as mathematics only when it consists of a fixed set of characters
(letters, digits, brackets and ASCII operators) with balanced braces; everything else goes
through :func:`~rnnproof.report.tex.escape_tex`, so no text can become a LaTeX command.

References
----------
SymPy's ``StrPrinter`` output (the ASCII this module reads); Lamport, *LaTeX*, sec. 3.3.
"""

from __future__ import annotations

import re

from .tex import escape_tex

__all__ = ["mathify", "math_span", "how", "quantity", "identity_refs", "plain_sources", "SECTION_NAMES", "clean_meaning"]

#: section letters of the identity sheet and their subjects (the reader's chapter names)
SECTION_NAMES = {"A": "Activations", "B": "The one-step Jacobian", "C": "Backpropagation through time",
                 "D": "Norm bounds", "E": "Gradient norm clipping", "F": "Deep linear networks",
                 "G": "Gated cells and truncation", "H": "Remedies and architectures"}

_GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "eta", "theta", "kappa", "lambda", "mu", "nu", "xi", "pi",
          "rho", "sigma", "tau", "phi", "chi", "psi", "omega", "Gamma", "Delta", "Lambda", "Sigma", "Phi", "Omega"}
_FUNCS = {"tanh": r"\tanh", "cosh": r"\cosh", "sinh": r"\sinh", "exp": r"\exp", "log": r"\log", "min": r"\min", "Min": r"\min", "Max": r"\max",
          "max": r"\max", "sup": r"\sup", "lim": r"\lim", "cos": r"\cos", "sin": r"\sin", "diag": r"\operatorname{diag}",
          "vec": r"\operatorname{vec}", "prod": r"\prod", "sum": r"\sum", "sqrt": r"\sqrt", "det": r"\det",
          "lambda_max": r"\lambda_{\max}", "sigma_max": r"\sigma_{\max}"}
_SAFE = re.compile(r"^[A-Za-z0-9_^'(){}\[\],.+\-*/=<>|!~:; \u00d7]*$")
_OPS = {"<=": r"\le", ">=": r"\ge", "!=": r"\ne", "->": r"\to", "~": r"\approx", "+-": r"\pm", "(.)": r"\odot",
        "..": r"\dots ", "=>": r"\Rightarrow ", "==": "=", "=": "=", "<": "<", ">": ">", "+": "+", "-": "-", "*": r"\,", "/": "/", ":=": ":="}
_WORD_MATH = re.compile(r"\u00d7|[A-Za-z0-9)]\*[A-Za-z0-9(]|^\|.*\|$|=>|[A-Za-z0-9)]=[A-Za-z0-9(-]|[A-Za-z]~|[_^']|\|\||\(\.\)|\*\*|[<>]=?|!=|->|^[=+/~*-]+$|^\d|[a-zA-Z]\d|\d[a-zA-Z]|/")
_TEXT_WORDS = {"a", "A", "I", "is", "in", "on", "of", "at", "to", "or", "by", "so", "as", "if", "be", "it", "the",
               "and", "not", "for", "no", "one", "with", "only", "all", "e.g.", "i.e."}


_UNICODE_MATH = {"γ": "gamma", "λ": "lambda", "τ": "tau", "θ": "theta", "δ": "delta", "η": "eta", "σ": "sigma",
                 "ρ": "rho", "φ": "phi", "≤": "<=", "≥": ">=", "‖": "||", "ℓ": "l", "½": "1/2", "²": "^2",
                 "ᵀ": "^T", "−": "-", "Σ": "sum", "∂⁺": "d+", "∂": "d", "⊙": "(.)", "→": "->"}


def _number(tok: str) -> str:
    """``4.54e-05`` -> ``4.54\\times 10^{-5}``; a decimal with many leading zeros likewise."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)[eE]([-+]?\d+)", tok)
    if m:
        mant, e = m.group(1), int(m.group(2))
        return mant if e == 0 else r"%s\times 10^{%d}" % (mant, e)
    m = re.fullmatch(r"0\.(0{4,})(\d+)", tok)
    if m:
        digits = m.group(2)[:6].rstrip("0") or "0"
        mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return r"%s\times 10^{%d}" % (mant, -(len(m.group(1)) + 1))
    return tok


_TOKEN = re.compile(r"=>|\.\.|\|\||\(\.\)|\*\*|<=|>=|!=|->|:=|\+-|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|[A-Za-z]+|\s+|.")


def _ident(name: str) -> str:
    if name in _FUNCS:
        return _FUNCS[name]
    if name in _GREEK:
        return "\\" + ("varphi" if name == "phi" else name)
    if re.fullmatch(r"[A-Za-z]hat", name):
        return r"\hat{%s}" % name[0]
    if name in ("hc", "ltmc"):
        return r"\tilde{h}" if name == "hc" else r"\widetilde{\mathit{ltm}}"
    if name == "oo":
        return r"\infty"
    if name in ("True",):
        return r"\text{true}"
    if len(name) > 1:
        return r"\mathit{%s}" % name
    return name


def _group(tokens: list[str], i: int) -> tuple[str, int]:
    """The script after ``_``/``^`` at ``tokens[i]``: a bracketed group or one token."""
    if i >= len(tokens):
        return "{}", i
    opener = tokens[i]
    if opener in "({":
        close = ")" if opener == "(" else "}"
        depth, j = 0, i
        while j < len(tokens):
            depth += tokens[j] == opener
            depth -= tokens[j] == close
            if depth == 0:
                break
            j += 1
        return "{%s}" % _convert(tokens[i + 1:j]), j + 1
    if tokens[i] == "*":  # W_*: any subscript
        return r"{\ast}", i + 1
    if tokens[i] == "-" and i + 1 < len(tokens):  # x^-1
        return "{-%s}" % _convert([tokens[i + 1]]), i + 2
    return "{%s}" % _convert([tokens[i]]), i + 1


def _convert(tokens: list[str]) -> str:
    out, i, norm_open = [], 0, False
    while i < len(tokens):
        tok = tokens[i]
        if re.fullmatch(r"[A-Za-z]", tok) and tokens[i + 1:i + 4] == ["_", "hat"] + tokens[i + 3:i + 4][:0]:
            out.append(r"\hat{%s}" % tok)  # g_hat: the clipped gradient
            i += 3
            continue
        if re.fullmatch(r"[A-Za-z]", tok) and tokens[i + 1:i + 2] == ["~"]:
            out.append(r"\tilde{%s}" % tok)  # h~_t: the candidate state
            i += 2
            continue
        if tok in ("_", "^", "**"):
            if out and out[-1][:1] == ("_" if tok == "_" else "^"):
                out.append("{}")  # a second script of the same kind: no double subscript
            script, i = _group(tokens, i + 1)
            if tok != "_" and script == "{T}":
                script = r"{\top}"
            out.append(("_" if tok == "_" else "^") + script)
            continue
        if tok == "||":
            out.append(r"\rVert " if norm_open else r"\lVert ")
            norm_open = not norm_open
        elif tok.isspace():
            out.append(" ")
        elif re.fullmatch(r"[A-Za-z]+", tok):
            if tok == "d" and tokens[i + 1:i + 2] == ["+"]:
                out.append(r"\partial^{+} ")  # d+h_t/db_h: the immediate partial
                i += 2
                continue
            if tok == "d" and i + 1 < len(tokens) and re.fullmatch(r"[A-Za-z]+", tokens[i + 1]) and tokens[i + 1] != "x":
                out.append(r"\partial ")  # dh_t/dh_k
            elif re.fullmatch(r"d(%s)" % "|".join(sorted(_GREEK)), tok):
                out.append(r"\partial %s " % _ident(tok[1:]))
            elif re.fullmatch(r"d(ltm|wm|rem|save|focus)", tok) and tokens[i + 1:i + 2] in (["_"], ["/"]):
                out.append(r"\partial \mathit{%s}" % tok[1:])  # dltm_t/dltm_{t-1}: the LSTM's states
            elif re.fullmatch(r"d[A-Za-z]", tok) and i + 1 < len(tokens) and tokens[i + 1] in ("_", "/"):
                out.append(r"\partial %s" % (r"\ell" if tok[1:] == "l" else _ident(tok[1:])))  # dl_i: the loss term
            else:
                out.append(_ident(tok) + (" " if tok in _FUNCS or tok in _GREEK else ""))
        elif re.fullmatch(r"\d.*", tok):
            out.append(_number(tok))
        elif tok == "\u00d7":
            out.append(r" \times ")
        elif tok == ",":
            out.append(r",\allowbreak ")  # a narrow table cell may break a long formula after a comma
        elif tok in _OPS:
            out.append(" %s " % _OPS[tok] if tok not in "()" else tok)
        elif tok == "{":
            out.append(r"\{")
        elif tok == "}":
            out.append(r"\}")
        else:
            out.append(tok)
        i += 1
    return "".join(out).replace("  ", " ").strip()


def math_span(s: str) -> str:
    """One ASCII formula as LaTeX math (without dollars); raises ValueError when unsafe."""
    if not _SAFE.match(s) or s.count("(") != s.count(")") or s.count("{") != s.count("}") or s.count("||") % 2:
        raise ValueError(s)
    s = re.sub(r"\[\[(.*?)\]\]", lambda m: "MATRIX(" + m.group(1) + ")", s)
    tokens = _TOKEN.findall(s)
    tex = _convert(tokens)
    tex = re.sub(r"\\sqrt\s*\(([^()]*)\)", r"\\sqrt{\1}", tex)
    tex = re.sub(r"\\mathit\{MATRIX\}\((.*?)\)",
                 lambda m: r"\begin{pmatrix}%s\end{pmatrix}" % re.sub(
                     r"\]\s*,\s*\[", r" \\\\ ", m.group(1).replace(r",\allowbreak ", ", ")).replace(
                     ",", " &").strip("[] "), tex)
    return tex


def _is_math_word(w: str) -> bool:
    if w.strip(",;:") == "(.)" or re.fullmatch(r"[a-z]hat", w.strip(".,;:()[]")):
        return True
    core = w.strip(".,;:()[]")
    if not core or core in _TEXT_WORDS or re.fullmatch(r"[A-Za-z]+'s", core):
        return False
    if re.search(r"[a-z]\.[a-z]", core):  # d2l.ai, e.g.: a name, not a formula
        return False
    if re.search(r"[A-Za-z']\(", core):  # f(x), sigma'(x), d(A
        return True
    if core.lower() in ("pre-activation", "pre-activations", "row-major", "right-hand", "left-hand"):
        return False
    if re.fullmatch(r"[a-z]+(-[a-z]+)+", core):  # hyphenated English words
        return False
    if core in _GREEK or core in ("oo", "+oo", "-oo") or (core in _FUNCS and len(core) > 3):
        return True
    if re.fullmatch(r"[A-Za-z]", core):
        return True
    if re.fullmatch(r"\d+(\.\d+)?", core):
        return True
    return bool(_WORD_MATH.search(core))


def _strip_parens(body: str) -> tuple[str, str, str]:
    """``(pre, body, post)``: unbalanced outer brackets of a span moved back into the text."""
    pre = post = ""
    while body and body[0] in "([" and body.count(body[0]) > body.count(")]"["([".index(body[0])]):
        pre, body = pre + body[0], body[1:]
    while body and body[-1] in ")]" and body.count(body[-1]) > body.count("(["[")]".index(body[-1])]):
        post, body = body[-1] + post, body[:-1]
    return pre, body, post


def _unmatched(body: str) -> int | None:
    """Index of the first bracket without a partner, or ``None``."""
    stack = []
    for i, c in enumerate(body):
        if c == "(":
            stack.append(i)
        elif c == ")":
            if not stack:
                return i
            stack.pop()
    return stack[0] if stack else None


def _emit(body: str) -> str:
    """``$math$`` for a span; split at an unmatched bracket, escaped text when not a formula."""
    if not body.strip():
        return escape_tex(body)
    try:
        return "$" + math_span(body.strip()) + "$"
    except ValueError:
        i = _unmatched(body)
        if i is None:
            return escape_tex(body)
        left, right = body[:i], body[i + 1:]
        sep_l = " " if left.endswith(" ") else ""
        sep_r = " " if right.startswith(" ") else ""
        return _emit(left) + sep_l + escape_tex(body[i]) + sep_r + _emit(right)


def mathify(s: object) -> str:
    """LaTeX text of an ASCII sentence whose mathematical words are set in math mode.

    >>> mathify("lambda_1 < 1/gamma is sufficient")
    '$\\lambda _{1} < 1 / \\gamma$ is sufficient'
    """
    s = re.sub(r"\bTrue\b", "holds", str(s))
    s = re.sub(r"\s*\(Indexed\)|Indexed, ", "", s)
    s = re.sub(r"(?<![\w.])(\d*[a-zA-Z]?|\d+) x (\d*[a-zA-Z]|\d+)(?![\w(])", "\\1 \u00d7 \\2", s)  # 1 x n: a shape
    s = re.sub(r"\b([A-Za-z]+)_prime(?![A-Za-z])", r"\1'", s)
    s = re.sub(r"\b([A-Za-z])_hat\b", r"\1hat", s)  # g_hat: the clipped gradient
    # a Python name of several words (tanh'_via_sigmoid) reads as words
    s = re.sub(r"\b[A-Za-z']+(?:_[A-Za-z]{2,}[A-Za-z']*)+\b",
               lambda m: m.group(0) if m.group(0) in _FUNCS or re.fullmatch(r"[A-Za-z]+_[A-Za-z]{2}", m.group(0)) else m.group(0).replace("_", " "), s)
    for u, a in _UNICODE_MATH.items():
        s = s.replace(u, a)
    out, span = [], []

    def flush():
        if not span:
            return
        text = "".join(span)
        body = text.rstrip()
        trail_ws = text[len(body):]
        trail = ""
        while body and body[-1] in ".,;:" and not body.endswith(".."):
            trail, body = body[-1] + trail, body[:-1]
        pre, body, post = _strip_parens(body)
        out.append(escape_tex(pre) + _emit(body) + escape_tex(post + trail) + trail_ws)
        span.clear()

    for w in re.split(r"(\s+)", s):
        if not w:
            continue
        if w.isspace():
            (span if span else out).append(w)
        elif _is_math_word(w):
            span.append(w)
        else:
            flush()
            out.append(escape_tex(w))
    flush()
    return "".join(out)


_RULES = {"split_last": "split off the last term", "split_first": "split off the first term",
          "peel_upper": "peel the latest factor off the product", "peel_lower": "peel the earliest factor off",
          "swap_triangle": "exchange the triangular double sum"}
_HOW = [  # (pattern, replacement) on the raw method; detail text, applied in order
    (r"entrywise at symbolic n(?: \(Indexed\))?", "entrywise at symbolic size n"),
    (r"each block entrywise at symbolic n", "each block entrywise at symbolic size n"),
    (r"explicit n=(\d+)\.\.(\d+) x (\d+) time instances", r"explicit matrices, n = \1 to \2, at \3 time instances"),
    (r"explicit n=(\d+)\.\.(\d+), (\d+) random instances", r"\3 random explicit instances, n = \1 to \2"),
    (r"explicit n=(\d+)\.\.(\d+)", r"explicit matrices for n = \1 to \2"),
    (r"rewriting \(rules: none\) to one normal form", "both sides rewritten to one normal form"),
    (r"rewriting \(rules: ([a-z_, ]+)\) to one normal form",
     lambda m: "both sides rewritten to one normal form (" + "; ".join(
         _RULES.get(r.strip(), r.strip().replace("_", " ")) for r in m.group(1).split(",")) + ")"),
    (r"induction on -k \+ t", "induction on t - k"),
    (r"\bsimplify; lhs - rhs reduces to 0", "SymPy simplifies the difference of the two sides to 0"),
    (r"lhs - rhs reduces to 0", "the difference of the two sides simplifies to 0"),
    (r"\bassumptions; positive: (.*)$", r"SymPy's assumptions decide \1 > 0"),
    (r"\bassumptions; nonnegative: (.*)$", r"SymPy's assumptions decide \1 >= 0"),
    (r"\(assumptions\)", "(by SymPy's assumptions)"),
    (r"solveset over the domain; the violation set of (.*) (<=|<|>=|>) 0 is empty",
     r"solveset: \1 \2 0 has no solution on the domain"),
    (r"solveset; f'\(x\) = 0 exactly on \{(.*)\}", r"solveset: the derivative vanishes exactly at x = \1"),
    (r"\blimit; limit is (\S+)", r"SymPy's limit is \1"),
    (r"mpmath (\d+) digits; a general proof is not attempted by SymPy",
     r"no violation at \1 digits (mpmath); no general proof attempted"),
    (r"agreement to (\d+) digits; not decided at symbolic size", r"agreement to \1 digits; not decided at symbolic size"),
    (r"exact rational agreement; not decided at symbolic size", "exact rational agreement; not decided at symbolic size"),
    (r"sup = max\(f\(0\) = ([^,]+), limits \[([^\]]*)\]\) = ([^;]+); claimed ([^;]+)",
     r"the supremum is f(0) = \1 (both limits are 0); claimed \4"),
    (r"functions\.GAMMA\['(\w+)'\] = ", r"the numeric checks use gamma = "),
    (r" exactly: holds", " exactly"),
    (r"\(rtol=([0-9.]+)\)", r"(relative tolerance \1)"),
    (r"eigenvalues \{([^:{}]+): (\d+)\} \(value: multiplicity\)", r"eigenvalue \1 with multiplicity \2"),
    (r"\(exact, n=(\d+), seed=(\d+)\)", r"(exact; n = \1, seed \2)"),
    (r"\bexact computation\b", "computed exactly"),
    (r"^conjunction of (\d+) parts", r"all \1 parts checked, each with its verdict"),
    (r"\(conjunction of (\d+) parts\)", r"(all \1 parts checked, each with its verdict)"),
]


def _prose(s: str) -> str:
    s = re.sub(r"\bTrue\b", "holds", s)
    for pat, rep in _HOW:
        s = re.sub(pat, rep, s)
    return s


def how(method: str, detail: str = "") -> str:
    """The method and detail of a step result as one LaTeX sentence fragment."""
    raw = method + (f"; {detail}" if detail else "")
    return identity_refs(_prose(raw))


_IDS: tuple[str, ...] | None = None


def _ids() -> tuple[str, ...]:
    global _IDS
    if _IDS is None:
        from rnnproof.derivations.registry import IDS

        _IDS = tuple(sorted(IDS, key=len, reverse=True))
    return _IDS


def identity_refs(s: str) -> str:
    """:func:`mathify` with every catalogue id replaced by a cross reference ``\\idref{id}``
    (a text that is nothing but an id reads "as derived in Section N")."""
    if str(s).strip() in _ids():
        return r"as derived in \idref{%s}" % str(s).strip()
    pattern = r"\b(" + "|".join(map(re.escape, _ids())) + r")\b"
    parts = re.split(pattern, str(s))
    out = []
    for k, part in enumerate(parts):
        out.append(r"\idref{%s}" % part if k % 2 else mathify(part))
    return "".join(out)


_QUANTITY = [  # the numeric checks' names for what they compared, in a reader's words
    (r"\((?:[A-Za-z]+(?:_[A-Za-z0-9]+){2,}|J), ", "("),  # (dh_t_dh_k_tanh, t=1): a derived expression's key
    (r"\btanh_via_sigmoid\(z\)", "2 sigma(2z) - 1"), (r"\btanh_prime_via_sigmoid\(z\)", "4 sigma'(2z)"),
    (r"\bstate_jacobian\b", "J_i"), (r"\bvs engine\.bptt\b", "vs rnnproof's BPTT"),
    (r"\bvs FD of L\b", "vs finite differences of L"), (r"\blhs = \|\|FD\|\|", "= ||finite differences||"),
    (r"\bin lhs\b", "in the left side"), (r"\bdL_dW_(\w)\b", r"dL/dW_\1"), (r"\berror_bound\b", "the bound"),
    (r"\|\|_2\b", "||"), (r"==", "="),
]


def quantity(s: str) -> str:
    """A numeric check's ``quantity`` (``prod J_i = dh_t/dh_k (t=15, k=11)``) as LaTeX text."""
    s = str(s)
    for pat, rep in _QUANTITY:
        s = re.sub(pat, rep, s)
    m = re.fullmatch(r"(.*\S)\s+\(([^()]*)\)", s)  # the parameters (t=15, k=11) set apart
    if m:
        return mathify(m.group(1)) + " (" + mathify(m.group(2)) + ")"
    return mathify(s)


def clean_meaning(s: str) -> str:
    """A symbol's meaning without implementation notes (``env key 'dl_dh'``)."""
    s = re.sub(r"\s*\(env key '[^']*'\)", "", s)
    s = re.sub(r",\s*env key '[^']*'", "", s)
    s = re.sub(r"\s*\(symbol '[^']*'\)", "", s)
    return s


def plain_sources(sources) -> list[str]:
    """The sources a reader can look up (the identity sheet's own file name is dropped)."""
    return [s for s in sources if not s.startswith("IDENTITIES.md")]
