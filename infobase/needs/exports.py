"""The needs register as a table, for CSV/XLSX exports (web and ``infobase needs-export``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from infobase.core.exporters import Exporter
from infobase.needs.models import Need, NeedStatus, ScoringWeights
from infobase.needs.programmes import ThemeSpec
from infobase.needs.score_table import score_table
from infobase.needs.scoring import RankedNeed, ScoredNeed, Weights, explain
from infobase.needs.selectors import (
    coverage_status,
    ranked_needs,
    register_definition,
    register_scored,
    status_label,
)
from infobase.questionnaires.models import ImplementationStatus
from infobase.reference.models import (
    Article,
    AssistanceKind,
    Priority,
    RegionalGroup,
    State,
)


class NeedsRegisterExporter(Exporter):
    """Ranked needs with their score explained term by term, in the export's language.

    ``ranked``: the needs in the register's order (``needs.selectors.ranked_needs``). Their
    scores are explained in the language the export is rendered in, with ``weights`` and
    ``themes`` (default: those the stored scores were computed with, ``score_table``)."""

    identifier = "needs-register"

    def __init__(
        self,
        *,
        ranked: Sequence[RankedNeed | ScoredNeed],
        weights: Weights | ScoringWeights | None = None,
        themes: list[ThemeSpec] | None = None,
    ) -> None:
        self.given = [RankedNeed(r.facts, r.total, r.position) for r in ranked]
        if weights is None or themes is None:
            table = score_table()
            weights = table.weights if weights is None else weights
            themes = table.themes if themes is None else themes
        self.weights = weights
        self.themes = themes
        self._explained: dict[str, list[ScoredNeed]] = {}
        # Each need's State, article and status: the State's and the article's texts are read
        # once each, not once per need (an export of the world register has tens of thousands).
        self.needs = {
            pk: (state_id, article_id, status)
            for pk, state_id, article_id, status in Need.objects.filter(
                pk__in=[s.need_id for s in self.given]
            ).values_list("pk", "state_id", "article_id", "status")
        }

    @property
    def scored(self) -> list[ScoredNeed]:
        """The needs explained in the active language."""
        lang = get_language() or ""
        if lang not in self._explained:
            self._explained[lang] = explain(self.given, weights=self.weights, themes=self.themes)
        return self._explained[lang]

    def sheet_title(self) -> str:
        return _("Needs register")[:31]

    def notes(self) -> list[str]:
        return [register_definition()]

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
        priorities = {k: str(v) for k, v in Priority.choices}
        statuses = {k: str(v) for k, v in NeedStatus.choices}
        severities = {k: str(v) for k, v in ImplementationStatus.choices}
        states = {
            state.pk: (
                str(state.translated("name")),
                state.iso3,
                str(groups.get(state.regional_group, "")),
            )
            for state in State.objects.filter(pk__in={n[0] for n in self.needs.values()})
        }
        articles = {
            article.pk: (
                str(article.instrument.translated("short_name")),
                article.number,
                str(article.translated("title")),
            )
            for article in Article.objects.filter(
                pk__in={n[1] for n in self.needs.values()}
            ).select_related("instrument")
        }
        yes = _("yes")
        terms = self._terms()
        for s in self.scored:
            state_id, article_id, status = self.needs[s.need_id]
            contributions = {t.name: t.contribution for t in s.explanation.terms}
            yield [
                s.position or "",
                *states[state_id],
                *articles[article_id],
                str(kinds.get(s.facts.kind, s.facts.kind)),
                statuses.get(status, status),
                status_label(coverage_status(s.facts.coverage)),
                severities[s.facts.severity] if s.facts.severity else "",
                priorities.get(s.facts.urgency, ""),
                yes if s.facts.pinned else "",
                yes if s.facts.excluded else "",
                s.facts.ranking_reason,
                s.total,
                *[contributions[name] for name in terms],
                " · ".join(t.explanation for t in s.explanation.terms),
            ]


def register_file(*, user: Any, query: QueryDict) -> NeedsRegisterExporter:
    """The register's export as ``user`` sees the page with its filters (``query``)."""
    from infobase.needs.views_register import RegisterFilterForm, page_priority

    form = RegisterFilterForm(query or None)
    found = register_scored(user=user, filters=form.filters(), priority=page_priority(form))
    if found.pending:
        # A file without some of the register's needs would pass for the whole register.
        raise ValidationError(
            ngettext(
                "The register's scores are being refreshed and %(count)s need is not scored "
                "yet; the export would leave it out. Try again in a minute.",
                "The register's scores are being refreshed and %(count)s needs are not scored "
                "yet; the export would leave them out. Try again in a minute.",
                found.pending,
            )
            % {"count": found.pending}
        )
    ranked, table = ranked_needs(needs_qs=found.needs)
    return NeedsRegisterExporter(ranked=ranked, weights=table.weights, themes=table.themes)
