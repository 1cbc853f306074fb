"""The LaTeX and text printer: textbook notation for every node of the field."""

from __future__ import annotations

import pytest
import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from rnnproof.derivations import registry
from rnnproof.derivations.claims import CriticalPoints, Exact, Induction, LimitIs, Rel
from rnnproof.derivations.functions import activation_derivative, sigmoid
from rnnproof.derivations.matexpr import (ImmediatePartial, OrderedProduct, SpectralNorm, StateJacobian, TimeIndexed,
                                          TimeSum, diag, hadamard, ones, square)
from rnnproof.derivations.printing import (claim_latex, claim_rows, claim_text, derivation_latex, latex,
                                           latex_statement, text)
from rnnproof.derivations.symbols import W_hh, h, i, k, n, t, x_scalar, z

from report_helpers import available_ids

x = x_scalar
J = TimeIndexed("J", i, n, n)


def test_diag_ones_first_hadamard():
    e = diag(ones(n) - square(h(t))) * W_hh
    assert latex(e) == r"\operatorname{diag}(\mathbf{1} - h_{t} \odot h_{t}) W_{hh}"
    assert text(e) == "diag(1 - h_t (.) h_t) W_hh"


def test_hadamard_product_and_transpose():
    assert latex(hadamard(h(t), z(t))) == r"h_{t} \odot z_{t}"
    assert latex(W_hh.T) == r"W_{hh}^{\top}"
    assert latex(sp.Transpose(W_hh * h(t))) == r"(W_{hh} h_{t})^{\top}"
    assert text(W_hh.T * h(t - 1)) == "W_hh^T h_{t-1}"


def test_time_index_prints_t_minus_1():
    assert latex(h(t - 1)) == "h_{t - 1}"


def test_ordered_product_and_sum_with_indices():
    assert latex(OrderedProduct(J, (i, k + 1, t))) == r"\prod_{i=k + 1}^{t} J_{i}"
    assert text(OrderedProduct(J, (i, k + 1, t))) == "prod_{i=k + 1}^{t} J_i"
    s = TimeSum(StateJacobian(h(t), h(k)), (k, 1, t))
    assert latex(s) == r"\sum_{k=1}^{t} \frac{\partial h_{t}}{\partial h_{k}}"
    prod = OrderedProduct(diag(ones(n) - square(h(i))) * W_hh, (i, k + 1, t))
    assert latex(prod).startswith(r"\prod_{i=k + 1}^{t} (\operatorname{diag}")


def test_norms_jacobians_immediate_partials():
    assert latex(SpectralNorm(W_hh)) == r"\lVert W_{hh} \rVert"
    assert latex(StateJacobian(h(t), h(k))) == r"\frac{\partial h_{t}}{\partial h_{k}}"
    assert text(StateJacobian(h(t), h(k))) == "dh_t/dh_k"
    theta = sp.Symbol("theta")
    assert latex(ImmediatePartial(h(k), theta)) == r"\frac{\partial^{+} h_{k}}{\partial \theta}"
    assert "DiagMatrix" not in latex(SpectralNorm(diag(h(t)) * W_hh))


def test_sigmoid_and_its_derivative():
    s = sigmoid(x)
    assert latex(s) == r"\sigma(x)"
    assert latex(sp.Derivative(s, x)) == r"\sigma'(x)"
    assert text(sp.Derivative(s, x)) == "sigma'(x)"
    assert latex(s * (1 - s)) == r"\sigma(x) \left(1 - \sigma(x)\right)"
    assert text(s * (1 - s)) == "sigma(x)*(1 - sigma(x))"
    assert latex(sp.Derivative(s * (1 - s), x)).startswith(r"\frac{d}{dx}(\sigma(x)")


def test_activation_derivative_prints_the_activation_it_was_checked_with():
    """tanh'(z_t) and sigma'(z_t): the tanh and sigmoid forms of a step never print alike (issue 13)."""
    for name, tex in (("tanh", r"\tanh'(z_{t})"), ("sigmoid", r"\sigma'(z_{t})")):
        e = ElementwiseApplyFunction(activation_derivative(name), z(t))
        assert latex(e) == tex, name
        assert text(e) == "phi'(z_t)"
    assert latex(diag(ElementwiseApplyFunction(activation_derivative("tanh"), z(t))) * W_hh) == \
        r"\operatorname{diag}(\tanh'(z_{t})) W_{hh}"


def test_a_product_with_the_zero_matrix_reads_as_one():
    J, G = sp.MatrixSymbol("J", 3, 3), sp.MatrixSymbol("G", 3, 2)
    e = sp.MatAdd(G, sp.MatMul(J, sp.ZeroMatrix(3, 2)), evaluate=False)
    assert latex(e) == r"G + J \cdot \mathbf{0}"


def test_text_is_one_line_for_relations_and_matrices():
    assert text(sp.Eq(h(t), W_hh * h(t - 1), evaluate=False)) == "h_t = W_hh h_{t-1}"
    assert text(sp.Matrix([[1, 2], [3, 4]])) == "[1, 2; 3, 4]"
    assert latex(sp.Symbol("t") - sp.Symbol("k")) == "t - k"


def test_multi_letter_gate_names_are_one_word():
    assert latex(TimeIndexed("rem", t, n)) == r"\mathit{rem}_{t}"


def test_unevaluated_classroom_step_keeps_its_order():
    e = sp.Add(1, sp.exp(-x), -1, evaluate=False)
    assert latex(e) == "1 + e^{- x} - 1"


def test_sideless_claims_print():
    cp = CriticalPoints(sigmoid(x) * (1 - sigmoid(x)), x, (0,))
    assert r"\iff x \in \left\{0\right\}" in claim_latex(cp)
    assert claim_text(cp) == "d/dx sigma(x)*(1 - sigma(x)) = 0 exactly at x in {0}"
    lim = LimitIs(sigmoid(x), x, sp.oo, 1)
    assert claim_latex(lim) == r"\lim_{x \to \infty} \sigma(x) = 1"
    ex = Exact(r"\lVert W^2 \rVert > 1", lambda: (True, "3.0"))
    assert claim_latex(ex) == r"\lVert W^2 \rVert > 1"
    assert claim_text(ex) == "||W^2|| > 1"
    ind = Induction(t, Rel(x, "=", x), Rel(x + 1, "=", 1 + x))
    rows = claim_rows(ind)
    assert [r[0] for r in rows] == ["base", "step"]
    assert claim_text(ind) == "induction on t: base: x = x; step: x + 1 = x + 1"
    assert claim_latex(ind).startswith(r"\text{base: } x = x")


def test_rel_on_an_interval_states_its_domain():
    c = Rel(x, ">", 0, variable=x, interval=sp.Interval.open(0, sp.oo))
    assert claim_latex(c) == r"x > 0 \quad \text{for } x \in \left(0, \infty\right)"


def test_derivation_latex_and_repr():
    ident = registry.get("sigmoid_derivative")
    out = derivation_latex(ident, ident.derive(seed=0))
    assert out.startswith("$$\\begin{aligned}") and out.endswith("\\end{aligned}$$")
    assert out.count(r"\text{proved}") == len(ident.steps)
    assert ident._repr_latex_() == r"$\displaystyle \sigma'(x) = \sigma(x) \left(1 - \sigma(x)\right)$"


_BAD = ("DiagMatrix", "OrderedProduct(", "TimeSum(", "ElementwiseApplyFunction", "mapsto", "OneMatrix",
        "HadamardPower", r"\left(h_", "sigmoid")


@pytest.mark.parametrize("identity_id", available_ids())
def test_every_statement_and_step_prints_in_textbook_notation(identity_id):
    ident = registry.get(identity_id)
    outputs = [latex_statement(ident)] + [claim_latex(s.claim) for s in ident.steps]
    for out in outputs:
        for bad in _BAD:
            assert bad not in out, f"{identity_id}: {bad!r} in {out!r}"
    for s in ident.steps:
        line = claim_text(s.claim)
        assert line and "\n" not in line, f"{identity_id}: claim text {line!r}"


@pytest.mark.parametrize("identity_id", registry.all_ids())
def test_notebook_display_of_every_identity_and_its_derivation(identity_id):
    """Jupyter shows an identity and its checked derivation through ``_repr_latex_``: every verdict
    (proved by lemma, by intervals, ...) has a tag, every step a row, and the braces balance."""
    from rnnproof.derivations.model import Verdict
    from rnnproof.derivecache import derive_cached

    ident = registry.get(identity_id)
    head = ident._repr_latex_()
    assert head.startswith("$\\displaystyle ") and head.count("{") == head.count("}")
    result = derive_cached([identity_id])[0]
    shown = result._repr_latex_()
    assert shown.count("{") == shown.count("}")
    assert shown.count(r"\text{(") >= len(ident.steps)
    for v in {r.verdict for r in result.results}:
        assert (r"\textbf{refuted}" if v is Verdict.REFUTED else r"\text{%s}" % v) in shown
