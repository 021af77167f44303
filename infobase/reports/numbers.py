"""Numbers and dates as a report in a given language writes them.

UN documents in every language, Arabic included, use the digits 0–9 (CLDR's "latn" numbering
system); separators and the percent sign follow the language (CLDR through Babel).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal

from infobase.reports.blocks import Number


def babel_locale(lang: str) -> Locale:
    if lang == "zh-hans":
        return Locale("zh", script="Hans")
    return Locale.parse(lang)


def integer(value: Number | None, lang: str) -> str:
    if value is None:
        return "—"
    return format_decimal(int(value), format="#,##0", locale=babel_locale(lang))


def number(value: Number | None, lang: str, digits: int = 1) -> str:
    if value is None:
        return "—"
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    return format_decimal(Decimal(str(value)), format=pattern, locale=babel_locale(lang))


def percent(value: Number | None, lang: str, digits: int = 0) -> str:
    """A share already in percent (0–100)."""
    if value is None:
        return "—"
    text = number(value, lang, digits)
    # CLDR's sign for the language (for Arabic it carries the marks that keep it after the
    # number in right-to-left text); French separates it with a narrow no-break space.
    symbol = babel_locale(lang).number_symbols["latn"]["percentSign"]
    return f"{text}\u202f{symbol}" if lang == "fr" else f"{text}{symbol}"


def long_date(value: date | None, lang: str) -> str:
    if value is None:
        return ""
    # UN English documents write "8 October 2008"; the other languages use CLDR's long form.
    pattern = "d MMMM y" if lang == "en" else "long"
    return format_date(value, format=pattern, locale=babel_locale(lang))


def share(part: int, whole: int) -> Decimal | None:
    """part / whole in percent, one decimal, rounded half-even; None when whole is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))
