"""``rnnproof grade ASSIGNMENT SUBMISSIONS_DIR``: grade every student file against an assignment.

Writes ``OUT/gradebook.csv``, ``OUT/gradebook.json``, ``OUT/feedback/<student>.txt`` and, with
``--report``, ``OUT/reports/<student>.tex`` (and ``.pdf`` when latexmk is installed).  Files
run in parallel in sandboxed worker processes (``--jobs``, one per core by default), or on Dask
with ``--dask`` (a local cluster) or ``--scheduler ADDRESS``.  Exit status: 0 every submission
passed; 1 the batch was graded and at least one submission failed or could not be checked
(its row says why); 2 bad usage or a bad assignment, submissions directory, output or cache
directory (nothing graded); 3 an internal error.  See docs/grading.md.
"""

from __future__ import annotations

import sys

__all__ = ["add_parser", "run"]


def add_parser(sub):
    p = sub.add_parser("grade", help="grade a directory of student .rnnp files against an assignment",
                       description="Grade every file of SUBMISSIONS_DIR against ASSIGNMENT (docs/grading.md).")
    p.add_argument("assignment", metavar="ASSIGNMENT", help="the assignment file (.rnnp claim + accept:/require:)")
    p.add_argument("submissions", metavar="SUBMISSIONS_DIR", help="directory with one file per student")
    p.add_argument("--out", metavar="DIR", default="graded", help="output directory (default ./graded)")
    p.add_argument("--jobs", type=int, default=0, metavar="N", help="parallel workers (default: one per core)")
    p.add_argument("--time-limit", default="60", metavar="S",
                   help="wall-clock seconds per file; a file over it is killed and recorded (0.5 to 86400, default 60)")
    p.add_argument("--memory-limit", default="2G", metavar="SIZE",
                   help="address space per grading process, e.g. 2G or 1500M (512M to 1T, default 2G)")
    p.add_argument("--seed", type=int, default=0, help="seed of the sample points and explicit matrices (default 0)")
    p.add_argument("--report", action="store_true", help="also write a LaTeX (and PDF) report per student")
    p.add_argument("--cache", metavar="DIR", help="verdict cache root (default $RNNPROOF_CACHE or ~/.cache/rnnproof)")
    p.add_argument("--dask", action="store_true", help="run on a local Dask cluster (needs rnnproof[dask])")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on the Dask scheduler at ADDRESS (e.g. tcp://host:8786)")
    p.add_argument("--quiet", action="store_true", help="no per-file progress lines")
    return p


def _validate(args) -> tuple[float, int]:
    """``(seconds, bytes)`` of the limits, parsed exactly as ``rnnproof verify`` parses them."""
    from rnnproof.commands.verify import parse_memory_limit, parse_time_limit
    from rnnproof.derivations.errors import InputError

    if args.jobs < 0:
        raise InputError(f"--jobs must be >= 0, got {args.jobs}")
    return parse_time_limit(args.time_limit), parse_memory_limit(args.memory_limit)


def run(args) -> int:
    from rnnproof.grading import BatchOptions, grade_batch, load_assignment

    time_limit, memory = _validate(args)
    assignment, _ = load_assignment(args.assignment)
    opts = BatchOptions(jobs=args.jobs, time_limit=time_limit, memory_bytes=memory,
                        seed=args.seed, report=args.report, cache_dir=args.cache, dask=args.dask,
                        scheduler=args.scheduler)

    def progress(done, total, row):
        what = row["error_kind"] if row["grade"] == "error" else row["verdict"]
        extra = " (cached)" if row["cached"] else f" ({row['seconds'] or 0:.1f} s)"
        print(f"[{done}/{total}] {row['file']}: {row['grade']}, {what}{extra}", file=sys.stderr, flush=True)

    res = grade_batch(assignment, args.submissions, args.out, opts, progress=None if args.quiet else progress)
    c = res.counts
    print(f"{assignment.name}: {c['files']} files graded in {res.seconds:.1f} s ({res.cached} from the cache): "
          f"{c['pass']} pass, {c['fail']} fail, {c['error']} error")
    print(f"  gradebook: {res.csv_path} and {res.json_path}; feedback: {res.csv_path.parent / 'feedback'}")
    if res.claim_verdict == "refuted":
        print(f"  warning: the assigned claim itself is refuted by the checker ({assignment.path})", file=sys.stderr)
    return 0 if c["pass"] == c["files"] else 1
