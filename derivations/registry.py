"""The one registry of identities: the CLI, the numeric checks, the tests and the reports
all loop over :func:`all_ids` / :func:`get`.

Each identity lives in ``derivations/catalogue/<id>.py`` and exposes ``IDENTITY``; the
order of :data:`IDS` is the order of ``IDENTITIES.md``.  Modules are imported on first use,
so listing ids costs nothing.
"""

from __future__ import annotations

import difflib
import importlib
from functools import lru_cache

from .errors import UnknownIdentityError
from . import provenance
from .model import Identity

__all__ = ["IDS", "all_ids", "get", "all_identities", "resolve"]

#: every catalogued id, in the order of IDENTITIES.md (sections A-G)
IDS: tuple[str, ...] = (
    "sigmoid_derivative",
    "sigmoid_derivative_bound",
    "tanh_derivative",
    "tanh_jacobian_entry",
    "tanh_jacobian",
    "hidden_state_chain",
    "bptt_recursion",
    "bptt_sum_of_products",
    "loss_gradients",
    "loss_to_hidden",
    "jacobian_norm_bound",
    "product_norm_bound",
    "vanishing_condition",
    "spectral_radius_is_not_enough",
    "loss_gradient_bound",
    "gradient_clipping",
    "deep_linear_gradient",
    "lstm_cell_jacobian",
    "gru_jacobian",
    "truncated_bptt",
    "residual_jacobian",
    "highway_jacobian",
    "stacked_rnn_jacobian",
    "bidirectional_gradient",
    "orthogonal_initialisation",
    "echo_state_scaling",
)


def all_ids() -> tuple[str, ...]:
    """Every registered id, in catalogue order."""
    return IDS


@lru_cache(maxsize=None)
def get(identity_id: str) -> Identity:
    """The :class:`Identity` with this id.

    Raises
    ------
    UnknownIdentityError
        The id is not registered; the message names the closest ids.
    """
    if identity_id not in IDS:
        close = difflib.get_close_matches(identity_id, IDS, n=3, cutoff=0.4)
        hint = f"; did you mean {', '.join(close)}?" if close else "; `rnnproof list` shows every id"
        raise UnknownIdentityError(f"unknown identity {identity_id!r}{hint}")
    module = importlib.import_module(f"{__package__}.catalogue.{identity_id}")
    ident = module.IDENTITY
    if ident.id != identity_id:
        raise RuntimeError(f"catalogue module {identity_id} defines identity {ident.id!r}")
    # derived = proved: what the numeric side evaluates must be a side of one of the identity's steps
    provenance.assert_derived_are_steps(ident, allow=provenance.GAPS.get(identity_id, frozenset()))
    provenance.assert_entries_read_sides(ident)
    return ident


def resolve(ids) -> list[Identity]:
    """Identities for the given ids (all when empty), checking every id before loading any."""
    ids = list(ids) or list(IDS)
    for i in ids:
        if i not in IDS:
            get(i)  # raises with suggestions
    return [get(i) for i in ids]


def all_identities() -> list[Identity]:
    """Every identity, loaded, in catalogue order."""
    return resolve([])
