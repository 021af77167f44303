"""The needs register as a table, for CSV/XLSX exports (web and ``infobase needs-export``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import gettext as _

from infobase.core.exporters import Exporter
from infobase.needs.models import Need
from infobase.needs.scoring import ScoredNeed
from infobase.reference.models import AssistanceKind, Priority, RegionalGroup


class NeedsRegisterExporter(Exporter):
    """Ranked needs with their score explained term by term, in the export's language."""

    identifier = "needs-register"

    def __init__(self, *, scored: list[ScoredNeed]) -> None:
        self.scored = scored
        self.needs = {
            n.pk: n
            for n in Need.objects.filter(pk__in=[s.need_id for s in scored]).select_related(
                "state", "article__instrument"
            )
        }

    def sheet_title(self) -> str:
        return _("Needs register")[:31]

    def _terms(self) -> list[str]:
        return [t.name for t in self.scored[0].explanation.terms] if self.scored else []

    def columns(self) -> Sequence[str]:
        labels = {t.name: t.label for t in self.scored[0].explanation.terms} if self.scored else {}
        return [
            _("Rank"),
            _("State"),
            _("ISO code"),
            _("Regional group"),
            _("Instrument"),
            _("Article"),
            _("Article title"),
            _("Kind of assistance"),
            _("Status"),
            _("Severity"),
            _("State's priority"),
            _("Pinned"),
            _("Excluded"),
            _("Reason for pinning or excluding"),
            _("Score"),
            *[_("%(term)s (contribution)") % {"term": labels[name]} for name in self._terms()],
            _("Explanation"),
        ]

    def rows(self) -> Iterable[Sequence[Any]]:
        kinds = dict(AssistanceKind.choices)
        groups = {**dict(RegionalGroup.choices), "": _("No regional group")}
        priorities = dict(Priority.choices)
        for s in self.scored:
            need = self.needs[s.need_id]
            terms = {t.name: t for t in s.explanation.terms}
            yield [
                s.position or "",
                str(need.state.translated("name")),
                need.state.iso3,
                str(groups.get(need.state.regional_group, "")),
                str(need.article.instrument.translated("short_name")),
                need.article.number,
                str(need.article.translated("title")),
                str(kinds.get(need.kind, need.kind)),
                need.get_status_display(),
                s.facts.severity,
                str(priorities.get(s.facts.urgency, "")),
                _("yes") if s.facts.pinned else "",
                _("yes") if s.facts.excluded else "",
                s.facts.ranking_reason,
                s.total,
                *[terms[name].contribution for name in self._terms()],
                " · ".join(t.explanation for t in s.explanation.terms),
            ]
