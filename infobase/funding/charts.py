"""Server-side SVG bar charts (no script, nothing fetched): each group's share of the resources
beside its share of the priority-weighted needs, as horizontal bars.

The coordinates are always left to right (``dir="ltr"``). On right-to-left pages the drawing
is mirrored, as the reports' charts are: the labels on the right, written right to left
(``direction="rtl"``, with the page's fonts, which inline SVG inherits), the bars growing
leftwards from them, the legend's swatches on the right of their texts. Percentages are
written by the one rule of percentages (``core.i18n.format_percent``)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from infobase.core.i18n import format_share_percent, is_rtl
from infobase.funding.equity import GroupShare

WIDTH = 720
LABEL_WIDTH = 340  # labels longer than this are cut into lines (``label_lines``)
FONT_SIZE = 12
LINE_HEIGHT = 13
BAR_AREA = 310
ROW_HEIGHT = 40
BAR_HEIGHT = 13
TOP = 50
RESOURCES_COLOUR = "#005a9c"
NEEDS_COLOUR = "#9aa5b1"
FLAG_COLOUR = "#b3261e"


def label_lines(label: str, *, room: float, size: float = FONT_SIZE) -> list[str]:
    """``label`` cut into lines at spaces, each at most ``room`` wide at ``size`` (measured
    with the page's fonts): a long group name in French or Spanish, flagged under-served,
    would otherwise run out of the drawing. A single word wider than the room keeps its
    line."""
    from infobase.reports.print_layout import text_width

    lang = get_language() or "en"
    lines: list[str] = []
    for word in label.split():
        wider = f"{lines[-1]} {word}" if lines else word
        if lines and text_width(wider, lang=lang, size=size) <= room:
            lines[-1] = wider
        else:
            lines.append(word)
    return lines or [""]


def percent(share: Decimal | None) -> str:
    """A share (0..1) as a percentage in the active locale, one decimal ("—" if undefined)."""
    # Rounded half up as every share, written as pages and reports write percentages.
    return format_share_percent(share)


def share_bars(rows: Sequence[GroupShare], *, title: str) -> SafeString:
    """Two bars per group: share of resources (dark) and share of weighted needs (grey)."""
    rtl = is_rtl()
    scale = max(
        [Decimal("0.0001")]
        + [r.resource_share or Decimal(0) for r in rows]
        + [r.need_share or Decimal(0) for r in rows]
    )
    height = TOP + ROW_HEIGHT * len(rows) + 8
    label_x = LABEL_WIDTH - 10

    # Positions are worked out left to right, then mirrored on right-to-left pages: ``at`` a
    # point, ``box`` the left edge of something ``width`` wide.
    def at(x: Decimal | int) -> Decimal | int:
        return WIDTH - x if rtl else x

    def box(x: Decimal | int, width: Decimal | int) -> Decimal | int:
        return WIDTH - x - width if rtl else x

    # Labels end by the bars (right-aligned in English; in Arabic, written right to left, they
    # end on their left, by the bars); legend texts start after their swatch; a bar's figure
    # runs left to right from the bar's end, on the side away from the labels.
    label_attrs = (
        mark_safe(' direction="rtl" unicode-bidi="embed" text-anchor="end"')
        if rtl
        else mark_safe(' text-anchor="end"')
    )
    legend_attrs = (
        mark_safe(' direction="rtl" unicode-bidi="embed" text-anchor="start"') if rtl else ""
    )
    figure_anchor = mark_safe(' text-anchor="end"') if rtl else ""
    parts: list[SafeString] = [
        format_html(
            '<svg xmlns="http://www.w3.org/2000/svg" class="share-chart" dir="ltr" '
            'viewBox="0 0 {} {}" width="{}" height="{}" role="img" aria-label="{}" '
            'font-size="{}">',
            WIDTH,
            height,
            WIDTH,
            height,
            title,
            FONT_SIZE,
        ),
        format_html("<title>{}</title>", title),
    ]
    for line, (colour, text) in enumerate(
        (
            (RESOURCES_COLOUR, _("Share of resources")),
            (NEEDS_COLOUR, _("Share of needs (weighted by priority)")),
        )
    ):
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="12" height="12" fill="{}"/>'
                '<text x="{}" y="{}"{}>{}</text>',
                box(LABEL_WIDTH, 12),
                4 + 18 * line,
                colour,
                at(LABEL_WIDTH + 18),
                14 + 18 * line,
                legend_attrs,
                text,
            )
        )
    for i, row in enumerate(rows):
        y = TOP + ROW_HEIGHT * i
        label = row.label
        if row.under_served:
            label = _("%(group)s (under-served)") % {"group": row.label}
        lines = label_lines(label, room=LABEL_WIDTH - 20)
        # Centred on the row's two bars.
        first = y + BAR_HEIGHT + 5 - (len(lines) - 1) * LINE_HEIGHT / 2
        parts.append(
            format_html(
                '<text{} fill="{}">{}</text>',
                label_attrs,
                FLAG_COLOUR if row.under_served else "currentColor",
                format_html_join(
                    "",
                    '<tspan x="{}" y="{}">{}</tspan>',
                    (
                        (at(label_x), f"{first + n * LINE_HEIGHT:g}", line)
                        for n, line in enumerate(lines)
                    ),
                ),
            )
        )
        for j, (share, colour) in enumerate(
            ((row.resource_share, RESOURCES_COLOUR), (row.need_share, NEEDS_COLOUR))
        ):
            value = share or Decimal(0)
            width = (value / scale * BAR_AREA).quantize(Decimal("0.1"))
            bar_y = y + j * (BAR_HEIGHT + 2)
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>'
                    # Figures run left to right from the bar's end, also on Arabic pages
                    # (inherited right-to-left text would end at the bar's end, over it).
                    '<text x="{}" y="{}" font-size="11" direction="ltr" unicode-bidi="embed"{}>'
                    "{}</text>",
                    box(LABEL_WIDTH, width),
                    bar_y,
                    width,
                    BAR_HEIGHT,
                    colour,
                    at(LABEL_WIDTH + width + 4),
                    bar_y + BAR_HEIGHT - 3,
                    figure_anchor,
                    percent(share),
                )
            )
    if not rows:
        parts.append(
            format_html(
                '<text x="{}" y="{}"{}>{}</text>',
                at(LABEL_WIDTH),
                TOP + 14,
                legend_attrs,
                _("No data."),
            )
        )
    parts.append(mark_safe("</svg>"))
    return format_html_join("", "{}", ((p,) for p in parts))
