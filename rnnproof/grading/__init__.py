"""Grade a course: an assignment, a directory of student derivations, a gradebook and feedback.

``rnnproof grade ASSIGNMENT SUBMISSIONS_DIR`` (docs/grading.md).  The pieces:

- :mod:`.assignment`: the assignment file (an ``.rnnp`` claim plus ``accept:``/``require:``);
- :mod:`.compare`: is a submission about the assigned claim (declarations, claim, required lines);
- :mod:`.grader`: grade one file's text (runs in a sandboxed child);
- :mod:`.jobs`: one job through :func:`rnnproof.sandbox.run_limited`, retried once if the child died;
- :mod:`.batch`: a whole directory, locally in parallel, with the verdict cache;
- :mod:`.dask_backend`: the same batch on Dask (optional extra ``rnnproof[dask]``);
- :mod:`.gradebook`: CSV/JSON gradebook and feedback files.
"""

from .assignment import Assignment, Required, load_assignment, parse_assignment
from .batch import BatchOptions, BatchResult, grade_batch
from .gradebook import COLUMNS, student_id
from .grader import grade_text

__all__ = ["Assignment", "Required", "load_assignment", "parse_assignment", "BatchOptions", "BatchResult",
           "grade_batch", "COLUMNS", "student_id", "grade_text"]
