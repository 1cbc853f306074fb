r"""Run one piece of work in a forked child with hard limits enforced from outside.

:func:`run_limited` forks, puts the child in a process group of its own, lowers its
``RLIMIT_AS`` (address space) and ``RLIMIT_CPU`` and runs ``func(*args, **kwargs)`` there.
The parent waits on a pipe and a pidfd with a wall-clock deadline; when the deadline passes
it sends ``SIGKILL`` to the child, every descendant (even one in a session of its own) and
the child's process group (:func:`kill_tree`): the work is killed, not asked to stop, so no loop inside SymPy or a C extension
can outlast the budget.  The child's temporary files go to a private scratch directory
(``tempfile.tempdir`` and ``TMPDIR``) that the parent deletes afterwards, killed or not.
Every child is reaped (``wait4``, which also gives the peak RSS),
and the group is killed once more before reaping, so no zombie or orphan is left behind.

The child may announce what it is doing with :func:`set_phase` (``"parsing line 4"``); the
text lives in a small shared memory page, so the parent knows the last phase even after a
``SIGKILL``.

>>> run_limited(pow, 2, 10, limits=Limits(wall_seconds=30)).value
1024

Outcomes (``Outcome.status``):

``ok``       the function returned; ``value`` is its (pickled and unpickled) return value
``error``    it raised :class:`~rnnproof.derivations.errors.RnnproofError`; ``message`` is its text
``timeout``  the wall clock (``SIGKILL``) or the CPU limit (``SIGXCPU``) ended it
``memory``   ``MemoryError`` under ``RLIMIT_AS``, or killed by the kernel's OOM killer
``crashed``  any other exception (a bug: its type and text) or a death by signal

The child's standard error goes to a file in its scratch directory: a C library that aborts on
a failed allocation (GMP: "Cannot allocate memory") is classified as ``memory``, and otherwise
the last line it wrote ends the ``crashed`` message.  ``RNNPROOF_DEBUG=1`` echoes it.

It is safe to call :func:`run_limited` from several threads at once: nothing is shared
between calls, and the parent never relies on end-of-file of a pipe that a sibling child
may have inherited.

References
----------
POSIX ``fork(2)``, ``setpgid(2)``, ``setrlimit(2)``; Linux ``pidfd_open(2)``, ``wait4(2)``.
"""

from __future__ import annotations

import mmap
import os
import pickle
import resource
import select
import shutil
import signal
import struct
import sys
import tempfile
import time
from dataclasses import dataclass

from rnnproof.derivations.errors import RnnproofError
from rnnproof.proctree import kill_tree

__all__ = ["Limits", "Outcome", "set_phase", "run_limited", "kill_tree", "STATUSES", "DEFAULT_MEMORY_BYTES"]

#: the values ``Outcome.status`` takes
STATUSES = ("ok", "error", "timeout", "memory", "crashed")
#: address-space limit of a child when ``Limits.memory_bytes`` is ``None`` (4 GiB)
DEFAULT_MEMORY_BYTES = 4 * 1024 ** 3
_PHASE_BYTES = 4096
_POLL = 0.02  # seconds between exit checks when pidfd_open is unavailable
_EXIT_GRACE = 2.0  # seconds a child that has sent its result may take to exit
_STDERR = "stderr"  # the child's fd 2, a file in its scratch directory
_OUT_OF_MEMORY = ("Cannot allocate memory", "Cannot reallocate memory", "std::bad_alloc", "out of memory")
_phase_page: mmap.mmap | None = None  # set in a sandboxed child only


@dataclass(frozen=True)
class Limits:
    """The budget of one :func:`run_limited` call.

    Parameters
    ----------
    wall_seconds : float
        Wall-clock seconds; after them the child's process group gets ``SIGKILL``.
    cpu_seconds : float or None
        ``RLIMIT_CPU`` of the child (``None``: ``wall_seconds + 1``).
    memory_bytes : int or None
        ``RLIMIT_AS`` of the child (``None``: :data:`DEFAULT_MEMORY_BYTES`).
    """

    wall_seconds: float
    cpu_seconds: float | None = None
    memory_bytes: int | None = None


@dataclass(frozen=True)
class Outcome:
    """What happened to one sandboxed call (see the module docstring for ``status``)."""

    status: str
    value: object
    message: str
    phase: str
    wall_seconds: float
    peak_rss_bytes: int | None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def set_phase(text: str) -> None:
    """Announce the current phase of the work (``"checking step 3 (line 9)"``).

    Inside a child of :func:`run_limited` the parent reads the last phase even if the child is
    killed; anywhere else this does nothing.
    """
    page = _phase_page
    if page is None:
        return
    data = str(text).encode("utf-8", "replace")[: _PHASE_BYTES - 4]
    page[4:4 + len(data)] = data
    page[:4] = struct.pack("<I", len(data))


def _read_phase(page: mmap.mmap) -> str:
    (n,) = struct.unpack("<I", page[:4])
    return page[4:4 + min(n, _PHASE_BYTES - 4)].decode("utf-8", "replace")


def _validate(limits) -> tuple[float, float, int]:
    if not isinstance(limits, Limits):
        raise TypeError("limits must be a rnnproof.sandbox.Limits")
    wall = float(limits.wall_seconds)
    cpu = wall + 1 if limits.cpu_seconds is None else float(limits.cpu_seconds)
    mem = DEFAULT_MEMORY_BYTES if limits.memory_bytes is None else int(limits.memory_bytes)
    if not (wall > 0 and cpu > 0 and mem > 0) or wall == float("inf") or cpu == float("inf"):
        raise ValueError(f"limits must be positive and finite: {limits}")
    return wall, cpu, mem


def _child(func, args, kwargs, write_fd, page, cpu, mem, scratch) -> None:
    """Body of the forked child; never returns."""
    global _phase_page
    code = 0
    try:
        os.setpgid(0, 0)
        _phase_page = page
        tempfile.tempdir = os.environ["TMPDIR"] = scratch  # removed by the parent, even after a SIGKILL
        err = os.open(os.path.join(scratch, _STDERR), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(err, 2)  # C libraries' last words (GMP: "Cannot allocate memory") for the parent to read
        os.close(err)
        if not os.environ.get("RNNPROOF_DEBUG"):
            import faulthandler
            faulthandler.disable()  # a signal death is reported by the parent, in one line
        _lower(resource.RLIMIT_AS, mem)
        _lower(resource.RLIMIT_CPU, max(1, int(cpu + 0.999)), extra=1)
        try:
            payload = ("ok", func(*args, **kwargs))
        except RnnproofError as exc:
            payload = ("error", str(exc))
        except MemoryError:
            payload = ("memory", "")
        except RecursionError:
            payload = ("crashed", "internal error: RecursionError (nesting too deep)")
        except BaseException as exc:  # noqa: BLE001 - everything the work raises is reported, nothing escapes
            if os.environ.get("RNNPROOF_DEBUG"):
                import traceback
                traceback.print_exc()
            payload = ("crashed", f"internal error: {type(exc).__name__}: {_one_line(str(exc))}")
        try:
            data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            data = pickle.dumps(("memory", ""))
        except Exception as exc:  # noqa: BLE001 - an unpicklable return value
            data = pickle.dumps(("crashed", f"internal error: result not picklable ({type(exc).__name__})"))
        _write_all(write_fd, struct.pack("<Q", len(data)) + data)
    except BaseException:  # noqa: BLE001 - the child must never fall back into the parent's code
        code = 70
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:  # noqa: BLE001
            pass
        os._exit(code)


def _lower(which, value, *, extra=0) -> None:
    soft, hard = resource.getrlimit(which)
    want = value if hard == resource.RLIM_INFINITY else min(value, hard)
    new_hard = want + extra if hard == resource.RLIM_INFINITY else min(want + extra, hard)
    resource.setrlimit(which, (want, new_hard))


def _write_all(fd, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def run_limited(func, /, *args, limits: Limits, **kwargs) -> Outcome:
    """Run ``func(*args, **kwargs)`` in a forked child under ``limits``; never raises for the child.

    Parameters
    ----------
    func : callable
        Module-level callable; its return value must be picklable.
    *args, **kwargs
        Passed to ``func`` (inherited through ``fork``, not pickled).
    limits : Limits
        Wall-clock, CPU and address-space budget of the child.

    Returns
    -------
    Outcome
        Status, value, a one-line message naming the last phase, wall time and peak RSS.

    Raises
    ------
    ValueError, TypeError
        ``limits`` not a :class:`Limits` with positive finite values.
    OSError
        ``fork`` itself failed (no process could be started).
    """
    wall, cpu, mem = _validate(limits)
    page = mmap.mmap(-1, _PHASE_BYTES)
    scratch = tempfile.mkdtemp(prefix="rnnproof-sandbox-")
    read_fd, write_fd = os.pipe()
    start = time.monotonic()
    try:
        pid = os.fork()
    except BaseException:
        os.close(read_fd)
        os.close(write_fd)
        page.close()
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    if pid == 0:  # pragma: no cover - runs in the child (covered through the parent's assertions)
        os.close(read_fd)
        _child(func, args, kwargs, write_fd, page, cpu, mem, scratch)
    os.close(write_fd)
    try:
        try:
            os.setpgid(pid, pid)  # also done in the child: whichever runs first wins the race
        except OSError:
            pass
        data, timed_out = _collect(pid, read_fd, start + wall)
        _kill_group(pid)  # the child is dead or a zombie: its pid (= pgid) cannot be reused yet
        status_word, rusage = _reap(pid)
        elapsed = time.monotonic() - start
        phase = _read_phase(page)
        last_words = _tail(os.path.join(scratch, _STDERR))
    finally:
        os.close(read_fd)
        page.close()
        shutil.rmtree(scratch, ignore_errors=True)
    peak = rusage.ru_maxrss * 1024 if rusage is not None else None
    cpu_used = rusage.ru_utime + rusage.ru_stime if rusage is not None else 0.0
    return _classify(data, timed_out, status_word, phase, elapsed, peak, wall, (cpu, cpu_used), mem, last_words)


def _collect(pid, read_fd, deadline) -> tuple[bytes, bool]:
    """Read the child's framed result until it exits or the deadline passes (then kill it)."""
    buf, exited = bytearray(), False
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = None
    poller = select.poll()  # not select(): no FD_SETSIZE limit in a parent with many files open
    for fd in [read_fd] + ([pidfd] if pidfd is not None else []):
        poller.register(fd, select.POLLIN)
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                _kill_group(pid)
                return bytes(buf), True
            wait = remaining if pidfd is not None else min(remaining, _POLL)
            ready = {fd for fd, _ in poller.poll(max(1, int(wait * 1000)))}
            if read_fd in ready:
                chunk = os.read(read_fd, 1 << 16)
                if chunk:
                    buf += chunk
                    if _framed(buf):
                        break
                    continue
                break  # EOF: every writer is gone
            if pidfd is not None and pidfd in ready or pidfd is None and _exited(pid):
                exited = True
                break
        if exited:  # drain what the child wrote before it died (never blocks: it is dead)
            os.set_blocking(read_fd, False)
            try:
                while chunk := os.read(read_fd, 1 << 16):
                    buf += chunk
            except BlockingIOError:
                pass
        if _framed(buf):  # the result is in: a child stuck on its way out (a stdio lock inherited
            # from another thread of the parent) gets a short grace, then is killed; the result stands
            _wait_exit(pid, pidfd, min(deadline, time.monotonic() + _EXIT_GRACE))
            return bytes(buf), False
        return bytes(buf), _wait_exit(pid, pidfd, deadline)
    finally:
        if pidfd is not None:
            os.close(pidfd)


def _framed(buf) -> bool:
    """True when ``buf`` holds the child's whole length-prefixed result."""
    return len(buf) >= 8 and len(buf) >= 8 + struct.unpack("<Q", buf[:8])[0]


def _exited(pid) -> bool:
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def _wait_exit(pid, pidfd, deadline) -> bool:
    """Wait (without reaping) until the child has exited; kill it at the deadline. True if killed."""
    while not _exited(pid):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            _kill_group(pid)
            return True
        if pidfd is not None:
            waiter = select.poll()
            waiter.register(pidfd, select.POLLIN)
            waiter.poll(max(1, int(remaining * 1000)))
        else:
            time.sleep(min(remaining, _POLL))
    return False


def _kill_group(pid) -> None:
    kill_tree(pid)
    try:
        os.killpg(pid, signal.SIGKILL)  # whatever of the group was already reparented
    except (ProcessLookupError, PermissionError):
        pass


def _reap(pid):
    while True:
        try:
            _, status, rusage = os.wait4(pid, 0)
            return status, rusage
        except InterruptedError:
            continue
        except ChildProcessError:
            return None, None


def _classify(data, timed_out, status_word, phase, elapsed, peak, wall, cpu, mem, last_words="") -> Outcome:
    where = f" while {phase}" if phase else ""

    def out(status, message, value=None):
        return Outcome(status, value, message, phase, elapsed, peak)

    if timed_out:
        return out("timeout", f"exceeded the time limit of {wall:g} s{where}")
    payload = None
    if len(data) >= 8:
        n = struct.unpack("<Q", data[:8])[0]
        if len(data) >= 8 + n:
            try:
                payload = pickle.loads(data[8:8 + n])
            except Exception:  # noqa: BLE001 - a value that pickles but does not unpickle
                payload = ("crashed", "internal error: result could not be unpickled")
    if payload is not None:
        kind, value = payload
        if kind == "ok":
            return out("ok", "finished", value)
        if kind == "memory":
            return out("memory", f"exceeded the memory limit of {_size(mem)}{where}")
        return out(kind, value)
    return _from_status(status_word, out, where, cpu, mem, last_words)


def _from_status(status_word, out, where, cpu, mem, last_words="") -> Outcome:
    if any(sign in last_words for sign in _OUT_OF_MEMORY):  # e.g. GMP's abort() on a failed allocation
        return out("memory", f"exceeded the memory limit of {_size(mem)}{where}")
    said = [line for line in last_words.splitlines() if line.strip()][-1:]
    where += f" ({_one_line(said[0], 120)})" if said else ""
    if status_word is not None and os.WIFSIGNALED(status_word):
        sig = os.WTERMSIG(status_word)
        if sig == signal.SIGXCPU or sig == signal.SIGKILL and cpu[1] >= cpu[0]:
            return out("timeout", f"exceeded the CPU time limit of {cpu[0]:g} s{where}")
        if sig == signal.SIGKILL:  # not sent by us (no timeout): the kernel's OOM killer
            return out("memory", f"killed by SIGKILL, most likely out of memory (limit {_size(mem)}){where}")
        return out("crashed", f"crashed with signal {signal.Signals(sig).name}{where}")
    code = os.WEXITSTATUS(status_word) if status_word is not None else -1
    return out("crashed", f"exited with status {code} without a result{where}")


def _tail(path: str, size: int = 4096) -> str:
    """The end of the child's captured stderr (echoed to ours under ``RNNPROOF_DEBUG``)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(max(0, os.fstat(fh.fileno()).st_size - size))
            text = fh.read().decode("utf-8", "replace")
    except OSError:
        return ""
    if text and os.environ.get("RNNPROOF_DEBUG"):
        sys.stderr.write(text)
    return text


def _size(n: int) -> str:
    return f"{n / 1024 ** 3:.3g} GiB" if n >= 1024 ** 3 else f"{n / 1024 ** 2:.3g} MiB"
