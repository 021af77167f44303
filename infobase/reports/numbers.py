"""Numbers and dates as a report in a given language writes them.

UN documents in every language, Arabic included, use the digits 0–9 (CLDR's "latn" numbering
system); separators and the percent sign follow the language (CLDR through Babel).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from babel import Locale
from babel.dates import format_date

# Shares are written with PERCENT_DIGITS decimals, on pages and files as in reports.
from infobase.core.i18n import PERCENT_DIGITS as PERCENT_DIGITS
from infobase.core.i18n import format_number, format_percent
from infobase.reports.blocks import Number

T = TypeVar("T")


def round_half_up(value: Number, digits: int = 0) -> Decimal:
    """``value`` rounded half up (away from zero on a tie) to ``digits`` decimals: the one
    rounding rule of every report (2.5 → 3, 0.05 → 0.1, -2.5 → -3)."""
    exponent = Decimal(1).scaleb(-digits)
    return Decimal(str(value)).quantize(exponent, rounding=ROUND_HALF_UP)


def rounded_total(values: Sequence[Number | None], digits: int = 0) -> Decimal:
    """The total of rows as they are shown: the sum of each row rounded half up, so the shown
    rows add up to the shown total."""
    return sum((round_half_up(v, digits) for v in values if v is not None), Decimal(0))


def top_with_ties(items: Sequence[T], n: int, *, key: Callable[[T], Any]) -> list[T]:
    """The first ``n`` of ``items`` (already sorted, best first) and every further item tied
    with the ``n``-th on ``key``: a top ten never cuts through a tie."""
    if len(items) <= n or n <= 0:
        return list(items) if n > 0 else []
    last = key(items[n - 1])
    end = n
    while end < len(items) and key(items[end]) == last:
        end += 1
    return list(items[:end])


def babel_locale(lang: str) -> Locale:
    if lang == "zh-hans":
        return Locale("zh", script="Hans")
    return Locale.parse(lang)


def integer(value: Number | None, lang: str) -> str:
    """A whole number as pages write it (``core.i18n.format_number``): rounded half up, never
    truncated (18,324,678.6 is written 18,324,679)."""
    return format_number(value, 0, lang)


def number(value: Number | None, lang: str, digits: int = 1) -> str:
    """A number with ``digits`` decimals as pages write it (``core.i18n.format_number``)."""
    return format_number(value, digits, lang)


def percent(value: Number | None, lang: str, digits: int = PERCENT_DIGITS) -> str:
    """A share already in percent (0–100), with the reports' one number of decimals unless a
    figure that is no share (a chosen level such as "80 %") asks for another; written by the
    pages' rule (``core.i18n.format_percent``)."""
    return format_percent(value, digits, lang)


def long_date(value: date | None, lang: str) -> str:
    if value is None:
        return ""
    # UN English documents write "8 October 2008"; the other languages use CLDR's long form.
    pattern = "d MMMM y" if lang == "en" else "long"
    return format_date(value, format=pattern, locale=babel_locale(lang))


def share(part: int, whole: int) -> Decimal | None:
    """part / whole in percent, ``PERCENT_DIGITS`` decimals, rounded half up; None when whole
    is 0."""
    if not whole:
        return None
    return round_half_up(Decimal(part) * 100 / Decimal(whole), PERCENT_DIGITS)
