"""A report as a print-quality PDF (WeasyPrint): A4, UN document header, page numbers,
footnotes. Fonts come from the project's static files; nothing is fetched from the network."""

from __future__ import annotations

import hashlib
import re
import zlib
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import pydyf
from django.conf import settings
from weasyprint import CSS, HTML
from weasyprint.css.counters import CounterStyle
from weasyprint.html import UA_FORM_STYLESHEET, UA_STYLESHEET
from weasyprint.urls import URLFetcher, URLFetcherResponse

from infobase.core.collector import collector_paused
from infobase.core.i18n import is_rtl
from infobase.reports.blocks import ReportDocument
from infobase.reports.print_layout import decoded_font
from infobase.reports.render_html import print_page

HERE = Path(__file__).resolve().parent
FONTS_DIR = Path(settings.BASE_DIR) / "core" / "static" / "infobase" / "fonts"
CSS_FILES = (
    FONTS_DIR / "fonts.css",
    HERE / "static" / "reports" / "report.css",
    HERE / "static" / "reports" / "print.css",
)
# Right-to-left documents carry the running symbol at the top left, as UN Arabic documents do.
RTL_PAGE = (
    "@page { @top-right { content: none; } "
    '@top-left { content: string(symbol); font: 700 9pt "Infobase Sans", sans-serif; } } '
    "@page :first { @top-left { content: none; } }"
)


class LocalFilesOnly(URLFetcher):
    """Fetch only files under the project's own directories: no network, no other files."""

    roots = (Path(settings.BASE_DIR).resolve(),)

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"file"}, fail_on_errors=True)

    def fetch(self, url: str, headers: Any = None) -> Any:
        path = Path(url.removeprefix("file://").split("?")[0]).resolve()
        if not any(path.is_relative_to(root) for root in self.roots):
            raise ValueError(f"refused to fetch {url}")
        if path.suffix == ".woff2":
            return URLFetcherResponse(url, body=decoded_font(path, path.stat().st_mtime_ns))
        return super().fetch(url, headers)


# zlib's default level: pydyf's level 9 spends a tenth of a second on each of the object and
# cross-reference streams of a tagged report (20,000 structure elements), for files 3 % smaller.
COMPRESSION_LEVEL = 6

# The two replacements below apply to every PDF pydyf writes in the process (the chart pictures
# of raster.py too): same objects, written with less work. They reach into pydyf's internals, so
# they are made only for the version they were written and checked against (pinned in
# pyproject.toml); another version writes the same PDF the slower way.
PYDYF_VERSION = "0.13.0"


class _Zlib:
    """What pydyf uses of ``zlib`` (its own object and cross-reference streams), at
    ``COMPRESSION_LEVEL``."""

    compress = staticmethod(zlib.compress)

    @staticmethod
    def compressobj(level: int = COMPRESSION_LEVEL) -> Any:
        return zlib.compressobj(COMPRESSION_LEVEL)


_PAGE_REFERENCES = pydyf.PDF.page_references


def _page_references(pdf: pydyf.PDF) -> tuple[bytes, ...]:
    """The references of the pages, built again only when a page was added: WeasyPrint asks for
    them for each structure element of a tagged PDF (20,000 of a report), and pydyf builds the
    whole tuple each time."""
    count = len(pdf.pages["Kids"])
    cached = pdf.__dict__.get("_infobase_page_references")
    if cached is None or cached[0] != count:
        cached = (count, _PAGE_REFERENCES.fget(pdf))
        pdf.__dict__["_infobase_page_references"] = cached
    return cached[1]


TUNED = pydyf.__version__ == PYDYF_VERSION and isinstance(_PAGE_REFERENCES, property)
if TUNED:
    pydyf.zlib = _Zlib
    pydyf.PDF.page_references = property(_page_references)


def compress_once(document: Any, pdf: pydyf.PDF) -> None:
    """Compress the PDF's streams now, once (a WeasyPrint ``finisher``): with an identifier,
    pydyf serializes and compresses every object twice, once to write it and once to hash it
    for the identifier."""
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Stream) and obj.compress:
            # As pydyf's Stream.data joins them, then compresses.
            raw = b"\n".join(pydyf._to_bytes(item) for item in obj.stream)
            obj.stream = [zlib.compress(raw, COMPRESSION_LEVEL)]
            obj.extra["Filter"] = "/FlateDecode"
            obj.compress = False


# WeasyPrint's user-agent stylesheet gives every element of the page its marker, footnote and
# note pseudo-elements (``::marker { … }``), each then cascaded and computed: six styles more for
# each table cell. The print page's list items (li), footnotes (.rc-fn) and no notes need them.
UA_SCOPES = (
    (r"^::marker \{", "li::marker, summary::marker {"),
    (r"^::footnote-call \{", ".rc-fn::footnote-call {"),
    (r"^::footnote-marker \{", ".rc-fn::footnote-marker {"),
    (r"^::note-(call|marker|callback) \{[^}]*\}\n", ""),
)


@lru_cache(maxsize=1)
def user_agent_stylesheet() -> CSS:
    """WeasyPrint's user-agent stylesheet with the pseudo-elements of ``UA_SCOPES`` given only
    to the elements that use them; WeasyPrint's own if one of them is not found (another
    version: slower, not different)."""
    text = (files("weasyprint") / "css" / "html5_ua.css").read_text(encoding="utf-8")
    for pattern, replacement in UA_SCOPES:
        text, count = re.subn(pattern, replacement, text, flags=re.M)
        if count != (3 if replacement == "" else 1):
            return UA_STYLESHEET
    # Its counter styles are WeasyPrint's own already (``HTML._ua_counter_style``): read into a
    # throwaway set, not declared twice.
    return CSS(string=text, counter_style=CounterStyle())


class PrintHTML(HTML):
    """The print page, with ``user_agent_stylesheet``."""

    def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
        sheet = user_agent_stylesheet()
        return [sheet, UA_FORM_STYLESHEET] if forms else [sheet]


def stylesheet(lang: str) -> str:
    css = "\n".join(path.read_text(encoding="utf-8") for path in CSS_FILES)
    return css + ("\n" + RTL_PAGE if is_rtl(lang) else "")


def render_pdf(document: ReportDocument) -> bytes:
    page = print_page(document, css=stylesheet(document.lang))
    # The same document gives the same bytes: a fixed identifier derived from the page.
    identifier = hashlib.sha256(page.encode()).hexdigest()[:32].encode()
    with collector_paused():
        return PrintHTML(
            string=page, base_url=str(FONTS_DIR) + "/", url_fetcher=LocalFilesOnly()
        ).write_pdf(
            pdf_identifier=identifier,
            pdf_tags=True,
            finisher=compress_once if TUNED else None,
        )
