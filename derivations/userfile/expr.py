r"""Python-like math to SymPy through a whitelist of :mod:`ast` nodes; nothing is evaluated.

The text is parsed with ``ast.parse(text, mode="eval")`` and walked node by node.  Only
these nodes are accepted: numbers, declared names, ``+ - * / ** @``, unary minus/plus and
calls of whitelisted functions by plain name.  Each accepted node becomes a SymPy object
built directly (``sp.Add``, ``sp.MatMul``, ...).  No ``eval``, ``exec``, ``sympify`` or
``parse_expr`` ever sees the user's text.

Semantics follow NumPy: ``@`` is the matrix product, ``*`` and ``**`` are elementwise on
matrices, a scalar added to a matrix is broadcast (``1 - h**2`` is :math:`\mathbf 1 - h\odot h`)
and scalar functions apply entrywise.

Safety caps (each raises :class:`LimitExceededError` with the position): expression length
:data:`MAX_CHARS`, nesting :data:`MAX_DEPTH`, node count :data:`MAX_NODES`, numeric
exponents :data:`MAX_EXPONENT`, numbers :data:`MAX_NUMBER`, nested exponentials
:data:`MAX_EXP_NESTING`.  Caps on what is *built*, not only on what is written: the tree size of
an expression once every ``def`` is substituted (:data:`MAX_BUILT`; a ``def`` chain whose tree
doubles per line is refused at the line where it passes the cap), the digits of an exact number
(:data:`MAX_DIGITS`, estimated before SymPy computes a rational power) and the nesting of
user functions (:data:`MAX_FUNCTION_NESTING`).
"""

from __future__ import annotations

import ast
import math
import warnings
from fractions import Fraction

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from ..errors import RnnproofError
from ..functions import sigmoid
from ..matexpr import SpectralNorm
from .errors import (ForbiddenConstructError, FileSyntaxError, LimitExceededError, ShapeMismatchError,
                     UnknownNameError)
from .jacobian import Jacobian

__all__ = ["Val", "Scope", "parse_math", "MAX_CHARS", "MAX_DEPTH", "MAX_NODES", "MAX_EXPONENT",
           "MAX_NUMBER", "MAX_EXP_NESTING", "MAX_BUILT", "MAX_DIGITS", "MAX_FUNCTION_NESTING", "FUNCTIONS"]

MAX_CHARS = 2000
MAX_DEPTH = 40
MAX_NODES = 400
MAX_EXPONENT = 64
MAX_NUMBER = 10 ** 12
MAX_EXP_NESTING = 2
#: nodes of an expression's tree once defs are substituted (repeats counted)
MAX_BUILT = 20_000
#: decimal digits of an exact rational anywhere in an expression
MAX_DIGITS = 5_000
#: user functions defined through user functions, this many deep at most
MAX_FUNCTION_NESTING = 8
_LOG10_2 = math.log10(2)

_ELEMENTWISE = {"exp": sp.exp, "log": sp.log, "tanh": sp.tanh, "sinh": sp.sinh, "cosh": sp.cosh,
                "sin": sp.sin, "cos": sp.cos, "sqrt": sp.sqrt, "abs": sp.Abs, "Abs": sp.Abs,
                "sigmoid": sigmoid}
#: every built-in function name, with its arity as (min, max)
FUNCTIONS = {**{k: (1, 1) for k in _ELEMENTWISE}, "diff": (2, 3), "jacobian": (2, 2), "diag": (1, 1),
             "T": (1, 1), "transpose": (1, 1), "norm": (1, 1), "min": (2, 8), "max": (2, 8),
             "ones": (1, 2), "eye": (1, 1)}
_FORBIDDEN = {ast.Attribute: "attribute access (write T(W) for a transpose)",
              ast.Lambda: "lambda", ast.Subscript: "subscripts", ast.ListComp: "comprehensions",
              ast.SetComp: "comprehensions", ast.DictComp: "comprehensions", ast.GeneratorExp: "comprehensions",
              ast.Compare: "a comparison inside an expression (relations go between steps)",
              ast.BoolOp: "and/or", ast.IfExp: "if-expressions", ast.NamedExpr: ":=",
              ast.Starred: "*args", ast.JoinedStr: "strings", ast.List: "lists", ast.Tuple: "tuples",
              ast.Dict: "dicts", ast.Set: "sets", ast.Await: "await", ast.Yield: "yield",
              ast.YieldFrom: "yield"}


class Val:
    """A built value: display tree, semantic tree and shape (``None`` for scalars)."""

    __slots__ = ("disp", "sem", "shape")

    def __init__(self, disp, sem, shape=None):
        self.disp, self.sem, self.shape = disp, sem, shape


class Scope:
    """Names visible to an expression: declared symbols, ``def`` functions and constants.

    ``names`` maps a name to a :class:`Val`; ``functions`` maps a name to ``(params, body)``
    with ``body`` a scalar :class:`Val` in the parameter symbols; ``vector_shape(n)`` gives
    the shape of a vector in the file's notation.
    """

    def __init__(self, *, path="<string>", row=False):
        self.path, self.row = path, row
        self.names: dict[str, Val] = {}
        self.functions: dict[str, tuple[tuple, Val]] = {}
        self.leaves: dict[str, object] = {}
        self.depths: dict[str, int] = {}  # nesting depth of each user function

    def vector_shape(self, size):
        return (sp.Integer(1), size) if self.row else (size, sp.Integer(1))


class _Builder:
    def __init__(self, scope: Scope, line: int, col: int):
        self.scope, self.line, self.col = scope, line, col
        self.memo: dict[int, tuple] = {}  # id -> _Facts of every node seen (the objects stay alive in the trees)

    def fail(self, cls, node, message):
        col = self.col + getattr(node, "col_offset", 0) if node is not None else self.col
        raise cls(message, path=self.scope.path, line=self.line, col=col)

    def build(self, node) -> Val:
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            what = next((v for k, v in _FORBIDDEN.items() if isinstance(node, k)), type(node).__name__)
            self.fail(ForbiddenConstructError, node, f"{what} not allowed in math")
        val = method(node)
        self._sane(val, node)
        return val

    def _sane(self, val, node):
        e = val.sem
        size, digits, bad, nesting = _facts(e, self.memo)
        if size > MAX_BUILT:
            self.fail(LimitExceededError, node, f"this expression grows to more than {MAX_BUILT} parts once the defs "
                                                "are substituted; define fewer nested uses of earlier names")
        if digits > MAX_DIGITS:
            self.fail(LimitExceededError, node, f"an exact number here has more than {MAX_DIGITS} digits")
        if isinstance(e, sp.Expr) and bad:
            self.fail(FileSyntaxError, node, "division by zero (or an infinite value) in this expression")
        if isinstance(e, sp.Number) and e != 0 and not (sp.Rational(1, MAX_NUMBER) <= abs(e) <= MAX_NUMBER):
            self.fail(LimitExceededError, node, f"number out of range: |value| must lie in [1e-12, 1e12]")
        if nesting > MAX_EXP_NESTING:
            self.fail(LimitExceededError, node, f"exponentials nested more than {MAX_EXP_NESTING} deep")

    # -- leaves
    def _Constant(self, node):
        v = node.value
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            self.fail(ForbiddenConstructError, node, f"only numbers are allowed as constants, not {type(v).__name__}")
        if isinstance(v, float):
            if not math.isfinite(v):
                self.fail(LimitExceededError, node, "number out of range")
            f = Fraction(repr(v)) if abs(v) < 1e16 else Fraction(v)
            num = sp.Rational(f.numerator, f.denominator)
        else:
            if abs(v) > MAX_NUMBER:
                self.fail(LimitExceededError, node, "number out of range: |value| must be at most 1e12")
            num = sp.Integer(v)
        return Val(num, num)

    def _Name(self, node):
        name = node.id
        if name.startswith("_"):
            self.fail(ForbiddenConstructError, node, f"names starting with '_' are not allowed: {name!r}")
        if name in self.scope.names:
            return self.scope.names[name]
        if name in self.scope.functions or name in FUNCTIONS:
            self.fail(FileSyntaxError, node, f"{name!r} is a function; call it, e.g. {name}(x)")
        self.fail(UnknownNameError, node, f"unknown name {name!r}: declare it first (let {name}: real)")

    # -- operators
    def _UnaryOp(self, node):
        a = self.build(node.operand)
        if isinstance(node.op, ast.UAdd):
            return a
        if not isinstance(node.op, ast.USub):
            self.fail(ForbiddenConstructError, node, "only unary + and - are allowed")
        if a.shape is None:
            return Val(sp.Mul(-1, a.disp, evaluate=False), -a.sem)
        return Val(sp.MatMul(-1, a.disp), sp.MatMul(-1, a.sem), a.shape)

    def _BinOp(self, node):
        a, b = self.build(node.left), self.build(node.right)
        op = type(node.op).__name__
        handler = {"Add": self._add, "Sub": self._sub, "Mult": self._mul, "Div": self._div,
                   "Pow": self._pow, "MatMult": self._matmul}.get(op)
        if handler is None:
            self.fail(ForbiddenConstructError, node, f"operator {op} not allowed (use + - * / ** @)")
        return handler(a, b, node)

    def _broadcast(self, s, shape):
        ones = sp.OneMatrix(*shape)
        return Val(ones if s.disp == 1 else sp.MatMul(s.disp, ones), ones if s.sem == 1 else sp.MatMul(s.sem, ones), shape)

    def _add(self, a, b, node):
        if a.shape is None and b.shape is None:
            return Val(sp.Add(a.disp, b.disp, evaluate=False), a.sem + b.sem)
        a = self._broadcast(a, b.shape) if a.shape is None else a
        b = self._broadcast(b, a.shape) if b.shape is None else b
        self._same_shape(a, b, node, "+/-")
        return Val(sp.MatAdd(a.disp, b.disp), sp.MatAdd(a.sem, b.sem), a.shape)

    def _sub(self, a, b, node):
        neg = Val(sp.Mul(-1, b.disp, evaluate=False), -b.sem) if b.shape is None else \
            Val(sp.MatMul(-1, b.disp), sp.MatMul(-1, b.sem), b.shape)
        return self._add(a, neg, node)

    def _mul(self, a, b, node):
        if a.shape is None and b.shape is None:
            return Val(sp.Mul(a.disp, b.disp, evaluate=False), a.sem * b.sem)
        if a.shape is None or b.shape is None:
            s, m = (a, b) if a.shape is None else (b, a)
            return Val(sp.MatMul(s.disp, m.disp), sp.MatMul(s.sem, m.sem), m.shape)
        self._same_shape(a, b, node, "* (elementwise; use @ for the matrix product)")
        return Val(sp.HadamardProduct(a.disp, b.disp), sp.HadamardProduct(a.sem, b.sem), a.shape)

    def _div(self, a, b, node):
        if b.shape is not None:
            self.fail(ShapeMismatchError, node, "division by a matrix or vector is not defined")
        if b.sem == 0:
            self.fail(FileSyntaxError, node, "division by zero")
        if a.shape is None:
            return Val(sp.Mul(a.disp, sp.Pow(b.disp, -1, evaluate=False), evaluate=False), a.sem / b.sem)
        return Val(sp.MatMul(sp.Pow(b.disp, -1, evaluate=False), a.disp), sp.MatMul(1 / b.sem, a.sem), a.shape)

    def _pow(self, a, b, node):
        if b.shape is not None:
            self.fail(ShapeMismatchError, node, "a matrix or vector cannot be an exponent")
        if b.sem.is_Number and abs(b.sem) > MAX_EXPONENT:
            self.fail(LimitExceededError, node, f"exponent too large: |{b.sem}| > {MAX_EXPONENT}")
        if a.shape is None and a.sem.is_Rational and b.sem.is_Rational:
            estimate = abs(b.sem) * max(_digits(a.sem.p), _digits(a.sem.q))
            if estimate > MAX_DIGITS:
                self.fail(LimitExceededError, node, f"this power of an exact number would have about {int(estimate)} "
                                                    f"digits (more than {MAX_DIGITS})")
        if a.shape is None:
            if a.sem == 0 and b.sem.is_Number and b.sem < 0:
                self.fail(FileSyntaxError, node, "division by zero (0 to a negative power)")
            return Val(sp.Pow(a.disp, b.disp, evaluate=False), a.sem ** b.sem)
        if not b.sem.is_Number:
            self.fail(ShapeMismatchError, node, "a matrix power needs a numeric exponent (elementwise)")
        return Val(sp.HadamardPower(a.disp, b.disp), sp.HadamardPower(a.sem, b.sem), a.shape)

    def _matmul(self, a, b, node):
        if a.shape is None or b.shape is None:
            self.fail(ShapeMismatchError, node, "@ needs two matrices or vectors; use * with a scalar")
        if sp.simplify(a.shape[1] - b.shape[0]) != 0:
            self.fail(ShapeMismatchError, node, f"shapes do not fit for @: {_shape(a.shape)} @ {_shape(b.shape)}")
        return Val(sp.MatMul(a.disp, b.disp), sp.MatMul(a.sem, b.sem), (a.shape[0], b.shape[1]))

    def _same_shape(self, a, b, node, op):
        if any(sp.simplify(x - y) != 0 for x, y in zip(a.shape, b.shape)):
            self.fail(ShapeMismatchError, node, f"shapes differ for {op}: {_shape(a.shape)} vs {_shape(b.shape)}")

    # -- calls
    def _Call(self, node):
        if not isinstance(node.func, ast.Name):
            self.fail(ForbiddenConstructError, node, "only plain function names can be called (no attributes)")
        name = node.func.id
        if name.startswith("_"):
            self.fail(ForbiddenConstructError, node, f"names starting with '_' are not allowed: {name!r}")
        if node.keywords:
            self.fail(ForbiddenConstructError, node, "keyword arguments are not allowed")
        if name in self.scope.functions:
            return self._user_call(name, node)
        if name not in FUNCTIONS:
            self.fail(UnknownNameError, node, f"unknown function {name!r}: define it (def {name}(x) = ...) "
                                              f"or use one of {', '.join(sorted(FUNCTIONS))}")
        lo, hi = FUNCTIONS[name]
        if not lo <= len(node.args) <= hi:
            want = str(lo) if lo == hi else f"{lo} to {hi}"
            self.fail(FileSyntaxError, node, f"{name} takes {want} argument(s), got {len(node.args)}")
        from .calls import builtin_call
        return builtin_call(self, name, node)

    def _user_call(self, name, node):
        params, body = self.scope.functions[name]
        if len(node.args) != len(params):
            self.fail(FileSyntaxError, node, f"{name} takes {len(params)} argument(s), got {len(node.args)}")
        args = [self.build(a) for a in node.args]
        if all(a.shape is None for a in args):
            grown = _facts(body.sem, self.memo)[0] + sum(
                _occurrences(body.sem, p) * (_facts(a.sem, self.memo)[0] - 1) for p, a in zip(params, args))
            if grown > MAX_BUILT:
                self.fail(LimitExceededError, node, f"{name}(...) grows to more than {MAX_BUILT} parts once its "
                                                    "body is substituted")
            sem = body.sem.xreplace(dict(zip(params, (a.sem for a in args))))
            return Val(sp.Function(name)(*[a.disp for a in args]), sem)
        if len(args) != 1:
            self.fail(ShapeMismatchError, node, f"{name} applies to a vector only when it has one argument")
        u = params[0]
        disp = ElementwiseApplyFunction(sp.Lambda(u, sp.Function(name)(u)), args[0].disp)
        return Val(disp, ElementwiseApplyFunction(sp.Lambda(u, body.sem), args[0].sem), args[0].shape)


def _shape(shape):
    return "(%s)" % ", ".join(str(s) for s in shape)


def _digits(n: int) -> float:
    return abs(int(n)).bit_length() * _LOG10_2


_INFINITE = (sp.S.ComplexInfinity, sp.S.NaN, sp.S.Infinity, sp.S.NegativeInfinity)


def _facts(e, memo: dict) -> tuple[int, float, bool, int]:
    """``(tree size, most digits of an exact rational, has zoo/nan/oo, exponential nesting)`` of ``e``.

    Memoised per node over the DAG (``memo`` maps ``id`` to facts) and iterative, so a tree that
    doubles per ``def`` costs its number of distinct nodes, not its expanded size.
    """
    stack = [e]
    while stack:
        node = stack[-1]
        if id(node) in memo:
            stack.pop()
            continue
        args = node.args if isinstance(node, sp.Basic) else ()
        todo = [a for a in args if id(a) not in memo]
        if todo:
            stack.extend(todo)
            continue
        stack.pop()
        kids = [memo[id(a)] for a in args]
        digits = max(_digits(node.p), _digits(node.q)) if isinstance(node, sp.Rational) else 0.0
        grows = isinstance(node, (sp.exp, sp.sinh, sp.cosh, sigmoid)) or (
            isinstance(node, sp.Pow) and not node.exp.is_Number)
        memo[id(node)] = (1 + sum(k[0] for k in kids), max([digits] + [k[1] for k in kids]),
                          any(node is z for z in _INFINITE) or any(k[2] for k in kids),
                          max((k[3] for k in kids), default=0) + int(grows and bool(args)), node)
    return memo[id(e)][:4]


def _occurrences(e, sym) -> int:
    """How often ``sym`` occurs in the tree of ``e``, repeats counted (memoised over the DAG)."""
    counts: dict[int, int] = {}
    stack = [e]
    while stack:
        node = stack[-1]
        if id(node) in counts:
            stack.pop()
            continue
        todo = [a for a in node.args if id(a) not in counts]
        if todo:
            stack.extend(todo)
            continue
        stack.pop()
        counts[id(node)] = int(node == sym) if not node.args else sum(counts[id(a)] for a in node.args)
    return counts[id(e)]


def _exp_nesting(e) -> int:
    """How deeply exponential-type functions nest in ``e`` (``exp(exp(x))`` is 2)."""
    return _facts(e, {})[3]


def _depth(tree) -> int:
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        stack.extend((c, d + 1) for c in ast.iter_child_nodes(node))
    return deepest


def parse_math(text: str, scope: Scope, *, line: int, col: int) -> Val:
    """Parse ``text`` (starting at ``line``:``col`` of the file) into a :class:`Val`.

    Raises
    ------
    FileSyntaxError, UnknownNameError, ShapeMismatchError, LimitExceededError, ForbiddenConstructError
    """
    def fail(cls, message, offset=0):
        raise cls(message, path=scope.path, line=line, col=col + offset)

    if not text.strip():
        fail(FileSyntaxError, "expected an expression")
    if len(text) > MAX_CHARS:
        fail(LimitExceededError, f"expression longer than {MAX_CHARS} characters")
    level = 0
    for pos, ch in enumerate(text):
        level += (ch in "([{") - (ch in ")]}")
        if level > MAX_DEPTH // 2:
            fail(LimitExceededError, f"parentheses nested more than {MAX_DEPTH // 2} deep", pos)
    if "__" in text:
        fail(ForbiddenConstructError, "dunder names ('__') are not allowed", text.index("__"))
    try:
        tree = parse_quietly(text.strip())
    except SyntaxError as exc:
        fail(FileSyntaxError, f"invalid math syntax: {exc.msg}", max(0, (exc.offset or 1) - 1) + (len(text) - len(text.lstrip())))
    except (ValueError, MemoryError, RecursionError) as exc:
        fail(LimitExceededError, f"expression cannot be parsed safely ({type(exc).__name__})")
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        fail(LimitExceededError, f"expression has more than {MAX_NODES} parts")
    if _depth(tree) > MAX_DEPTH:
        fail(LimitExceededError, f"expression nested more than {MAX_DEPTH} deep")
    lead = len(text) - len(text.lstrip())
    try:
        return _Builder(scope, line, col + lead).build(tree.body)
    except RecursionError:
        fail(LimitExceededError, "expression too deeply nested to build")
    except (ValueError, TypeError, ArithmeticError, NotImplementedError) as exc:  # raised by SymPy while building
        if isinstance(exc, RnnproofError):  # our own errors are ValueErrors too
            raise
        fail(FileSyntaxError, f"SymPy cannot build this expression ({type(exc).__name__}: {str(exc)[:120]})")


def parse_quietly(source: str) -> ast.Expression:
    """``ast.parse(source, mode="eval")`` without Python's SyntaxWarnings (e.g. ``1a``):
    user text is reported through rnnproof's own errors, never as interpreter warnings."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        return ast.parse(source, mode="eval")

