"""The gradebook (CSV and JSON) and the per-student feedback files, written atomically.

One row per submission file, sorted by file name::

    file, student, grade, verdict, steps, proved, proved_interval, proved_by_lemma, confirmed,
    undecided, refuted, first_failing_step, first_failing_line, claim, problems, error_kind,
    error, seconds, cached

``grade`` is ``pass``, ``fail`` or ``error`` (see :mod:`.grader`); ``problems`` joins the
reasons with `` | `` in the CSV and is a list in the JSON; ``seconds`` is the time the file's
grading took when it was graded (``cached`` says whether this run reused it).
"""

from __future__ import annotations

import csv
import io
import json
import pathlib
import re

from rnnproof.atomicfile import write_bytes_atomic

__all__ = ["COLUMNS", "student_id", "make_row", "write_gradebook", "feedback_text", "write_text_atomic",
           "feedback_names", "summary"]

COLUMNS = ("file", "student", "grade", "verdict", "steps", "proved", "proved_interval", "proved_by_lemma",
           "confirmed", "undecided", "refuted", "first_failing_step", "first_failing_line", "claim", "problems",
           "error_kind", "error", "seconds", "cached")


def student_id(file_name: str) -> str:
    """The student id of a submission: its file name without a final ``.rnnp``.

    >>> student_id("s07_transposed.rnnp"), student_id("notes.txt")
    ('s07_transposed', 'notes.txt')
    """
    return file_name[:-5] if file_name.endswith(".rnnp") and len(file_name) > 5 else file_name


def make_row(file_name: str, result: dict, *, cached: bool) -> dict:
    """A gradebook row from a grading result (:func:`.grader.grade_text` or :func:`.grader.error_result`)."""
    row = {c: result.get(c) for c in COLUMNS}
    row.update(file=file_name, student=student_id(file_name), cached=cached,
               problems=list(result.get("problems") or []))
    return row


def write_text_atomic(path: pathlib.Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically, creating its directory
    (:func:`rnnproof.atomicfile.write_bytes_atomic`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(path, text.encode("utf-8"))


def _csv_text(rows) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({**r, "problems": " | ".join(r["problems"]),
                    **{k: "" if r[k] is None else r[k] for k in ("first_failing_step", "first_failing_line")}})
    return buf.getvalue()


def summary(rows) -> dict:
    """Counts of rows per grade."""
    out = {"files": len(rows), "pass": 0, "fail": 0, "error": 0}
    for r in rows:
        out[r["grade"]] = out.get(r["grade"], 0) + 1
    return out


def write_gradebook(out_dir: pathlib.Path, rows, *, assignment, run: dict | None = None):
    """Write ``gradebook.csv`` and ``gradebook.json`` into ``out_dir``; returns both paths.

    ``run`` (JSON only): facts about this run, e.g. how many files were checked and how many
    came from the cache.
    """
    rows = sorted(rows, key=lambda r: r["file"])
    csv_path, json_path = out_dir / "gradebook.csv", out_dir / "gradebook.json"
    write_text_atomic(csv_path, _csv_text(rows))
    doc = {"assignment": {"name": assignment.name, "title": assignment.title, "file": assignment.path,
                          "claim": " ".join((assignment.file.claim[0].source, assignment.file.claim[1],
                                             assignment.file.claim[2].source)),
                          "accept": assignment.accept_text(), "required": [r.source for r in assignment.required]},
           "summary": summary(rows), "run": dict(run or {}), "rows": rows}
    write_text_atomic(json_path, json.dumps(doc, indent=2) + "\n")
    return csv_path, json_path


def feedback_names(file_names) -> dict:
    """A distinct, filesystem-safe feedback file stem for each submission file name."""
    out, used = {}, set()
    for name in sorted(file_names):
        stem = re.sub(r"[^A-Za-z0-9_.-]", "_", student_id(name)).lstrip(".")[:80] or "submission"
        candidate, k = stem, 1
        while candidate.lower() in used:
            k += 1
            candidate = f"{stem}~{k}"
        used.add(candidate.lower())
        out[name] = candidate
    return out


def feedback_text(assignment, row: dict, detail: str) -> str:
    """The feedback a student reads: grade, what is wrong or missing, then the step-by-step check."""
    lines = [f"Assignment: {assignment.name} - {assignment.title or '(untitled)'}",
             f"Claim to prove: {assignment.file.claim[0].source} {assignment.file.claim[1]} "
             f"{assignment.file.claim[2].source}",
             f"Submission: {row['file']} (student {row['student']})",
             f"Grade: {row['grade'].upper()}"]
    if row["grade"] == "error":
        lines += ["", "The file could not be checked:", f"  {row['error']}"]
        if row["error_kind"] == "malformed":
            lines.append("  (the format is described in docs/derivation-format.md)")
    elif row["problems"]:
        lines += ["", "What is wrong or missing:"] + [f"  - {p}" for p in row["problems"]]
    else:
        lines += ["", f"Every step is accepted ({assignment.accept_text()}) and the claim is the assigned one."]
    if detail:
        lines += ["", "Step by step:", detail]
    return "\n".join(lines) + "\n"
