"""A report as a print-quality PDF, typeset by Typst: A4, the UN document header, running
symbol, page numbers, footnotes, tables that break across pages with their header repeated;
tagged (headings, paragraphs, tables with header cells, the map's alternative text) with the
document's language, so that screen readers can read it. Fonts are the project's own files;
nothing is fetched from the network or read from the system.

The layout lives in ``templates/reports/report.typ``; this module hands it the document as
data (JSON), never as markup, so that no text of a report can change the layout. Typst lays
out a world-scale report (8,000 table cells) in well under a second where an HTML-to-PDF
engine took several: see ``benchmarks/analytical_world.py``.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tempfile
import threading
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

import pikepdf
from django.conf import settings
from django.utils.translation import gettext as _

from infobase.core.i18n import is_rtl
from infobase.reports import numbers
from infobase.reports.blocks import (
    BarChart,
    Definitions,
    Heading,
    HeatTable,
    PageBreak,
    Paragraph,
    Quote,
    ReportDocument,
    Table,
    WorldMap,
)
from infobase.reports.charts import (
    bar_rows,
    has_legend,
    heat_colour,
    map_legend,
    map_scale,
    map_states,
)
from infobase.reports.outline import numbered
from infobase.reports.print_layout import (
    CELL_PADDING_PT,
    TEXT_WIDTH_PT,
    PrintTable,
    decoded_font,
    print_tables,
    too_wide,
)
from infobase.reports.render_html import cell, distribution_lines
from infobase.reports.worldmap import svg

TEMPLATE = Path(__file__).resolve().parent / "templates" / "reports" / "report.typ"
FONTS_DIR = Path(settings.BASE_DIR) / "core" / "static" / "infobase" / "fonts"
FONT_FILES = (
    "noto-sans-regular.woff2",
    "noto-sans-bold.woff2",
    "noto-naskh-arabic-regular.woff2",
    "noto-naskh-arabic-bold.woff2",
    "noto-sans-cjk-sc-regular.woff2",
    "noto-sans-cjk-sc-bold.woff2",
    "noto-sans-math-regular.woff2",
)
# The families inside those files, in the order a language looks for a character. Every
# language looks in all of them: a character is printable when any of them has its glyph.
SANS, ARABIC, CJK, MATH = "Noto Sans", "Noto Naskh Arabic", "Noto Sans CJK SC", "Noto Sans Math"
# Mathematical signs come from one face (the CJK one has a few of them) except in Chinese.
FAMILIES = {"ar": (ARABIC, SANS, MATH, CJK), "zh-hans": (CJK, SANS, ARABIC, MATH)}
OTHER_FAMILIES = (SANS, MATH, ARABIC, CJK)
# Shown for a character no report font can draw (an emoji in a State's answer, say): PDF/UA
# refuses a glyph the fonts lack, and one such character must not stop a whole report.
REPLACEMENT = "\ufffd"
# Typst's language tags: the text language decides shaping, hyphenation and direction.
TYPST_LANGUAGES = {"zh-hans": "zh"}


def typst_language(code: str) -> str:
    return TYPST_LANGUAGES.get(code, code.split("-")[0])


LONG_TABLE_ROWS = 16  # a printed table this long may break across pages; a shorter one not

_lock = threading.Lock()


def font_folder() -> Path:
    """The report fonts decoded from WOFF2 to the OpenType files Typst reads, in a folder of
    their own under the var directory (decoding the Chinese faces takes about a second): made
    once, whole or not at all, and anew when a font file changes."""
    sources = [FONTS_DIR / name for name in FONT_FILES]
    key = hashlib.sha256(
        "".join(f"{p.name}:{p.stat().st_mtime_ns};" for p in sources).encode()
    ).hexdigest()[:16]
    parent = Path(settings.VAR_DIR) / "report-fonts"
    folder = parent / key
    if not folder.exists():
        parent.mkdir(parents=True, exist_ok=True)
        making = Path(tempfile.mkdtemp(dir=parent, prefix=".making-"))
        for source in sources:
            data = decoded_font(source, source.stat().st_mtime_ns)
            (making / f"{source.stem}.otf").write_bytes(data)
        try:
            making.rename(folder)
        except OSError:  # another process made it first
            shutil.rmtree(making, ignore_errors=True)
    return folder


@cache
def _compiler() -> Any:
    """One Typst compiler per process, holding the fonts read once. Typst is imported here:
    commands and web workers start without it."""
    import typst

    fonts = typst.Fonts(
        include_system_fonts=False,
        include_embedded_fonts=False,
        font_paths=[str(font_folder())],
    )
    # The template's directory is the root: the template reads no file, and cannot.
    return typst.Compiler(font_paths=fonts, ignore_system_fonts=True, root=TEMPLATE.parent)


def _table_part(part: PrintTable, lang: str) -> dict[str, Any]:
    table = part.table
    rooms = [w * TEXT_WIDTH_PT - CELL_PADDING_PT for w in part.widths]
    wide: dict[tuple[int, str], bool] = {}

    def shown(index: int, text: str) -> str | dict[str, str]:
        """The cell's text; as ``{"t": text}`` where it is to be hyphenated."""
        if not part.hyphenate:
            return text
        key = (index, text)
        if key not in wide:
            wide[key] = too_wide(text, room=rooms[index], lang=lang)
        return {"t": text} if wide[key] else text

    return {
        "k": "t",
        "title": table.title,
        "cols": [{"label": c.label, "kind": c.kind} for c in table.columns],
        "widths": list(part.widths) or None,
        "rows": [[shown(i, text) for i, text in enumerate(row)] for row in part.cells],
        "total": table.total_row,
        "long": len(table.rows) >= LONG_TABLE_ROWS,
        "notes": list(table.notes),
    }


def _table(block: Table, lang: str) -> list[dict[str, Any]]:
    """The table as printed: parts that fit the page (``print_layout``), each with its column
    widths; a cell holding a word wider than its column is hyphenated there only."""
    texts = [
        [cell(v, c, lang) for v, c in zip(row, block.columns, strict=True)] for row in block.rows
    ]
    return [_table_part(part, lang) for part in print_tables(block, texts, lang, fixed=True)]


def _bars(chart: BarChart, lang: str) -> dict[str, Any]:
    return {
        "k": "bars",
        "title": chart.title,
        "stacked": chart.stacked,
        "rows": [
            {
                "label": row.category,
                "segments": [[s.share, s.colour, s.label] for s in row.segments],
                "value": row.total,
            }
            for row in bar_rows(chart, lang)
        ],
        "legend": [[s.colour, s.label] for s in chart.series] if has_legend(chart) else [],
        "notes": list(chart.notes),
    }


def _heat(table: HeatTable, lang: str) -> dict[str, Any]:
    return {
        "k": "heat",
        "title": table.title,
        "cols": list(table.column_labels),
        "rows": [
            {
                "label": label,
                "cells": [[*heat_colour(v), numbers.percent(v, lang)] for v in values],
            }
            for label, values in zip(table.row_labels, table.values, strict=True)
        ],
        "notes": list(table.notes),
    }


def _map(block: WorldMap, lang: str) -> dict[str, Any]:
    scale = map_scale(block)
    states = map_states(block, lang)
    return {
        "k": "map",
        "title": block.title,
        "svg": str(svg(states=states, scale=scale, title=block.title, links=False)),
        "legend": [list(entry) for entry in map_legend(scale)],
        "notes": list(block.notes),
    }


def first_letter_rtl(text: str) -> bool:
    """Whether the first letter of ``text`` with a direction of its own is right to left."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def typst_data(document: ReportDocument) -> dict[str, Any]:
    """The document as the template reads it: texts as they are shown, numbers formatted."""
    lang = document.lang
    rtl = is_rtl(lang)
    meta = document.meta
    blocks: list[dict[str, Any]] = []
    level = 1  # of the last heading: the title's, then the chapters' from 2 (PDF/UA numbers
    # the levels without a gap)
    for item in numbered(document):
        block = item.block
        if isinstance(block, Heading):
            level = min(block.level + 1, level + 1)
            blocks.append({"k": "h", "level": level, "label": item.label, "text": block.text})
        elif isinstance(block, Paragraph):
            blocks.append(
                {"k": "p", "label": item.label, "text": block.text, "notes": list(block.notes)}
            )
        elif isinstance(block, Quote):
            blocks.append(
                {
                    "k": "q",
                    "text": block.text,
                    "source": block.source,
                    "lang": typst_language(block.lang or lang),
                    # A State's words in a language not recorded read in the direction of their
                    # first letter, as HTML's dir="auto".
                    "rtl": is_rtl(block.lang) if block.lang else first_letter_rtl(block.text),
                }
            )
        elif isinstance(block, Table):
            blocks.extend(_table(block, lang))
        elif isinstance(block, BarChart):
            blocks.append(_bars(block, lang))
        elif isinstance(block, HeatTable):
            blocks.append(_heat(block, lang))
        elif isinstance(block, WorldMap):
            blocks.append(_map(block, lang))
        elif isinstance(block, Definitions):
            blocks.append(
                {
                    "k": "defs",
                    "level": level + 1,
                    "title": block.title,
                    "items": [list(i) for i in block.items],
                }
            )
        elif isinstance(block, PageBreak):
            blocks.append({"k": "break"})
    return {
        "lang": typst_language(lang),
        "rtl": rtl,
        "fonts": list(FAMILIES.get(lang, OTHER_FAMILIES)),
        "un": _("United Nations"),
        "draft": _("Draft (no symbol)"),
        "distribution": distribution_lines(document),
        "meta": {
            "title": meta.title,
            "symbol": meta.symbol,
            "body": meta.body,
            "session": meta.session,
            "agenda_item": meta.agenda_item,
            "note": meta.note,
            "subtitle": meta.subtitle,
        },
        "blocks": blocks,
    }


class _Printable(dict[int, int | None]):
    """A ``str.translate`` table, filled as characters are met: a character some report font
    draws, or a tab or line break, stays; another control character (NUL, BEL, ESC … pasted
    into an answer), or a mark or format character no font draws (a variation selector after
    an emoji), is dropped; any other becomes ``REPLACEMENT``."""

    def __init__(self, covered: frozenset[int]) -> None:
        super().__init__()
        self.covered = covered

    def __missing__(self, code: int) -> int | None:
        if code < 0x20:
            # Tab and line breaks only: a font may map NUL (to its .null glyph), which PDF/UA
            # forbids all the same.
            shown: int | None = code if 0x09 <= code <= 0x0D else None
        elif code in self.covered:
            shown = code
        elif unicodedata.category(chr(code)) in ("Mn", "Me", "Cf"):
            shown = None
        else:
            shown = ord(REPLACEMENT)
        self[code] = shown
        return shown


@cache
def _printable_map() -> _Printable:
    from fontTools.ttLib import TTFont

    covered: set[int] = set()
    for path in sorted(font_folder().iterdir()):
        covered.update(TTFont(path, lazy=True).getBestCmap())
    return _Printable(frozenset(covered))


def printable(value: Any) -> Any:
    """``value`` (the template's data: texts in dictionaries and lists) with every text
    drawable by the report fonts (see ``_Printable``)."""
    if isinstance(value, str):
        return value.translate(_printable_map())
    if isinstance(value, dict):
        return {key: printable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [printable(item) for item in value]
    return value


def typeset(data: dict[str, Any], *, fmt: str = "pdf", ppi: float | None = None) -> bytes:
    """The template's output for ``data`` (``typst_data``): a PDF, or with ``fmt="png"`` the
    first page as a picture."""
    arguments: dict[str, Any] = {
        "format": fmt,
        "sys_inputs": {"doc": json.dumps(printable(data))},
    }
    if fmt == "pdf":
        # PDF/UA-1: Typst refuses a document that would break it (no title, a skipped heading
        # level, a picture without its alternative text) instead of writing it.
        arguments["pdf_standards"] = "ua-1"
    else:
        arguments["ppi"] = ppi
    with _lock:
        out = _compiler().compile(input=TEMPLATE.read_bytes(), **arguments)
    return out[0] if isinstance(out, list) else out


def packed(pdf: bytes) -> bytes:
    """``pdf`` with its objects packed into compressed object streams (qpdf, through pikepdf).
    Typst writes each of a report's thousands of structure elements (the tags of PDF/UA) as an
    object of its own: packed, the world-scale analytical report is a quarter of its size. The
    rewrite is lossless (tags, XMP metadata, fonts and text unchanged), and the file identifier
    is derived from the content, so the same data still gives the same bytes."""
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf)) as source:
        source.save(
            out,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
            deterministic_id=True,
        )
    return out.getvalue()


def render_pdf(document: ReportDocument) -> bytes:
    return packed(typeset(typst_data(document)))
