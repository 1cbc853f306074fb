"""The Dask backend: an in-process LocalCluster, and a real ``dask scheduler`` with two ``dask worker`` s.

Skipped (with the reason) when the optional extra is absent: ``pip install 'rnnproof[dask]'``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

pytest.importorskip("dask.distributed", reason="the Dask backend needs the optional extra: pip install 'rnnproof[dask]'")

from rnnproof.grading import BatchOptions, grade_batch, parse_assignment  # noqa: E402

from .kit import COURSE, GOOD, ROOT, SIGMOID_ASSIGNMENT, SUBMISSIONS, write  # noqa: E402

ASG = parse_assignment(SIGMOID_ASSIGNMENT, path="sigmoid.rnnp")
EXPECTED = {"good.rnnp": "pass", "good_swapped.rnnp": "pass", "slip.rnnp": "fail", "missing_step.rnnp": "fail",
            "other_claim.rnnp": "fail", "positive_x.rnnp": "fail", "malformed.rnnp": "error",
            "dunder.rnnp": "error", "link.rnnp": "error"}


def _batch(tmp_path):
    sub = write(tmp_path / "subs", {**SUBMISSIONS, "dunder.rnnp": "let x: real\nclaim: x = __import__('os')\n"})
    (sub / "link.rnnp").symlink_to("/etc/passwd")
    return sub


def _opts(tmp_path, **kw):
    return BatchOptions(**{"jobs": 2, "time_limit": 60.0, "cache_dir": str(tmp_path / "cache"), **kw})


def test_a_local_cluster_grades_the_batch_as_the_local_workers_do(tmp_path):
    # through the command line in a subprocess: a LocalCluster leaves multiprocessing's resource
    # tracker running in the process that made it, and this test process must stay childless
    sub = _batch(tmp_path)
    (tmp_path / "hw.rnnp").write_text(SIGMOID_ASSIGNMENT)
    done = subprocess.run([sys.executable, "-m", "rnnproof", "grade", str(tmp_path / "hw.rnnp"), str(sub),
                           "--out", str(tmp_path / "dask"), "--cache", str(tmp_path / "cache"), "--dask",
                           "--jobs", "2", "--quiet"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 1, done.stderr[-2000:]
    rows = json.loads((tmp_path / "dask" / "gradebook.json").read_text())["rows"]
    assert {r["file"]: r["grade"] for r in rows} == EXPECTED
    local = grade_batch(ASG, sub, tmp_path / "local", _opts(tmp_path, cache_dir=str(tmp_path / "cache2")))
    drop = ("seconds", "cached")
    assert [{k: v for k, v in r.items() if k not in drop} for r in rows] == \
           [{k: v for k, v in r.items() if k not in drop} for r in local.rows]


@pytest.fixture
def cluster(tmp_path):
    """A real scheduler and two worker processes on localhost (no nanny: a worker is one process)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
           "OPENBLAS_NUM_THREADS": "1"}
    info = tmp_path / "scheduler.json"
    dask = [sys.executable, "-m", "dask"]
    log = open(tmp_path / "dask.log", "wb")
    procs = [subprocess.Popen(dask + ["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                      "--scheduler-file", str(info)], env=env, stdout=log, stderr=log)]
    try:
        deadline = time.monotonic() + 60
        while not info.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        for k in range(2):
            procs.append(subprocess.Popen(dask + ["worker", "--scheduler-file", str(info), "--nthreads", "1",
                                                  "--no-nanny", "--no-dashboard", "--name", f"w{k}"],
                                          env=env, stdout=log, stderr=log, cwd=tmp_path))
        from dask.distributed import Client

        address = json.loads(info.read_text())["address"]
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address, procs[1:]
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(5)  # a worker may linger on SIGTERM; nothing of it is needed any more
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        log.close()


def test_a_scheduler_and_two_workers_grade_a_batch(tmp_path, cluster):
    address, _ = cluster
    sub = _batch(tmp_path)
    res = grade_batch(ASG, sub, tmp_path / "out", _opts(tmp_path, scheduler=address))
    assert {r["file"]: r["grade"] for r in res.rows} == EXPECTED
    assert (tmp_path / "out" / "feedback" / "slip.txt").read_text().count(">>") == 1


@pytest.mark.slow
def test_a_worker_killed_mid_batch_loses_no_file(tmp_path, cluster):
    address, workers = cluster
    asg = parse_assignment((COURSE / "assignment.rnnp").read_text(), path="assignment.rnnp")
    names = sorted(p.name for p in (COURSE / "submissions").iterdir())[:4]  # correct ones
    sub = write(tmp_path / "subs", {n: (COURSE / "submissions" / n).read_bytes() for n in names})
    killed = []

    def kill_one_worker(done, total, row):
        if not killed:  # after the first result: the other files are queued or running on both workers
            os.kill(workers[0].pid, signal.SIGKILL)
            killed.append(workers[0].pid)

    res = grade_batch(asg, sub, tmp_path / "out", _opts(tmp_path, scheduler=address), progress=kill_one_worker)
    assert killed and workers[0].wait(10) == -signal.SIGKILL
    assert [r["file"] for r in res.rows] == names
    assert all(r["grade"] == "pass" for r in res.rows), [(r["file"], r["error"]) for r in res.rows]


def test_grading_against_an_unreachable_scheduler_is_an_input_error(tmp_path):
    from rnnproof.derivations.errors import InputError

    import dask

    sub = write(tmp_path / "subs", {"a.rnnp": GOOD})
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}), \
            pytest.raises(InputError, match="cannot connect to the Dask scheduler"):
        grade_batch(ASG, sub, tmp_path / "out", _opts(tmp_path, scheduler="tcp://127.0.0.1:9"))
