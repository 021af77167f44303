"""Pictures of charts and maps for Word and Excel.

The chart's HTML (``charts``) is laid out by WeasyPrint with the web page's styles, so Arabic
and Chinese labels are shaped and ordered correctly, then the page is rasterized with PDFium
and cropped.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
from django.conf import settings
from PIL import Image, ImageChops
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from infobase.core.i18n import is_rtl
from infobase.reports.print_layout import decoded_font

HERE = Path(__file__).resolve().parent
FONTS_DIR = Path(settings.BASE_DIR) / "core" / "static" / "infobase" / "fonts"
CSS_FILES = (
    FONTS_DIR / "fonts.css",
    HERE / "static" / "reports" / "report.css",
    HERE / "static" / "reports" / "print.css",
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


def stylesheet() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in CSS_FILES)


DPI = 150
WIDTH_MM = 165  # the text width of an A4 page with the report's margins


def png(fragment: str, lang: str, *, width_mm: int = WIDTH_MM) -> bytes:
    """A cropped PNG of an HTML fragment (a chart, heat table or map) at ``DPI``."""
    direction = "rtl" if is_rtl(lang) else "ltr"
    page = (
        f'<!DOCTYPE html><html lang="{lang}" dir="{direction}"><head><meta charset="utf-8">'
        f"<style>{stylesheet()}\n@page {{ size: {width_mm}mm 400mm; margin: 2mm; "
        "@top-right { content: none } @top-left { content: none } "
        "@bottom-center { content: none } }"
        ".rc-chart { margin: 0 } .rc-chart figcaption, .rc-notes { display: none }</style></head>"
        f'<body class="rc-print"><div class="rc-doc" lang="{lang}" dir="{direction}">'
        f"{fragment}</div></body></html>"
    )
    pdf = HTML(string=page, base_url=str(FONTS_DIR) + "/", url_fetcher=LocalFilesOnly()).write_pdf()
    document = pdfium.PdfDocument(pdf)
    try:
        image = document[0].render(scale=DPI / 72).to_pil().convert("RGB")
    finally:
        document.close()
    background = Image.new("RGB", image.size, (255, 255, 255))
    box = ImageChops.difference(image, background).getbbox()
    if box:
        pad = 8
        image = image.crop(
            (
                max(0, box[0] - pad),
                max(0, box[1] - pad),
                min(image.width, box[2] + pad),
                min(image.height, box[3] + pad),
            )
        )
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()
