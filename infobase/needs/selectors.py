"""Reads of the needs register: who sees which needs, filters, heat tables."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy

from infobase.accounts.permissions import is_secretariat
from infobase.core.search import search
from infobase.needs.models import Need, NeedStatus
from infobase.needs.programmes import active_themes
from infobase.needs.scoring import (
    CoverageFn,
    ScoredNeed,
    activities_coverage,
    explain,
    ranked_register,
    weights_in_use,
)
from infobase.reference.models import Article, AssistanceKind, LegalFamily, RegionalGroup

# --- Coverage status ----------------------------------------------------------------------


class CoverageStatus(models.TextChoices):
    """How far current and planned activities cover a need (coverage 0–1)."""

    UNCOVERED = "uncovered", gettext_lazy("Uncovered")
    PARTLY = "partly", gettext_lazy("Partly covered")
    COVERED = "covered", gettext_lazy("Covered")


def coverage_status(value: Decimal | int | float | None) -> str:
    """Covered at 1, partly above 0, uncovered at 0: the one rule for every page and file."""
    value = Decimal(str(value or 0))
    if value >= 1:
        return CoverageStatus.COVERED.value
    if value > 0:
        return CoverageStatus.PARTLY.value
    return CoverageStatus.UNCOVERED.value


def status_label(status: str) -> str:
    """The translated label of a coverage status (the status itself when unknown)."""
    return str(CoverageStatus(status).label) if status in CoverageStatus.values else status


def needs_visible_to(user: Any) -> QuerySet[Need]:
    """The secretariat sees every need; anyone else sees their own State's needs and the other
    States' needs that do not rest only on confidential evidence."""
    needs = Need.objects.exclude(status=NeedStatus.MERGED)
    if is_secretariat(user):
        return needs
    own = (
        Q(state_id=getattr(user, "state_id", None))
        if getattr(user, "state_id", None)
        else Q(pk__in=[])
    )
    return needs.filter(own | Q(confidential=False))


@dataclass(frozen=True)
class RegisterFilters:
    instrument: str = ""
    article: int | None = None
    kind: str = ""
    regional_group: str = ""
    legal_family: str = ""
    state: str = ""  # ISO3
    status: str = NeedStatus.OPEN
    coverage: str = ""  # a CoverageStatus value
    query: str = ""  # free text: State names and codes, article numbers and titles


def _coverage_filter(
    needs: QuerySet[Need], status: str, coverage: CoverageFn | None
) -> QuerySet[Need]:
    """``needs`` narrowed to one coverage status (two queries, whatever the number of needs):
    only needs with links have a coverage above 0, so the lists of ids stay short."""
    keys = list(needs.order_by().values_list("pk", "state_id", "article_id", "kind"))
    values: Mapping[int, Decimal] = (coverage or activities_coverage)(keys)
    if status == CoverageStatus.UNCOVERED:
        return needs.exclude(pk__in=[pk for pk, v in values.items() if v > 0])
    return needs.filter(pk__in=[pk for pk, v in values.items() if coverage_status(v) == status])


def register(
    *, user: Any, filters: RegisterFilters, coverage: CoverageFn | None = None
) -> QuerySet[Need]:
    """The needs of the register ``user`` may see, narrowed by ``filters``. ``coverage``:
    the coverage of needs (default: by current and planned activities)."""
    needs = needs_visible_to(user).select_related("state", "article__instrument")
    if filters.status:
        needs = needs.filter(status=filters.status)
    if filters.instrument:
        needs = needs.filter(article__instrument__code=filters.instrument)
    if filters.article:
        needs = needs.filter(article_id=filters.article)
    if filters.kind:
        needs = needs.filter(kind=filters.kind)
    if filters.regional_group:
        group = "" if filters.regional_group == "none" else filters.regional_group
        needs = needs.filter(state__regional_group=group)
    if filters.legal_family in LegalFamily.values:
        needs = needs.filter(**{f"state__legal_{filters.legal_family}": True})
    if filters.state:
        needs = needs.filter(state__iso3=filters.state.upper())
    if filters.query:
        needs = search(needs, filters.query, keys=("state__search_names", "article__search_text"))
    if filters.coverage in CoverageStatus.values:
        needs = _coverage_filter(needs, filters.coverage, coverage)
    return needs


def need_rank(*, user: Any, need: Need) -> tuple[ScoredNeed | None, int]:
    """``need`` scored and explained with its place in the register as ``user`` sees it by
    default (the open needs they may see), and how many needs that ranking holds. A need
    outside that ranking (closed, or excluded by the working group) has no position."""
    weights, themes = weights_in_use(), active_themes()
    ranked = ranked_register(
        needs_qs=register(user=user, filters=RegisterFilters()), weights=weights, themes=themes
    )
    ranked_count = sum(1 for r in ranked if r.position is not None)
    mine = [r for r in ranked if r.need_id == need.pk]
    if not mine:
        alone = ranked_register(
            needs_qs=Need.objects.filter(pk=need.pk), weights=weights, themes=themes
        )
        mine = [replace(r, position=None) for r in alone]
    scored = explain(mine, weights=weights, themes=themes)
    return (scored[0] if scored else None), ranked_count


@dataclass
class HeatTable:
    """Distinct States with a need, by row (article or kind) and regional group."""

    rows: list[tuple[Any, str]]  # (key, label)
    columns: list[tuple[str, str]]
    cells: dict[tuple[Any, str], int] = field(default_factory=dict)
    maximum: int = 0

    def cell(self, row: Any, column: str) -> int:
        return self.cells.get((row, column), 0)

    def matrix(self) -> list[tuple[Any, str, list[tuple[int, int, str]]]]:
        """Rows with their cells as (count, intensity 0–100, column) for the template."""
        out = []
        for key, label in self.rows:
            values = []
            for column, _label in self.columns:
                n = self.cell(key, column)
                values.append((n, round(100 * n / self.maximum) if self.maximum else 0, column))
            out.append((key, label, values))
        return out


GROUP_COLUMNS = [*RegionalGroup.choices, ("", gettext_lazy("No regional group"))]


def _heat(needs: QuerySet[Need], row_field: str) -> dict[tuple[Any, str], int]:
    states: dict[tuple[Any, str], set[int]] = defaultdict(set)
    for row, group, state_id in needs.values_list(row_field, "state__regional_group", "state_id"):
        states[(row, group)].add(state_id)
    return {key: len(ids) for key, ids in states.items()}


def heat_articles_by_group(needs: QuerySet[Need]) -> HeatTable:
    cells = _heat(needs, "article_id")
    article_ids = {key[0] for key in cells}
    articles = Article.objects.filter(pk__in=article_ids).select_related("instrument")
    rows = [
        (a.pk, f"{a.instrument.code.upper()} {a.number} — {a.translated('title')}")
        for a in articles
    ]
    columns = [
        (code, str(label)) for code, label in GROUP_COLUMNS if any(k[1] == code for k in cells)
    ]
    return HeatTable(rows, columns, cells, max(cells.values(), default=0))


def heat_kinds_by_group(needs: QuerySet[Need]) -> HeatTable:
    cells = _heat(needs, "kind")
    rows = [(k.value, str(k.label)) for k in AssistanceKind if any(c[0] == k.value for c in cells)]
    columns = [
        (code, str(label)) for code, label in GROUP_COLUMNS if any(k[1] == code for k in cells)
    ]
    return HeatTable(rows, columns, cells, max(cells.values(), default=0))
