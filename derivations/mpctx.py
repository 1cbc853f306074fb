"""Private mpmath contexts, one per precision and thread, made once.

Creating an :class:`mpmath.MPContext` costs about 0.4 ms (it builds every special function);
the explicit instances and norms of a whole-catalogue derive created ~4,000 of them (1.5 s).
:func:`private_context` hands out a cached context per ``dps`` instead.  The global
``mpmath.mp`` is never touched, and a caller must never change the precision of the context it
gets (ask for another ``dps`` instead).
"""

from __future__ import annotations

import threading

import mpmath

__all__ = ["private_context"]

_LOCAL = threading.local()


def private_context(dps: int) -> mpmath.MPContext:
    """A private mpmath context at ``dps`` decimal digits (cached per thread; do not change its precision)."""
    cache = getattr(_LOCAL, "contexts", None)
    if cache is None:
        cache = _LOCAL.contexts = {}
    ctx = cache.get(dps)
    if ctx is None or ctx.dps != dps:  # a caller that changed it gets a fresh one, never a wrong precision
        ctx = cache[dps] = mpmath.MPContext()
        ctx.dps = dps
    return ctx
