"""rnnproof.sandbox: the budget is enforced from outside, every outcome is classified, nothing is left behind."""

from __future__ import annotations

import math
import os
import pathlib
import signal
import subprocess
import threading
import time

import pytest

from rnnproof.derivations.errors import InputError
from rnnproof.sandbox import Limits, Outcome, run_limited, set_phase

MARGIN = 2.0  # seconds: fork, kill and reap on a loaded 2-core machine


def _add(a, b=0):
    return a + b


def _raise_input_error(text):
    set_phase("parsing line 4")
    raise InputError(text)


def _spin(phase):
    set_phase(phase)
    while True:
        pass


def _sleep_forever(phase):
    set_phase(phase)
    while True:
        time.sleep(1)


def _allocate(n):
    set_phase("building")
    return len(bytearray(n))


def _segfault():
    os.kill(os.getpid(), signal.SIGSEGV)


def _buggy():
    return {}["missing"]


def _unpicklable():
    return lambda: 1


def _big(n):
    return b"x" * n


def _spawn_and_hang(pidfile):
    proc = subprocess.Popen(["sleep", "300"])
    pathlib.Path(pidfile).write_text(str(proc.pid))
    set_phase("waiting for a grandchild")
    proc.wait()


def _gone(pid) -> bool:
    try:
        state = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def _live_children() -> list[int]:
    out = []
    for task in pathlib.Path(f"/proc/{os.getpid()}/task").iterdir():
        out += [int(p) for p in (task / "children").read_text().split()]
    return [p for p in out if not _gone(p)]


def test_ok_returns_the_value_and_measures():
    out = run_limited(_add, 2, b=3, limits=Limits(wall_seconds=30))
    assert isinstance(out, Outcome) and out.status == "ok" and out.value == 5 and out.phase == ""
    assert 0 < out.wall_seconds < 30 and out.peak_rss_bytes > 1024 ** 2


def test_project_error_comes_back_with_message_and_phase():
    out = run_limited(_raise_input_error, "f.rnnp:4:2: bad", limits=Limits(wall_seconds=30))
    assert (out.status, out.message, out.phase, out.value) == ("error", "f.rnnp:4:2: bad", "parsing line 4", None)


@pytest.mark.parametrize("target", [_spin, _sleep_forever])
def test_wall_clock_kills(target):
    t0 = time.monotonic()
    out = run_limited(target, "checking step 3 (line 9)", limits=Limits(wall_seconds=1.0, cpu_seconds=60))
    took = time.monotonic() - t0
    assert out.status == "timeout" and took < 1.0 + MARGIN, (out, took)
    assert out.phase == "checking step 3 (line 9)"
    assert out.message == "exceeded the time limit of 1 s while checking step 3 (line 9)"


def test_cpu_limit_kills_a_busy_loop():
    out = run_limited(_spin, "simplifying", limits=Limits(wall_seconds=30, cpu_seconds=1))
    assert out.status == "timeout" and "CPU time limit of 1 s" in out.message and out.wall_seconds < 30


def test_memory_limit_gives_memory_not_a_crash():
    limit = 1024 ** 3
    out = run_limited(_allocate, 8 * 1024 ** 3, limits=Limits(wall_seconds=30, memory_bytes=limit))
    assert out.status == "memory" and "memory limit of 1 GiB while building" in out.message
    assert out.peak_rss_bytes < limit


def test_signal_death_is_crashed_with_the_signal():
    out = run_limited(_segfault, limits=Limits(wall_seconds=30))
    assert out.status == "crashed" and "SIGSEGV" in out.message


def test_other_exceptions_are_crashes_naming_the_type():
    assert run_limited(_buggy, limits=Limits(wall_seconds=30)).message == "internal error: KeyError: 'missing'"
    out = run_limited(_unpicklable, limits=Limits(wall_seconds=30))
    assert out.status == "crashed" and "not picklable" in out.message


def test_large_results_pass_the_pipe():
    out = run_limited(_big, 5 * 1024 ** 2, limits=Limits(wall_seconds=30))
    assert out.status == "ok" and len(out.value) == 5 * 1024 ** 2


def test_grandchildren_are_killed_with_the_group(tmp_path):
    pidfile = tmp_path / "pid"
    out = run_limited(_spawn_and_hang, str(pidfile), limits=Limits(wall_seconds=1.5))
    assert out.status == "timeout" and out.phase == "waiting for a grandchild"
    grandchild = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while not _gone(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(grandchild)


def test_parallel_calls_from_threads_are_independent():
    results = {}

    def worker(k):
        if k == 0:
            results[k] = run_limited(_sleep_forever, "stuck", limits=Limits(wall_seconds=2))
        else:
            results[k] = run_limited(_add, k, b=100, limits=Limits(wall_seconds=30))

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results[0].status == "timeout"
    assert all(results[k].status == "ok" and results[k].value == k + 100 for k in range(1, 6))
    assert max(results[k].wall_seconds for k in range(1, 6)) < 2 + MARGIN  # not held up by the stuck sibling
    assert time.monotonic() - t0 < 2 + 2 * MARGIN
    assert _live_children() == []


def test_no_zombies_or_children_remain():
    for target, args in ((_add, (1,)), (_segfault, ()), (_sleep_forever, ("x",))):
        run_limited(target, *args, limits=Limits(wall_seconds=0.5))
    assert _live_children() == []
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_set_phase_outside_a_child_does_nothing():
    set_phase("anything")


@pytest.mark.parametrize("bad", [Limits(wall_seconds=-1), Limits(wall_seconds=math.nan), Limits(wall_seconds=math.inf),
                                 Limits(wall_seconds=1, cpu_seconds=0), Limits(wall_seconds=1, memory_bytes=0)])
def test_bad_limits_are_refused(bad):
    with pytest.raises(ValueError):
        run_limited(_add, 1, limits=bad)


def _leave_temp_files_and_hang():
    import tempfile
    d = tempfile.mkdtemp()
    pathlib.Path(d, "big").write_bytes(b"x" * 1000)
    set_phase(d)
    while True:
        time.sleep(1)


def test_scratch_directory_is_removed_even_after_a_kill():
    out = run_limited(_leave_temp_files_and_hang, limits=Limits(wall_seconds=1))
    assert out.status == "timeout" and "rnnproof-sandbox-" in out.phase
    assert not pathlib.Path(out.phase).exists() and not pathlib.Path(out.phase).parent.exists()


def _result_then_hang(value):
    import atexit  # noqa: F401 - the hang below stands for a stdio lock inherited from another thread
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    return value


def test_a_result_stands_even_if_the_child_then_hangs(monkeypatch):
    import rnnproof.sandbox as sb
    real_exit = os._exit

    def stuck_exit(code):  # runs in the child only: the parent never calls os._exit
        time.sleep(60)
        real_exit(code)

    monkeypatch.setattr(os, "_exit", stuck_exit)
    t0 = time.monotonic()
    out = run_limited(_result_then_hang, 42, limits=Limits(wall_seconds=30))
    monkeypatch.setattr(os, "_exit", real_exit)
    assert out.status == "ok" and out.value == 42 and time.monotonic() - t0 < sb._EXIT_GRACE + MARGIN
    assert _live_children() == []


def _flint_overflow():
    import flint
    return str(flint.fmpz(10) ** (10 ** 10) % 7)


def _abort_saying(text):
    os.write(2, text.encode())
    os.abort()


def test_an_abort_on_failed_allocation_is_memory_not_a_crash():
    pytest.importorskip("flint")
    out = run_limited(_flint_overflow, limits=Limits(wall_seconds=30, memory_bytes=1024 ** 3))
    assert out.status == "memory", out
    crash = run_limited(_abort_saying, "assertion failed: x > 0\n", limits=Limits(wall_seconds=30))
    assert crash.status == "crashed" and crash.message == "crashed with signal SIGABRT (assertion failed: x > 0)"


def _spawn_in_new_session_and_hang(pidfile):
    proc = subprocess.Popen(["sleep", "300"], start_new_session=True)
    pathlib.Path(pidfile).write_text(str(proc.pid))
    proc.wait()


def test_descendants_in_a_session_of_their_own_are_killed_too(tmp_path):
    pidfile = tmp_path / "pid"
    out = run_limited(_spawn_in_new_session_and_hang, str(pidfile), limits=Limits(wall_seconds=1.5))
    assert out.status == "timeout"
    grandchild = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while not _gone(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(grandchild)
