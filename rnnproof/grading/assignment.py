"""Assignment files: the claim students must prove, what they must declare, what a proof must contain.

An assignment is an ``.rnnp`` file (docs/derivation-format.md) without a ``proof:`` block,
plus three optional header lines that only assignments have::

    assignment: hidden_state_chain_row          # an id (default: the file name's stem)
    accept: proved, confirmed                   # verdicts a step may have (default: both)
    require: diag(1 - h3**2) @ T(W) @ jacobian(h2, h1)    # a line the chain must pass through

``accept`` lists ``proved`` (every verdict that is a proof: SymPy decided it, interval
arithmetic, a proved lemma), ``confirmed`` (numerically confirmed: sampling at 40 digits
found no violation; evidence, not proof) and ``undecided``.  A refuted step is never
accepted.  Each ``require:`` expression is read in the assignment's declarations, exactly as
a chain line would be.  The header lines are blanked before the rest goes through
:func:`rnnproof.derivations.userfile.parse_text`, so every error keeps its line number.

>>> a = parse_assignment("let x: real\\naccept: proved\\nclaim: exp(x)*exp(-x) = 1", path="a.rnnp")
>>> a.name, sorted(v.value for v in a.accept)
('a', ['proved', 'proved (interval arithmetic)', 'proved by lemma'])
"""

from __future__ import annotations

import functools
import pathlib
import re
from dataclasses import dataclass

from rnnproof.derivations.model import Verdict
from rnnproof.derivations.userfile import DerivationFile, DerivationFileError, Expr, FileSyntaxError, parse_text
from rnnproof.derivations.userfile.errors import LimitExceededError
from rnnproof.derivations.userfile.parser import decode_source, read_capped

__all__ = ["Assignment", "Required", "parse_assignment", "load_assignment", "cached_assignment",
           "ACCEPT_WORDS", "DEFAULT_ACCEPT"]

#: the words of an ``accept:`` line and the verdicts each admits
ACCEPT_WORDS = {
    "proved": frozenset(v for v in Verdict if v.is_proof),
    "confirmed": frozenset({Verdict.CONFIRMED}),
    "numerically confirmed": frozenset({Verdict.CONFIRMED}),
    "undecided": frozenset({Verdict.UNDECIDED}),
}
#: what a step may be when the assignment has no ``accept:`` line
DEFAULT_ACCEPT = ACCEPT_WORDS["proved"] | ACCEPT_WORDS["confirmed"]
_HEADER = re.compile(r"^(\s*)(assignment|accept|require)\s*:(.*)$")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


@dataclass(frozen=True)
class Required:
    """A required chain line: its source text, its line in the assignment, the parsed expression."""

    source: str
    line: int
    expr: Expr


@dataclass(frozen=True)
class Assignment:
    """A parsed assignment; ``text`` is the file's full text (part of every cache key)."""

    path: str
    name: str
    text: str
    file: DerivationFile
    required: tuple[Required, ...]
    accept: frozenset

    @property
    def title(self) -> str:
        return self.file.title

    def accept_text(self) -> str:
        """The accepted verdicts in words (``proved, numerically confirmed``)."""
        words = [w for w in ("proved", "numerically confirmed", "undecided") if ACCEPT_WORDS[w] <= self.accept]
        return ", ".join(words)


def _fail(message, path, line, col=1):
    raise FileSyntaxError(message, path=path, line=line, col=col)


def _accept(text: str, path: str, line: int, col: int) -> frozenset:
    words = [w.strip().lower() for w in text.split("#", 1)[0].split(",")]
    if not any(words):
        _fail("accept: lists verdicts, e.g. 'accept: proved' or 'accept: proved, confirmed'", path, line, col)
    out = set()
    for w in words:
        if w in ("refuted",):
            _fail("a refuted step can never be accepted", path, line, col)
        if w not in ACCEPT_WORDS:
            _fail(f"unknown verdict {w!r} in accept: (use proved, confirmed, undecided)", path, line, col)
        out |= ACCEPT_WORDS[w]
    return frozenset(out)


def _split_header(text: str, path: str):
    """``(text with header lines blanked, name, accept, [(source, line, col)])``."""
    lines = text.splitlines()
    name, accept, required = None, None, []
    for no, raw in enumerate(lines, 1):
        m = _HEADER.match(raw)
        if not m:
            continue
        key, rest = m.group(2), m.group(3)
        col = m.start(3) + 1
        if key == "assignment":
            value = rest.split("#", 1)[0].strip()
            if not _ID.fullmatch(value):
                _fail("assignment: needs an id of letters, digits, '_', '.', '-' (at most 64)", path, no, col)
            name = value
        elif key == "accept":
            if accept is not None:
                _fail("only one accept: line per assignment", path, no, col)
            accept = _accept(rest, path, no, col)
        else:
            src = rest.split("#", 1)[0]
            if not src.strip():
                _fail("require: needs an expression the chain must pass through", path, no, col)
            required.append((src.strip(), no, col + len(src) - len(src.lstrip())))
        lines[no - 1] = ""
    return "\n".join(lines), name, accept, required


def _parse_required(body: str, source: str, line: int, col: int, path: str) -> Expr:
    """Read ``source`` in the assignment's declarations, as the start line of a proof."""
    extra = body.count("\n") + 3
    try:
        df = parse_text(f"{body}\nproof:\n    {source}\n", path=path)
    except DerivationFileError as exc:
        if exc.line != extra:
            raise
        raise type(exc)(exc.message, path=path, line=line, col=col + max(exc.col - 5, 0)) from None
    e = df.start
    return Expr(e.source, e.display, e.semantic, e.shape, line, col)


def parse_assignment(text: str, *, path: str = "<assignment>") -> Assignment:
    """Parse the text of an assignment file.

    Raises
    ------
    DerivationFileError
        ``path:line:col: message`` for every problem: the ``.rnnp`` part is malformed, there is
        no claim, there is a proof, or a header line is wrong.
    """
    body, name, accept, required = _split_header(text, path)
    df = parse_text(body, path=path)
    if df.claim is None:
        _fail("an assignment needs a claim: (the statement students must prove)", path, 1)
    if df.start is not None or df.steps:
        line = df.start.line if df.start is not None else df.steps[0].line
        _fail("an assignment states the claim only; put a model solution in a submission file", path, line)
    reqs = tuple(Required(src, no, _parse_required(body, src, no, col, path)) for src, no, col in required)
    stem = pathlib.PurePath(path).stem
    default = stem if _ID.fullmatch(stem or "") else "assignment"
    return Assignment(path, name or default, text, df, reqs, accept if accept is not None else DEFAULT_ACCEPT)


@functools.lru_cache(maxsize=8)
def cached_assignment(text: str, path: str) -> Assignment:
    """:func:`parse_assignment`, parsed once per process (workers grade many files against it)."""
    return parse_assignment(text, path=path)


def load_assignment(path) -> tuple[Assignment, str]:
    """Read and parse the assignment at ``path``; returns it and its text.

    Raises
    ------
    DerivationFileError
        When the file cannot be read, is not UTF-8, or does not parse.
    """
    name = str(path)
    try:  # the reader `verify` uses: regular files only, never blocking, never past the cap
        data = read_capped(path, name)
    except LimitExceededError:
        raise
    except DerivationFileError as exc:
        raise DerivationFileError(f"cannot read the assignment: {exc.message}", path=name) from None
    text = decode_source(data, name)
    return parse_assignment(text, path=name), text
