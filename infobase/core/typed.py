"""Numbers and dates as people type them in a spreadsheet, read the one way every import reads
them (requests, filled questionnaire workbooks, ODK/Kobo submissions, reference files).

A value is read when only one reading is possible; when two are, it is refused with a message
showing both, for the import to name its file, row and column. Never a guess.

Numbers. Digits of any script are read (Arabic-Indic ``١٢٣``, Extended Arabic-Indic ``۱۲۳``).
Spaces (plain, no-break, narrow no-break, thin) and the Arabic thousands separator ``٬`` only
group thousands; the Arabic decimal separator ``٫`` only marks decimals. For comma and point:

- both in one number: the last one marks the decimals, the other groups thousands
  (``1,234.5``, ``1.234,5``);
- one of them several times: it groups thousands (``1,234,567``);
- one of them once: it marks the decimals (``1,5``, ``0,125``, ``12.25``) unless it is followed
  by exactly three digits after one to three digits not starting with 0 (``1,234``). Then, in a
  whole-number field, it groups thousands (1234: the other reading is no whole number); in a
  decimal field, a point marks the decimals (what every program writes: ODK, Kobo, our own
  exports), and a comma is refused as ambiguous (1234 in English, 1.234 in French).

Dates written as text. ISO 8601 (``2024-03-20``) and year first (``2024/3/20``) are read as they
are. Day and month (``20/03/2024``, ``20.03.2024``, ``20-03-2024``) are read when the cell
settles their order (a part above 12, or day equal to month) or the other dates of its column
do (``date_orders``: a first part above 12 anywhere means day first for the column, a second
part above 12 month first; both in one column is an error). Otherwise the cell is refused,
asking for YYYY-MM-DD. Two-digit years are never read.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

SPACES = " \u00a0\u202f\u2009"
ARABIC_DECIMAL = "\u066b"  # ٫
ARABIC_THOUSANDS = "\u066c"  # ٬
_GROUPS_ONLY = SPACES + ARABIC_THOUSANDS
_MINUS = "\u2212"  # the minus sign of typeset text
_SCIENTIFIC = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)[eE][+-]?\d+")
_GROUPED = re.compile(r"\d{1,3}(,\d{3})+")


def ascii_digits(text: str) -> str:
    """``text`` with the digits of every script (Arabic-Indic, Extended Arabic-Indic …) as
    ASCII digits."""
    if text.isascii():
        return text
    return "".join(
        str(unicodedata.decimal(ch)) if not ch.isascii() and ch.isdecimal() else ch for ch in text
    )


class AmbiguousValue(ValueError):
    """A cell two readings fit: the message says which, and what to write instead."""


def _ambiguous_comma(text: str, sign: str, before: str, after: str) -> AmbiguousValue:
    return AmbiguousValue(
        _(
            "“%(value)s” could mean %(thousands)s (a comma between thousands) or %(decimal)s "
            "(a decimal comma): write %(thousands)s or %(decimal)s."
        )
        % {
            "value": text,
            "thousands": f"{sign}{before}{after}",
            "decimal": f"{sign}{before}.{after}",
        }
    )


def read_number(text: str, *, whole: bool) -> Decimal | None:
    """The number written in ``text`` (rules in the module's docstring), None when it is no
    number at all; raises ``AmbiguousValue`` when it may be read two ways. ``whole``: the field
    takes whole numbers only."""
    typed = text.strip()
    body = ascii_digits(typed).replace(_MINUS, "-")
    if _SCIENTIFIC.fullmatch(body):
        return _finite(body)
    sign = ""
    if body[:1] in "+-":
        sign, body = body[:1].replace("+", ""), body[1:].lstrip(SPACES)
    # Spaces and ٬ between digits only group thousands: one way of writing it from here on.
    body = re.sub(rf"(?<=\d)[{_GROUPS_ONLY}](?=\d)", ARABIC_THOUSANDS, body)
    if ARABIC_DECIMAL in body:
        decimal_mark: str | None = ARABIC_DECIMAL
    elif "," in body and "." in body:
        decimal_mark = "," if body.rfind(",") > body.rfind(".") else "."
    elif body.count(",") + body.count(".") == 1:
        decimal_mark = "," if "," in body else "."
        before, after = body.split(decimal_mark)
        if (
            ARABIC_THOUSANDS not in before
            and re.fullmatch(r"[1-9]\d{0,2}", before)
            and re.fullmatch(r"\d{3}", after)
        ):
            if whole:
                decimal_mark = None
            elif decimal_mark == ",":
                raise _ambiguous_comma(typed, sign, before, after)
    else:
        decimal_mark = None  # a comma or point several times groups thousands
    integer, _mark, fraction = body.partition(decimal_mark) if decimal_mark else (body, "", "")
    separators = {ch for ch in integer if not ch.isdigit()}
    if (
        len(separators) > 1
        or not separators <= {",", ".", ARABIC_THOUSANDS}
        or not re.fullmatch(r"\d*", fraction)
    ):
        return None  # 1_000, 12'345 …: no way of grouping thousands read here
    if separators:
        grouped = integer.replace(separators.pop(), ",")
        if not _GROUPED.fullmatch(grouped):
            return None  # thousands grouped by three only (not 12,34,567)
        integer = grouped.replace(",", "")
    if not re.fullmatch(r"\d*", integer) or not (integer or fraction):
        return None
    return _finite(f"{sign}{integer or '0'}" + (f".{fraction}" if fraction else ""))


def _finite(text: str) -> Decimal | None:
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def number_text(text: str, *, whole: bool) -> str:
    """A number typed in a cell as the plain text every reader of numbers takes (``1234.5``),
    or ``text`` unchanged when it is no number (for the field's own refusal); raises
    ``AmbiguousValue``."""
    number = read_number(text, whole=whole)
    return text.strip() if number is None else str(number)


# --- Dates --------------------------------------------------------------------------------

_DAY_MONTH = re.compile(r"(\d{1,2})([./-])(\d{1,2})\2(\d{4})")
_YEAR_FIRST = re.compile(r"(\d{4})([./])(\d{1,2})\2(\d{1,2})")


@dataclass(frozen=True)
class DateOrder:
    """What the dates of one column say of the order of day and month: ``day_first`` True,
    False, or None when none settles it; ``conflict`` the rows of a date written day first
    and of one written month first, when the column has both."""

    day_first: bool | None = None
    conflict: tuple[int, int] | None = None


def date_orders(rows: Sequence[Sequence[Any]], *, first_line: int) -> dict[int, DateOrder]:
    """The order of day and month in each column of ``rows`` (the first one is row
    ``first_line`` of the file), as its dates written as text settle it."""
    day_first: dict[int, int] = {}  # column → first row showing the day first
    month_first: dict[int, int] = {}
    for line, row in enumerate(rows, start=first_line):
        for column, value in enumerate(row):
            if not isinstance(value, str):
                continue
            found = _DAY_MONTH.fullmatch(ascii_digits(value.strip()))
            if found is None:
                continue
            first, second = int(found[1]), int(found[3])
            if first > 12 >= second:
                day_first.setdefault(column, line)
            elif second > 12 >= first:
                month_first.setdefault(column, line)
    orders: dict[int, DateOrder] = {}
    for column in day_first.keys() | month_first.keys():
        if column in day_first and column in month_first:
            orders[column] = DateOrder(conflict=(day_first[column], month_first[column]))
        else:
            orders[column] = DateOrder(day_first=column in day_first)
    return orders


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def read_date(text: str, order: DateOrder | None = None) -> date | None:
    """The date written in ``text`` (rules in the module's docstring), None when it is no date
    in a form read; raises ``AmbiguousValue`` when the cell and its column (``order``, from
    ``date_orders``) leave the order of day and month open or contradict each other."""
    typed = text.strip()
    value = ascii_digits(typed)
    if len(value) > 10 and value[10] in "T ":
        value = value[:10]  # a date and time: the date
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    found = _YEAR_FIRST.fullmatch(value)
    if found is not None:
        return _date(int(found[1]), int(found[3]), int(found[4]))
    found = _DAY_MONTH.fullmatch(value)
    if found is None:
        return None
    first, second, year = int(found[1]), int(found[3]), int(found[4])
    if order is not None and order.conflict is not None:
        raise AmbiguousValue(
            _(
                "The dates of this column are written day first (row %(day_row)s) and month "
                "first (row %(month_row)s): write them as YYYY-MM-DD."
            )
            % {"day_row": order.conflict[0], "month_row": order.conflict[1]}
        )
    if first > 12 or first == second:
        day_first: bool | None = True
    elif second > 12:
        day_first = False
    else:
        day_first = order.day_first if order is not None else None
    if day_first is None:
        raise AmbiguousValue(
            _("“%(value)s” could be %(day_first)s or %(month_first)s: write it as YYYY-MM-DD.")
            % {
                "value": typed,
                "day_first": date(year, second, first).isoformat(),
                "month_first": date(year, first, second).isoformat(),
            }
        )
    return _date(year, second, first) if day_first else _date(year, first, second)
