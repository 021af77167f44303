"""Errors in input files that name the place: file, line (row), column, field."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from infobase.core.i18n import isolated


@dataclass(frozen=True)
class InputProblem:
    """One problem with one place in an input file. ``message`` is already translated."""

    file: str
    message: str
    line: int | None = None
    column: str | None = None
    sheet: str | None = None  # for workbooks: the line is then the sheet's row number

    def __str__(self) -> str:
        column = isolated(self.column) if self.column else self.column
        if self.sheet:
            place = _("%(file)s, sheet “%(sheet)s”") % {"file": self.file, "sheet": self.sheet}
            if self.line is not None and self.column:
                return _("%(place)s, row %(row)s, column “%(column)s”: %(message)s") % {
                    "place": place,
                    "row": self.line,
                    "column": column,
                    "message": self.message,
                }
            if self.line is not None:
                return _("%(place)s, row %(row)s: %(message)s") % {
                    "place": place,
                    "row": self.line,
                    "message": self.message,
                }
            return _("%(place)s: %(message)s") % {"place": place, "message": self.message}
        if self.line is not None and self.column:
            return _("%(file)s, line %(line)s, column “%(column)s”: %(message)s") % {
                "file": self.file,
                "line": self.line,
                "column": column,
                "message": self.message,
            }
        if self.line is not None:
            return _("%(file)s, line %(line)s: %(message)s") % {
                "file": self.file,
                "line": self.line,
                "message": self.message,
            }
        return _("%(file)s: %(message)s") % {"file": self.file, "message": self.message}


MAX_LISTED = 100  # a file with thousands of problems is wrong as a whole; list a sample


class InvalidInput(Exception):
    """Raised after validating a whole input, carrying the problems found; nothing was written.

    At most ``MAX_LISTED`` problems are kept, followed by one saying how many more there were;
    ``count`` is the number found.
    """

    def __init__(self, problems: list[InputProblem]) -> None:
        self.count = len(problems)
        if len(problems) > MAX_LISTED:
            more = len(problems) - MAX_LISTED
            problems = [
                *problems[:MAX_LISTED],
                InputProblem(
                    file=problems[MAX_LISTED].file,
                    message=ngettext(
                        "… and %(count)s more problem.", "… and %(count)s more problems.", more
                    )
                    % {"count": more},
                ),
            ]
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
