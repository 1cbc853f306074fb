"""The LaTeX report of rnnproof: escaping and document assembly (:mod:`.tex`), sections
(:mod:`.sections`), pgfplots figures (:mod:`.figures`), atomic files (:mod:`.files`), the
latexmk runner (:mod:`.compile`) and the orchestration (:mod:`.writer`)."""

from .compile import CompileError, compile_pdf, latexmk_path
from .tex import escape_tex
from .writer import DEFAULT_TITLE, ReportFiles, build_report, write_report

__all__ = ["CompileError", "compile_pdf", "latexmk_path", "escape_tex", "DEFAULT_TITLE", "ReportFiles",
           "build_report", "write_report"]
