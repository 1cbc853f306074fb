r"""Cross-check rnnproof's derived Jacobians and BPTT gradients against PyTorch's own cells.

Needs the optional extra ``torch`` (``pip install 'rnnproof[torch]'``, pinned to 2.13.0); torch
is imported lazily and its absence is a clear :class:`RnnproofError`.

Supported: ``torch.nn.RNN`` (tanh), ``LSTM``, ``GRU`` (one layer, unidirectional, any
``batch_first``, with or without bias, no ``proj_size``) and ``RNNCell``/``LSTMCell``/``GRUCell``.

Weight mapping (PyTorch stacks the gates of ``weight_ih`` (G n x d), ``weight_hh`` (G n x n),
``bias_ih``, ``bias_hh`` (G n) in a fixed order; both biases enter every pre-activation, so
rnnproof's bias is their sum, and dL/d bias_ih = dL/d bias_hh = dL/db):

* RNN (tanh only; ``relu`` is refused): ``W_xh = weight_ih``, ``W_hh = weight_hh``,
  ``b_h = bias_ih + bias_hh``.
* LSTM, gate order **i, f, g, o** -> **save, rem, ltm', focus**: ``W_s, W_r, W_l, W_f`` are the four
  row blocks of ``weight_ih``, ``U_s, U_r, U_l, U_f`` those of ``weight_hh``, ``b_* = bias_ih + bias_hh``
  blocks; PyTorch's (h, c) is (wm, ltm).  Exact.
* GRU, gate order **r, z, n**.  PyTorch: ``h' = (1 - z) * n + z * h`` and
  ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``.  So the sheet's update gate is
  :math:`u = 1 - z = \sigma(-a_z)`: ``W_u = -W_hz``, ``U_u = -W_iz``, ``b_u = -(b_iz + b_hz)``;
  reset: ``W_r = W_hr``, ``U_r = W_ir``, ``b_r = b_ir + b_hr``.  The candidate is **not** the
  sheet's: PyTorch resets *after* the recurrent product, :math:`r\odot(W_{hn}h + b_{hn})`, the
  sheet (Cho et al. 2014) *before* it, :math:`W_h(r\odot h)`.  These differ even when
  ``b_hn = 0`` (:math:`\operatorname{diag}(r)W \ne W\operatorname{diag}(r)` unless ``W``
  commutes with every ``diag(r_t)``, e.g. is diagonal), so no weight mapping makes a PyTorch
  GRU the sheet's GRU.  rnnproof therefore maps it *exactly* onto its reset-after GRU
  (``GRUParams(reset_after=True)``: ``W_h = W_hn``, ``U_h = W_in``, ``b_h = b_in``,
  ``b_hn = b_hn``) and compares what is comparable: the forward states, the BPTT gradients
  (rnnproof's :func:`~.gated.gru_bptt`, σ'/tanh' from the derivations) and the one-step and
  T-step state Jacobians of rnnproof's reset-after map (complex step).  The derived
  ``gru_jacobian`` (sheet variant) is *not* compared; every GRU result says so.

The loss is :math:`L = \sum_t \tfrac12\lVert h_t - o_t\rVert^2` (read-out ``W_yh = I``,
``b_y = 0``) with seeded targets :math:`o_t \sim N(0, 1)`; the initial state is zero.

Tolerances come from the probabilistic rounding model of :mod:`.gradcheck` (both computations
round): entrywise magnitudes of :mod:`.checks.gated_base` for one-step Jacobians, their
first-order propagation through products, and a normwise model scaled by the largest
Jacobian product :math:`\kappa = \max_{s\le t}\lVert\Phi(t,s)\rVert_2` for states and gradients.
Models must be float64 (``upcast=True`` converts a copy; the conversion is exact).
"""

from __future__ import annotations

import copy
import math

import numpy as np

from rnnproof.derivations.errors import InputError, RnnproofError, ShapeError

__all__ = ["require_torch", "describe_module", "to_rnnproof", "cross_check", "infer_type", "module_from_state_dict",
           "precision_message"]

_GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def require_torch():
    """The ``torch`` module, or a clear :class:`RnnproofError` when the extra is not installed."""
    try:
        import torch
    except ImportError as exc:
        raise RnnproofError("the PyTorch cross-check needs the optional extra: pip install 'rnnproof[torch]' "
                            f"(torch==2.13.0, CPU build); import failed: {exc}") from None
    return torch


def describe_module(module) -> dict:
    """``{"kind", "cell", "batch_first", "n", "d"}`` of a supported module; InputError otherwise."""
    torch = require_torch()
    nn = torch.nn
    kinds = {nn.RNN: "rnn", nn.LSTM: "lstm", nn.GRU: "gru", nn.RNNCell: "rnn", nn.LSTMCell: "lstm",
             nn.GRUCell: "gru"}
    kind = kinds.get(type(module))
    if kind is None:
        raise InputError(f"unsupported module {type(module).__name__}: the PyTorch cross-check takes torch.nn.RNN, LSTM, "
                         "GRU, RNNCell, LSTMCell or GRUCell")
    cell = isinstance(module, (nn.RNNCell, nn.LSTMCell, nn.GRUCell))
    name = type(module).__name__
    if getattr(module, "nonlinearity", "tanh") != "tanh":
        raise InputError(f"{name}(nonlinearity={module.nonlinearity!r}) is not supported: rnnproof's Elman cell "
                         "uses tanh (its derivations cover tanh and sigmoid, not relu)")
    if not cell:
        if module.num_layers != 1:
            raise InputError(f"{name}(num_layers={module.num_layers}) is not supported: use a single layer")
        if module.bidirectional:
            raise InputError(f"{name}(bidirectional=True) is not supported: use a unidirectional module")
        if getattr(module, "proj_size", 0):
            raise InputError(f"{name}(proj_size={module.proj_size}) is not supported (projected LSTM)")
    return {"kind": kind, "cell": cell, "batch_first": bool(getattr(module, "batch_first", False)),
            "n": module.hidden_size, "d": module.input_size, "name": name}


def _weights(module, info):
    sfx = "" if info["cell"] else "_l0"
    get = lambda k: getattr(module, k + sfx, None)  # noqa: E731
    out = {k: get(k) for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    return {k: None if v is None else v.detach().numpy() for k, v in out.items()}


def _map(w, kind, n, *, bias="sum"):
    """rnnproof arrays from PyTorch arrays (``bias="sum"``: b_ih + b_hh; ``"ih"``: b_ih only, for gradients)."""
    G = _GATES[kind]
    b_ih = w["bias_ih"] if w["bias_ih"] is not None else np.zeros(G * n)
    b_hh = w["bias_hh"] if w["bias_hh"] is not None else np.zeros(G * n)
    b = b_ih + b_hh if bias == "sum" else b_ih
    blk = lambda a, i: a[i * n:(i + 1) * n]  # noqa: E731
    Wi, Wh = w["weight_ih"], w["weight_hh"]
    if kind == "rnn":
        return {"W_xh": Wi, "W_hh": Wh, "b_h": b}
    if kind == "lstm":  # i, f, g, o -> save, rem, ltm', focus
        out = {}
        for i, g in enumerate("srlf"):
            out.update({f"W_{g}": blk(Wi, i), f"U_{g}": blk(Wh, i), f"b_{g}": blk(b, i)})
        return out
    out = {"W_r": blk(Wh, 0), "U_r": blk(Wi, 0), "b_r": blk(b, 0),  # r, z, n
           "W_u": -blk(Wh, 1), "U_u": -blk(Wi, 1), "b_u": -blk(b, 1),
           "W_h": blk(Wh, 2), "U_h": blk(Wi, 2), "b_h": blk(b_ih, 2), "b_hn": blk(b_hh, 2)}
    return out


def to_rnnproof(module):
    """``(params, info)``: rnnproof parameters of ``module`` (read-out ``W_yh = I``, ``b_y = 0``) and
    :func:`describe_module`'s info.  See the module docstring for the mapping."""
    from . import engine, gated

    info = describe_module(module)
    n = info["n"]
    a = _map(_weights(module, info), info["kind"], n)
    head = {"W_yh": np.eye(n), "b_y": np.zeros(n)}
    if info["kind"] == "rnn":
        return engine.ElmanParams(a["W_hh"], a["W_xh"], a["b_h"], head["W_yh"], head["b_y"], "tanh"), info
    if info["kind"] == "lstm":
        return gated.LSTMParams(**a, **head), info
    return gated.GRUParams(**a, **head, reset_after=True), info


def precision_message(dtype_name: str, eps: float, *, n: int, d: int, name: str) -> str:
    """The error for a non-float64 model: its precision and the tolerance that precision allows."""
    from .gradcheck import LAMBDA
    K = 2 * n + d + 8
    rel = 2 * LAMBDA * math.sqrt(K) * eps
    return (f"{name} has {dtype_name} parameters (unit roundoff {eps:.3g}); its rounding model (λ√K·u, λ={LAMBDA:.2f}, "
            f"K={K}) allows only a relative tolerance of about {rel:.2g} per one-step Jacobian entry, which cannot "
            "separate a wrong derivation from rounding as float64 can (~1e-14). Convert it with module.double(), or "
            "pass upcast=True (--upcast) to check its weights, converted exactly, in float64 arithmetic")


def _inputs(inputs, info):
    torch = require_torch()
    x = inputs.detach().cpu().numpy() if isinstance(inputs, torch.Tensor) else np.asarray(inputs)
    if x.dtype.kind not in "fiu":
        raise InputError(f"inputs: expected real numbers, got dtype {x.dtype}")
    if x.ndim == 3:
        B = x.shape[0] if info["batch_first"] else x.shape[1]
        if B != 1:
            raise ShapeError(f"inputs: one sequence at a time (batch size 1), got shape {x.shape} "
                             f"(batch_first={info['batch_first']}, batch={B})")
        x = x[0] if info["batch_first"] else x[:, 0]
    if x.ndim != 2 or x.shape[1] != info["d"] or x.shape[0] < 1:
        raise ShapeError(f"inputs: expected shape (T, d) = (T, {info['d']}) (or a batch of one), got {np.shape(inputs)}")
    if not np.all(np.isfinite(x)):
        raise InputError("inputs contain NaN or Inf")
    return x.astype(np.float64)


def _prepare(module, upcast):
    torch = require_torch()
    info = describe_module(module)
    dtypes = {p.dtype for p in module.parameters()}
    if dtypes != {torch.float64}:
        dt = next(iter(dtypes - {torch.float64}))
        if not upcast:
            raise InputError(precision_message(str(dt).replace("torch.", ""), float(torch.finfo(dt).eps),
                                               n=info["n"], d=info["d"], name=info["name"]))
        module = copy.deepcopy(module).double()
    return module, info


def cross_check(module, inputs, *, seed: int = 0, upcast: bool = False) -> list:
    """Check rnnproof against torch autograd on ``module`` run over ``inputs`` (T, d).

    Results (:class:`~.results.CheckResult`, ``run = "torch:<Module>"``): forward states;
    derived one-step Jacobians at spread times and their product over the whole sequence
    (RNN: ``tanh_jacobian`` J; LSTM: ``lstm_cell_jacobian`` state_jacobian; GRU: rnnproof's
    reset-after map, see module docstring) against ``torch.autograd.functional.jacobian`` of
    torch's own cell; BPTT gradients against ``loss.backward()``.

    Raises
    ------
    RnnproofError
        torch missing; InputError (unsupported module, non-float64 model without ``upcast``);
        ShapeError (inputs).
    """
    module, info = _prepare(module, upcast)
    xs = _inputs(inputs, info)
    return _run(module, info, xs, seed=seed)


def infer_type(state_dict, *, torch_type: str | None = None) -> dict:
    """``{"kind", "cell", "prefix", "n", "d"}`` from a state_dict's key names and shapes.

    The gate count G = rows(weight_hh) / cols(weight_hh) gives the type (1 RNN, 3 GRU, 4 LSTM);
    ``torch_type`` must agree when given.  A state_dict does not record an RNN's nonlinearity:
    tanh is assumed (relu RNNs are unsupported).
    """
    hh = [k for k in state_dict if k.endswith("weight_hh_l0") or k.endswith("weight_hh")]
    if not hh:
        raise InputError(f"no recurrent weights (weight_hh or weight_hh_l0) among the keys {sorted(state_dict)[:8]}")
    if len(hh) > 1:
        raise InputError(f"several recurrent modules in the state_dict ({', '.join(sorted(hh))}); save one module's "
                         "state_dict (module.state_dict())")
    key = hh[0]
    cell = not key.endswith("_l0")
    prefix = key[:-len("weight_hh" if cell else "weight_hh_l0")]
    sfx = "" if cell else "_l0"
    for k in state_dict:
        if k.startswith(prefix) and ("_l1" in k or "_reverse" in k or "weight_hr" in k):
            raise InputError(f"unsupported recurrent module: key {k!r} means several layers, bidirectional or "
                             "proj_size; only single-layer unidirectional modules are supported")
    W = state_dict[key]
    Wi = state_dict.get(prefix + "weight_ih" + sfx)
    if W.ndim != 2 or Wi is None or Wi.ndim != 2 or Wi.shape[0] != W.shape[0] or W.shape[0] % W.shape[1]:
        raise ShapeError(f"{key}: shape {tuple(W.shape)} with weight_ih {None if Wi is None else tuple(Wi.shape)} is "
                         "not a (G n, n) / (G n, d) pair")
    G = W.shape[0] // W.shape[1]
    kind = {1: "rnn", 3: "gru", 4: "lstm"}.get(G)
    if kind is None:
        raise InputError(f"{key}: {G} gates per unit matches no RNN (1), GRU (3) or LSTM (4)")
    if torch_type is not None and torch_type != kind:
        raise InputError(f"--torch-type {torch_type} contradicts the weights: {key} has {G} gate blocks ({kind})")
    return {"kind": kind, "cell": cell, "prefix": prefix, "n": int(W.shape[1]), "d": int(Wi.shape[1])}


def module_from_state_dict(state_dict, *, torch_type: str | None = None):
    """A torch module (same dtype as the saved weights) loaded from ``state_dict``."""
    torch = require_torch()
    info = infer_type(state_dict, torch_type=torch_type)
    nn, kind, n, d = torch.nn, info["kind"], info["n"], info["d"]
    sfx = "" if info["cell"] else "_l0"
    bias = info["prefix"] + "bias_ih" + sfx in state_dict
    cls = {("rnn", True): nn.RNNCell, ("lstm", True): nn.LSTMCell, ("gru", True): nn.GRUCell,
           ("rnn", False): nn.RNN, ("lstm", False): nn.LSTM, ("gru", False): nn.GRU}[kind, info["cell"]]
    sub = {k[len(info["prefix"]):]: v for k, v in state_dict.items() if k.startswith(info["prefix"])}
    dtype = sub["weight_hh" + sfx].dtype
    module = cls(d, n, bias=bias).to(dtype)
    try:
        module.load_state_dict(sub)
    except RuntimeError as exc:
        raise ShapeError(f"state_dict does not fit a {cls.__name__}({d}, {n}): {str(exc).splitlines()[0]}") from None
    return module


# -- running both sides ---------------------------------------------------------------------
def _stepper(module, info):
    """``step(x_t, s_{t-1}) -> s_t`` with torch's own module (state ``[c; h]`` for the LSTM)."""
    torch = require_torch()
    n, d, kind, cell = info["n"], info["d"], info["kind"], info["cell"]

    def step(x, s):
        if kind == "lstm":
            c, h = s[:n], s[n:]
            if cell:
                h2, c2 = module(x.view(1, d), (h.view(1, n), c.view(1, n)))
            else:
                _, (h2, c2) = module(x.view(1, 1, d), (h.view(1, 1, n), c.view(1, 1, n)))
            return torch.cat([c2.reshape(n), h2.reshape(n)])
        if cell:
            return module(x.view(1, d), s.view(1, n)).reshape(n)
        return module(x.view(1, 1, d), s.view(1, 1, n))[1].reshape(n)
    return step


def _rnnproof_side(p, info, xs):
    """(states (T+1, q), one-step derived Jacobian function or None, one-step map, magnitude function)."""
    from rnnproof.derivations import registry
    from rnnproof.derivations.evaluate import evaluate
    from types import SimpleNamespace
    from . import engine, gated
    from .checks.gated_base import lstm_magnitude

    if info["kind"] == "rnn":
        traj = engine.forward(p, xs)
        env, expr = engine.env(p, traj), registry.get("tanh_jacobian").expression("J", "tanh")
        S = traj.h
        mag = lambda t: (1 + S[t] ** 2)[:, None] * np.abs(p.W_hh)  # noqa: E731
        one = lambda t: lambda s: engine.forward(p, xs[t - 1:t], h0=s).h[-1]  # noqa: E731
    elif info["kind"] == "lstm":
        traj = gated.lstm_forward(p, xs)
        env, expr = gated.lstm_env(p, traj), registry.get("lstm_cell_jacobian").expression("state_jacobian", "tanh")
        S, n = traj.state, p.n
        ns = SimpleNamespace(env=env, params=p)
        mag = lambda t: lstm_magnitude(ns, t)["full"]  # noqa: E731
        one = lambda t: lambda s: gated.lstm_forward(p, xs[t - 1:t], ltm0=s[:n], wm0=s[n:]).state[-1]  # noqa: E731
    else:
        traj = gated.gru_forward(p, xs)
        S, expr, mag = traj.h, None, None
        one = lambda t: lambda s: gated.gru_forward(p, xs[t - 1:t], h0=s).h[-1]  # noqa: E731
    derived = None if expr is None else (
        lambda t: np.asarray(evaluate(expr, env, {"t": t}, backend="numpy"), dtype=np.float64))
    return S, derived, one, mag


def _result(D, J, M, K, labels, quantity, method, note=""):
    from .gradcheck import rounding_tolerance
    from .results import CheckResult
    D, J = np.asarray(D, float), np.asarray(J, float).reshape(np.shape(D))
    tol = 2 * rounding_tolerance(np.broadcast_to(M, D.shape), K)
    gap = np.abs(D - J)
    idx = np.unravel_index(int(np.argmax(gap / np.where(tol > 0, tol, np.finfo(float).tiny))), D.shape)
    scale = float(np.abs(J).max())
    return CheckResult(**labels, quantity=quantity, shapes=(D.shape, J.shape), dtype="float64", method=method,
                       step=math.nan, max_abs_err=float(gap.max()),
                       max_rel_err=float(gap.max()) / scale if scale else (0.0 if gap.max() == 0 else math.inf),
                       worst_index=tuple(int(i) for i in idx), derived=float(D[idx]), reference=float(J[idx]),
                       error_estimate=0.0, tolerance=float(tol[idx]), passed=bool(np.all(gap <= tol)), note=note)


def _kappa(Js):
    """:math:`\\max_{s\\le t}\\lVert J_t\\cdots J_{s+1}\\rVert_2` (at least 1, the empty product)."""
    T, kap = len(Js), 1.0
    for s in range(T):
        P = np.eye(Js[0].shape[0])
        for t in range(s, T):
            P = Js[t] @ P
            kap = max(kap, float(np.linalg.norm(P, 2)))
    return kap


def _run(module, info, xs, *, seed):
    from .checks.base import spread_times
    from .checks.gated_base import product_magnitude
    from .fd import complex_step_jacobian

    torch = require_torch()
    p, _ = to_rnnproof(module)
    T, n, d, kind = xs.shape[0], info["n"], info["d"], info["kind"]
    step = _stepper(module, info)
    S, derived, one, mag = _rnnproof_side(p, info, xs)
    q = S.shape[1]
    ident = {"rnn": "tanh_jacobian", "lstm": "lstm_cell_jacobian", "gru": "gru_jacobian"}[kind]
    labels = {"identity": ident, "run": f"torch:{info['name']}", "checkpoint": f"T={T}", "seed": seed}
    gru_note = ("PyTorch GRU = reset-after variant; the sheet's gru_jacobian (reset-before) is not comparable, so "
                "rnnproof's reset-after map (complex step) is compared" if kind == "gru" else "")
    X = torch.as_tensor(xs)
    with torch.no_grad():
        St = [torch.zeros(q, dtype=torch.float64)]
        for t in range(T):
            St.append(step(X[t], St[-1]))
    St = torch.stack(St).numpy()
    jac = lambda t: derived(t) if derived else complex_step_jacobian(one(t), S[t - 1])[0]  # noqa: E731
    Js = [jac(t) for t in range(1, T + 1)]
    kap = _kappa(Js)
    K = q + d + 8
    out = [_result(S[1:], St[1:], kap * T * max(1.0, np.abs(S).max()), K, labels, f"states s_t, t=1..{T}",
                   "torch-forward", note=f"normwise, kappa={kap:.3g}")]
    how = "derived" if derived else "complex step of rnnproof's map"
    for t in spread_times(T, 4):
        Jt = torch.autograd.functional.jacobian(lambda s, t=t: step(X[t - 1], s), torch.as_tensor(S[t - 1])).numpy()
        M = mag(t) if mag else np.abs(Js[t - 1]).max() + np.abs(Jt).max()
        out.append(_result(Js[t - 1], Jt, M, 2 * q + d + 8, labels, f"ds_t/ds_(t-1) ({how}, t={t})", "torch-autograd",
                           note=gru_note))
    out.append(_product(Js, mag, T, q, d, step, X, labels, how, gru_note, one, S))
    out.extend(_gradients(module, info, p, xs, step, X, kap, labels, seed, gru_note))
    return out


def _product(Js, mag, T, q, d, step, X, labels, how, note, one, S):
    torch = require_torch()
    from .checks.gated_base import product_magnitude

    def unrolled(s):
        for t in range(T):
            s = step(X[t], s)
        return s
    Jt = torch.autograd.functional.jacobian(unrolled, torch.zeros(q, dtype=torch.float64)).numpy()
    P = np.eye(q)
    for J in Js:
        P = J @ P
    if mag is not None:
        M = product_magnitude({s: Js[s - 1] for s in range(1, T + 1)}, {s: mag(s) for s in range(1, T + 1)}, T)[T]
    else:
        M = (np.abs(P).max() + np.abs(Jt).max()) * T
    return _result(P, Jt, M, 2 * q + d + 8 + T, labels, f"ds_T/ds_0 = product of one-step Jacobians ({how}, T={T})",
                   "torch-autograd", note=note)


def _gradients(module, info, p, xs, step, X, kap, labels, seed, note):
    from . import engine, gated
    torch = require_torch()
    n, T, kind = info["n"], xs.shape[0], info["kind"]
    o = np.random.default_rng(seed).standard_normal((T, n))
    if kind == "rnn":
        _, g = engine.bptt(p, xs, o)
    elif kind == "lstm":
        _, g = gated.lstm_bptt(p, xs, o)
    else:
        _, g = gated.gru_bptt(p, xs, o)
    module.zero_grad()
    s = torch.zeros(2 * n if kind == "lstm" else n, dtype=torch.float64)
    L = 0
    for t in range(T):
        s = step(X[t], s)
        L = L + 0.5 * ((s[-n:] - torch.as_tensor(o[t])) ** 2).sum()
    L.backward()
    sfx = "" if info["cell"] else "_l0"
    grads = {k: (None if getattr(module, k + sfx, None) is None else getattr(module, k + sfx).grad.numpy())
             for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    has_bias = grads["bias_ih"] is not None
    ref = _map(grads, kind, n, bias="ih")
    out = []
    for name, G in ref.items():
        if name.startswith("b_") and not has_bias:
            continue
        mine = getattr(g, name)
        M = kap * T * max(np.abs(mine).max(), np.abs(G).max())
        out.append(_result(mine, G, M, 2 * n + info["d"] + 8, labels, f"dL/d{name} (BPTT vs loss.backward())",
                           "torch-autograd", note=(note + "; " if note else "") + f"normwise, kappa={kap:.3g}"))
    return out
