"""A report as a print-quality PDF (WeasyPrint): A4, UN document header, page numbers,
footnotes. Fonts come from the project's static files; nothing is fetched from the network."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.conf import settings
from weasyprint import HTML
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


def stylesheet(lang: str) -> str:
    css = "\n".join(path.read_text(encoding="utf-8") for path in CSS_FILES)
    return css + ("\n" + RTL_PAGE if is_rtl(lang) else "")


def render_pdf(document: ReportDocument) -> bytes:
    page = print_page(document, css=stylesheet(document.lang))
    # The same document gives the same bytes: a fixed identifier derived from the page.
    identifier = hashlib.sha256(page.encode()).hexdigest()[:32].encode()
    with collector_paused():
        return HTML(
            string=page, base_url=str(FONTS_DIR) + "/", url_fetcher=LocalFilesOnly()
        ).write_pdf(pdf_identifier=identifier, pdf_tags=True)
