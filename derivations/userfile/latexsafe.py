r"""Display LaTeX written by the user (``| latex: ...``) is checked against a whitelist.

Only math-mode macros that cannot read or write files, change category codes or define
new macros are accepted (``\frac``, ``\sigma``, ``\left`` ...); braces must balance, and the
characters ``$ % # & ^^`` (mode switches, comments, parameters, alignment, ``^^`` escapes)
are refused.  Anything else -- ``\input``, ``\write18``, ``\catcode``, ``\def`` -- raises
:class:`~.errors.ForbiddenConstructError` with the position.  Plain text (titles,
justifications) is never passed through: the report escapes it.
"""

from __future__ import annotations

import re

from .errors import ForbiddenConstructError

__all__ = ["check_latex", "SAFE_MACROS"]

_GREEK = ("alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi "
          "rho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Phi Psi Omega")
SAFE_MACROS = frozenset((_GREEK + " frac dfrac tfrac left right cdot cdots ldots dots times div pm mp le leq ge "
                         "geq lt gt ne neq approx equiv partial nabla sqrt sum prod lim infty exp log ln tanh "
                         "sinh cosh sin cos max min mathrm mathbf mathit boldsymbol operatorname text top odot "
                         "circ quad qquad lVert rVert Vert lvert rvert vert big Big bigl bigr Bigl Bigr bigg "
                         "Bigg langle rangle prime displaystyle hat tilde bar overline underline to mapsto "
                         "in notin mathbb mathcal diag").split())
MAX_LATEX = 1000


def check_latex(text: str, *, path: str = "<string>", line: int = 1, col: int = 1) -> str:
    """Return ``text`` if it only uses whitelisted LaTeX; raise otherwise."""
    def fail(message, offset=0):
        raise ForbiddenConstructError(message, path=path, line=line, col=col + offset)

    if len(text) > MAX_LATEX:
        fail(f"display LaTeX longer than {MAX_LATEX} characters")
    for bad in ("$", "%", "#", "&", "^^"):
        if bad in text:
            fail(f"character {bad!r} is not allowed in display LaTeX", text.index(bad))
    depth = 0
    for pos, ch in enumerate(text):
        depth += (ch == "{") - (ch == "}")
        if depth < 0:
            fail("unbalanced '}' in display LaTeX", pos)
    if depth:
        fail("unbalanced '{' in display LaTeX")
    for m in re.finditer(r"\\([A-Za-z]+|.?)", text):
        name = m.group(1)
        if name.isalpha() and name not in SAFE_MACROS:
            fail(f"LaTeX command \\{name} is not allowed in display LaTeX", m.start())
        if not name.isalpha() and name not in (",", ";", "!", " ", "{", "}", "|"):
            fail(f"LaTeX command \\{name or '(end)'} is not allowed in display LaTeX", m.start())
    return text
