"""Pictures of charts and maps for Word and Excel.

The chart's HTML (``charts``) is laid out by WeasyPrint, as in the PDF, so Arabic and Chinese
labels are shaped and ordered correctly, then the page is rasterized with PDFium and cropped.
"""

from __future__ import annotations

import io

import pypdfium2 as pdfium
from PIL import Image, ImageChops
from weasyprint import HTML

from infobase.core.i18n import is_rtl
from infobase.reports.render_pdf import FONTS_DIR, LocalFilesOnly, stylesheet

DPI = 150
WIDTH_MM = 165  # the text width of an A4 page with the report's margins


def png(fragment: str, lang: str, *, width_mm: int = WIDTH_MM) -> bytes:
    """A cropped PNG of an HTML fragment (a chart, heat table or map) at ``DPI``."""
    direction = "rtl" if is_rtl(lang) else "ltr"
    page = (
        f'<!DOCTYPE html><html lang="{lang}" dir="{direction}"><head><meta charset="utf-8">'
        f"<style>{stylesheet(lang)}\n@page {{ size: {width_mm}mm 400mm; margin: 2mm; "
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
