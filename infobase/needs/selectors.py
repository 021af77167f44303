"""Reads of the needs register: who sees which needs, filters, heat tables."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from infobase.accounts.permissions import is_focal_point, is_secretariat, is_wg_member
from infobase.core.search import search
from infobase.needs import scoring
from infobase.needs.models import (
    CLOSED_STATUSES,
    AssistanceRequest,
    Need,
    NeedScore,
    NeedStatus,
    PriorityTheme,
)
from infobase.needs.programmes import active_theme, theme_spec
from infobase.needs.score_table import ScoreTable, need_scores_fill, score_table, stored_facts
from infobase.needs.scoring import CoverageFn, ScoredNeed, activities_coverage
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


def _own_state(user: Any) -> int | None:
    """The State whose confidential needs ``user`` sees besides the public ones (None: none),
    for anyone but the secretariat: the State a focal point or a working-group delegate acts
    for (``accounts.permissions``), never a State merely recorded on another account (a donor,
    an account without a role)."""
    if not (is_focal_point(user) or is_wg_member(user)):
        return None
    return getattr(user, "state_id", None) or None


def needs_visible_to(user: Any) -> QuerySet[Need]:
    """The secretariat sees every need; anyone else sees their own State's needs and the other
    States' needs that do not rest only on confidential evidence."""
    return Need.objects.filter(visible_needs_q(user))


def register_definition() -> str:
    """What the register's count and rows are: stated on its page and in its files (one
    definition of the figure; the rule is ``visible_needs_q``)."""
    return _(
        "Counted: the needs of the consolidated register that match the filters (the open "
        "ones unless another status is chosen; a need merged into another is counted in it). "
        "A need that rests only on a State's confidential information is counted only for "
        "that State and the secretariat."
    )


def visible_needs_q(user: Any, path: str = "") -> Q:
    """``needs_visible_to`` as a condition on the needs reached by ``path`` ("needs_reviewed__"
    from a session, say), for counts over a relation: ``Count(path, filter=…)``."""
    visible = ~Q(**{f"{path}status": NeedStatus.MERGED})
    if is_secretariat(user):
        return visible
    own = _own_state(user)
    mine = Q(**{f"{path}state_id": own}) if own else Q(**{f"{path}pk__in": []})
    return visible & (mine | Q(**{f"{path}confidential": False}))


def visible_evidence_q(user: Any) -> Q:
    """The evidence of needs (``NeedEvidence``) ``user`` may see one by one: all of it for the
    secretariat; for anyone else the sources that are not confidential, and the confidential
    ones of the State they act for. Nothing is said of the others, not even how many there are:
    a count of another State's confidential sources would tell that its confidential answers
    or requests exist."""
    if is_secretariat(user):
        return Q()
    public = Q(stated_need__confidential=False) | Q(request_line__request__confidential=False)
    own = _own_state(user)
    return public | Q(need__state_id=own) if own else public


def visibility_key(user: Any) -> str:
    """Who sees the same needs as ``user`` by ``needs_visible_to``: "all" (the secretariat),
    "state:<pk>" (that State's people) or "public" (everyone else). Figures over the needs a
    user sees are kept under it (``core.figures.kept``), never under anything coarser."""
    if is_secretariat(user):
        return "all"
    own = _own_state(user)
    return f"state:{own}" if own else "public"


# The register's status filter, as the page, its file and the API name it. A request that
# names no status (a bare link to the register, a heat-table cell, a gap row) means the open
# needs, and the page's form shows "Open" for it; every status is chosen by naming it "any".
ANY_STATUS = "any"
CLOSED_STATUS = "closed"  # the API's: met or no longer relevant


def status_filter(value: str | None) -> str:
    """``RegisterFilters.status`` for the ``status`` a request names (none or empty: open)."""
    if not value:
        return NeedStatus.OPEN
    return "" if value == ANY_STATUS else value


@dataclass(frozen=True)
class RegisterFilters:
    instrument: str = ""
    article: int | None = None
    kind: str = ""
    regional_group: str = ""
    legal_family: str = ""
    state: str = ""  # ISO3
    status: str = NeedStatus.OPEN  # "": every status; CLOSED_STATUS: either closing status
    coverage: str = ""  # a CoverageStatus value
    query: str = ""  # free text: State names and codes, article numbers and titles
    theme: int | None = None  # a priority theme of an active work programme: the needs it matches


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
    if filters.status == CLOSED_STATUS:
        needs = needs.filter(status__in=CLOSED_STATUSES)
    elif filters.status:
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
    if filters.theme is not None:
        theme = active_theme(filters.theme)
        needs = needs.filter(theme.needs_q()) if theme else needs.none()
    if filters.query:
        needs = search(needs, filters.query, keys=("state__search_names", "article__search_text"))
    if filters.coverage in CoverageStatus.values:
        needs = _coverage_filter(needs, filters.coverage, coverage)
    return needs


def theme_need_counts(*, user: Any, themes: Iterable[PriorityTheme]) -> dict[int, int]:
    """How many open needs of the register ``user`` may see each theme matches, as the register
    narrowed to the theme (``RegisterFilters(theme=…)``) counts them, in one query for all the
    themes; the themes of programmes that no longer guide the priorities match none."""
    themes = list(themes)
    active = [t for t in themes if t.programme.is_active]
    counts = (
        register(user=user, filters=RegisterFilters()).aggregate(
            **{str(t.pk): Count("pk", filter=theme_spec(t).needs_q()) for t in active}
        )
        if active
        else {}
    )
    return {t.pk: counts.get(str(t.pk), 0) for t in themes}


def active_theme_need_counts(*, user: Any) -> dict[int, int] | None:
    """``theme_need_counts`` of every theme of the programmes that guide the current priorities
    (one query for the themes, one for the counts); None for a reader who may not see the
    register. The programmes page and the API's work programmes give these numbers."""
    if not user.has_perm("needs.view_register"):
        return None
    themes = (
        PriorityTheme.objects.filter(programme__is_active=True)
        .select_related("programme", "instrument")
        .prefetch_related("articles")
    )
    return theme_need_counts(user=user, themes=themes)


# --- The stored scores --------------------------------------------------------------------

# The register's order on the stored rows (``scoring.rank_key``): ranked needs first, pinned
# ones first, then by score, State, instrument, article, kind and id (index "needscore_rank").
RANK_ORDER = (
    "stored_score__excluded",
    "-stored_score__pinned",
    "-stored_score__total",
    "stored_score__state_iso3",
    "stored_score__instrument_position",
    "stored_score__article_number",
    "stored_score__kind",
    "pk",
)
COVERAGE_Q = {
    CoverageStatus.UNCOVERED.value: Q(stored_score__coverage__lte=0),
    CoverageStatus.PARTLY.value: Q(stored_score__coverage__gt=0, stored_score__coverage__lt=1),
    CoverageStatus.COVERED.value: Q(stored_score__coverage__gte=1),
}


def _explained(
    needs: list[Need], table: ScoreTable, positions: list[int | None]
) -> list[ScoredNeed]:
    """Stored rows explained term by term with the weights and themes they were computed with
    (``needs`` with ``stored_score``, State and article's instrument loaded)."""
    out = []
    for need, position in zip(needs, positions, strict=True):
        facts = stored_facts(need.stored_score, need)
        explanation = scoring.score(facts, table.weights, table.themes)
        out.append(ScoredNeed(facts, explanation, position=position))
    return out


def _with_rows(needs: QuerySet[Need]) -> QuerySet[Need]:
    return needs.select_related("stored_score", "state", "article__instrument")


def _stored_row(need: Need) -> NeedScore | None:
    try:
        return need.stored_score
    except NeedScore.DoesNotExist:
        return None


def ranked_needs(
    *, needs_qs: QuerySet[Need], fill: bool = True
) -> tuple[list[scoring.RankedNeed], ScoreTable]:
    """The needs of ``needs_qs`` with their stored scores, in the register's order (positions
    counted among them; excluded ones last, without a position), unexplained, and the table's
    configuration. Needs without a stored score yet are scored first (``fill``), else scored
    live in memory as a refresh would store them (same weights, themes and day)."""
    if fill:
        need_scores_fill(needs_qs=needs_qs)
    table = score_table()
    ranked, missing = [], []
    for need in _with_rows(needs_qs).order_by():
        row = _stored_row(need)
        if row is None:
            missing.append(need.pk)
        else:
            ranked.append(scoring.RankedNeed(stored_facts(row, need), row.total))
    if missing:
        ranked += scoring.ranked_register(
            needs_qs=Need.objects.filter(pk__in=missing),
            weights=table.weights,
            themes=table.themes,
            today=table.today,
        )
    ranking = scoring.rank(ranked)
    return ranking.ranked + ranking.excluded, table


def scored_needs(
    *, needs_qs: QuerySet[Need], fill: bool = True
) -> tuple[list[ScoredNeed], ScoreTable]:
    """``ranked_needs``, each need's score explained term by term in the active language."""
    ranked, table = ranked_needs(needs_qs=needs_qs, fill=fill)
    return scoring.explain(ranked, weights=table.weights, themes=table.themes), table


def priority_totals(*, needs_qs: QuerySet[Need], on: date) -> dict[int, Decimal]:
    """The priority score (total) of each need of ``needs_qs`` as on ``on``, for the pages
    that weigh or sort needs by it (equity, resource mobilization).

    When the stored table counts its ages from ``on`` (the daily refresh makes that today) the
    totals are the register's stored ones, read in one query; needs without a stored row, and
    every need for any other day, are scored as a refresh on ``on`` would store them (the
    table's weights and themes). Either way the register and these pages show one number."""
    table = score_table()
    totals: dict[int, Decimal] = {}
    rest = needs_qs
    if table.today == on:
        totals = dict(
            NeedScore.objects.filter(need__in=needs_qs.order_by().values("pk")).values_list(
                "need_id", "total"
            )
        )
        rest = needs_qs.filter(stored_score__isnull=True)
        if not rest.exists():
            return totals
    for ranked in scoring.ranked_register(
        needs_qs=rest, weights=table.weights, themes=table.themes, today=on
    ):
        totals[ranked.need_id] = ranked.total
    return totals


@dataclass
class RegisterScored:
    """The register's needs with a stored score, and how many it cannot show yet: needs whose
    score a refresh running elsewhere has not stored yet (see ``need_scores_fill``)."""

    needs: QuerySet[Need]
    pending: int


def register_scored(*, user: Any, filters: RegisterFilters, priority: str = "") -> RegisterScored:
    """The needs of the register ``user`` may see, narrowed by ``filters`` and the State's
    ``priority`` (urgency), the coverage and priority read from the stored scores. Needs without
    a stored score yet are scored first (``need_scores_fill``)."""
    needs = register(user=user, filters=replace(filters, coverage=""))
    pending = need_scores_fill(needs_qs=needs)
    needs = needs.filter(stored_score__isnull=False)
    if priority:
        needs = needs.filter(stored_score__urgency=priority)
    if filters.coverage in COVERAGE_Q:
        needs = needs.filter(COVERAGE_Q[filters.coverage])
    return RegisterScored(needs, pending)


@dataclass
class RegisterPage:
    """One page of the register read from the stored scores."""

    page: Page[Any]
    scored: list[tuple[ScoredNeed, Need]]
    total: int
    coverage_counts: dict[str, int]
    table: ScoreTable
    pending: int = 0  # needs of the register not shown yet: their scores are being stored


def register_page(
    *, user: Any, filters: RegisterFilters, priority: str = "", page: Any = 1, per_page: int = 50
) -> RegisterPage:
    """A page of the register ``user`` may see, filtered, sorted and paginated in SQL on the
    stored scores (a constant number of queries). Needs without a stored score yet are scored
    first (``need_scores_fill``); the coverage and priority filters read the stored facts."""
    found = register_scored(user=user, filters=filters, priority=priority)
    needs = found.needs
    counts = needs.aggregate(**{status: Count("pk", filter=q) for status, q in COVERAGE_Q.items()})
    total = sum(counts.values())
    paginator = Paginator(_with_rows(needs).order_by(*RANK_ORDER), per_page)
    paginator.count = total  # known already: spares the count query
    shown = paginator.get_page(page)
    rows = list(shown.object_list)
    start = shown.start_index()
    positions = [None if need.stored_score.excluded else start + i for i, need in enumerate(rows)]
    table = score_table()
    scored = _explained(rows, table, positions)
    return RegisterPage(
        shown, list(zip(scored, rows, strict=True)), total, counts, table, found.pending
    )


def _before(row: NeedScore) -> Q:
    """Stored rows placed before ``row`` in the ranking (among ranked needs)."""
    p = "stored_score__"
    keys = [
        ("state_iso3", row.state_iso3),
        ("instrument_position", row.instrument_position),
        ("article_number", row.article_number),
        ("kind", row.kind),
    ]
    tail = Q(pk__lt=row.need_id)
    for name, value in reversed(keys):
        tail = Q(**{f"{p}{name}__lt": value}) | (Q(**{f"{p}{name}": value}) & tail)
    by_score = Q(**{f"{p}total__gt": row.total}) | (Q(**{f"{p}total": row.total}) & tail)
    same_pin = Q(**{f"{p}pinned": row.pinned}) & by_score
    return (Q(**{f"{p}pinned": True}) | same_pin) if not row.pinned else same_pin


def need_rank(*, user: Any, need: Need) -> tuple[ScoredNeed | None, int]:
    """``need``'s stored score explained, with its place in the register as ``user`` sees it
    by default (the open needs they may see), and how many needs that ranking holds. A need
    outside that ranking (closed, or excluded by the working group) has no position."""
    default = register(user=user, filters=RegisterFilters())
    need_scores_fill(needs_qs=default)
    need_scores_fill(needs_qs=Need.objects.filter(pk=need.pk))
    mine = _with_rows(Need.objects.filter(pk=need.pk, stored_score__isnull=False)).first()
    ranked = default.filter(stored_score__excluded=False)
    count = ranked.count()
    if mine is None:
        return None, count
    position = None
    if not mine.stored_score.excluded and default.filter(pk=need.pk).exists():
        position = ranked.filter(_before(mine.stored_score)).count() + 1
    scored = _explained([mine], score_table(), [position])
    return scored[0], count


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
    """Distinct States per (row, regional group), counted in the database."""
    return {
        (row, group): n
        for row, group, n in needs.order_by()
        .values_list(row_field, "state__regional_group")
        .annotate(n=Count("state_id", distinct=True))
    }


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


def request_documents_bytes(state_id: int) -> int:
    """The bytes the documents of the State's requests take (its quota: ``core.quota``)."""
    total = AssistanceRequest.objects.filter(state_id=state_id).aggregate(
        total=Sum("document_size")
    )["total"]
    return int(total or 0)
