"""Reads of the published reports, as the public pages show them: a title in the interface
language and, per language, the files in each format, named in the interface language
("Arabic — PDF")."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import get_language, get_language_info, pgettext_lazy
from django.utils.translation import gettext as _

from infobase.core.i18n import language_codes
from infobase.reports.models import Publication, PublicationFile

FORMAT_NAMES = {
    "html": pgettext_lazy("file format", "Web page"),
    "pdf": pgettext_lazy("file format", "PDF"),
    "docx": pgettext_lazy("file format", "Word"),
    "xlsx": pgettext_lazy("file format", "Excel"),
}
FORMAT_ORDER = ("pdf", "docx", "html", "xlsx")


@dataclass(frozen=True)
class PublishedFile:
    fmt: str
    label: str  # "Arabic — PDF" in the interface language
    format_name: str
    url: str
    size: int


@dataclass(frozen=True)
class PublishedLanguage:
    code: str  # the report's language (a UI language code)
    name: str  # its name in the interface language
    files: list[PublishedFile]


@dataclass(frozen=True)
class PublishedReport:
    publication: Publication
    languages: list[PublishedLanguage]

    @property
    def title(self) -> str:
        """The title in the interface language, else in English (plain text, for ``<title>``)."""
        titles = self.publication.title or {}
        active = (get_language() or "en").split("-")[0]
        return titles.get(active) or titles.get("en") or str(self.publication)


def language_name(code: str) -> str:
    """A language's name in the interface language ("Arabic", «العربية»)."""
    return str(get_language_info(code)["name_translated"])


def _languages(publication: Publication, files: list[PublicationFile]) -> list[PublishedLanguage]:
    order = language_codes()
    by_lang: dict[str, list[PublicationFile]] = {}
    for item in files:
        by_lang.setdefault(item.run.lang, []).append(item)
    out = []
    for code in sorted(by_lang, key=lambda c: order.index(c) if c in order else len(order)):
        name = language_name(code)
        items = sorted(
            by_lang[code],
            key=lambda f: FORMAT_ORDER.index(f.run.fmt) if f.run.fmt in FORMAT_ORDER else 99,
        )
        out.append(
            PublishedLanguage(
                code=code,
                name=name,
                files=[
                    PublishedFile(
                        fmt=f.run.fmt,
                        label=_("%(language)s — %(format)s")
                        % {"language": name, "format": FORMAT_NAMES.get(f.run.fmt, f.run.fmt)},
                        format_name=str(FORMAT_NAMES.get(f.run.fmt, f.run.fmt)),
                        url=reverse("reports:publication_file", args=[publication.pk, f.run.pk]),
                        size=f.run.size or 0,
                    )
                    for f in items
                ],
            )
        )
    return out


def standing() -> QuerySet[Publication]:
    """The publications not withdrawn (the one rule of what is published)."""
    return Publication.objects.filter(withdrawn=False)


def published() -> QuerySet[Publication]:
    """``standing`` publications with their files, as the public pages list them."""
    return standing().prefetch_related("files__run")


def published_report(publication: Publication) -> PublishedReport:
    return PublishedReport(publication, _languages(publication, list(publication.files.all())))


def published_rows() -> list[PublishedReport]:
    return [published_report(p) for p in published()]
