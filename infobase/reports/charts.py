"""Charts as HTML and CSS (bars, stacked bars, heat tables) and the world map.

Charts are drawn with HTML boxes rather than SVG text because labels must be shaped and
ordered like any other text (Arabic right to left, mixed lines, Chinese). The PDF and the
pictures of Word and Excel files draw the same bars (``bar_rows``) and map colours with Typst
(``render_pdf``, ``raster``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from infobase.core.collation import collation_key
from infobase.core.i18n import format_percent, format_percent_range
from infobase.reports import numbers, worldmap
from infobase.reports.blocks import BarChart, HeatTable, Number, WorldMap

# Sequential blues for heat tables and the map; text turns white on the two darkest.
HEAT = ("#f7fbff", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c")


def value_label(value: Number | None, *, percent: bool, lang: str) -> str:
    if percent:
        # As the tables write it: "1.0 %" in both, never "1 %" on the bar beside "1.0 %".
        return numbers.percent(value, lang)
    return numbers.number(value, lang, 0 if value is None or value == int(value) else 1)


def _scale_top(chart: BarChart) -> float:
    if chart.percent:
        return 100.0 if chart.stacked else 115.0  # room after a full bar for its label
    if chart.stacked:
        totals = [
            sum(float(s.values[i]) for s in chart.series) for i in range(len(chart.categories))
        ]
        return max(totals, default=0) or 1.0
    # Room after the longest bar for its value label.
    return 1.15 * max((float(v) for s in chart.series for v in s.values), default=0) or 1.0


@dataclass(frozen=True)
class Segment:
    share: float  # of the bar's track, 0–100
    colour: str
    series: str
    label: str  # the value as written


@dataclass(frozen=True)
class BarRow:
    category: str
    segments: tuple[Segment, ...]
    total: str  # a stacked count's total; empty otherwise


def bar_rows(chart: BarChart, lang: str) -> list[BarRow]:
    """The bars of a chart as every picture of it draws them (web page, PDF, Word)."""
    top = _scale_top(chart)
    rows = []
    for i, category in enumerate(chart.categories):
        segments = tuple(
            Segment(
                float(s.values[i]) * 100 / top,
                s.colour,
                s.label,
                value_label(s.values[i], percent=chart.percent, lang=lang),
            )
            for s in chart.series
        )
        total = ""
        if chart.stacked and not chart.percent:
            total = value_label(
                sum(Decimal(str(s.values[i])) for s in chart.series), percent=False, lang=lang
            )
        rows.append(BarRow(category, segments, total))
    return rows


def bar_chart(chart: BarChart, lang: str) -> SafeString:
    rows = []
    for row in bar_rows(chart, lang):
        if chart.stacked:
            segments = format_html_join(
                "",
                '<span class="rc-seg" style="inline-size:{}%;background:{}" title="{}: {}"></span>',
                ((f"{s.share:.2f}", s.colour, s.series, s.label) for s in row.segments),
            )
            bars = format_html('<div class="rc-track">{}</div>', segments)
        else:
            bars = format_html_join(
                "",
                '<div class="rc-track rc-thin"><span class="rc-seg" '
                'style="inline-size:{}%;background:{}"></span>'
                '<span class="rc-val">{}</span></div>',
                ((f"{s.share:.2f}", s.colour, s.label) for s in row.segments),
            )
        rows.append(
            format_html(
                '<tr><th scope="row">{}</th><td class="rc-bar-cell">{}</td>'
                '<td class="rc-total">{}</td></tr>',
                row.category,
                bars,
                row.total,
            )
        )
    legend = ""
    if has_legend(chart):
        legend = format_html(
            '<ul class="rc-legend">{}</ul>',
            format_html_join(
                "",
                '<li><span class="rc-swatch" style="background:{}"></span>{}</li>',
                ((s.colour, s.label) for s in chart.series),
            ),
        )
    return format_html(
        '<figure class="rc-chart"><figcaption>{}</figcaption>'
        '<table class="rc-bars">{}</table>{}{}</figure>',
        chart.title,
        mark_safe("".join(rows)),
        legend,
        notes(chart.notes),
    )


def has_legend(chart: BarChart) -> bool:
    return len(chart.series) > 1 or chart.stacked


def heat_colour(value: Number | None) -> tuple[str, str]:
    """(background, text colour) for a share 0–100."""
    if value is None:
        return "#ffffff", "#555555"
    index = min(len(HEAT) - 1, int(float(value) // (100 / (len(HEAT) - 1))))
    return HEAT[index], "#ffffff" if index >= len(HEAT) - 2 else "#111111"


def heat_table(table: HeatTable, lang: str) -> SafeString:
    head = format_html_join("", '<th scope="col">{}</th>', ((c,) for c in table.column_labels))
    body = []
    for label, values in zip(table.row_labels, table.values, strict=True):
        cells = format_html_join(
            "",
            '<td style="background:{};color:{}">{}</td>',
            ((*heat_colour(v), numbers.percent(v, lang)) for v in values),
        )
        body.append(format_html('<tr><th scope="row">{}</th>{}</tr>', label, cells))
    return format_html(
        '<figure class="rc-chart"><figcaption>{}</figcaption>'
        '<table class="rc-heat"><thead><tr><th></th>{}</tr></thead><tbody>{}</tbody></table>'
        "{}</figure>",
        table.title,
        head,
        mark_safe("".join(body)),
        notes(table.notes),
    )


def map_scale(block: WorldMap) -> worldmap.Scale:
    no_value = _("No answer")
    if block.percent:
        return worldmap.share_scale(
            label=lambda lo, hi: format_percent_range(lo, hi),
            zero_label=_("None (%(percent)s)") % {"percent": format_percent(0, 0)},
            no_value_label=no_value,
        )
    return worldmap.count_scale(
        (a.value for a in block.areas if a.value is not None),  # type: ignore[misc]
        label=lambda lo, hi: f"{lo}–{hi}" if lo != hi else str(lo),
        zero_label=_("None"),
        no_value_label=no_value,
    )


def map_states(block: WorldMap, lang: str) -> list[worldmap.MapState]:
    return [
        worldmap.MapState(
            iso3=a.iso3,
            m49=a.m49,
            name=a.name,
            lang=lang,
            value=(Decimal(str(a.value)) / 100 if block.percent else a.value)  # type: ignore[arg-type]
            if a.value is not None
            else None,
            label=a.label,
            url="#",
        )
        for a in sorted(block.areas, key=lambda a: collation_key(a.name, lang))
    ]


def map_legend(scale: worldmap.Scale) -> list[tuple[str, str, bool]]:
    return worldmap.legend(scale, _("Not a State in the information base"))


def world_map(block: WorldMap, lang: str, *, links: bool = True) -> SafeString:
    """The map with its legend; ``links=False`` for paper and pictures (see ``worldmap.svg``)."""
    scale = map_scale(block)
    return format_html(
        '<figure class="rc-chart rc-map"><figcaption>{}</figcaption>{}'
        '<ul class="rc-legend">{}</ul>{}</figure>',
        block.title,
        worldmap.svg(states=map_states(block, lang), scale=scale, title=block.title, links=links),
        format_html_join(
            "",
            '<li><span class="rc-swatch" style="background:{}"></span><span{}>{}</span></li>',
            (
                (c, mark_safe(' dir="ltr"') if numeric else "", label)
                for c, label, numeric in map_legend(scale)
            ),
        ),
        notes(block.notes),
    )


def notes(items: Sequence[str]) -> SafeString:
    if not items:
        return mark_safe("")
    return format_html(
        '<ul class="rc-notes">{}</ul>', format_html_join("", "<li>{}</li>", ((n,) for n in items))
    )
