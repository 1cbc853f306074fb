"""Numeric check of ``deep_linear_gradient`` on real runs: passes on its default runs; mutated derivations fail.

The mutants replace the identity's *derived* expression seen by the check (``Context.expression``
monkeypatched), never the derivation module: a wrong derivation must make the check fail.
"""

from __future__ import annotations

from checkkit import fails, mutate

ID = "deep_linear_gradient"


def test_product_limit_off_by_one_fails(monkeypatch):
    from rnnproof.derivations.catalogue import deep_linear_gradient as dl
    from rnnproof.derivations.matexpr import OrderedProduct
    from rnnproof.derivations.symbols import i
    wrong = ((dl.last_layer() * OrderedProduct(dl.layer(i), (i, dl.l + 1, dl.L - 1))).T
             * (dl.y_hat - dl.y_target) * (OrderedProduct(dl.layer(i), (i, 1, dl.l)) * dl.x_in).T)
    mutate(monkeypatch, ID, "dL_dW_l", lambda e: wrong)
    assert fails(ID, "adding")


def test_output_layer_input_side_off_by_one_fails(monkeypatch):
    # (y_hat - y) (W_{L-2} ... W_1 x)^T: one hidden layer short on the input side
    from rnnproof.derivations.catalogue import deep_linear_gradient as dl
    from rnnproof.derivations.matexpr import OrderedProduct
    from rnnproof.derivations.symbols import i
    wrong = (dl.y_hat - dl.y_target) * (OrderedProduct(dl.layer(i), (i, 1, dl.L - 2)) * dl.x_in).T
    mutate(monkeypatch, ID, "dL_dW_L", lambda e: wrong)
    assert fails(ID, "text")
