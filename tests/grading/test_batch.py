"""Whole batches: hostile files in a batch, the cache and resuming, a worker killed mid-batch."""

from __future__ import annotations

import csv
import json
import os
import pathlib
import signal
import threading
import time

import pytest

from rnnproof.grading import COLUMNS, BatchOptions, grade_batch, parse_assignment
from rnnproof.grading import jobs as jobs_mod
from rnnproof.sandbox import Outcome

from .kit import COURSE, GOOD, SIGMOID_ASSIGNMENT, SUBMISSIONS, write

ASG = parse_assignment(SIGMOID_ASSIGNMENT, path="sigmoid.rnnp")


def _opts(tmp_path, **kw):
    return BatchOptions(**{"jobs": 2, "time_limit": 30.0, "cache_dir": str(tmp_path / "cache"), **kw})


def _hostile(sub: pathlib.Path) -> None:
    (sub / "link.rnnp").symlink_to("/etc/passwd")
    os.mkfifo(sub / "fifo.rnnp")
    (sub / "folder").mkdir()
    (sub / "big.rnnp").write_bytes(b"# x\n" * 20000)
    (sub / "binary.rnnp").write_bytes(bytes(range(256)))
    (sub / "nul.rnnp").write_bytes(b"let x: real\x00\n")
    (sub / "dunder.rnnp").write_text("let x: real\nclaim: x = __import__('os').system('echo pwned')\n")
    (sub / "slow.rnnp").write_bytes((COURSE / "submissions" / "s01_correct.rnnp").read_bytes())


def test_hostile_files_in_a_batch_each_get_an_error_row_and_the_batch_completes(tmp_path):
    sub = write(tmp_path / "subs", {"good.rnnp": GOOD, "slip.rnnp": SUBMISSIONS["slip.rnnp"]})
    _hostile(sub)
    res = grade_batch(ASG, sub, tmp_path / "out", _opts(tmp_path, time_limit=1.0))
    rows = {r["file"]: r for r in res.rows}
    assert sorted(rows) == sorted(os.listdir(sub)), "every entry has exactly one row"
    assert rows["good.rnnp"]["grade"] == "pass" and rows["slip.rnnp"]["grade"] == "fail"
    kinds = {n: (r["grade"], r["error_kind"]) for n, r in rows.items() if n not in ("good.rnnp", "slip.rnnp")}
    assert kinds == {"link.rnnp": ("error", "unreadable"), "fifo.rnnp": ("error", "unreadable"),
                     "folder": ("error", "unreadable"), "big.rnnp": ("error", "limit"),
                     "binary.rnnp": ("error", "malformed"), "nul.rnnp": ("error", "malformed"),
                     "dunder.rnnp": ("error", "malformed"), "slow.rnnp": ("error", "timeout")}
    assert "symbolic link" in rows["link.rnnp"]["error"] and "root:" not in json.dumps(res.rows)
    assert rows["slow.rnnp"]["error"].startswith("exceeded the time limit of 1 s while ")
    assert rows["big.rnnp"]["error"] == "big.rnnp: file larger than 65536 bytes (80000)"
    assert res.counts == {"files": 10, "pass": 1, "fail": 1, "error": 8}
    with open(res.csv_path, newline="") as fh:
        table = list(csv.DictReader(fh))
    assert tuple(table[0]) == COLUMNS and [r["file"] for r in table] == sorted(rows)
    fb = sorted(p.name for p in (tmp_path / "out" / "feedback").iterdir())
    assert fb == sorted(f"{n[:-5] if n.endswith('.rnnp') else n}.txt" for n in rows)
    assert "Grade: ERROR" in (tmp_path / "out" / "feedback" / "dunder.txt").read_text()


def test_a_rerun_reuses_the_cache_and_regrades_only_changed_files(tmp_path):
    sub = write(tmp_path / "subs", SUBMISSIONS)
    first = grade_batch(ASG, sub, tmp_path / "out", _opts(tmp_path))
    assert first.graded == len(SUBMISSIONS) and first.cached == 0
    again = grade_batch(ASG, sub, tmp_path / "out", _opts(tmp_path))
    assert (again.graded, again.cached) == (0, len(SUBMISSIONS))
    strip = [{k: v for k, v in r.items() if k != "cached"} for r in first.rows]
    assert strip == [{k: v for k, v in r.items() if k != "cached"} for r in again.rows]
    (sub / "slip.rnnp").write_text(GOOD + "# fixed\n")
    third = grade_batch(ASG, sub, tmp_path / "out", _opts(tmp_path))
    assert (third.graded, third.cached) == (1, len(SUBMISSIONS) - 1)
    assert {r["file"]: r["grade"] for r in third.rows}["slip.rnnp"] == "pass"
    # another seed or assignment is another key
    other = grade_batch(ASG, sub, tmp_path / "out", _opts(tmp_path, seed=1))
    assert other.cached == 0


def test_an_interrupted_batch_keeps_every_row_and_resumes(tmp_path):
    sub = write(tmp_path / "subs", SUBMISSIONS)
    seen = []

    def stop_after_two(done, total, row):
        seen.append(row["file"])
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        grade_batch(ASG, sub, tmp_path / "out", _opts(tmp_path, jobs=1), progress=stop_after_two)
    book = json.loads((tmp_path / "out" / "gradebook.json").read_text())
    assert len(book["rows"]) == len(SUBMISSIONS)
    assert sum(r["error_kind"] == "interrupted" for r in book["rows"]) == len(SUBMISSIONS) - 2
    res = grade_batch(ASG, sub, tmp_path / "out", _opts(tmp_path))
    assert res.cached == 2 and res.graded == len(SUBMISSIONS) - 2
    assert not any(r["error_kind"] == "interrupted" for r in res.rows)


def _children(pid: int) -> list[int]:
    out = []
    for task in pathlib.Path(f"/proc/{pid}/task").iterdir():
        try:
            out += [int(x) for x in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


@pytest.mark.skipif(not pathlib.Path("/proc/self/task").exists(), reason="needs Linux /proc to find the children")
def test_a_worker_killed_mid_batch_is_retried_and_none_is_missing(tmp_path, monkeypatch):
    statuses = []
    real = jobs_mod._once

    def recording(job):
        out = real(job)
        statuses.append((job.file, out.status))
        return out

    monkeypatch.setattr(jobs_mod, "_once", recording)
    asg = parse_assignment((COURSE / "assignment.rnnp").read_text(), path="assignment.rnnp")
    names = ["s02_correct_short.rnnp", "s04_expanded_tanh.rnnp"]
    sub = write(tmp_path / "subs", {n: (COURSE / "submissions" / n).read_bytes() for n in names})
    box = {}
    worker = threading.Thread(target=lambda: box.update(res=grade_batch(asg, sub, tmp_path / "out", _opts(tmp_path))))
    worker.start()
    killed, deadline = None, time.monotonic() + 30
    while killed is None and time.monotonic() < deadline and worker.is_alive():
        kids = _children(os.getpid())
        if kids:
            killed = kids[0]
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.05)
    worker.join(120)
    assert killed is not None, "no grading child was seen to kill"
    rows = box["res"].rows
    assert [r["file"] for r in rows] == names and all(r["grade"] == "pass" for r in rows), rows
    dead = [s for s in statuses if s[1] in jobs_mod.RETRIED]
    assert len(dead) == 1 and len(statuses) == 3, statuses


def test_a_child_that_dies_twice_is_reported_not_lost(monkeypatch):
    died = Outcome("crashed", None, "crashed with signal SIGSEGV while parsing", "parsing", 0.1, None)
    monkeypatch.setattr(jobs_mod, "_once", lambda job: died)
    out = jobs_mod.run_job(jobs_mod.Job("a.rnnp", "x", "0" * 64, SIGMOID_ASSIGNMENT, "a"))
    assert (out["grade"], out["error_kind"]) == ("error", "crashed")
    assert out["error"] == ("crashed with signal SIGSEGV while parsing; retried once: "
                            "crashed with signal SIGSEGV while parsing")
    assert not jobs_mod.cacheable(out)


def test_the_code_digest_covers_package_folders_only(tmp_path, monkeypatch):
    # rnnproof.__path__ also holds the checkout root; editing a test or a benchmark there must not
    # invalidate every cached verdict (it did: a bench's regrade checked all 300 files again)
    import rnnproof
    from rnnproof.resultcache import code_versions

    (tmp_path / "probe.py").write_text("a = 1\n")
    monkeypatch.setattr(rnnproof, "__path__", [*rnnproof.__path__, str(tmp_path)])
    code_versions.cache_clear()
    try:
        before = code_versions()
        (tmp_path / "probe.py").write_text("a = 2\n")
        code_versions.cache_clear()
        assert code_versions() == before
    finally:
        code_versions.cache_clear()
