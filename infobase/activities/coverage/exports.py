"""Exports of the coverage overview: gaps, needs not fully covered, overlaps."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from infobase.activities.coverage.measures import open_needs_coverage, overview
from infobase.activities.coverage.overlaps import overlaps_kept
from infobase.core.exporters import Exporter
from infobase.core.i18n import list_separator
from infobase.needs.models import Need
from infobase.needs.selectors import coverage_status, status_label
from infobase.reference.models import AssistanceKind, RegionalGroup


def _title(labels: Mapping[str, str]) -> str:
    from infobase.core.i18n import pick_label

    return pick_label(dict(labels))[0]


class GapsExporter(Exporter):
    """Open needs by region, legal system, article and kind: uncovered, partly, covered."""

    identifier = "coverage-gaps"

    def __init__(self, *, user: Any, today: date | None = None) -> None:
        self.user, self.today = user, today

    def sheet_title(self) -> str:
        return _("Gaps")[:31]

    def columns(self) -> Sequence[str]:
        return [
            _("Dimension"),
            _("Value"),
            _("Uncovered needs"),
            _("Partly covered needs"),
            _("Covered needs"),
            _("Open needs"),
        ]

    def rows(self) -> Iterable[Sequence[Any]]:
        for _by, label, rows in overview(user=self.user, today=self.today).tables:
            for row in rows:
                yield [label, row.label, row.uncovered, row.partly, row.covered, row.total]


class UncoveredNeedsExporter(Exporter):
    """Each open need (visible to the user) that is not fully covered, with its coverage."""

    identifier = "coverage-needs"

    def __init__(self, *, user: Any, today: date | None = None) -> None:
        self.user, self.today = user, today

    def sheet_title(self) -> str:
        return _("Needs not covered")[:31]

    def columns(self) -> Sequence[str]:
        return [
            _("State"),
            _("ISO code"),
            _("Regional group"),
            _("Instrument"),
            _("Article"),
            _("Article title"),
            _("Kind of assistance"),
            _("Coverage"),
            _("Coverage status"),
        ]

    def rows(self) -> Iterable[Sequence[Any]]:
        rows = {
            r[0]: r[-1]
            for r in open_needs_coverage(user=self.user, today=self.today)
            if coverage_status(r[-1]) != "covered"
        }
        groups = {**dict(RegionalGroup.choices), "": _("No regional group")}
        kinds = dict(AssistanceKind.choices)
        for need in Need.objects.filter(pk__in=list(rows)).select_related(
            "state", "article__instrument"
        ):
            value = rows[need.pk]
            yield [
                str(need.state.translated("name")),
                need.state.iso3,
                str(groups.get(need.state.regional_group, "")),
                str(need.article.instrument.translated("short_name")),
                need.article.number,
                str(need.article.translated("title")),
                str(kinds.get(need.kind, need.kind)),
                value,
                status_label(coverage_status(value)),
            ]


class OverlapsExporter(Exporter):
    """One row per activity of each overlap."""

    identifier = "coverage-overlaps"

    def __init__(self, *, today: date | None = None) -> None:
        self.today = today

    def sheet_title(self) -> str:
        return _("Overlaps")[:31]

    def columns(self) -> Sequence[str]:
        return [
            _("State"),
            _("ISO code"),
            _("Article or instrument"),
            _("Providers"),
            _("Provider"),
            _("IATI identifier"),
            _("Title"),
            _("Start"),
            _("End"),
        ]

    def rows(self) -> Iterable[Sequence[Any]]:
        for o in overlaps_kept(today=self.today):
            for a in o.activities:
                yield [
                    o.state_name,
                    o.state_iso3,
                    o.subject_label,
                    list_separator().join(o.providers),
                    a.provider,
                    a.iati_identifier,
                    _title(a.title),
                    a.start,
                    a.end,
                ]


EXPORTS = ("gaps", "needs", "overlaps")


def exporter_for(what: str, *, user: Any, today: date | None = None) -> Exporter:
    if what == "gaps":
        return GapsExporter(user=user, today=today)
    if what == "needs":
        return UncoveredNeedsExporter(user=user, today=today)
    if what == "overlaps":
        return OverlapsExporter(today=today)
    raise ValueError(what)


# The coverage page's three files, made in the background (``core.exports``; the page has no
# filters, so ``query`` is not read).


def gaps_file(*, user: Any, query: QueryDict) -> Exporter:
    return exporter_for("gaps", user=user)


def needs_file(*, user: Any, query: QueryDict) -> Exporter:
    return exporter_for("needs", user=user)


def overlaps_file(*, user: Any, query: QueryDict) -> Exporter:
    return exporter_for("overlaps", user=user)
