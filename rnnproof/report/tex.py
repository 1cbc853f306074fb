r"""LaTeX building blocks: escaping, deterministic numbers, the preamble and the document.

Every piece of text that does not come from the printer (titles, run names, justifications,
method descriptions, a user's title) goes through :func:`escape_tex`, which turns it into
inert text: a backslash becomes ``\textbackslash{}``, so ``\input``, ``\write18`` or
``\catcode`` in a run name print literally and execute nothing.  The document runs without
shell escape in any case (see :mod:`rnnproof.report.compile`).

The output depends only on the inputs: no dates, no paths, numbers formatted by
:func:`fmt_sci` / :func:`fmt_data`.

References
----------
Lamport, *LaTeX: A Document Preparation System*, sec. 2.2.1 (the ten special characters).
"""

from __future__ import annotations

import math
import re
import unicodedata

import numpy as np

__all__ = ["escape_tex", "breakable", "fmt_sci", "fmt_data", "document", "PREAMBLE", "table"]

# The ten special characters of LaTeX, plus characters OT1 fonts print wrongly (< > | ");
# the dollar is set in math ($\$$): text-mode \$ comes from the TS1 font, a Type 3 bitmap
# without cm-super
_SPECIAL = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"$\$$", "&": r"\&", "#": r"\#",
    "^": r"\textasciicircum{}", "_": r"\_", "~": r"\textasciitilde{}", "%": r"\%",
    "<": r"$<$", ">": r"$>$", "|": r"$|$", '"': "''",
}
# Unicode a reader may use in a run name or title, mapped to safe LaTeX
_UNICODE = {
    "α": r"$\alpha$", "β": r"$\beta$", "γ": r"$\gamma$", "δ": r"$\delta$", "ε": r"$\varepsilon$",
    "η": r"$\eta$", "θ": r"$\theta$", "λ": r"$\lambda$", "μ": r"$\mu$", "σ": r"$\sigma$",
    "τ": r"$\tau$", "φ": r"$\varphi$", "ω": r"$\omega$", "∂": r"$\partial$", "⊙": r"$\odot$",
    "‖": r"$\|$", "−": "-", "–": "--", "—": "---", "≤": r"$\le$", "≥": r"$\ge$", "×": r"$\times$",
    "…": r"\dots{}", "’": "'", "‘": "`", "“": "``", "”": "''", "ᵀ": r"$^{\top}$", "→": r"$\to$",
    "²": r"$^2$", "∞": r"$\infty$", "\u00a0": " ", "½": r"$\frac12$", "∈": r"$\in$", "ℝ": r"$\mathbb{R}$",
    "⊗": r"$\otimes$", "∏": r"$\prod$", "∑": r"$\sum$", "≈": r"$\approx$", "≠": r"$\neq$", "∇": r"$\nabla$",
    "·": r"$\cdot$", "⁺": r"$^{+}$", "ℓ": r"$\ell$", "±": r"$\pm$", "√": r"$\surd$", "⇒": r"$\Rightarrow$",
    "↦": r"$\mapsto$", "∘": r"$\circ$", "°": r"$^\circ$", "ŷ": r"$\hat y$", "ĝ": r"$\hat g$", "ĥ": r"$\hat h$",
    "h̃": r"$\tilde h$", "§": r"\S{}", "¶": r"\P{}", "₁": r"$_1$", "₂": r"$_2$", "ₜ": r"$_t$", "ₖ": r"$_k$", "¹": r"$^1$", "³": r"$^3$",
}
#: letters and signs of Latin-1 that the report's OT1 fonts cannot set, written in plain ASCII
#: (T1 would need bitmap fonts here); also used for ASCII file stems
TRANSLIT = {"Þ": "Th", "þ": "th", "Ð": "D", "ð": "d", "÷": "/", "¦": "|", "¤": "", "¼": "1/4", "¾": "3/4",
            "\ufeff": ""}
_GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lamda", "mu",
          "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega"}
_GREEK_UPPER = {"gamma", "delta", "theta", "lamda", "xi", "pi", "sigma", "upsilon", "phi", "psi", "omega"}
_LATIN1_TEXT = re.compile(r"[\u00c0-\u00ff]")  # accented Latin letters: utf8 inputenc handles them


def _char(c: str) -> str:
    if c in _SPECIAL:
        return _SPECIAL[c]
    if c in _UNICODE:
        return _UNICODE[c]
    if c in TRANSLIT:
        return "".join(_char(t) for t in TRANSLIT[c])
    if c in "\n\r\t":
        return " "
    o = ord(c)
    if o < 32 or o == 127:
        return ""  # control characters (including ^^ tricks) are dropped
    if o < 128 or _LATIN1_TEXT.match(c):
        return c
    name = unicodedata.name(c, "").split()  # GREEK SMALL LETTER SIGMA -> $\sigma$
    if len(name) == 4 and name[0] == "GREEK" and name[2] == "LETTER" and name[3].lower() in _GREEK:
        g = name[3].lower().replace("lamda", "lambda")
        if name[1] == "SMALL":
            return r"$\%s$" % g
        if name[3].lower() in _GREEK_UPPER:
            return r"$\%s$" % g.capitalize()
        return name[3][0]  # capital alpha, beta, ... look like Latin letters
    return r"[U+%04X]" % o


def escape_tex(s: object) -> str:
    r"""Turn any text into inert LaTeX that prints it.

    Parameters
    ----------
    s : object
        Converted with ``str``.

    Returns
    -------
    str
        Text mode LaTeX; contains no unescaped special character and no control sequence
        except those of the fixed escape table.

    Examples
    --------
    >>> escape_tex(r"\input{x} 50% #1 a_b")
    '\\textbackslash{}input\\{x\\} 50\\% \\#1 a\\_b'
    >>> escape_tex("--")
    '-{}-'
    """
    pieces: list[str] = []
    for c in str(s):
        e = _char(c)
        # adjacent math pieces ($\$$ then $^\circ$) merge into one math group: a bare "$$" between
        # them would read as display math to anyone (and any tool) reading the source
        if pieces and _is_math(e) and _is_math(pieces[-1]):
            pieces[-1] = pieces[-1][:-1] + e[1:]
        else:
            pieces.append(e)
    return re.sub(r"-(?=-)", "-{}", "".join(pieces))  # no en/em-dash ligatures from user text


def _is_math(piece: str) -> bool:
    """True for a whole inline-math piece of the escape table, such as ``$\\alpha$``."""
    return len(piece) >= 2 and piece[0] == "$" and piece[-1] == "$"


def breakable(s: object, *, limit: int = 400, run: int = 16, chunk: int = 8) -> str:
    """:func:`escape_tex` for machine text (details, SymPy strings, run names): allows a line
    break after ``, ; = + * / ) _ }`` and every ``chunk`` characters inside a run of more than ``run`` unbroken ones (narrow
    table cells pass small values), and
    shortens to ``limit`` characters with an ellipsis."""
    s = str(s)
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    pieces = []
    for tok in re.split(r"(?<=[,;=+*/)_}\]|])", s):
        words = re.split(r"(\s+)", tok)
        for w in words:
            pieces += [w[i:i + chunk] for i in range(0, len(w), chunk)] if len(w) > run and not w.isspace() else [w]
    out, prev_space = [], True
    for p in pieces:
        if p:
            e = escape_tex(p)
            if out and out[-1].endswith("$") and e.startswith("$"):  # "||": one math group, no bare "$$"
                out[-1] = out[-1][:-1] + e[1:]
                prev_space = p[-1].isspace()
                continue
            if out and not prev_space and not p[0].isspace():
                out.append(r"\allowbreak{}")
            out.append(e)
            prev_space = p[-1].isspace()
    return "".join(out)


def fmt_sci(v, *, digits: int = 2) -> str:
    r"""Math-mode scientific notation, e.g. ``2.3\times 10^{-9}``; ``--`` for nan/None.

    >>> fmt_sci(0.000123)
    '1.23\\times 10^{-4}'
    >>> fmt_sci(float("nan"))
    '\\text{--}'
    """
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return r"\text{--}"
    v = float(v)
    if math.isinf(v):
        return r"\infty" if v > 0 else r"-\infty"
    if v == 0:
        return "0"
    mant, exp = f"{v:.{digits}e}".split("e")
    e = int(exp)
    return mant if e == 0 else r"%s\times 10^{%d}" % (mant, e)


def fmt_data(v) -> str:
    """Deterministic number for pgfplots data files: 7 significant digits, ``nan`` for
    missing, non-finite or (for log axes) non-positive values handled by the caller."""
    if v is None:
        return "nan"
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return str(int(v))
    v = float(v)
    if not math.isfinite(v):
        return "nan"
    return "0" if v == 0 else f"{v:.6e}"


PREAMBLE = r"""\documentclass[10pt,a4paper]{article}
\usepackage[utf8]{inputenc}
\usepackage[margin=2.2cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{booktabs,longtable,array}
\usepackage{graphicx}
\usepackage{pgfplots}
\pgfplotsset{compat=1.16}
\usepackage[hidelinks,pdfcreator={rnnproof},pdfproducer={rnnproof}]{hyperref}
\allowdisplaybreaks
% reproducible PDF bytes: no dates, no random trailer id (pdfTeX; other engines skip these)
\ifdefined\pdfinfoomitdate\pdfinfoomitdate=1\fi
\ifdefined\pdftrailerid\pdftrailerid{}\fi
\ifdefined\pdfsuppressptexinfo\pdfsuppressptexinfo=-1\fi
% list labels from Computer Modern math (Type 1): \textbullet would load the bitmap TS1 font
\renewcommand{\labelitemi}{$\bullet$}\renewcommand{\labelitemii}{--}
\renewcommand{\labelitemiii}{$\ast$}\renewcommand{\labelitemiv}{$\cdot$}
\setlength{\parindent}{0pt}
\setlength{\emergencystretch}{3em}% inline formulas (a layout, a quantity) need room to break
\setlength{\parskip}{0.5ex}
\newcommand{\verdict}[1]{\textsc{#1}}
\newcommand{\rid}[1]{\texttt{#1}}
\newsavebox{\rnnfitbox}\newlength{\rnnfitwd}
% a formula slightly wider than the line is scaled to fit, never below 85%: the writer breaks
% longer ones across lines (a formula is never shrunk to an unreadable size)
\newcommand{\fitmath}[1]{\sbox{\rnnfitbox}{$\displaystyle #1$}%
  \setlength{\rnnfitwd}{\dimexpr\textwidth-5em\relax}%
  \ifdim\wd\rnnfitbox>\rnnfitwd
    \ifdim0.85\wd\rnnfitbox>\rnnfitwd\setlength{\rnnfitwd}{0.85\wd\rnnfitbox}\fi
    \resizebox{\rnnfitwd}{!}{\usebox{\rnnfitbox}}%
  \else\usebox{\rnnfitbox}\fi}
"""


#: a reference to another identity's section; a standalone document has no such section and
#: names the identity instead
# not \S: OT1 takes it from a bitmap font; an identity that is not in this report (a partial report) is
# named instead of printing "Section ??" (its label is then never defined)
IDREF_MAIN = (r"\newcommand{\idref}[1]{\ifcsname r@#1\endcsname Section~\ref{#1}"
              r"\else the identity \texttt{\detokenize{#1}}\fi}")
IDREF_STANDALONE = r"\newcommand{\idref}[1]{the identity \texttt{\detokenize{#1}}}"


def _pdf_string(s: str) -> str:
    """Plain ASCII for a PDF info field (no TeX specials, no braces)."""
    s = unicodedata.normalize("NFKD", str(s)).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9 .,:;'()/<>=+-]", " ", s).strip()


def document(title: str, body: list[str], *, subtitle: str = "", standalone: bool = False) -> str:
    """A complete LaTeX document: preamble (with the PDF's Title, Subject and Author), escaped
    title, the body parts in order."""
    info = r"\hypersetup{pdftitle={%s},pdfauthor={rnnproof},pdfsubject={%s}}" % (
        _pdf_string(title), _pdf_string(subtitle or "derivations and numeric checks"))
    head = [PREAMBLE, IDREF_STANDALONE if standalone else IDREF_MAIN, info, r"\title{%s}" % escape_tex(title),
            r"\author{%s}" % escape_tex(subtitle) if subtitle else r"\author{}", r"\date{}",
            r"\begin{document}", r"\maketitle"]
    return "\n".join(head + [b.rstrip("\n") for b in body] + [r"\end{document}", ""])


def table(spec: str, header: list[str], rows: list[list[str]], *, size: str = r"\small",
          long: bool = True) -> str:
    """A booktabs table (``longtable`` so it may break across pages); cells are LaTeX."""
    env = "longtable" if long else "tabular"
    lines = ["{%s" % size, r"\begin{%s}{%s}" % (env, spec), r"\toprule", " & ".join(header) + r" \\",
             r"\midrule"]
    if long:
        lines += [r"\endhead"]
    lines += [" & ".join(r) + r" \\" for r in rows]
    lines += [r"\bottomrule", r"\end{%s}" % env, "}"]
    if not long:
        lines = [r"\begin{center}"] + lines + [r"\end{center}"]
    return "\n".join(lines)
