"""PyTorch cross-check: agreement with torch autograd on all module types, and clear errors."""

import argparse

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the PyTorch cross-check needs the optional 'torch' extra")

from rnnproof.derivations.errors import InputError, ShapeError  # noqa: E402
from rnnproof.numeric import torch_bridge as tb  # noqa: E402

pytestmark = pytest.mark.torch
XS = np.random.default_rng(1).normal(size=(10, 3))


def _module(factory):
    torch.manual_seed(0)
    return factory().double()


FACTORIES = {
    "RNN": lambda: torch.nn.RNN(3, 5), "LSTM": lambda: torch.nn.LSTM(3, 5),
    "GRU": lambda: torch.nn.GRU(3, 5, batch_first=True), "RNNCell": lambda: torch.nn.RNNCell(3, 4),
    "LSTMCell": lambda: torch.nn.LSTMCell(3, 4), "GRUCell": lambda: torch.nn.GRUCell(3, 4, bias=False),
}


@pytest.mark.parametrize("kind", list(FACTORIES))
def test_agrees_with_autograd(kind):
    results = tb.cross_check(_module(FACTORIES[kind]), XS, seed=3)
    assert results and all(r.passed for r in results), [r for r in results if not r.passed][:1]
    assert max(r.max_rel_err for r in results) < 1e-13
    assert any("dL/d" in r.quantity for r in results) and any("ds_T/ds_0" in r.quantity for r in results)


def test_wrong_gate_order_is_caught(monkeypatch):
    orig = tb._map

    def swapped(w, kind, n, **kw):
        out = orig(w, kind, n, **kw)
        out["W_r"], out["W_u"] = out["W_u"], out["W_r"]  # confuse reset and update gates
        return out
    monkeypatch.setattr(tb, "_map", swapped)
    results = tb.cross_check(_module(FACTORIES["GRUCell"]), XS)
    assert any(not r.passed for r in results)


def test_relu_and_multilayer_are_refused():
    with pytest.raises(InputError, match="relu"):
        tb.cross_check(torch.nn.RNN(3, 4, nonlinearity="relu").double(), XS)
    with pytest.raises(InputError, match="num_layers=2"):
        tb.cross_check(torch.nn.GRU(3, 4, num_layers=2).double(), XS)
    with pytest.raises(InputError, match="unsupported module Linear"):
        tb.cross_check(torch.nn.Linear(3, 4).double(), XS)


def test_float32_model_says_its_precision_and_tolerance():
    with pytest.raises(InputError, match=r"float32 parameters \(unit roundoff 1.19e-07\).*relative tolerance of about"):
        tb.cross_check(torch.nn.GRUCell(3, 4), XS)
    assert all(r.passed for r in tb.cross_check(torch.nn.GRUCell(3, 4), XS, upcast=True))


def test_input_shape_mismatch_is_a_shape_error():
    with pytest.raises(ShapeError, match=r"\(T, 3\)"):
        tb.cross_check(_module(FACTORIES["GRUCell"]), np.zeros((5, 2)))
    with pytest.raises(ShapeError, match="batch size 1"):
        tb.cross_check(_module(FACTORIES["RNN"]), np.zeros((5, 2, 3)))


def test_type_inferred_from_state_dict_keys():
    assert tb.infer_type(torch.nn.LSTM(3, 5).state_dict())["kind"] == "lstm"
    assert tb.infer_type(torch.nn.GRUCell(3, 5).state_dict()) | {} == {"kind": "gru", "cell": True, "prefix": "",
                                                                       "n": 5, "d": 3}
    with pytest.raises(InputError, match="contradicts"):
        tb.infer_type(torch.nn.RNN(3, 5).state_dict(), torch_type="gru")
    with pytest.raises(InputError, match="several layers"):
        tb.infer_type(torch.nn.LSTM(3, 5, num_layers=2).state_dict())


def _args(argv):
    from rnnproof.commands.torch_check import add_torch_arguments
    p = argparse.ArgumentParser()
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")
    add_torch_arguments(p)
    return p.parse_args(argv)


def test_cli_on_saved_state_dict(tmp_path, capsys):
    from rnnproof.commands.torch_check import run_torch
    f = tmp_path / "gru.pt"
    torch.save(torch.nn.GRU(2, 3).double().state_dict(), f)
    assert run_torch(_args(["--torch-model", str(f)])) == 0
    assert "max relative error" in capsys.readouterr().out
    torch.save(torch.nn.GRU(2, 3).state_dict(), f)  # float32
    assert run_torch(_args(["--torch-model", str(f)])) == 2
    assert "float32" in capsys.readouterr().err
    assert run_torch(_args(["--torch-model", str(tmp_path / "missing.pt")])) == 2
    (tmp_path / "junk.pt").write_bytes(b"not a state dict")
    assert run_torch(_args(["--torch-model", str(tmp_path / "junk.pt")])) == 2
