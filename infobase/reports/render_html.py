"""A report as HTML: the fragment shown in the web page (the PDF is typeset from the same
blocks by ``render_pdf``)."""

from __future__ import annotations

import base64
import hashlib
import html
import re

from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

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


def cell(value: object, column: Column, lang: str) -> str:
    if value is None or value == "":
        return "—" if column.kind != "text" else ""
    if column.kind == "int":
        return numbers.integer(value, lang)  # type: ignore[arg-type]
    if column.kind == "pct":
        return numbers.percent(value, lang)  # type: ignore[arg-type]
    if column.kind == "num":
        return numbers.number(value, lang)  # type: ignore[arg-type]
    return str(value)


def table_html(table: Table, lang: str) -> SafeString:
    head = format_html_join(
        "",
        '<th scope="col" class="rc-{}">{}</th>',
        ((c.kind, c.label) for c in table.columns),
    )
    kinds = {kind: f"rc-{kind}" if kind != "text" else "" for kind in ("text", "int", "pct", "num")}
    rows = []
    for index, row in enumerate(table.rows):
        total = table.total_row and index == len(table.rows) - 1
        cells = format_html_join(
            "",
            "<td{}>{}</td>",
            (
                (
                    format_html(' class="{}"', kinds[c.kind]) if kinds[c.kind] else "",
                    cell(v, c, lang),
                )
                for v, c in zip(row, table.columns, strict=True)
            ),
        )
        rows.append(
            format_html("<tr{}>{}</tr>", mark_safe(' class="rc-sum"') if total else "", cells)
        )
    return format_html(
        '<figure class="rc-table"><figcaption>{}</figcaption><table class="rc-data">'
        "<thead><tr>{}</tr></thead><tbody>{}</tbody></table>{}</figure>",
        table.title,
        head,
        mark_safe("".join(rows)),
        charts.notes(table.notes),
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


def body(document: ReportDocument) -> SafeString:
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
            out.append(table_html(block, lang))
        elif isinstance(block, BarChart):
            out.append(charts.bar_chart(block, lang))
        elif isinstance(block, HeatTable):
            out.append(charts.heat_table(block, lang))
        elif isinstance(block, WorldMap):
            out.append(charts.world_map(block, lang))
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


def distribution_lines(document: ReportDocument) -> list[str]:
    """The lines beside the body's name in the header, in every format: the distribution, the
    date, the original language (in the active language)."""
    meta = document.meta
    lines = [_("Distr.:") + " " + meta.distribution] if meta.distribution else []
    if meta.date:
        lines.append(numbers.long_date(meta.date, document.lang))
    lines.append(_("Original:") + " " + original_language(meta.original_language, document.lang))
    return lines


def header_context(document: ReportDocument) -> dict[str, object]:
    return {
        "meta": document.meta,
        "distribution": distribution_lines(document),
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
