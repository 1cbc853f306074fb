"""Read a derivation file (``.rnnp``) line by line into a :class:`~.model.DerivationFile`.

The format is documented in ``docs/derivation-format.md``.  Each line is one of::

    title: TEXT
    notation: column | row
    let NAME[, NAME...]: real | positive | negative | nonnegative | dim | vector(n) | matrix(n, m) [in (a, b)]
    def NAME(x[, y...]) = EXPR          def NAME = EXPR
    claim: EXPR REL EXPR
    proof:
        EXPR                                   (optional start; default: the claim's left side)
        REL EXPR   # justification | latex: DISPLAY
    # a comment, or a blank line

Math goes through :func:`.expr.parse_math` (an ``ast`` whitelist); nothing is evaluated.
Caps: :data:`MAX_BYTES` per file, :data:`MAX_LINES` lines, :data:`MAX_STEPS` steps.
"""

from __future__ import annotations

import ast
import os
import re
import stat
import sys

import sympy as sp
from sympy.core.function import AppliedUndef

from .calls import size_arg
from .errors import DerivationFileError, FileSyntaxError, LimitExceededError
from .expr import MAX_FUNCTION_NESTING, Scope, Val, _Builder, parse_math, parse_quietly
from .latexsafe import check_latex
from .model import ChainStep, Declaration, DerivationFile, Expr

__all__ = ["parse_text", "parse_file", "read_capped", "announce", "split_relation", "MAX_BYTES", "MAX_LINES", "MAX_STEPS", "MAX_BOUND"]

MAX_BYTES = 64 * 1024
MAX_LINES = 1000
MAX_STEPS = 100
MAX_BOUND = 10 ** 6
_NAME = r"[A-Za-z][A-Za-z0-9_]*"
_ASSUME = {"real": {"real": True}, "positive": {"positive": True}, "negative": {"negative": True},
           "nonnegative": {"nonnegative": True}}
_REL_TOKENS = ("<=", ">=", "==", "≤", "≥", "<", ">", "=")
_CANON = {"==": "=", "≤": "<=", "≥": ">="}


def parse_file(path) -> DerivationFile:
    """Read and parse the file at ``path``; every problem raises a ``DerivationFileError``.

    Only a regular file is read (a FIFO, a device such as ``/dev/zero`` or a directory is
    refused without blocking, also behind a symlink), and never more than :data:`MAX_BYTES`
    + 1 bytes.  A UTF-8 byte-order mark is skipped.
    """
    name = str(path)
    return parse_text(decode_source(read_capped(path, name), name), path=name)


def read_capped(path, name: str) -> bytes:
    """At most ``MAX_BYTES + 1`` bytes of the regular file ``path`` (else LimitExceededError)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except (OSError, ValueError) as exc:
        raise DerivationFileError(f"cannot read file: {getattr(exc, 'strerror', None) or exc}", path=name) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = ("a directory" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else
                    "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode)
                    else "not a regular file")
            raise DerivationFileError(f"not a derivation file: {kind} (only regular files are read)", path=name)
        chunks, total = [], 0
        while total <= MAX_BYTES:
            chunk = os.read(fd, MAX_BYTES + 1 - total)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise DerivationFileError(f"cannot read file: {exc.strerror or exc}", path=name) from None
    finally:
        os.close(fd)
    if total > MAX_BYTES:
        raise LimitExceededError(f"file larger than {MAX_BYTES} bytes", path=name)
    return b"".join(chunks)


def decode_source(data: bytes, name: str) -> str:
    """``data`` as text: a UTF-8 byte-order mark skipped; undecodable bytes named by line:col."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise FileSyntaxError(f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be decoded (save the file as "
                              "UTF-8)", path=name, line=line, col=col) from None


class _Reader:
    def __init__(self, path):
        self.path = path
        self.scope = Scope(path=path)
        self.title, self.notation, self.declared_vectors = "", "column", False
        self.decls, self.claim, self.claim_line = [], None, 0
        self.start, self.steps, self.in_proof = None, [], False
        self.dims, self.sdom, self.sint, self.mdom = [], {}, {}, {}

    def fail(self, cls, message, line, col=1):
        raise cls(message, path=self.path, line=line, col=col)

    def line(self, raw: str, no: int):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            return
        col = len(raw) - len(raw.lstrip()) + 1
        m = re.match(r"(title|notation|let|def|claim|proof)\b\s*:?", stripped)
        key = m.group(1) if m else None
        if self.in_proof and key is None:
            return self.step(raw, no, col)
        if key is None:
            self.fail(FileSyntaxError, "expected title:, notation:, let, def, claim: or proof:", no, col)
        if self.in_proof:
            self.fail(FileSyntaxError, f"'{key}' after proof: (the proof must come last)", no, col)
        rest_col = col + m.end()
        rest = stripped[m.end():]
        getattr(self, "_" + key)(rest, no, rest_col, rest.strip())

    # -- header lines
    def _title(self, rest, no, col, text):
        self.title = text

    def _notation(self, rest, no, col, text):
        if text not in ("column", "row"):
            self.fail(FileSyntaxError, "notation must be 'column' or 'row'", no, col)
        if self.declared_vectors:
            self.fail(FileSyntaxError, "notation: must come before any vector or matrix is declared", no, col)
        self.notation, self.scope.row = text, text == "row"

    def _proof(self, rest, no, col, text):
        if text:
            self.fail(FileSyntaxError, "nothing may follow 'proof:' on its line", no, col)
        self.in_proof = True

    def _let(self, rest, no, col, text):
        body = _strip_comment(rest)
        m = re.fullmatch(r"\s*(%s(?:\s*,\s*%s)*)\s*:\s*(.+?)\s*" % (_NAME, _NAME), body)
        if not m:
            self.fail(FileSyntaxError, "expected 'let NAME: KIND', e.g. 'let x: real' or 'let W: matrix(n, n)'", no, col)
        names = [s.strip() for s in m.group(1).split(",")]
        kind, domain = m.group(2), None
        dm = re.search(r"\s+in\s+([\(\[].*[\)\]])$", kind)
        if dm:
            domain = self._domain(dm.group(1), no, col + body.index(dm.group(1)))
            kind = kind[: dm.start()].strip()
        for name in names:
            self._declare(name, kind, domain, no, col + body.index(name))

    def _domain(self, text, no, col):
        inner = text[1:-1].split(",")
        if len(inner) != 2:
            self.fail(FileSyntaxError, "a domain is written '(a, b)' or '[a, b]'", no, col)
        empty = Scope(path=self.path)
        lo, hi = (parse_math(s, empty, line=no, col=col + 1).sem for s in inner)
        if not (lo.is_Number and hi.is_Number) or not (-MAX_BOUND <= lo < hi <= MAX_BOUND):
            self.fail(FileSyntaxError, f"a domain needs numbers a < b with |a|, |b| <= {MAX_BOUND}", no, col)
        return (float(lo), float(hi)), sp.Interval(lo, hi, text[0] == "(", text[-1] == ")")

    def _declare(self, name, kind, domain, no, col):
        if name.startswith("_") or name in self.scope.names or name in self.scope.functions:
            self.fail(FileSyntaxError, f"{name!r} is already declared" if not name.startswith("_")
                      else "names starting with '_' are not allowed", no, col)
        from .expr import FUNCTIONS
        if name in FUNCTIONS:
            self.fail(FileSyntaxError, f"{name!r} is a built-in function; choose another name", no, col)
        if kind in _ASSUME:
            sym = sp.Symbol(name, **_ASSUME[kind])
            self.scope.names[name] = Val(sym, sym)
            self.sdom[sym] = domain[0] if domain else None
            self.sint[sym] = domain[1] if domain else sp.S.Reals
            if not domain:
                del self.sdom[sym]
            self.decls.append(Declaration(name, "scalar", sym, no, domain[0] if domain else None))
        elif kind == "dim":
            sym = sp.Symbol(name, integer=True, positive=True)
            self.dims.append(sym)
            self.decls.append(Declaration(name, "dim", sym, no))
        else:
            shape = self._shape(kind, no, col)
            sym = sp.MatrixSymbol(name, *shape)
            self.scope.names[name] = Val(sym, sym, shape)
            self.declared_vectors = True
            if domain:
                self.mdom[name] = domain[1]
            self.decls.append(Declaration(name, "matrix", sym, no, domain[0] if domain else None))
        self.scope.leaves[name] = sym

    def _shape(self, kind, no, col):
        m = re.fullmatch(r"(vector|matrix)\s*\((.*)\)", kind)
        if not m:
            self.fail(FileSyntaxError, f"unknown kind {kind!r}: use real, positive, negative, nonnegative, dim, "
                                       "vector(n) or matrix(n, m)", no, col)
        args = _size_args(m.group(2))
        if args is None:
            self.fail(FileSyntaxError, f"expected {m.group(1)}(SIZE{', SIZE' if m.group(1) == 'matrix' else ''}) "
                                       "with whole numbers or dimension names as sizes", no, col)
        if len(args) != (1 if m.group(1) == "vector" else 2):
            self.fail(FileSyntaxError, f"{m.group(1)} takes {'one size' if m.group(1) == 'vector' else 'two sizes'}", no, col)
        for a in args:  # a new name in a shape declares a dimension
            if isinstance(a, ast.Name) and a.id not in self.scope.leaves and re.fullmatch(_NAME, a.id):
                self._declare(a.id, "dim", None, no, col)
        sizes = [size_arg(_Builder(self.scope, no, col), a) for a in args]
        return self.scope.vector_shape(sizes[0]) if len(sizes) == 1 else tuple(sizes)

    def _def(self, rest, no, col, text):
        body = _strip_comment(rest)
        m = re.fullmatch(r"\s*(?P<name>%s)\s*(?P<call>\(\s*(?P<params>%s(?:\s*,\s*%s)*)?\s*\))?\s*=(?P<body>.*)"
                         % (_NAME, _NAME, _NAME), body)
        if not m or not m.group("body").strip():
            self.fail(FileSyntaxError, "expected 'def NAME(x) = EXPR' or 'def NAME = EXPR'", no, col)
        name, params = m.group("name"), m.group("params")
        self._check_new(name, no, col)
        ecol = col + m.start("body")
        if m.group("call") is not None:
            syms = tuple(sp.Symbol(p.strip(), real=True) for p in (params or "").split(",") if p.strip())
            inner = Scope(path=self.path, row=self.scope.row)
            inner.names, inner.functions, inner.leaves = dict(self.scope.names), dict(self.scope.functions), dict(self.scope.leaves)
            inner.names.update({str(s): Val(s, s) for s in syms})
            val = parse_math(m.group("body"), inner, line=no, col=ecol)
            if val.shape is not None:
                self.fail(FileSyntaxError, "a function defined with def must give a scalar", no, ecol)
            used = {f.func.__name__ for f in val.disp.atoms(AppliedUndef)} if isinstance(val.disp, sp.Basic) else set()
            depth = 1 + max((self.scope.depths.get(f, 0) for f in used), default=0)
            if depth > MAX_FUNCTION_NESTING:
                self.fail(LimitExceededError, f"user functions nested more than {MAX_FUNCTION_NESTING} deep "
                                              f"({name} calls functions that call functions ...)", no, ecol)
            self.scope.functions[name], self.scope.depths[name] = (syms, val), depth
        else:
            val = parse_math(m.group("body"), self.scope, line=no, col=ecol)
            disp = sp.Symbol(name) if val.shape is None else sp.MatrixSymbol(name, *val.shape)
            self.scope.names[name] = Val(disp, val.sem, val.shape)
        self.decls.append(Declaration(name, "def", None, no))

    def _check_new(self, name, no, col):
        from .expr import FUNCTIONS
        if name in self.scope.names or name in self.scope.functions or name in FUNCTIONS or name in self.scope.leaves:
            self.fail(FileSyntaxError, f"{name!r} is already defined", no, col)

    def _claim(self, rest, no, col, text):
        if self.claim is not None:
            self.fail(FileSyntaxError, "only one claim: per file", no, col)
        body = _strip_comment(rest)
        parts = split_relation(body)
        if parts is None:
            self.fail(FileSyntaxError, "a claim is 'LEFT REL RIGHT' with one of =, <=, <, >=, >", no, col)
        (left, lc), rel, (right, rc) = parts
        self.claim = (self.expr(left, no, col + lc), rel, self.expr(right, no, col + rc))
        self.claim_line = no

    # -- proof lines
    def step(self, raw, no, col):
        math, why, latex = _split_step(raw, self.path, no)
        s = math.lstrip()
        mcol = len(raw) - len(raw.lstrip()) + 1
        rel = next((r for r in _REL_TOKENS if s.startswith(r)), None)
        if rel is None:
            if self.start is not None or self.steps:
                self.fail(FileSyntaxError, "a proof line must start with =, <=, <, >= or > (one start expression only)", no, col)
            self.start = self.expr(math, no, 1)
            return
        rel = _CANON.get(rel, rel)
        if len(self.steps) >= MAX_STEPS:
            self.fail(LimitExceededError, f"more than {MAX_STEPS} steps", no, mcol)
        tok = next(r for r in _REL_TOKENS if s.startswith(r))
        lead = len(math) - len(s)
        rest = s[len(tok):]
        offset = lead + len(tok) + 1
        if latex:
            latex = check_latex(latex, path=self.path, line=no, col=raw.index(latex) + 1)
        self.steps.append(ChainStep(rel, self.expr(rest, no, offset), why, latex, no))

    def expr(self, text, no, col) -> Expr:
        val = parse_math(text, self.scope, line=no, col=col)
        return Expr(text.strip(), val.disp, val.sem, val.shape, no, col + len(text) - len(text.lstrip()))

    def result(self) -> DerivationFile:
        if self.claim is None and self.start is None:
            self.fail(FileSyntaxError, "no claim: and no proof: found", 1)
        if self.start is None and not self.steps and self.claim is None:
            self.fail(FileSyntaxError, "the proof has no steps", 1)
        if self.start is None and self.steps and self.claim is None:
            self.fail(FileSyntaxError, "the proof needs a start expression or a claim: to start from", self.steps[0].line)
        return DerivationFile(self.path, self.title, self.notation, tuple(self.decls), self.claim, self.claim_line,
                              self.start, tuple(self.steps), tuple(self.dims), self.sdom, self.sint, self.mdom)


def _size_args(inner: str):
    """The size arguments of ``vector(...)``/``matrix(...)`` as ast nodes, or ``None`` when the
    text is anything but a plain argument list (``n), f(m``, ``n) + (m``, ``n if x else m``)."""
    if len(inner) > 200:
        return None
    try:
        body = parse_quietly("f(%s)" % inner).body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    if not (isinstance(body, ast.Call) and isinstance(body.func, ast.Name) and body.func.id == "f"
            and not body.keywords and body.func.col_offset == 0 and body.end_col_offset == len(inner) + 3):
        return None
    return body.args


def announce(phase: str) -> None:
    """Tell a sandboxing parent what is being done (:func:`rnnproof.sandbox.set_phase`), without
    importing the CLI layer: a no-op unless the sandbox module is loaded."""
    sandbox = sys.modules.get("rnnproof.sandbox")
    if sandbox is not None:
        sandbox.set_phase(phase)


def _strip_comment(text: str) -> str:
    return text.split("#", 1)[0]


def _split_step(raw, path, no):
    """``(math, justification, latex)`` of a step line; ``#`` starts the justification."""
    math, _, note = raw.partition("#")
    note = note.strip()
    latex = ""
    if "| latex:" in note:
        note, _, latex = note.partition("| latex:")
        note, latex = note.strip(), latex.strip()
    if note.lower().startswith("by:"):
        note = note[3:].strip()
    return math, note, latex


def split_relation(text: str):
    """Split ``text`` at its single top-level relation: ``((left, col), rel, (right, col))`` or ``None``."""
    level, found = 0, []
    pos = 0
    while pos < len(text):
        ch = text[pos]
        level += (ch in "([{") - (ch in ")]}")
        tok = next((r for r in _REL_TOKENS if text.startswith(r, pos)), None) if level == 0 else None
        if tok:
            found.append((pos, tok))
            pos += len(tok)
            continue
        pos += 1
    if len(found) != 1:
        return None
    pos, tok = found[0]
    return (text[:pos], 0), _CANON.get(tok, tok), (text[pos + len(tok):], pos + len(tok))


def parse_text(text: str, *, path: str = "<string>") -> DerivationFile:
    """Parse the text of a derivation file.

    Raises
    ------
    DerivationFileError
        (a subclass) with ``path:line:col`` for every problem; nothing in ``text`` is executed.
    """
    text = text.removeprefix("\ufeff")
    if len(text.encode("utf-8", "replace")) > MAX_BYTES:
        raise LimitExceededError(f"file larger than {MAX_BYTES} bytes", path=path)
    if "\x00" in text:
        raise FileSyntaxError("NUL character in file", path=path, line=text[: text.index("\x00")].count("\n") + 1)
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise LimitExceededError(f"more than {MAX_LINES} lines", path=path, line=MAX_LINES + 1)
    reader = _Reader(path)
    for no, raw in enumerate(lines, 1):
        announce(f"building line {no}")
        reader.line(raw.replace("\t", "    "), no)
    return reader.result()
