"""Language helpers shared by views, jobs, e-mails and reports (pretix style)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.utils import translation
from django.utils.safestring import SafeString

# Column suffix used for each UI language in translated model fields (``name_zh`` …).
FIELD_SUFFIX = {"ar": "ar", "zh-hans": "zh", "en": "en", "fr": "fr", "ru": "ru", "es": "es"}
FIELD_LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")
FALLBACK_SUFFIX = "en"


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def language_of_address(address: str, *, onward: bool = True) -> str | None:
    """The language an address asks for (``?lang=ar``), else, with ``onward``, that of the
    page its ``next`` leads to: the sign-in page met on the way to ``/needs/?lang=ar``."""
    query = parse_qsl(urlsplit(address).query)
    chosen = next((value for name, value in reversed(query) if name == "lang"), None)
    if chosen in language_codes():
        return chosen
    then = next((value for name, value in reversed(query) if name == "next"), None)
    return language_of_address(then, onward=False) if onward and then else None


def address_without_language(address: str) -> str:
    """The address without the language it asks for, in itself or in its ``next``: where the
    language switch leads back, so that the language chosen is the one shown."""
    parts = urlsplit(address)
    if not any(name in ("lang", "next") for name, _value in parse_qsl(parts.query)):
        return address  # as it is: taken apart and put together, "///x" would become "/x"
    query = [
        (name, address_without_language(value) if name == "next" else value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if name != "lang"
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))


# First-strong isolate and its end: a column's name in Latin letters, followed by a message that
# starts with a value in Latin letters («iso3»: «XXX» …), would otherwise run together in Arabic
# into one left-to-right stretch and read backwards (the value before its column).
FSI, PDI = "\u2068", "\u2069"


def isolated(text: str) -> str:
    """``text`` set apart from the words around it in a right-to-left language (plain text:
    messages, cells; pages use the ``bdi`` filter)."""
    return f"{FSI}{text}{PDI}" if translation.get_language_bidi() else text


def in_page_direction(text: str) -> str:
    """``text`` isolated in the page's direction in a right-to-left language (plain text
    mixing scripts, whose first strong character should not set its direction)."""
    return f"\u2067{text}{PDI}" if translation.get_language_bidi() else text


def is_rtl(language_code: str | None = None) -> bool:
    code = language_code or translation.get_language() or settings.LANGUAGE_CODE
    return code.split("-")[0] in settings.LANGUAGES_RTL


def field_suffix(language_code: str | None = None) -> str:
    code = (language_code or translation.get_language() or settings.LANGUAGE_CODE).lower()
    if code in FIELD_SUFFIX:
        return FIELD_SUFFIX[code]
    base = code.split("-")[0]
    return base if base in FIELD_LANGUAGES else FALLBACK_SUFFIX


def html_lang(suffix: str) -> str:
    """The BCP 47 tag to put in ``lang=""`` for a field suffix."""
    return "zh-Hans" if suffix == "zh" else suffix


@contextmanager
def language(code: str | None) -> Iterator[None]:
    """Run a block (a job, an e-mail, a report) in a given language, then restore."""
    previous = translation.get_language()
    translation.activate(code or settings.LANGUAGE_CODE)
    try:
        yield
    finally:
        if previous:
            translation.activate(previous)
        else:
            translation.deactivate()


@dataclass(frozen=True)
class Translated:
    """A value of a translated field in the language asked for, or its visible fallback."""

    text: str
    lang: str
    is_fallback: bool

    def __str__(self) -> str:
        return self.text

    @property
    def html_lang(self) -> str:
        return html_lang(self.lang)

    @property
    def dir(self) -> str:
        return "rtl" if self.lang in settings.LANGUAGES_RTL else "ltr"


def translated_text(text_in: Callable[[str], str], language_code: str | None = None) -> Translated:
    """The text in the language asked for (``text_in``: the text of a field suffix, empty when
    there is none), else the English one, marked as a fallback."""
    suffix = field_suffix(language_code)
    value = text_in(suffix) or ""
    if value:
        return Translated(value, suffix, is_fallback=False)
    fallback = text_in(FALLBACK_SUFFIX) or ""
    return Translated(fallback, FALLBACK_SUFFIX, is_fallback=suffix != FALLBACK_SUFFIX)


class TranslatedFieldsMixin:
    """For models with one column per language: ``name_ar``, ``name_zh`` … ``name_es``."""

    def translated(self, field: str, language_code: str | None = None) -> Translated:
        return translated_text(lambda suffix: getattr(self, f"{field}_{suffix}", ""), language_code)


# --- Dates, numbers and language names in the active (or a given) language ----------------
# Pages use Django's ``date`` filter with the named formats ("DATE_FORMAT"), whose Arabic and
# English forms ``infobase.core.formats`` aligns with the reports' (Babel): one style for a
# language everywhere. Python code (e-mails, exports, labels) uses these helpers.


def format_date(value: date | None, language_code: str | None = None) -> str:
    """A date in the long style of the language: «3 فبراير 2027», "3 February 2027"."""
    if value is None:
        return ""
    from django.utils import formats

    with language(language_code or translation.get_language()):
        return formats.date_format(value, "DATE_FORMAT")


def format_datetime(value: datetime | None, language_code: str | None = None) -> str:
    """A moment in the long style of the language, in the server's time zone."""
    if value is None:
        return ""
    from django.utils import formats, timezone

    if timezone.is_aware(value):
        value = timezone.localtime(value)
    with language(language_code or translation.get_language()):
        return formats.date_format(value, "DATETIME_FORMAT")


def list_separator() -> str:
    """What separates the items of a list in the active language (CLDR's list patterns)."""
    return translation.pgettext("list separator", ", ")


def format_money(amount: Any, currency: str = "", places: str = "2g") -> SafeString | str:
    """An amount of money, written one way on every page (the ``money`` template tag, the
    home page's queues): the number grouped as the reader's language groups it
    (``floatformat``), isolated left to right so that its digits and separators keep their
    order, then its currency code, never wrapped apart from it. The code follows the number
    in the sentence's direction, as CLDR's currency patterns place it: on the right in
    English, on the left on an Arabic page (read after the number there too). The whole is
    an isolate in the page's direction (``dir``), so that a Latin word before it (a donor's
    name) cannot carry the code over to the number's other side. No amount: a dash."""
    from django.template.defaultfilters import floatformat
    from django.utils.html import format_html

    if amount is None or amount == "":
        return "—"
    number = floatformat(amount, places)
    if not currency:
        return format_html('<bdi dir="ltr">{}</bdi>', number)
    return format_html(
        '<span class="money" dir="{}"><bdi dir="ltr">{}</bdi>\N{NO-BREAK SPACE}{}</span>',
        "rtl" if translation.get_language_bidi() else "ltr",
        number,
        currency,
    )


def babel_locale_name(language_code: str | None = None) -> str:
    code = (language_code or translation.get_language() or settings.LANGUAGE_CODE).lower()
    return "zh_Hans" if code.startswith("zh") else code.split("-")[0]


def currency_name(code: str, fallback: str = "", language_code: str | None = None) -> str:
    """A currency's name in the reader's language (CLDR's, through Babel), else ``fallback``
    (the IATI codelist's name, in English only): «دولار أمريكي», not "US Dollar", on an Arabic
    page."""
    from babel.numbers import get_currency_name

    name = get_currency_name(code, locale=babel_locale_name(language_code))
    return fallback if name == code else name


def format_number(
    value: int | float | Decimal | None, digits: int = 0, language_code: str | None = None
) -> str:
    """A number with the language's separators (Western digits), ``digits`` decimals,
    rounded half up: 10.5 is «10.5» in Arabic, «10,5» in French; None is "—"."""
    if value is None:
        return "—"
    quantum = Decimal(1).scaleb(-digits)
    rounded = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    # Keyed by its text: equal Decimals (0.0 and -0.0) may be written differently.
    return _formatted(str(rounded), digits, babel_locale_name(language_code))


@lru_cache(maxsize=1 << 14)
def _formatted(rounded: str, digits: int, locale: str) -> str:
    # Babel reads the locale and the pattern on every call; the numbers of one page or file
    # (shares, counts) repeat, and a 20,000-row export formats tens of thousands of them.
    from babel.numbers import format_decimal

    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    return str(format_decimal(Decimal(rounded), format=pattern, locale=locale))


# How many decimals every share (a percentage) is written with, on pages, in files and in
# reports (``reports.numbers`` reads it too): one figure reads the same wherever it appears.
PERCENT_DIGITS = 1


def format_share(value: int | float | Decimal | None, language_code: str | None = None) -> str:
    """A share of 0–1 as the number of percent, ``PERCENT_DIGITS`` decimals rounded half up
    (0.125 is «12.5»); the sentence around it writes the sign."""
    if value is None:
        return "—"
    return format_number(Decimal(str(value)) * 100, PERCENT_DIGITS, language_code)


def format_percent(
    value: int | float | Decimal | None,
    digits: int = PERCENT_DIGITS,
    language_code: str | None = None,
) -> str:
    """A figure already in percent (0–100) with the language's percent sign as CLDR writes
    it (its percent pattern), on pages and in reports alike: «31.9%» in English, «31,9 %» in
    French, Spanish and Russian (a no-break space), «31.9‎%‎» in Arabic (marks that keep the
    sign after the number in right-to-left text); ``digits`` decimals rounded half up; None
    is "—"."""
    if value is None:
        return "—"
    before, after = _percent_affixes(babel_locale_name(language_code))
    return f"{before}{format_number(value, digits, language_code)}{after}"


def format_share_percent(
    value: int | float | Decimal | None, language_code: str | None = None
) -> str:
    """A share of 0–1 as a percentage by ``format_percent`` (0.319 is «31.9%»)."""
    if value is None:
        return "—"
    return format_percent(Decimal(str(value)) * 100, PERCENT_DIGITS, language_code)


def format_percent_range(low: int, high: int, language_code: str | None = None) -> str:
    """A class of percentages, «20–40%» («20–40 %» in French), for a map's legend on pages
    and in reports alike."""
    return f"{format_number(low, 0, language_code)}–{format_percent(high, 0, language_code)}"


@lru_cache(maxsize=16)
def _percent_affixes(locale: str) -> tuple[str, str]:
    """What CLDR writes before and after the number of a percentage in ``locale`` (its
    percent pattern, "#,##0\u00a0%" in French), the sign as the Latin-digit numbering system
    writes it («\u200e%\u200e» in Arabic)."""
    from babel import Locale

    data = Locale.parse(locale)
    pattern = str(data.percent_formats[None].pattern).split(";")[0]
    sign = str(data.number_symbols["latn"]["percentSign"])
    digits = [i for i, c in enumerate(pattern) if c in "#0"]
    before, after = pattern[: digits[0]], pattern[digits[-1] + 1 :]
    return before.replace("%", sign), after.replace("%", sign)


def language_name(code: str | None) -> str:
    """A language's name in the interface language («العربية» for "ar" in Arabic); the code
    itself when it is no language Django knows."""
    if not code:
        return ""
    lookup = {"zh": "zh-hans"}.get(code.lower(), code.lower())
    try:
        return str(translation.get_language_info(lookup)["name_translated"])
    except KeyError:
        return code


@dataclass(frozen=True)
class InterfaceText:
    """A text held in some languages, chosen for the interface language."""

    text: str
    code: str  # the language shown (a field suffix: "ar", "zh", "en" …)
    is_fallback: bool
    originals: tuple[str, ...]  # when a fallback: the languages the text is held in besides it

    @property
    def html_lang(self) -> str:
        return html_lang(self.code)

    @property
    def dir(self) -> str:
        return "rtl" if self.code in settings.LANGUAGES_RTL else "ltr"


def text_for_interface(texts: dict[str, str] | None) -> InterfaceText | None:
    """The text in the interface language when it is held; otherwise in English, marked as a
    fallback with the languages it is held in (never another language first)."""
    held = {
        FIELD_SUFFIX.get(code.lower(), code.lower().split("-")[0]): text
        for code, text in (texts or {}).items()
        if text
    }
    if not held:
        return None
    active = field_suffix()
    if active in held:
        return InterfaceText(held[active], active, False, ())
    shown = FALLBACK_SUFFIX if FALLBACK_SUFFIX in held else next(iter(held))
    others = tuple(c for c in FIELD_LANGUAGES if c in held and c != shown)
    return InterfaceText(held[shown], shown, True, others)


def pick_label(labels: dict[str, str] | None, *, default: str = "en") -> tuple[str, str]:
    """The text for the active language, else the form's default, else English, else any.

    Returns ``(text, language code of the text)``.
    """
    labels = labels or {}
    active = (translation.get_language() or "en").split("-")[0]
    for code in (active, default, "en"):
        if labels.get(code):
            return labels[code], code
    for code, text in labels.items():
        if text:
            return text, code
    return "", active
