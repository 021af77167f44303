"""The text of a PDF's pages, as PDFium reads it (shared by the PDF tests)."""

from __future__ import annotations

import io

import pypdfium2 as pdfium


def page_texts(data: bytes) -> list[str]:
    pdf = pdfium.PdfDocument(io.BytesIO(data))
    try:
        return [page.get_textpage().get_text_range() for page in pdf]
    finally:
        pdf.close()
