"""Generate the course's student submissions (``examples/course/submissions/``).

Each variant is one classic answer to ``assignment.rnnp`` (dh3/dh1 = J3 J2 for a tanh RNN in
row notation): correct ones written in different ways, the classic mistakes (a transposed
Jacobian, a wrong product limit, (1 - h)^2 for 1 - h^2, sigma' for tanh', a missing step, a
claim other than the assigned one, ...) and malformed or hostile files.  The expected grade of
each is in ``expected_gradebook.csv``, asserted by ``tests/grading/test_course.py``.

    python examples/course/generate.py                 # rewrite submissions/ (deterministic)
    python examples/course/generate.py --count 300 --out DIR    # a bigger batch (the benchmark)

In a bigger batch the variants repeat in order, each copy with its own student line, so that
no two files have the same text (the verdict cache cannot serve one from another).
"""

from __future__ import annotations

import argparse
import pathlib

__all__ = ["VARIANTS", "render", "write_batch"]

HEADER = """title: {title}
notation: row
let n: dim
let W: matrix(n, n)
let h1: vector(n) in (-1, 1)
let b2, b3: vector(n)
def h2 = tanh(h1 @ W + b2)
def h3 = tanh(h2 @ W + b3)
"""
JS = """def J2 = diag(1 - h2**2) @ T(W)
def J3 = diag(1 - h3**2) @ T(W)
"""
CLAIM = "claim: jacobian(h3, h1) = J3 @ J2\n"
CHAIN = """proof:
    jacobian(h3, h1)
  = diag(1 - h3**2) @ T(W) @ jacobian(h2, h1)            # by: chain rule through h2
  = diag(1 - h3**2) @ T(W) @ diag(1 - h2**2) @ T(W)      # by: the one-step Jacobian of h2
  = J3 @ J2                                              # by: definition of J3 and J2
"""


def _std(chain: str, *, title="dh3/dh1 as a product of Jacobians", extra="", claim=CLAIM) -> str:
    return HEADER.format(title=title) + JS + extra + "\n" + claim + chain


VARIANTS = {
    # -- correct, in several ways
    "correct": _std(CHAIN),
    "correct_short": _std("""proof:
    jacobian(h3, h1)
  = diag(1 - h3**2) @ T(W) @ jacobian(h2, h1)   # chain rule
  = J3 @ J2                                     # one-step Jacobian
"""),
    "claim_sides_swapped": _std("""proof:
    J3 @ J2
  = diag(1 - h3**2) @ T(W) @ diag(1 - h2**2) @ T(W)
  = diag(1 - h3**2) @ T(W) @ jacobian(h2, h1)
  = jacobian(h3, h1)
""", claim="claim: J3 @ J2 = jacobian(h3, h1)\n"),
    "expanded_tanh": _std("""proof:
    jacobian(h3, h1)
  = diag(1 - tanh(h2 @ W + b3)**2) @ T(W) @ jacobian(h2, h1)   # chain rule; h3 written out
  = J3 @ J2
"""),
    "transpose_spelled_out": _std("""proof:
    jacobian(h3, h1)
  = diag(1 - h3**2) @ transpose(W) @ jacobian(h2, h1)
  = diag(1 - h3**2) @ transpose(W) @ diag(1 - h2**2) @ transpose(W)
  = J3 @ J2
"""),
    "extra_helpers": _std("""proof:
    jacobian(h3, h1)
  = diag(1 - h3**2) @ T(W) @ jacobian(h2, h1)
  = D3 @ T(W) @ D2 @ T(W)                       # with D_t = diag(1 - h_t^2)
  = J3 @ J2
""", extra="def D2 = diag(1 - h2**2)\ndef D3 = diag(1 - h3**2)\nlet x: vector(n)\n"),
    "inline_jacobians": HEADER.format(title="no J names") + """
claim: jacobian(h3, h1) = diag(1 - h3**2) @ T(W) @ diag(1 - h2**2) @ T(W)
proof:
    jacobian(h3, h1)
  = diag(1 - h3**2) @ T(W) @ jacobian(h2, h1)
  = diag(1 - h3**2) @ T(W) @ diag(1 - h2**2) @ T(W)
""",
    # -- the classic mistakes
    "transposed_jacobian": _std("""proof:
    jacobian(h3, h1)
  = diag(1 - h3**2) @ T(W) @ jacobian(h2, h1)
  = W @ diag(1 - h3**2) @ W @ diag(1 - h2**2)   # J_t = W diag(1 - h_t^2) (transposed)
  = J3 @ J2
"""),
    "transposed_first_step": _std("""proof:
    jacobian(h3, h1)
  = W @ diag(1 - h3**2) @ jacobian(h2, h1)      # chain rule (transposed)
  = J3 @ J2
"""),
    "product_limit_too_long": _std("""proof:
    jacobian(h3, h1)
  = diag(1 - h3**2) @ T(W) @ jacobian(h2, h1)
  = J3 @ J2 @ J1                                 # prod from i = 1 (wrong lower limit)
  = J3 @ J2
""", extra="def J1 = diag(1 - h1**2) @ T(W)\n"),
    "product_limit_too_short": _std("""proof:
    jacobian(h3, h1)
  = diag(1 - h3**2) @ T(W) @ jacobian(h2, h1)
  = J3                                           # prod from i = 3 (one factor short)
  = J3 @ J2
"""),
    "one_minus_h_squared": _std("""proof:
    jacobian(h3, h1)
  = diag(1 - h3**2) @ T(W) @ jacobian(h2, h1)
  = diag((1 - h3)**2) @ T(W) @ diag((1 - h2)**2) @ T(W)    # (1 - h)^2 for 1 - h^2
  = J3 @ J2
"""),
    "sigmoid_derivative_for_tanh": _std("""proof:
    jacobian(h3, h1)
  = diag(h3*(1 - h3)) @ T(W) @ jacobian(h2, h1)            # sigma' = s(1 - s) used for tanh'
  = diag(h3*(1 - h3)) @ T(W) @ diag(h2*(1 - h2)) @ T(W)
  = J3 @ J2
"""),
    "sign_slip": _std("""proof:
    jacobian(h3, h1)
  = diag(1 + h3**2) @ T(W) @ jacobian(h2, h1)
  = J3 @ J2
"""),
    "missing_step": _std("""proof:
    jacobian(h3, h1)
  = diag(1 - h3**2) @ T(W) @ diag(1 - h2**2) @ T(W)        # skips the chain rule step
  = J3 @ J2
"""),
    "no_proof": _std(""),
    "different_claim": _std("""proof:
    jacobian(h2, h1)
  = diag(1 - h2**2) @ T(W)
  = J2
""", claim="claim: jacobian(h2, h1) = J2\n"),
    "reversed_product": _std("""proof:
    jacobian(h3, h1)
  = diag(1 - h3**2) @ T(W) @ jacobian(h2, h1)
  = J2 @ J3
""", claim="claim: jacobian(h3, h1) = J2 @ J3\n"),
    "bias_forgotten": HEADER.replace("def h3 = tanh(h2 @ W + b3)", "def h3 = tanh(h2 @ W)").format(
        title="h3 without its bias") + JS + "\n" + CLAIM + CHAIN,
    "column_notation": """title: column vectors instead of rows
notation: column
let n: dim
let W: matrix(n, n)
let h1: vector(n) in (-1, 1)
let b2, b3: vector(n)
def h2 = tanh(W @ h1 + b2)
def h3 = tanh(W @ h2 + b3)
def J2 = diag(1 - h2**2) @ W
def J3 = diag(1 - h3**2) @ W

claim: jacobian(h3, h1) = J3 @ J2
proof:
    jacobian(h3, h1)
  = diag(1 - h3**2) @ W @ jacobian(h2, h1)
  = J3 @ J2
""",
    "undeclared_domain": HEADER.replace("let h1: vector(n) in (-1, 1)", "let h1: vector(n)").format(
        title="h1 without its domain") + JS + "\n" + CLAIM + CHAIN,
    "wrong_middle_step": _std("""proof:
    jacobian(h3, h1)
  = diag(1 - h3**2) @ T(W) @ jacobian(h2, h1)
  = diag(1 - h3**2) @ T(W) @ T(W)                          # dropped diag(1 - h2^2)
  = J3 @ J2
"""),
    # -- malformed and hostile files
    "unbalanced_parenthesis": _std(CHAIN.replace("@ jacobian(h2, h1)  ", "@ jacobian(h2, h1  ")),
    "attribute_transpose": _std(CHAIN.replace("T(W) @ jacobian", "W.T @ jacobian")),
    "dunder_import": _std(CHAIN.replace("= J3 @ J2 ", "= __import__('os').system('echo pwned') ")),
    "unknown_name": _std(CHAIN.replace("= J3 @ J2 ", "= J3 @ J2 @ V ")),
    "shape_mismatch": _std(CHAIN.replace("= J3 @ J2 ", "= J3 @ h1 ")),
    "exp_tower": _std(CHAIN.replace("= J3 @ J2 ", "= J3 @ J2 * exp(exp(exp(x))) "), extra="let x: real\n"),
    "huge_power": _std(CHAIN.replace("= J3 @ J2 ", "= J3 @ J2**100000 ")),
    "latex_injection": _std(CHAIN.replace("# by: definition of J3 and J2",
                                          "# by: definition | latex: \\input{/etc/passwd}")),
    "empty": "",
    "prose_instead_of_math": "I think the answer is J3 times J2 because of the chain rule.\n",
}
#: files whose bytes are not a text variant: (name, bytes)
RAW = {
    "binary_garbage": bytes(range(256)) * 4,
    "nul_byte": b"title: nul\nlet x: real\x00\nclaim: x = x\n",
    "oversized": b"# padding\n" * 7000 + _std(CHAIN).encode(),
}


def render(name: str, copy: int | None = None) -> bytes:
    """The bytes of variant ``name``; ``copy`` adds a student line so that copies differ."""
    data = RAW[name] if name in RAW else VARIANTS[name].encode()
    return data if copy is None else f"# student {copy:04d}\n".encode() + data


def write_batch(out: pathlib.Path, count: int | None = None) -> list[pathlib.Path]:
    """Write every variant once (``count`` None: ``sNN_<variant>.rnnp``), or ``count`` numbered copies."""
    out.mkdir(parents=True, exist_ok=True)
    names = list(VARIANTS) + list(RAW)
    written = []
    if count is None:
        for k, name in enumerate(names, 1):
            written.append(out / f"s{k:02d}_{name}.rnnp")
            written[-1].write_bytes(render(name))
        return written
    for k in range(count):
        name = names[k % len(names)]
        written.append(out / f"s{k:04d}_{name}.rnnp")
        written[-1].write_bytes(render(name, k))
    return written


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=str(pathlib.Path(__file__).with_name("submissions")))
    p.add_argument("--count", type=int, default=None, help="numbered copies instead of one file per variant")
    args = p.parse_args(argv)
    print(f"wrote {len(write_batch(pathlib.Path(args.out), args.count))} files to {args.out}")


if __name__ == "__main__":
    main()
