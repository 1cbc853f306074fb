"""Kill a process and all of its descendants, wherever they moved (Linux ``/proc``).

A process group is not enough: a descendant may start a session or group of its own (latexmk
used to).  :func:`kill_tree` finds descendants through ``/proc/PID/task/*/children``, stops
them all first (a stopped process cannot fork away), looks again, then kills them.

References
----------
Linux ``proc(5)``, ``/proc/[pid]/task/[tid]/children``; ``kill(2)``.
"""

from __future__ import annotations

import os
import signal

__all__ = ["kill_tree"]


def _children(pid) -> list[int]:
    kids = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                kids += [int(k) for k in fh.read().split()]
    except (OSError, ValueError):
        pass
    return kids


def _tree(pid) -> list[int]:
    out, todo = [], [pid]
    while todo:
        kids = _children(todo.pop())
        out += kids
        todo += kids
    return out


def kill_tree(pid: int) -> None:
    """SIGKILL ``pid`` and every descendant, also those in a session or group of their own
    (found through ``/proc/PID/task/*/children`` and stopped first, so none forks away)."""
    for p in [pid] + _tree(pid):
        _signal(p, signal.SIGSTOP)
    for p in [pid] + _tree(pid):  # the tree again: anything forked before the stop
        _signal(p, signal.SIGKILL)
    _signal(pid, signal.SIGKILL)


def _signal(pid, sig) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
