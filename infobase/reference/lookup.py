"""Finding a State named in an uploaded file: by ISO code or by name in any of the six
languages, folded as every search is (``core.text.fold``), a straight apostrophe the same as a
typographic one, and a name also without the qualifier in brackets the UN puts after it
("Bolivia", "Iran"), and last the names people commonly use in each language ("United Kingdom",
"Syria", "روسيا", "韩国": the Unicode CLDR's territory names, as Babel ships them, and CLDR's
alternative English names that Babel leaves out, "UK", "Turkey": ``data/cldr_alt_territories.csv``).
A name that two
States share (a short name of one that is the formal name of another, say) is ambiguous and never
guessed.

Every import that names States (requests for assistance, questionnaire submissions) uses this one
rule and its messages."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.translation import gettext as _

from infobase.core.text import fold
from infobase.reference.models import State

LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")
FIELDS = (
    "iso3",
    "iso2",
    *(f"{kind}_{lang}" for kind in ("name", "formal_name") for lang in LANGUAGES),
)


# A name typed on a keyboard has a straight apostrophe, one copied from a document or corrected
# by a word processor a typographic one; the names kept hold both ("Côte d’Ivoire", "Lao
# People's Democratic Republic").
_APOSTROPHES = str.maketrans(dict.fromkeys("\u2019\u2018\u02bc\u02b9`\u00b4\u2032", "'"))


def _key(text: str) -> str:
    return fold(text or "").translate(_APOSTROPHES)


def _short(key: str) -> str:
    """A name without the qualifier in brackets the UN puts after it ("bolivia (plurinational
    state of)" is also "bolivia"), or "" when it has none."""
    if key.endswith(")") and " (" in key:
        return key[: key.index(" (")].strip()
    return ""


def _add(index: dict[str, State | None], key: str, state: State) -> None:
    known = index.get(key, state)
    index[key] = state if known == state else None  # None: two States answer to the key


@cache
def _common_names() -> tuple[tuple[str, str], ...]:
    """(ISO alpha-2 code, name) for the names of countries in common use in the six languages:
    the territory names of the Unicode CLDR (``babel.core.get_cldr_version()``), which Babel
    ships with its locale data."""
    from babel import Locale

    return tuple(
        (code, name)
        for language in ("ar", "zh_Hans", "en", "fr", "ru", "es")
        for code, name in Locale.parse(language).territories.items()
        if len(code) == 2 and code.isalpha()
    )


ALTERNATIVE_NAMES_FILE = Path(__file__).resolve().parent / "data" / "cldr_alt_territories.csv"


@cache
def _alternative_names() -> tuple[tuple[str, str], ...]:
    """(ISO alpha-2 code, name) for CLDR's alternative English names of States (alt="short",
    alt="variant"), which Babel does not ship (source: ``data/SOURCES.md``)."""
    with ALTERNATIVE_NAMES_FILE.open(encoding="utf-8", newline="") as source:
        return tuple((row["iso2"].upper(), row["name_en"]) for row in csv.DictReader(source))


@dataclass(frozen=True)
class Found:
    """The State ``text`` names, or the reason there is none (``problem``, translated)."""

    state: State | None
    problem: str = ""


class StateLookup:
    """An index of every State by folded code and name, built with one query."""

    def __init__(self) -> None:
        self._index: dict[str, State | None] = {}  # None: two States answer to the key
        # Names without their bracketed qualifier, asked only when no name is the same.
        self._short: dict[str, State | None] = {}
        # Common names and their alternatives (CLDR), asked last.
        self._common: dict[str, State | None] = {}
        states = list(State.objects.all())
        for state in states:
            for name in FIELDS:
                key = _key(getattr(state, name, "") or "")
                if not key:
                    continue
                for index, found in ((self._index, key), (self._short, _short(key))):
                    if found:
                        _add(index, found, state)
        by_iso2 = {state.iso2.upper(): state for state in states}
        for code, name in (*_common_names(), *_alternative_names()):
            if code in by_iso2:
                _add(self._common, _key(name), by_iso2[code])

    def find(self, text: str) -> Found:
        key = _key(text)
        index = next((i for i in (self._index, self._short, self._common) if key in i), self._index)
        if key in index and index[key] is None:
            return Found(
                None,
                _("“%(value)s” names more than one State; use the ISO alpha-3 code.")
                % {"value": text},
            )
        state = index.get(key)
        if state is None:
            return Found(None, _("“%(value)s” is not a known State.") % {"value": text})
        return Found(state)
