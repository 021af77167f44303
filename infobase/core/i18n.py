"""Language helpers shared by views, jobs, e-mails and reports (pretix style)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation

# Column suffix used for each UI language in translated model fields (``name_zh`` …).
FIELD_SUFFIX = {"ar": "ar", "zh-hans": "zh", "en": "en", "fr": "fr", "ru": "ru", "es": "es"}
FIELD_LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")
FALLBACK_SUFFIX = "en"


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


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


class TranslatedFieldsMixin:
    """For models with one column per language: ``name_ar``, ``name_zh`` … ``name_es``."""

    def translated(self, field: str, language_code: str | None = None) -> Translated:
        suffix = field_suffix(language_code)
        value = getattr(self, f"{field}_{suffix}", "") or ""
        if value:
            return Translated(value, suffix, is_fallback=False)
        fallback = getattr(self, f"{field}_{FALLBACK_SUFFIX}", "") or ""
        return Translated(fallback, FALLBACK_SUFFIX, is_fallback=suffix != FALLBACK_SUFFIX)
