"""Pictures of charts and maps for Word and Excel, typeset by the PDF's own template
(``render_pdf``) so that each format shows one picture, Arabic and Chinese labels shaped and
ordered as on paper; cropped to what is drawn."""

from __future__ import annotations

import io

from PIL import Image, ImageChops

from infobase.reports.blocks import BarChart, DocumentMeta, HeatTable, ReportDocument, WorldMap
from infobase.reports.render_pdf import typeset, typst_data

DPI = 150


def png(block: BarChart | HeatTable | WorldMap, lang: str) -> bytes:
    """A cropped PNG of a chart, heat table or map (without its title and notes) at ``DPI``,
    as wide as the text of an A4 page."""
    document = ReportDocument(meta=DocumentMeta(title=block.title), lang=lang, blocks=(block,))
    data = {**typst_data(document), "picture": True}
    image = Image.open(io.BytesIO(typeset(data, fmt="png", ppi=DPI))).convert("RGB")
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
