"""A report as HTML: the fragment shown in the web page and the print page WeasyPrint turns
into the PDF (the same fragment, in a page with the UN document header and print styles)."""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Callable

from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language_info

from infobase.core.i18n import is_rtl
from infobase.reports import charts, numbers
from infobase.reports.blocks import (
    BarChart,
    Column,
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
from infobase.reports.outline import numbered
from infobase.reports.print_layout import (
    CELL_PADDING_PT,
    TEXT_WIDTH_PT,
    one_direction,
    print_tables,
    too_wide,
)

LONG_TABLE_ROWS = 16  # a printed table this long may break across pages


def cell(value: object, column: Column, lang: str) -> str:
    if value is None or value == "":
        return "—" if column.kind != "text" else ""
    if column.kind == "int":
        return numbers.integer(value, lang)  # type: ignore[arg-type]
    if column.kind == "pct":
        return numbers.percent(value, lang, 1)  # type: ignore[arg-type]
    if column.kind == "num":
        return numbers.number(value, lang)  # type: ignore[arg-type]
    return str(value)


def table_html(
    table: Table, lang: str, *, widths: tuple[float, ...] = (), hyphenate: bool = False
) -> SafeString:
    """The table; with ``widths`` (shares of the line, one per column), laid out with those
    fixed widths (print), hyphenating where a word is wider than its column if
    ``hyphenate``."""
    head = format_html_join(
        "",
        '<th scope="col" class="rc-{}">{}</th>',
        ((c.kind, c.label) for c in table.columns),
    )
    classes = print_classes(table, lang, widths, hyphenate) if widths else None
    kinds = {kind: f"rc-{kind}" if kind != "text" else "" for kind in ("text", "int", "pct", "num")}
    rows = []
    for index, row in enumerate(table.rows):
        total = table.total_row and index == len(table.rows) - 1
        texts = [cell(v, c, lang) for v, c in zip(row, table.columns, strict=True)]
        # Text cells carry no class (none is styled): fewer attributes to match in print.
        names = [
            " ".join(filter(None, (kinds[c.kind], *(classes(i, t) if classes else ()))))
            for i, (t, c) in enumerate(zip(texts, table.columns, strict=True))
        ]
        cells = format_html_join(
            "",
            "<td{}>{}</td>",
            (
                (format_html(' class="{}"', name) if name else "", text)
                for name, text in zip(names, texts, strict=True)
            ),
        )
        rows.append(
            format_html("<tr{}>{}</tr>", mark_safe(' class="rc-sum"') if total else "", cells)
        )
    style = colgroup = mark_safe("")
    if widths:
        style = format_html(
            ' style="table-layout:fixed;inline-size:{}%"', f"{min(1.0, sum(widths)) * 100:.2f}"
        )
        colgroup = format_html(
            "<colgroup>{}</colgroup>",
            format_html_join(
                "", '<col style="inline-size:{}%">', ((f"{w * 100:.2f}",) for w in widths)
            ),
        )
    # print.css lets a long table break across pages (a class, not a :has() selector over
    # every row of the annexes).
    long = mark_safe(" rc-long" if widths and len(table.rows) >= LONG_TABLE_ROWS else "")
    return format_html(
        '<figure class="rc-table{}"><figcaption>{}</figcaption><table class="rc-data"{}>'
        "{}<thead><tr>{}</tr></thead><tbody>{}</tbody></table>{}</figure>",
        long,
        table.title,
        style,
        colgroup,
        head,
        mark_safe("".join(rows)),
        charts.notes(table.notes),
    )


def print_classes(
    table: Table, lang: str, widths: tuple[float, ...], hyphenate: bool
) -> Callable[[int, str], tuple[str, ...]]:
    """The print classes of a cell, from its column and text: ``rc-hy`` where a word is wider
    than the column (hyphenated there only), ``rc-ltr`` in a right-to-left table where the
    text reads the same in a left-to-right line (WeasyPrint lays out each right-to-left line
    twice; print.css keeps such a cell aligned as before)."""
    rtl = is_rtl(lang)
    rooms = [share * TEXT_WIDTH_PT - CELL_PADDING_PT for share in widths]
    known: dict[tuple[int, str], tuple[str, ...]] = {}

    def names(index: int, text: str) -> tuple[str, ...]:
        key = (index, text)
        if key not in known:
            found = []
            if hyphenate and too_wide(text, room=rooms[index], lang=lang):
                found.append("rc-hy")
            if rtl and one_direction(text):
                found.append("rc-ltr")
            known[key] = tuple(found)
        return known[key]

    return names


def print_table_html(table: Table, lang: str) -> SafeString:
    """The table as printed: a table too wide for the page is cut into parts that fit."""
    cells = [
        [cell(v, c, lang) for v, c in zip(row, table.columns, strict=True)] for row in table.rows
    ]
    return mark_safe(
        "".join(
            table_html(part.table, lang, widths=part.widths, hyphenate=part.hyphenate)
            for part in print_tables(table, cells, lang, fixed=True)
        )
    )


def definitions_html(block: Definitions) -> SafeString:
    items = format_html_join(
        "", '<dt class="rc-term">{}</dt><dd class="rc-def">{}</dd>', block.items
    )
    return format_html(
        '<section class="rc-defs"><h4 class="rc-defs-title">{}</h4><dl>{}</dl></section>',
        block.title,
        items,
    )


def body(document: ReportDocument, *, for_print: bool = False) -> SafeString:
    lang = document.lang
    out: list[str] = []
    for item in numbered(document):
        block = item.block
        if isinstance(block, Heading):
            out.append(
                format_html(
                    '<h{} class="rc-h{}"><span class="rc-label">{}</span> {}</h{}>',
                    block.level + 1,
                    block.level,
                    item.label,
                    block.text,
                    block.level + 1,
                )
            )
        elif isinstance(block, Paragraph):
            notes = format_html_join(
                "",
                '<span class="rc-fn" data-n="{}">{}</span>',
                ((item.first_note + i, n) for i, n in enumerate(block.notes)),
            )
            out.append(
                format_html(
                    '<p class="rc-p"><span class="rc-num">{}</span>{}{}</p>',
                    item.label,
                    block.text,
                    notes,
                )
            )
        elif isinstance(block, Quote):
            out.append(
                format_html(
                    '<blockquote class="rc-quote"{}><p dir="auto">{}</p>{}</blockquote>',
                    format_html(' lang="{}"', block.lang) if block.lang else "",
                    block.text,
                    format_html("<footer>{}</footer>", block.source) if block.source else "",
                )
            )
        elif isinstance(block, Table):
            out.append(print_table_html(block, lang) if for_print else table_html(block, lang))
        elif isinstance(block, BarChart):
            out.append(charts.bar_chart(block, lang))
        elif isinstance(block, HeatTable):
            out.append(charts.heat_table(block, lang))
        elif isinstance(block, WorldMap):
            out.append(charts.world_map(block, lang, links=not for_print))
        elif isinstance(block, Definitions):
            out.append(definitions_html(block))
        elif isinstance(block, PageBreak):
            out.append('<div class="rc-break"></div>')
    return mark_safe("".join(out))


def original_language(code: str, lang: str) -> str:
    """The name of the original language as the header writes it (lower case in French,
    Spanish and Russian: "Original : anglais")."""
    name = str(get_language_info(code)["name_translated"])
    return name.lower() if lang in ("fr", "es", "ru") else name


def header_context(document: ReportDocument) -> dict[str, object]:
    meta = document.meta
    return {
        "meta": meta,
        "date": numbers.long_date(meta.date, document.lang),
        "original": original_language(meta.original_language, document.lang),
        "lang": document.lang,
        "rtl": is_rtl(document.lang),
    }


def fragment(document: ReportDocument) -> SafeString:
    """The document (header and body) for a web page."""
    return mark_safe(
        render_to_string(
            "reports/document.html", {**header_context(document), "body": body(document)}
        )
    )


def print_page(document: ReportDocument, *, css: str) -> str:
    """A complete HTML page for the PDF; ``css`` is inlined (fonts by file URL)."""
    return render_to_string(
        "reports/print.html",
        {
            **header_context(document),
            "body": body(document, for_print=True),
            "css": mark_safe(css),
        },
    )


_STYLE_ELEMENT = re.compile(r"<style[^>]*>(.*?)</style>", re.S | re.I)
_STYLE_ATTRIBUTE = re.compile(r"""\sstyle=(?:"([^"]*)"|'([^']*)')""", re.I)


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def inline_style_sources(page: str) -> dict[str, list[str]]:
    """The Content-Security-Policy sources that allow exactly the styles a report's web page
    carries inline and nothing else: the hash of its stylesheet, and of each distinct style
    attribute (chart bar widths, heat-table colours) with ``'unsafe-hashes'``. A report page is
    one self-contained file, so its styles cannot live in a separate static file."""
    elements = sorted({m.group(1) for m in _STYLE_ELEMENT.finditer(page)})
    attributes = sorted(
        {
            html.unescape(m.group(1) if m.group(1) is not None else m.group(2))
            for m in _STYLE_ATTRIBUTE.finditer(page)
        }
    )
    sources = {"style-src-elem": ["'self'", *(_csp_hash(text) for text in elements)]}
    if attributes:
        sources["style-src-attr"] = ["'unsafe-hashes'", *(_csp_hash(a) for a in attributes)]
    else:
        sources["style-src-attr"] = ["'none'"]
    return sources
