"""Errors in input files that name the place: file, line (row), column, field."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
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


# Characters refused in text that comes in (imports, forms, the API), by ``text_problem``:
# the C0 control characters but tab, line feed and carriage return, and DEL (pasted from a
# terminal or read from a binary file; PostgreSQL cannot store NUL at all), and the
# bidirectional overrides U+202D and U+202E, which show a text's letters in another order than
# they are written ("Trojan Source": "invoice\u202egnp.exe" shows as "invoiceexe.png"). The
# embeddings and isolates (U+202A–U+202C, U+2066–U+2069) are let through: Arabic text pasted
# from a word processor carries them, and so does text copied from our own pages
# (``core.i18n.isolated``); they set the direction of a run without reordering its letters.
_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
_BIDI = "\u202d\u202e"
_REFUSED = re.compile(f"[{_CONTROLS}{_BIDI}]")
_BIDI_ONLY = re.compile(f"[{_BIDI}]")


def text_problem(value: Any, field: Any = None) -> str | None:
    """What makes ``value`` refused as the text of ``field`` (a model field, or None), in the
    reader's language, or None: a character of ``_REFUSED``, named by its code and position,
    or more characters than the field's ``max_length`` (what PostgreSQL refuses and SQLite
    would keep). The one rule every import's row validation and every form calls."""
    if not isinstance(value, str):
        return None
    if found := _REFUSED.search(value):
        place = {"code": f"U+{ord(found[0]):04X}", "position": found.start() + 1}
        if _BIDI_ONLY.match(found[0]):
            return (
                _(
                    "The text holds the invisible character %(code)s (character %(position)s), "
                    "which makes it show in another order than it is written. Remove it."
                )
                % place
            )
        return (
            _(
                "The text holds the control character %(code)s (character %(position)s), "
                "which no text can hold. Remove it."
            )
            % place
        )
    limit = getattr(field, "max_length", None)
    if limit is not None and len(value) > limit:
        return ngettext(
            "The text is %(length)s characters long; at most %(limit)s character is allowed.",
            "The text is %(length)s characters long; at most %(limit)s characters are allowed.",
            limit,
        ) % {"length": len(value), "limit": limit}
    return None


def validate_text(value: Any) -> None:
    """``text_problem`` as a validator: every form's and every API serializer's text field runs
    it (``CoreConfig.ready``), after its own length check. NUL is left to the validator
    both frameworks' text fields already have (one message, not two)."""
    if isinstance(value, str) and "\x00" not in value and (said := text_problem(value)):
        raise ValidationError(said, code="text")
