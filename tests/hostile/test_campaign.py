"""The hostile-input fuzz campaign of issue 16, through the real command line.

Each family of :mod:`campaign` generates seeded inputs; every one runs as ``rnnproof verify
FILE --time-limit T --memory-limit 1G`` (some with ``--report DIR``) in a jail directory
with a secret file, a canary path that payloads try to create, and a report directory with a
planted ``.latexmkrc``, ``amsmath.sty`` and symlinks to files outside.  Asserted for every
input: exit 0, 1 or 2 (never 3), no traceback, wall time under ``T`` plus a margin, nothing
written outside the report directory, no canary; for every report: a PDF or a reason, and no
secret in the PDF's text; at the end, the peak RSS of every child under the memory limit and
the planted victims untouched.

Inputs per family: ci ``CI_COUNTS`` (about 250 in all, ~2 min), thorough ``THOROUGH_COUNTS``
(10,200).  ``RNNPROOF_CAMPAIGN_OUT=DIR`` writes each family's counts to ``DIR/<family>.json``.
"""

from __future__ import annotations

import collections
import contextlib
import io
import json
import os
import pathlib
import random
import resource
import shutil
import subprocess
import time

import pytest

from campaign import FAMILIES

from rnnproof.cli import main
from rnnproof.teaching_report import report_stem

pytestmark = pytest.mark.slow

CI_COUNTS = {"code": 60, "encoding": 60, "latex": 40, "grammar": 60, "resource": 30}
THOROUGH_COUNTS = {"code": 2500, "encoding": 2500, "latex": 1500, "grammar": 2500, "resource": 1200}
TIME_LIMIT = {"resource": 5.0}  # others: 10 s
MEMORY = 1024 ** 3
MARGIN = 3.0  # seconds: fork, SIGKILL, reap and the parent's own bookkeeping on a loaded machine
TOKEN = "SECRETTOKEN7Q3"
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "dev")


def _count(family: str) -> int:
    return (THOROUGH_COUNTS if PROFILE == "thorough" else CI_COUNTS)[family]


def _jail(root: pathlib.Path) -> dict:
    jail, report, outside = root / "jail", root / "jail" / "report", root / "outside"
    for d in (jail / "in", report, outside):
        d.mkdir(parents=True)
    for where in (jail, report, root):
        (where / "secret.tex").write_text(TOKEN + "\n")
        (where / "secret").write_text(TOKEN + "\n")
    canary = root / "CANARY"
    (report / ".latexmkrc").write_text(f"system('touch {canary}');\n")
    (report / "latexmkrc").write_text(f"system('touch {canary}');\n")
    (report / "amsmath.sty").write_text(r"\immediate\write18{touch %s}\errmessage{planted}" % canary)
    for stem in ("tex-0", "tex-4", "enc-0", "res-0"):
        for ext in ("pdf", "log", "tex", "fdb_latexmk", "aux"):
            victim = outside / f"{stem}.{ext}"
            victim.write_text("precious")
            (report / f"{stem}.{ext}").symlink_to(victim)
    return {"root": root, "jail": jail, "report": report, "outside": outside, "canary": str(canary),
            "secret": str(jail / "secret.tex")}


def _run(argv):
    out, err = io.StringIO(), io.StringIO()
    t0 = time.monotonic()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue(), time.monotonic() - t0


def _pdf_text(pdf: pathlib.Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, timeout=60).stdout


def _top(ctx) -> list[str]:
    return sorted(os.listdir(ctx["root"])) + sorted(os.listdir(ctx["jail"]))


@pytest.fixture
def sandbox_walls(monkeypatch):
    """The sandbox's own wall time of each file (fork to reap), beside the CLI's."""
    import rnnproof.commands.verify as cmd
    walls, real = [], cmd.run_limited

    def recording(*args, **kwargs):
        out = real(*args, **kwargs)
        walls.append(out.wall_seconds)
        return out

    monkeypatch.setattr(cmd, "run_limited", recording)
    return walls


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_campaign(family, tmp_path, latex_tools, sandbox_walls):
    ctx = _jail(tmp_path)
    gen, rng = FAMILIES[family], random.Random(f"issue-16-{family}")
    limit = TIME_LIMIT.get(family, 10.0)
    top = _top(ctx)
    stats = {"inputs": 0, "exit": collections.Counter(), "max_wall": 0.0, "max_sandbox_wall": 0.0,
             "over_budget": 0, "timeouts": 0,
             "memory": 0, "reports": 0, "pdfs": 0, "report_errors": 0}
    failures = []
    for k in range(_count(family)):
        case = gen(rng, k, ctx)
        d = ctx["jail"] / "in" / str(k)
        d.mkdir()
        path = d / case.name
        path.write_bytes(case.data)
        argv = ["verify", str(path), "--time-limit", f"{limit:g}", "--memory-limit", "1G"]
        argv += ["--report", str(ctx["report"])] if case.report else []
        started = time.time()
        code, out, err, took = _run(argv)
        stats["inputs"] += 1
        stats["exit"][code] += 1
        stats["max_wall"] = max(stats["max_wall"], took)
        inner = sandbox_walls[-1] if sandbox_walls else 0.0
        stats["max_sandbox_wall"] = max(stats["max_sandbox_wall"], inner)
        stats["timeouts"] += "exceeded the time limit" in err or "exceeded the CPU time limit" in err
        stats["memory"] += "memory limit" in err or "out of memory" in err
        problems = []
        if code not in (0, 1, 2):
            problems.append(f"exit {code}")
        if "Traceback" in err or (code == 2 and "rnnproof: error:" not in err):
            problems.append("no clear error")
        if took > limit + MARGIN:
            stats["over_budget"] += 1
            problems.append(f"took {took:.1f} s (in the sandbox {inner:.1f} s)")
        if os.path.lexists(ctx["canary"]) or sorted(os.listdir(d)) != [case.name] or _top(ctx) != top:
            problems.append("wrote outside the report directory (or the canary)")
        if case.report:
            stats["reports"] += 1
            stats["report_errors"] += "report:" in err
            problems += _check_report(ctx, path, code, started, stats)
        if problems:
            failures.append(f"{family} #{k} {case.name!r}: {'; '.join(problems)}\n  input: {case.data[:300]!r}\n"
                            f"  stderr: {err[:300]}")
    victims = [p for p in ctx["outside"].iterdir() if p.read_text() != "precious"]
    stats["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    _record(family, stats)
    assert not failures, f"{len(failures)} of {stats['inputs']} inputs failed:\n" + "\n".join(failures[:20])
    assert not victims and not os.path.lexists(ctx["canary"])
    assert stats["peak_rss_bytes"] < MEMORY + 512 * 1024 ** 2  # the limit is on address space; RSS stays below
    assert stats["report_errors"] == 0


def _check_report(ctx, path, code, started, stats) -> list[str]:
    if code not in (0, 1):
        return []
    stem = report_stem(path)
    pdf = next((p for p in (ctx["report"] / f"{stem}.pdf", ctx["report"] / f"{stem}-report.pdf")
                if p.is_file() and not p.is_symlink() and p.stat().st_mtime >= started - 1), None)
    if pdf is None:
        return ["report: no PDF and no reason"]
    stats["pdfs"] += 1
    tex = pdf.with_suffix(".tex").read_text(errors="replace")
    return ["secret in the PDF or .tex"] if TOKEN in _pdf_text(pdf) or TOKEN in tex else []


def _record(family, stats) -> None:
    out = os.environ.get("RNNPROOF_CAMPAIGN_OUT")
    if out:
        pathlib.Path(out).mkdir(parents=True, exist_ok=True)
        data = dict(stats, exit={str(k): v for k, v in sorted(stats["exit"].items())})
        (pathlib.Path(out) / f"{family}.json").write_text(json.dumps(data, indent=1) + "\n")
