"""The order of names in the reader's language: the Unicode Collation Algorithm.

One rule for every list of names a reader goes through (States in a picker, on a page, in a
file): the Unicode Collation Algorithm with the default table (DUCET, ``pyuca``), so that
«Égypte» comes between «Danemark» and «Espagne» and Cyrillic or Arabic names follow their own
alphabet, with what CLDR changes for a language where it changes the letters:

- Arabic: the forms of alef and the hamza carriers are one letter, «ة» goes with «ت» and «ى»
  with «ي» (CLDR's Arabic tailoring); and, as the UN's Arabic lists of States do, a name's
  leading article «ال» is set aside (اليمن under ي, not among every name in «ال»);
- Spanish: «ñ» is a letter after «n» (CLDR's Spanish tailoring).

Chinese names follow the default table's order of ideographs (radical and strokes), not pinyin,
which would need CLDR's pinyin table. The order never depends on the database's collation:
lists are sorted in Python, the same on SQLite and PostgreSQL, and names equal in every level
fall back to their code points, so the order is total and stable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TypeVar

from infobase.core.i18n import field_suffix

T = TypeVar("T")

# At the first level only; the names' own letters then break ties (أ after ا, ة before ت).
_ARABIC_LETTERS = str.maketrans(
    {"ء": "ا", "أ": "ا", "ؤ": "ا", "إ": "ا", "ئ": "ا", "ٱ": "ا", "آ": "ا", "ة": "ت", "ى": "ي"}
)
_ARABIC_ARTICLE = "ال"
# A noncharacter's implicit weight is above every letter's: «ñ» sorts after «nz».
_AFTER_EVERY_LETTER = "\U0010ffff"
_SPANISH_LETTERS = str.maketrans({"ñ": "n" + _AFTER_EVERY_LETTER, "Ñ": "N" + _AFTER_EVERY_LETTER})

Key = tuple[tuple[int, ...], tuple[int, ...], str]


@lru_cache(maxsize=1)
def _collator() -> object:
    import pyuca

    return pyuca.Collator()


def _ucakey(text: str) -> tuple[int, ...]:
    return tuple(_collator().sort_key(text))  # type: ignore[attr-defined]


def _tailored(text: str, suffix: str) -> str:
    if suffix == "ar":
        first, _space, rest = text.partition(" ")
        if first.startswith(_ARABIC_ARTICLE) and len(first) > len(_ARABIC_ARTICLE) + 1:
            text = f"{first[len(_ARABIC_ARTICLE) :]} {rest}".rstrip()
        return text.translate(_ARABIC_LETTERS)
    if suffix == "es":
        return text.translate(_SPANISH_LETTERS)
    return text


@lru_cache(maxsize=1 << 12)
def _key(text: str, suffix: str) -> Key:
    return (_ucakey(_tailored(text, suffix)), _ucakey(text), text)


def collation_key(text: str, language_code: str | None = None) -> Key:
    """What orders ``text`` among names in a language (the active one unless given)."""
    return _key(text or "", field_suffix(language_code))


def sorted_by_name(
    items: Iterable[T], name: Callable[[T], str], *, language_code: str | None = None
) -> list[T]:
    """``items`` in the order of their names (``name``) in the reader's language."""
    suffix = field_suffix(language_code)
    return sorted(items, key=lambda item: _key(name(item) or "", suffix))
