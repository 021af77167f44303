"""Reads of activities: the filtered list, who does what where (the matrix) and the map figures.

Money is never converted: no exchange rates are held. Sums are kept per currency, and the map's
"funding" measure is the number of funded activities (budget or disbursement above zero) per
recipient State; the figures table beside it gives the budget sums per currency.

Budgets of activities with several recipient States are shared between them by the recipients'
percentages where the publisher gave them, otherwise equally. An activity addressing several
themes counts under each of them; its budget is not split between themes (so sums over themes
overcount — the matrix's totals are computed per activity, not by adding rows).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from infobase.activities.coverage.measures import coverage_of
from infobase.activities.models import (
    Activity,
    ProviderKind,
    Recipient,
    Theme,
)
from infobase.core.search import search
from infobase.core.text import fold
from infobase.needs.models import Need, NeedStatus
from infobase.needs.selectors import needs_visible_to
from infobase.reference.models import AssistanceKind, CodelistItem, Organization, State

# --- The list -----------------------------------------------------------------------------


ACTIVITY_ORDER = ("-actual_start", "-planned_start", "iati_identifier")


@dataclass(frozen=True)
class ActivityFilters:
    provider: int | None = None  # Organization pk
    provider_kind: str = ""
    recipient: str = ""  # ISO3
    regional_group: str = ""
    instrument: str = ""  # instrument code
    article: int | None = None
    kind: str = ""
    status: str = ""  # IATI ActivityStatus code
    source: str = ""
    text: str = ""
    include_missing: bool = True


def activities(*, filters: ActivityFilters) -> QuerySet[Activity]:
    """Activities matching every filter given (everyone signed in may read activities)."""
    qs = Activity.objects.select_related("provider")
    # Filters over recipients, themes and instruments join rows that repeat an activity.
    joined = bool(
        filters.recipient
        or filters.regional_group
        or filters.instrument
        or filters.article
        or filters.kind
    )
    if filters.provider:
        qs = qs.filter(provider_id=filters.provider)
    if filters.provider_kind:
        qs = qs.filter(provider_kind=filters.provider_kind)
    if filters.recipient:
        qs = qs.filter(recipients__state__iso3=filters.recipient.upper())
    if filters.regional_group:
        qs = qs.filter(recipients__state__regional_group=filters.regional_group)
    if filters.instrument:
        qs = qs.filter(
            Q(instruments__code=filters.instrument)
            | Q(themes__article__instrument__code=filters.instrument)
        )
    if filters.article:
        qs = qs.filter(themes__article_id=filters.article)
    if filters.kind:
        qs = qs.filter(themes__kind=filters.kind)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.source:
        qs = qs.filter(source=filters.source)
    if not filters.include_missing:
        qs = qs.filter(missing_from_source=False)
    qs = search(qs, filters.text)
    if not joined:
        return qs.order_by(*ACTIVITY_ORDER)
    # Keep each activity once.
    return (
        Activity.objects.select_related("provider")
        .filter(pk__in=qs.values("pk"))
        .order_by(*ACTIVITY_ORDER)
    )


# --- Shares of recipients -----------------------------------------------------------------


def recipient_shares(recipients: Sequence[Recipient]) -> dict[Any, Decimal]:
    """Each recipient's share (0–1) of the activity: its percentage where every recipient has
    one, otherwise equal shares. Keys: the State (or the region code for regional ones)."""
    if not recipients:
        return {}
    keys = [r.state if r.state_id else f"region:{r.region_code}" for r in recipients]
    if all(r.percentage is not None for r in recipients):
        total = sum((r.percentage or Decimal(0) for r in recipients), Decimal(0))
        if total > 0:
            return {
                k: (r.percentage or Decimal(0)) / total
                for k, r in zip(keys, recipients, strict=True)
            }
    return {k: Decimal(1) / len(keys) for k in keys}


# --- Who does what where ------------------------------------------------------------------

ThemeAxis = Literal["instrument", "article", "kind"]
THEME_AXES: tuple[ThemeAxis, ...] = ("instrument", "article", "kind")
NO_THEME = "-"


@dataclass(frozen=True)
class MatrixRow:
    provider_key: str
    provider: str
    state_key: str  # ISO3, or "region:<code>" for regional activities
    state: str
    theme_key: str
    theme: str
    activities: int
    budget: Mapping[str, Decimal]  # currency → sum of the State's shares of the budgets
    activity_ids: tuple[int, ...] = ()

    def budget_text(self) -> str:
        return "; ".join(f"{amount:,.0f} {cur}" for cur, amount in sorted(self.budget.items()))


@dataclass
class Matrix:
    axis: ThemeAxis
    rows: list[MatrixRow] = field(default_factory=list)
    activity_count: int = 0  # distinct activities in the matrix

    @property
    def providers(self) -> list[str]:
        return sorted({r.provider for r in self.rows})

    @property
    def states(self) -> list[str]:
        return sorted({r.state for r in self.rows})


def _provider(activity: Activity) -> tuple[str, str]:
    if activity.provider_id and activity.provider is not None:
        return f"org:{activity.provider.code}", str(activity.provider)
    name = activity.reporting_org_name or activity.reporting_org_ref or _("Unknown provider")
    return f"ref:{activity.reporting_org_ref or name}", name


def _themes(
    activity: Activity, axis: ThemeAxis, filters: ActivityFilters
) -> list[tuple[str, str, tuple[Any, ...]]]:
    """(key, label, sort key) of the activity's themes on ``axis``, within the filters."""
    found: dict[str, tuple[str, tuple[Any, ...]]] = {}
    themes: list[Theme] = list(activity.themes.all())
    if filters.article:
        themes = [t for t in themes if t.article_id == filters.article]
    if filters.kind:
        themes = [t for t in themes if t.kind == filters.kind]
    if filters.instrument:
        themes = [
            t
            for t in themes
            if t.article is None or t.article.instrument.code == filters.instrument
        ]
    if axis == "instrument":
        instruments = {t.article.instrument for t in themes if t.article is not None}
        if not (filters.article or filters.kind):
            instruments |= set(activity.instruments.all())
        if filters.instrument:
            instruments = {i for i in instruments if i.code == filters.instrument}
        for instrument in instruments:
            found[instrument.code] = (str(instrument), (instrument.position, instrument.code))
    elif axis == "article":
        for t in themes:
            if t.article is not None:
                a = t.article
                found[str(a.pk)] = (
                    f"{a} — {a.translated('title')}",
                    (a.instrument.position, a.number),
                )
    else:
        order = {k: i for i, k in enumerate(AssistanceKind.values)}
        for t in themes:
            if t.kind:
                found[t.kind] = (str(AssistanceKind(t.kind).label), (order.get(t.kind, 99), t.kind))
    if not found:
        return [(NO_THEME, _("No theme recorded"), (999, ""))]
    return [(key, label, sort) for key, (label, sort) in found.items()]


def _region_names(codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    return dict(
        CodelistItem.objects.filter(codelist__name="Region", code__in=codes).values_list(
            "code", "name_en"
        )
    )


def who_what_where(*, filters: ActivityFilters, axis: ThemeAxis = "instrument") -> Matrix:
    """Providers × recipient States (or regions) × themes: the number of activities and the
    budget shares per currency in each cell. Deterministic: rows sorted by provider, State and
    theme labels."""
    if axis not in THEME_AXES:
        raise ValueError(axis)
    qs = activities(filters=filters).prefetch_related(
        Prefetch("recipients", queryset=Recipient.objects.select_related("state").order_by("pk")),
        Prefetch(
            "themes", queryset=Theme.objects.select_related("article__instrument").order_by("pk")
        ),
        "instruments",
    )
    group = filters.regional_group
    cells: dict[tuple[str, str, str], dict[str, Any]] = {}
    labels: dict[str, tuple[str, tuple[Any, ...]]] = {}
    distinct: set[int] = set()
    region_codes: set[str] = set()
    for activity in qs:
        provider_key, provider = _provider(activity)
        recipients = list(activity.recipients.all())
        shares = recipient_shares(recipients)
        themes = _themes(activity, axis, filters)
        for recipient_key, share in shares.items():
            if isinstance(recipient_key, State):
                if filters.recipient and recipient_key.iso3 != filters.recipient.upper():
                    continue
                if group and recipient_key.regional_group != group:
                    continue
                state_key = recipient_key.iso3
                labels[state_key] = (str(recipient_key), (0, recipient_key.name_en))
            else:
                if filters.recipient or group:
                    continue
                state_key = recipient_key
                region_codes.add(recipient_key.split(":", 1)[1])
            for theme_key, theme_label, theme_sort in themes:
                labels["theme:" + theme_key] = (theme_label, theme_sort)
                cell = cells.setdefault(
                    (provider_key, state_key, theme_key),
                    {"provider": provider, "ids": [], "budget": defaultdict(Decimal)},
                )
                cell["ids"].append(activity.pk)
                if activity.budget is not None and activity.default_currency:
                    cell["budget"][activity.default_currency] += activity.budget * share
                distinct.add(activity.pk)
    regions = _region_names(region_codes)
    for code in region_codes:
        name = regions.get(code) or code
        labels[f"region:{code}"] = (_("Region: %(name)s") % {"name": name}, (1, name))
    rows = [
        MatrixRow(
            provider_key=pk,
            provider=cell["provider"],
            state_key=sk,
            state=labels[sk][0],
            theme_key=tk,
            theme=labels["theme:" + tk][0],
            activities=len(cell["ids"]),
            budget={c: v.quantize(Decimal("0.01")) for c, v in cell["budget"].items()},
            activity_ids=tuple(sorted(cell["ids"])),
        )
        for (pk, sk, tk), cell in cells.items()
    ]
    rows.sort(
        key=lambda r: (
            fold(r.provider),
            labels[r.state_key][1],
            labels["theme:" + r.theme_key][1],
            r.provider_key,
        )
    )
    return Matrix(axis=axis, rows=rows, activity_count=len(distinct))


# --- The map ------------------------------------------------------------------------------

Measure = Literal["needs", "coverage", "funding"]
MEASURES: tuple[Measure, ...] = ("needs", "coverage", "funding")


def open_needs(user: Any) -> QuerySet[Need]:
    return needs_visible_to(user).filter(status=NeedStatus.OPEN)


def map_figures(*, measure: Measure, user: Any) -> dict[str, Decimal | int | None]:
    """One figure per State (ISO3), for every State:

    - ``needs``: open needs the user may see;
    - ``coverage``: the mean coverage (0–1) of the State's open needs the user may see — None
      when the State has none;
    - ``funding``: the number of activities with a budget or disbursement above zero addressed
      to the State (activities no longer in their publisher's file left out).
    """
    states = list(State.objects.values_list("pk", "iso3"))
    iso = dict(states)
    if measure == "needs":
        counts: dict[str, Decimal | int | None] = {code: 0 for _pk, code in states}
        for state_id, n in (
            open_needs(user).order_by().values_list("state_id").annotate(n=Count("pk"))
        ):
            counts[iso[state_id]] = n
        return counts
    if measure == "coverage":
        keys = list(
            open_needs(user).order_by("pk").values_list("pk", "state_id", "article_id", "kind")
        )
        covered = coverage_of(keys)
        per_state: dict[int, list[Decimal]] = defaultdict(list)
        for need_id, state_id, _article, _kind in keys:
            per_state[state_id].append(Decimal(covered.get(need_id, 0)))
        result: dict[str, Decimal | int | None] = {code: None for _pk, code in states}
        for state_id, values in per_state.items():
            result[iso[state_id]] = (sum(values, Decimal(0)) / len(values)).quantize(
                Decimal("0.001")
            )
        return result
    if measure == "funding":
        funded = (
            Recipient.objects.filter(state__isnull=False, activity__missing_from_source=False)
            .filter(Q(activity__budget__gt=0) | Q(activity__disbursed__gt=0))
            .values_list("state_id", "activity_id")
            .distinct()
        )
        per: dict[str, set[int]] = defaultdict(set)
        for state_id, activity_id in funded:
            per[iso[state_id]].add(activity_id)
        return {code: len(per.get(code, ())) for _pk, code in states}
    raise ValueError(measure)


def funding_by_currency() -> dict[str, dict[str, Decimal]]:
    """ISO3 → currency → the States' shares of the budgets of activities addressed to them."""
    result: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    qs = (
        Activity.objects.filter(missing_from_source=False, budget__gt=0)
        .exclude(default_currency="")
        .prefetch_related(
            Prefetch("recipients", queryset=Recipient.objects.select_related("state"))
        )
    )
    for activity in qs:
        for key, share in recipient_shares(list(activity.recipients.all())).items():
            if isinstance(key, State):
                result[key.iso3][activity.default_currency] += (activity.budget or 0) * share
    return {
        iso3: {c: v.quantize(Decimal("1")) for c, v in sorted(by.items())}
        for iso3, by in result.items()
    }


def provider_choices() -> QuerySet[Organization]:
    """The organizations that provide at least one activity."""
    provides = Activity.objects.filter(provider_id=OuterRef("pk"))
    return Organization.objects.filter(Exists(provides)).order_by("name_en")


PROVIDER_KINDS = ProviderKind.choices
