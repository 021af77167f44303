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
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from itertools import accumulate
from typing import Any, Literal, NamedTuple

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from infobase.activities.coverage.measures import coverage_of
from infobase.activities.models import (
    Activity,
    NeedLink,
    ProviderKind,
    Recipient,
    Theme,
    activity_figure_sources,
)
from infobase.core.collation import collation_key
from infobase.core.figures import kept, warmer
from infobase.core.search import search
from infobase.core.text import fold
from infobase.needs.models import Need, NeedStatus
from infobase.needs.selectors import needs_visible_to, visible_needs_q
from infobase.reference.models import (
    Article,
    AssistanceKind,
    Instrument,
    Organization,
    State,
)
from infobase.reference.regions import region_names

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
    states = {r.state_id: r.state for r in recipients if r.state_id}
    shares = _recipient_row_shares(
        [(r.activity_id, r.state_id, r.region_code, r.percentage) for r in recipients]
    )
    return {states[k] if isinstance(k, int) else k: share for k, share in shares.items()}


# --- Who does what where ------------------------------------------------------------------

ThemeAxis = Literal["instrument", "article", "kind"]
THEME_AXES: tuple[ThemeAxis, ...] = ("instrument", "article", "kind")
NO_THEME = "-"


class MatrixRow(NamedTuple):  # a tuple: a world-scale matrix has ~33k rows to copy and pickle
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

    # Pickled with the budgets as text (kept figures are shared between processes so): decimals
    # unpickle one call each, and a world-scale matrix took 0.12 s to unpickle, now 0.05 s.
    def __getstate__(self) -> tuple[Any, ...]:
        rows = [(*r[:7], tuple((c, str(a)) for c, a in r.budget.items()), r[8]) for r in self.rows]
        return (self.axis, self.activity_count, rows)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        self.axis, self.activity_count, rows = state
        self.rows = [
            MatrixRow._make((*head, {c: Decimal(a) for c, a in budget}, ids))
            for *head, budget, ids in rows
        ]


# The matrix reads plain rows (value tuples), not model instances: at world scale it covers
# ~100k activities, each with recipients, themes and instruments.
_RecipientRow = tuple[int, int | None, str, Decimal | None]  # activity, State, region, percentage
_ThemeRow = tuple[int | None, str]  # article pk, kind
_Theme = tuple[str, str, tuple[Any, ...]]  # key, label, sort key on the axis
_KIND_ORDER = {k: i for i, k in enumerate(AssistanceKind.values)}
_ZERO = Decimal(0)
_ONE = Decimal(1)
_CENT = Decimal("0.01")


def _recipient_row_shares(recipients: Sequence[_RecipientRow]) -> dict[int | str, Decimal]:
    """``recipient_shares`` over plain rows. Keys: the State's pk (or "region:<code>")."""
    if not recipients:
        return {}
    if len(recipients) == 1 and recipients[0][3] is None:
        # Most activities: one recipient without percentage, whose share is Decimal(1) / 1.
        _activity_id, state_id, region, _percentage = recipients[0]
        return {state_id if state_id else f"region:{region}": _ONE}
    keys: list[int | str] = [r[1] if r[1] else f"region:{r[2]}" for r in recipients]
    if all(r[3] is not None for r in recipients):
        total = sum((r[3] or Decimal(0) for r in recipients), Decimal(0))
        if total > 0:
            return {k: (r[3] or Decimal(0)) / total for k, r in zip(keys, recipients, strict=True)}
    return {k: Decimal(1) / len(keys) for k in keys}


def _provider(provider: Organization | None, name: str, ref: str, unknown: str) -> tuple[str, str]:
    if provider is not None:
        return f"org:{provider.code}", str(provider)
    name = name or ref or unknown
    return f"ref:{ref or name}", name


def _known_themes(
    axis: ThemeAxis, articles: Mapping[int, Article], instruments: Mapping[int, Instrument]
) -> dict[Any, _Theme]:
    """The theme of each article or instrument (by pk) on ``axis``, labelled once; kinds are
    added as they come."""
    if axis == "article":
        return {
            pk: (str(pk), f"{a} — {a.translated('title')}", (a.instrument.position, a.number))
            for pk, a in articles.items()
        }
    if axis == "instrument":
        return {pk: (i.code, str(i), (i.position, i.code)) for pk, i in instruments.items()}
    return {}


def _themes(
    themes: Sequence[_ThemeRow],
    instrument_ids: Sequence[int],
    *,
    axis: ThemeAxis,
    filters: ActivityFilters,
    articles: Mapping[int, Article],
    known: dict[Any, _Theme],
    no_theme: _Theme,
) -> list[_Theme]:
    """(key, label, sort key) of an activity's themes on ``axis``, within the filters, from its
    theme rows (by pk) and its instruments' pks (in the instruments' order)."""
    if filters.article:
        themes = [t for t in themes if t[0] == filters.article]
    if filters.kind:
        themes = [t for t in themes if t[1] == filters.kind]
    if filters.instrument:
        themes = [
            t
            for t in themes
            if t[0] is None or articles[t[0]].instrument.code == filters.instrument
        ]
    found: dict[str, _Theme] = {}
    if axis == "instrument":
        # Sets of pks hash as the instances did, so they are iterated in the same order.
        ids = {articles[t[0]].instrument_id for t in themes if t[0] is not None}
        if not (filters.article or filters.kind):
            ids |= set(instrument_ids)
        if filters.instrument:
            ids = {i for i in ids if known[i][0] == filters.instrument}
        for pk in ids:
            found[known[pk][0]] = known[pk]
    elif axis == "article":
        for article_id, _kind in themes:
            if article_id is not None:
                found[known[article_id][0]] = known[article_id]
    else:
        for _article_id, kind in themes:
            if kind:
                if kind not in known:
                    label = str(AssistanceKind(kind).label)
                    known[kind] = (kind, label, (_KIND_ORDER.get(kind, 99), kind))
                found[kind] = known[kind]
    if not found:
        return [no_theme]
    return list(found.values())


def _ranks(sort_keys: Mapping[str, Any]) -> dict[str, int]:
    """Each key's rank by its sort key, equal sort keys ranking equal."""
    ranks: dict[str, int] = {}
    rank, previous = -1, None
    for key, sort in sorted(sort_keys.items(), key=lambda item: item[1]):
        if rank < 0 or sort != previous:
            rank, previous = rank + 1, sort
        ranks[key] = rank
    return ranks


def who_what_where_kept(*, filters: ActivityFilters, axis: ThemeAxis = "instrument") -> Matrix:
    """``who_what_where``, computed once while the activities and the reference data are
    unchanged (at world scale it reads ~100k activities: 1.5 s; the page and its exports ask
    for the same matrix again and again)."""
    return kept(
        name="who-what-where",
        params={"filters": asdict(filters), "axis": axis},
        sources=activity_figure_sources(),
        compute=lambda: who_what_where(filters=filters, axis=axis),
    )


@warmer
def _matrix_unfiltered() -> Matrix:
    return who_what_where_kept(filters=ActivityFilters())


def who_what_where(*, filters: ActivityFilters, axis: ThemeAxis = "instrument") -> Matrix:
    """Providers × recipient States (or regions) × themes: the number of activities and the
    budget shares per currency in each cell. Deterministic: rows sorted by provider, State and
    theme labels."""
    if axis not in THEME_AXES:
        raise ValueError(axis)
    selected = activities(filters=filters)
    activity_rows = list(
        selected.values_list(
            "pk",
            "provider_id",
            "reporting_org_name",
            "reporting_org_ref",
            "budget",
            "default_currency",
        )
    )
    # Rows of the selected activities: a subquery (a list of 100k pks would pass SQLite's limit
    # on parameters), or every row when nothing is filtered.
    of_selected = Q() if filters == ActivityFilters() else Q(activity_id__in=selected.values("pk"))

    # Each activity's rows, in the order of their pks (as the relations were read before), as
    # tuples: tuples of plain values soon leave the garbage collector's watch, lists do not.
    recipients_of: dict[int, tuple[_RecipientRow, ...]] = {}
    state_ids: set[int] = set()
    for row in (
        Recipient.objects.filter(of_selected)
        .order_by("pk")
        .values_list("activity_id", "state_id", "region_code", "percentage")
    ):
        recipients_of[row[0]] = (*recipients_of.get(row[0], ()), row)
        if row[1]:
            state_ids.add(row[1])
    themes_of: dict[int, tuple[_ThemeRow, ...]] = {}
    article_ids: set[int] = set()
    for activity_id, article_id, kind in (
        Theme.objects.filter(of_selected)
        .order_by("pk")
        .values_list("activity_id", "article_id", "kind")
    ):
        themes_of[activity_id] = (*themes_of.get(activity_id, ()), (article_id, kind))
        if article_id is not None:
            article_ids.add(article_id)
    # The activities' own instruments count only on the instrument axis, unless the filters
    # narrow the themes to an article or a kind.
    instruments_of: dict[int, tuple[int, ...]] = {}
    if axis == "instrument" and not (filters.article or filters.kind):
        for activity_id, instrument_id in Activity.instruments.through.objects.filter(
            of_selected
        ).values_list("activity_id", "instrument_id"):
            instruments_of[activity_id] = (*instruments_of.get(activity_id, ()), instrument_id)

    # The States, articles, instruments and organizations met are reference data: a few hundred
    # at most, read by their pks.
    articles: dict[int, Article] = {}
    if article_ids and (axis != "kind" or filters.instrument):
        articles = {
            a.pk: a for a in Article.objects.select_related("instrument").filter(pk__in=article_ids)
        }
    instruments = {a.instrument_id: a.instrument for a in articles.values()}
    linked = {i for ids in instruments_of.values() for i in ids}
    if linked:
        instruments.update((i.pk, i) for i in Instrument.objects.filter(pk__in=linked))
    # An activity's instruments in their Meta ordering, as read before through the relation.
    rank = {pk: (i.position, i.code) for pk, i in instruments.items()}
    for activity_id, linked_ids in instruments_of.items():
        if len(linked_ids) > 1:
            instruments_of[activity_id] = tuple(sorted(linked_ids, key=rank.__getitem__))

    unknown = _("Unknown provider")
    provider_ids = {row[1] for row in activity_rows if row[1]}
    # Organization pk → (key, label).
    provider_labels = {
        o.pk: _provider(o, "", "", unknown)
        for o in (Organization.objects.filter(pk__in=provider_ids) if provider_ids else ())
    }
    group = filters.regional_group
    recipient = filters.recipient.upper()
    # State pk → its key (ISO3) if the filters keep it; key → (label, sort key).
    state_keys: dict[int, str | None] = {}
    state_labels: dict[str, tuple[str, tuple[Any, ...]]] = {}
    for state in State.objects.filter(pk__in=state_ids) if state_ids else ():
        if (recipient and state.iso3 != recipient) or (group and state.regional_group != group):
            state_keys[state.pk] = None
            continue
        state_keys[state.pk] = state.iso3
        state_labels[state.iso3] = (str(state), (0, collation_key(str(state))))

    known_themes = _known_themes(axis, articles, instruments)
    no_theme: _Theme = (NO_THEME, _("No theme recorded"), (999, ""))
    # Activities with the same theme rows and instruments have the same themes.
    themes_memo: dict[tuple[tuple[_ThemeRow, ...], tuple[int, ...]], tuple[str, ...]] = {}
    # Cells by (provider, State, theme) key → their index in the lists of plain values that
    # follow: a container per cell would have the garbage collector go through each of them
    # again and again. Each activity in a cell is an entry: index × span + activity pk.
    cell_index: dict[tuple[str, str, str], int] = {}
    cell_provider: list[str] = []  # the provider's label
    cell_count: list[int] = []
    cell_budget: dict[int, dict[str, Decimal]] = {}  # currency → sum
    entries: list[int] = []
    span = max((row[0] for row in activity_rows), default=0) + 1
    distinct: set[int] = set()
    region_codes: set[str] = set()
    for pk, provider_id, org_name, org_ref, budget, currency in activity_rows:
        named = provider_labels.get(provider_id) if provider_id else None
        provider_key, provider = named or _provider(None, org_name, org_ref, unknown)
        memo_key = (themes_of.get(pk, ()), instruments_of.get(pk, ()))
        theme_keys = themes_memo.get(memo_key)
        if theme_keys is None:
            theme_keys = themes_memo[memo_key] = tuple(
                key
                for key, _label, _sort in _themes(
                    *memo_key,
                    axis=axis,
                    filters=filters,
                    articles=articles,
                    known=known_themes,
                    no_theme=no_theme,
                )
            )
        for recipient_key, share in _recipient_row_shares(recipients_of.get(pk, ())).items():
            if isinstance(recipient_key, int):
                state_key = state_keys[recipient_key]
                if state_key is None:
                    continue
            else:
                if recipient or group:
                    continue
                state_key = recipient_key
                region_codes.add(recipient_key.split(":", 1)[1])
            amount = budget * share if budget is not None and currency else None
            for theme_key in theme_keys:
                index = cell_index.get((provider_key, state_key, theme_key))
                if index is None:
                    index = cell_index[(provider_key, state_key, theme_key)] = len(cell_count)
                    cell_provider.append(provider)
                    cell_count.append(0)
                cell_count[index] += 1
                entries.append(index * span + pk)
                if amount is not None:
                    sums = cell_budget.get(index)
                    if sums is None:
                        sums = cell_budget[index] = {}
                    sums[currency] = sums.get(currency, _ZERO) + amount
            distinct.add(pk)
    regions = region_names(region_codes)
    for code in region_codes:
        name = regions.get(code) or code
        label = _("Region: %(name)s") % {"name": name}
        state_labels[f"region:{code}"] = (label, (1, collation_key(name)))
    themes = {theme[0]: theme for theme in known_themes.values()}
    themes[NO_THEME] = no_theme

    # Each cell's activities, in the order of their pks, from its first entry on.
    entries.sort()
    cell_ids = [entry % span for entry in entries]
    cell_start = list(accumulate(cell_count, initial=0))

    # Sorted by ranks, which compare as the labels' sort keys would (and much faster).
    provider_rank = _ranks({provider: fold(provider) for provider in set(cell_provider)})
    state_rank = _ranks({key: sort for key, (_label, sort) in state_labels.items()})
    theme_rank = _ranks({key: sort for key, _label, sort in themes.values()})
    ordered = sorted(
        cell_index.items(),
        key=lambda item: (
            provider_rank[cell_provider[item[1]]],
            state_rank[item[0][1]],
            theme_rank[item[0][2]],
            item[0][0],
        ),
    )
    state_label = {key: label for key, (label, _sort) in state_labels.items()}
    theme_label = {key: label for key, label, _sort in themes.values()}
    rows = [
        MatrixRow(
            provider_key=provider_key,
            provider=cell_provider[index],
            state_key=state_key,
            state=state_label[state_key],
            theme_key=theme_key,
            theme=theme_label[theme_key],
            activities=cell_count[index],
            budget=(
                {c: v.quantize(_CENT) for c, v in cell_budget[index].items()}
                if index in cell_budget
                else {}
            ),
            activity_ids=tuple(cell_ids[cell_start[index] : cell_start[index + 1]]),
        )
        for (provider_key, state_key, theme_key), index in ordered
    ]
    return Matrix(axis=axis, rows=rows, activity_count=len(distinct))


# --- The map ------------------------------------------------------------------------------

Measure = Literal["needs", "coverage", "funding"]
MEASURES: tuple[Measure, ...] = ("needs", "coverage", "funding")


def open_needs(user: Any) -> QuerySet[Need]:
    return needs_visible_to(user).filter(status=NeedStatus.OPEN)


def need_links_shown(activity: Activity, user: Any) -> QuerySet[NeedLink]:
    """The needs an activity addresses, as its page lists them: links not rejected, to needs
    ``user`` may see (a confidential need of another State is not listed)."""
    return (
        activity.need_links.filter(visible_needs_q(user, "need__"))
        .exclude(status="rejected")
        .select_related("need__state", "need__article__instrument")
    )


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
                Decimal("0.001"), rounding=ROUND_HALF_UP
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
