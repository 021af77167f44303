"""The needs register as a table, for CSV/XLSX exports (web and ``infobase needs-export``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from infobase.core.exporters import Exporter
from infobase.needs.models import Need, ScoringWeights
from infobase.needs.programmes import ThemeSpec
from infobase.needs.score_table import score_table
from infobase.needs.scoring import RankedNeed, ScoredNeed, Weights, explain
from infobase.needs.selectors import coverage_status, status_label
from infobase.questionnaires.models import ImplementationStatus
from infobase.reference.models import AssistanceKind, Priority, RegionalGroup


class NeedsRegisterExporter(Exporter):
    """Ranked needs with their score explained term by term, in the export's language.

    The explanations are written again in the language the export is rendered in (the
    ``scored`` given may have been explained in another one), with ``weights`` and ``themes``
    (default: those the stored scores were computed with, ``score_table``)."""

    identifier = "needs-register"

    def __init__(
        self,
        *,
        scored: list[ScoredNeed],
        weights: Weights | ScoringWeights | None = None,
        themes: list[ThemeSpec] | None = None,
    ) -> None:
        self.given = scored
        if weights is None or themes is None:
            table = score_table()
            weights = table.weights if weights is None else weights
            themes = table.themes if themes is None else themes
        self.weights = weights
        self.themes = themes
        self._explained: dict[str, list[ScoredNeed]] = {}
        self.needs = {
            n.pk: n
            for n in Need.objects.filter(pk__in=[s.need_id for s in scored]).select_related(
                "state", "article__instrument"
            )
        }

    @property
    def scored(self) -> list[ScoredNeed]:
        """The needs explained in the active language."""
        lang = get_language() or ""
        if lang not in self._explained:
            self._explained[lang] = explain(
                [RankedNeed(s.facts, s.total, s.position) for s in self.given],
                weights=self.weights,
                themes=self.themes,
            )
        return self._explained[lang]

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
            _("Coverage by activities"),
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
                status_label(coverage_status(s.facts.coverage)),
                str(ImplementationStatus(s.facts.severity).label) if s.facts.severity else "",
                str(priorities.get(s.facts.urgency, "")),
                _("yes") if s.facts.pinned else "",
                _("yes") if s.facts.excluded else "",
                s.facts.ranking_reason,
                s.total,
                *[terms[name].contribution for name in self._terms()],
                " · ".join(t.explanation for t in s.explanation.terms),
            ]
