"""What a report is made of, independent of any output format.

A report composes a ``ReportDocument``: document metadata (the UN document header) and a flat
sequence of blocks. Every renderer (web page, PDF, Word, Excel) walks the same blocks, so a
figure can never differ between formats. Texts in blocks are already translated: the report
composes its document inside ``language(lang)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

Number = int | float | Decimal


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1  # 1: chapter ("I. …"), 2: section, 3: sub-section
    # An annex is no chapter: UN documents print "Annex I. …", never "VII. Annex I. …".
    numbered: bool = True


@dataclass(frozen=True)
class Paragraph:
    text: str
    notes: tuple[str, ...] = ()  # footnotes, numbered in the document's order
    numbered: bool = True  # UN documents number their body paragraphs
    left_out: bool = False  # says why a table or chart without figures is left out


@dataclass(frozen=True)
class Quote:
    """Words of a State, in the language it wrote them in (not translated)."""

    text: str
    source: str
    lang: str = ""


ColumnKind = Literal["text", "int", "pct", "num"]


@dataclass(frozen=True)
class Column:
    label: str
    kind: ColumnKind = "text"


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[str | Number | None, ...], ...]
    sheet: str = ""  # short name for the Excel sheet (≤ 31 characters)
    notes: tuple[str, ...] = ()
    total_row: bool = False  # the last row is a total (set in bold)


@dataclass(frozen=True)
class Series:
    label: str
    values: tuple[Number, ...]
    colour: str


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars, one per category; several series side by side, or stacked."""

    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    stacked: bool = False
    percent: bool = False  # values are shares 0–100
    notes: tuple[str, ...] = ()
    sheet: str = ""


@dataclass(frozen=True)
class HeatTable:
    title: str
    row_labels: tuple[str, ...]
    column_labels: tuple[str, ...]
    values: tuple[tuple[Number | None, ...], ...]  # shares 0–100, None: no figure
    notes: tuple[str, ...] = ()
    sheet: str = ""


@dataclass(frozen=True)
class MapArea:
    iso3: str
    m49: str
    name: str
    value: Number | None
    label: str


@dataclass(frozen=True)
class WorldMap:
    title: str
    areas: tuple[MapArea, ...]
    percent: bool = False
    notes: tuple[str, ...] = ()
    sheet: str = ""


@dataclass(frozen=True)
class PageBreak:
    pass


@dataclass(frozen=True)
class Definitions:
    """Terms and what they mean: the methodology annex states each rule behind the figures
    (who is counted, what is left out of a denominator, how numbers are rounded)."""

    title: str
    items: tuple[tuple[str, str], ...]  # (term, definition)
    sheet: str = ""


Block = (
    Heading | Paragraph | Quote | Table | BarChart | HeatTable | WorldMap | PageBreak | Definitions
)


@dataclass(frozen=True)
class DocumentMeta:
    """The header of a UN document (see the layout of CTOC/COP documents)."""

    title: str
    symbol: str = ""  # e.g. CTOC/COP/WG.2/2007/2; empty: a draft without a symbol
    distribution: str = ""  # translated: "General", "Limited" …
    date: date | None = None
    original_language: str = "en"  # language code
    body: str = ""  # "Conference of the Parties to the United Nations Convention …"
    session: str = ""  # "Fourth session, Vienna, 8–17 October 2008"
    agenda_item: str = ""  # "Item 2 of the provisional agenda"
    subtitle: str = ""
    note: str = ""  # e.g. "Report of the Secretariat"


@dataclass(frozen=True)
class ReportDocument:
    meta: DocumentMeta
    lang: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)

    def text(self) -> str:
        """All the document's words, for search and tests."""
        parts = [self.meta.title, self.meta.subtitle]
        for block in self.blocks:
            if isinstance(block, Heading | Paragraph):
                parts.append(block.text)
            elif isinstance(block, Table):
                parts.append(block.title)
                parts.extend(c.label for c in block.columns)
            elif isinstance(block, BarChart | HeatTable | WorldMap):
                parts.append(block.title)
            elif isinstance(block, Definitions):
                parts.append(block.title)
                parts.extend(f"{term}: {text}" for term, text in block.items)
        return "\n".join(p for p in parts if p)
