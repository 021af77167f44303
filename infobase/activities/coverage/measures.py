"""Coverage of needs and the gaps it leaves.

**Coverage** (``coverage_of``): min(1, sum of the shares of the need's accepted and manual
links to current and planned activities). ``coverage_status``: covered at 1, partly above 0,
uncovered at 0. ``coverage_of`` is the default ``CoverageFn`` of ``infobase.needs.scoring``.

**Gaps** (``gaps``): the open needs a user may see by regional group, legal system, article or
kind of assistance, counted as uncovered, partly covered and covered.

**The overview** (``overview``): the counts by status and the gaps by every dimension, from one
reading of the open needs' coverage, kept (``core.figures.kept``) for everyone who sees the
same needs while the needs, links, activities and reference data are unchanged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from infobase.activities.coverage.counting import COUNTING_STATUSES, current_q
from infobase.activities.models import Activity, NeedLink
from infobase.core.figures import kept
from infobase.needs.models import Need, NeedStatus
from infobase.needs.selectors import coverage_status, visibility_key
from infobase.reference.models import (
    LEGAL_FLAGS,
    Article,
    AssistanceKind,
    Instrument,
    LegalFamily,
    RegionalGroup,
    State,
    legal_families_of,
)

NeedKey = tuple[int, int, int, str]
IN_LIST_LIMIT = 500


def coverage_of(
    needs: Sequence[NeedKey] | Sequence[int] | QuerySet[Need], *, today: date | None = None
) -> dict[int, Decimal]:
    """need id → min(1, sum of the shares of its accepted and manual links to current and
    planned activities); needs without such links are left out (coverage 0). One query."""
    today = today or timezone.localdate()
    links = NeedLink.objects.filter(status__in=COUNTING_STATUSES).filter(
        current_q(today, "activity__")
    )
    wanted: set[int] | None = None
    if isinstance(needs, QuerySet):
        links = links.filter(need_id__in=needs.order_by().values("pk"))
    else:
        wanted = {k[0] if isinstance(k, tuple) else int(k) for k in needs}
        if not wanted:
            return {}
        if len(wanted) <= IN_LIST_LIMIT:
            links = links.filter(need_id__in=wanted)
    out: dict[int, Decimal] = {}
    for need_id, total in (
        links.order_by()
        .values("need_id")
        .annotate(total=Sum("share"))
        .values_list("need_id", "total")
    ):
        if wanted is not None and need_id not in wanted:
            continue
        value = min(Decimal(total), Decimal("1"))
        if value > 0:
            out[need_id] = value
    return out


# --- Gaps -------------------------------------------------------------------------------

GAP_DIMENSIONS = ("regional_group", "legal_family", "article", "kind")


def dimension_label(by: str) -> str:
    return {
        "regional_group": _("Regional group"),
        "legal_family": _("Legal system"),
        "article": _("Article"),
        "kind": _("Kind of assistance"),
    }[by]


@dataclass(frozen=True)
class GapRow:
    key: str
    label: str
    uncovered: int
    partly: int
    covered: int

    @property
    def total(self) -> int:
        return self.uncovered + self.partly + self.covered

    @property
    def gaps(self) -> int:
        return self.uncovered + self.partly


def open_needs_coverage(*, user: Any, today: date | None = None) -> list[tuple[Any, ...]]:
    """(need id, state id, regional group, legal flags×4, article id, kind, coverage) of the
    open needs ``user`` may see."""
    from infobase.needs.selectors import needs_visible_to

    qs = needs_visible_to(user).filter(status=NeedStatus.OPEN)
    cov = coverage_of(qs, today=today)
    rows = qs.order_by().values_list(
        "pk",
        "state_id",
        "state__regional_group",
        *(f"state__{flag}" for flag in LEGAL_FLAGS),
        "article_id",
        "kind",
    )
    return [(*r, cov.get(r[0], Decimal("0"))) for r in rows]


def status_counts(
    *, user: Any, today: date | None = None, needs: Sequence[tuple[Any, ...]] | None = None
) -> dict[str, int]:
    """Open needs (visible to ``user``) by coverage status; ``needs``: the rows of
    ``open_needs_coverage`` when the caller has read them already (a page of several tables)."""
    counts = {"covered": 0, "partly": 0, "uncovered": 0}
    if needs is None:
        needs = open_needs_coverage(user=user, today=today)
    for row in needs:
        counts[coverage_status(row[-1])] += 1
    return counts


def gaps(
    *,
    user: Any,
    by: str,
    today: date | None = None,
    needs: Sequence[tuple[Any, ...]] | None = None,
) -> list[GapRow]:
    """Open needs (visible to ``user``) by ``by``: uncovered, partly covered, covered; rows
    with the most gaps first. ``needs`` as for ``status_counts``."""
    if by not in GAP_DIMENSIONS:
        raise ValueError(by)
    if needs is None:
        needs = open_needs_coverage(user=user, today=today)
    counts: dict[str, dict[str, int]] = defaultdict(
        lambda: {"covered": 0, "partly": 0, "uncovered": 0}
    )
    for _pk, _state, group, *rest in needs:
        legal, article_id, kind, value = rest[:4], rest[4], rest[5], rest[6]
        status = coverage_status(value)
        if by == "regional_group":
            keys = [group or ""]
        elif by == "legal_family":
            keys = list(legal_families_of(legal)) or [""]
        elif by == "article":
            keys = [str(article_id)]
        else:
            keys = [kind]
        for key in keys:
            counts[key][status] += 1
    labels: dict[str, str]
    if by == "regional_group":
        labels = {k: str(v) for k, v in RegionalGroup.choices}
        labels[""] = _("No regional group")
    elif by == "legal_family":
        labels = {k: str(v) for k, v in LegalFamily.choices}
        labels[""] = _("Not classified")
    elif by == "article":
        labels = {
            str(a.pk): f"{a.instrument.code.upper()} {a.number} — {a.translated('title')}"
            for a in Article.objects.filter(
                pk__in=[int(k) for k in counts if k.isdigit()]
            ).select_related("instrument")
        }
    else:
        labels = {k: str(v) for k, v in AssistanceKind.choices}
    rows = [
        GapRow(key, labels.get(key, key), c["uncovered"], c["partly"], c["covered"])
        for key, c in counts.items()
    ]
    rows.sort(key=lambda r: (-r.gaps, -r.total, r.label))
    return rows


# --- The overview -------------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    counts: dict[str, int]  # coverage status → open needs
    tables: list[tuple[str, str, list[GapRow]]]  # dimension, its label, its rows


def overview_sources() -> tuple[str, ...]:
    """Every model the overview reads (``core.figures.kept``)."""
    return tuple(m._meta.label for m in (Need, NeedLink, Activity, State, Article, Instrument))


def overview(*, user: Any, today: date | None = None) -> Overview:
    """Open needs (visible to ``user``) by coverage status, and the gaps by every dimension
    (``GAP_DIMENSIONS``), from one reading of their coverage; kept while the data under them
    is unchanged."""
    today = today or timezone.localdate()

    def compute() -> Overview:
        needs = open_needs_coverage(user=user, today=today)
        return Overview(
            counts=status_counts(user=user, needs=needs),
            tables=[
                (by, dimension_label(by), gaps(user=user, by=by, needs=needs))
                for by in GAP_DIMENSIONS
            ],
        )

    return kept(
        name="coverage-overview",
        params={"scope": visibility_key(user), "today": today},
        sources=overview_sources(),
        compute=compute,
    )
