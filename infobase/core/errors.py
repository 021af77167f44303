"""Errors in input files that name the place: file, line (row), column, field."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class InputProblem:
    """One problem with one place in an input file. ``message`` is already translated."""

    file: str
    message: str
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        if self.line is not None and self.column:
            return _("%(file)s, line %(line)s, column “%(column)s”: %(message)s") % {
                "file": self.file,
                "line": self.line,
                "column": self.column,
                "message": self.message,
            }
        if self.line is not None:
            return _("%(file)s, line %(line)s: %(message)s") % {
                "file": self.file,
                "line": self.line,
                "message": self.message,
            }
        return _("%(file)s: %(message)s") % {"file": self.file, "message": self.message}


class InvalidInput(Exception):
    """Raised after validating a whole input, carrying every problem found; nothing was written."""

    def __init__(self, problems: list[InputProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
