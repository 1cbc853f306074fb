"""``rnnproof check --torch-model FILE``: cross-check a saved PyTorch RNN/LSTM/GRU state_dict.

The coordinator's ``check`` command wires this in with :func:`add_torch_arguments` (in its
``add_parser``) and :func:`run_torch` (first thing in its ``run`` when ``--torch-model`` is given).
The module type is inferred from the state_dict's key names and shapes
(:func:`rnnproof.numeric.torch_bridge.infer_type`); ``--torch-type`` confirms it.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np

from rnnproof.derivations.errors import InputError, RnnproofError

__all__ = ["add_torch_arguments", "run_torch"]


def add_torch_arguments(parser) -> None:
    """Add the ``--torch-*`` options to the ``check`` parser."""
    g = parser.add_argument_group("PyTorch cross-check (needs the 'torch' extra)")
    g.add_argument("--torch-model", metavar="FILE", help="a saved state_dict (torch.save(module.state_dict(), FILE)) "
                   "of a single-layer torch.nn.RNN/LSTM/GRU or its Cell")
    g.add_argument("--torch-type", choices=("rnn", "lstm", "gru"), help="module type, if the keys do not settle it "
                   "(an RNN is assumed to be tanh: a state_dict does not record the nonlinearity)")
    g.add_argument("--torch-inputs", metavar="NPY", help="inputs (T, d) as a .npy file (default: seeded N(0,1))")
    g.add_argument("--torch-steps", type=int, default=12, metavar="T", help="sequence length of the default inputs")
    g.add_argument("--upcast", action="store_true", help="check float32/float16 weights in float64 arithmetic")


def _load(args):
    from rnnproof.numeric import torch_bridge as tb
    torch = tb.require_torch()
    try:
        sd = torch.load(args.torch_model, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise InputError(f"--torch-model: no such file {args.torch_model!r}") from None
    except Exception as exc:  # torch raises many types for a bad file; report, never a traceback
        raise InputError(f"--torch-model {args.torch_model!r}: not a loadable state_dict ({type(exc).__name__}: "
                         f"{str(exc).splitlines()[0] if str(exc) else ''})") from None
    if not isinstance(sd, dict) or not all(isinstance(v, torch.Tensor) for v in sd.values()):
        raise InputError(f"--torch-model {args.torch_model!r}: expected a state_dict (name -> tensor), got {type(sd).__name__}")
    module = tb.module_from_state_dict(sd, torch_type=args.torch_type)
    if args.torch_inputs:
        try:
            xs = np.load(args.torch_inputs, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise InputError(f"--torch-inputs {args.torch_inputs!r}: {exc}") from None
    else:
        if args.torch_steps < 1:
            raise InputError(f"--torch-steps must be >= 1, got {args.torch_steps}")
        xs = np.random.default_rng(args.seed).standard_normal((args.torch_steps, module.input_size))
    return module, xs


def run_torch(args) -> int:
    """Run the cross-check; print a table (or ``--json``); exit 0 all passed, 1 a failure, 2 bad input."""
    from rnnproof.numeric import torch_bridge as tb
    from rnnproof.numeric.results import format_failure
    t0 = time.monotonic()
    try:
        module, xs = _load(args)
        results = tb.cross_check(module, xs, seed=args.seed, upcast=args.upcast)
    except RnnproofError as exc:
        print(f"rnnproof check: error: {exc}", file=sys.stderr)
        return 2
    failed = [r for r in results if not r.passed]
    if getattr(args, "json", False):
        print(json.dumps([r.to_dict() for r in results], indent=2))
        return 1 if failed else 0
    print(f"{'identity':<20} {'module':<18} {'quantity':<58} {'rel err':>9} {'|err| vs tol':<22} verdict")
    for r in results:
        err = f"{r.max_abs_err:.2e} {'<=' if r.passed else '>'} {r.tolerance:.2e}"
        print(f"{r.identity:<20} {r.run:<18} {r.quantity[:58]:<58} {r.max_rel_err:9.2e} {err:<22} "
              f"{'pass' if r.passed else 'FAIL'}")
    for r in failed[:20]:
        print("FAIL " + format_failure(r))
    notes = sorted({r.note.split(';')[0] for r in results if r.note.startswith("PyTorch GRU")})
    for note in notes:
        print(f"note: {note}")
    worst = max(r.max_rel_err for r in results)
    print(f"{len(results)} checks against torch autograd: {len(results) - len(failed)} passed, {len(failed)} failed; "
          f"max relative error {worst:.2e} ({time.monotonic() - t0:.1f}s)")
    return 1 if failed else 0
