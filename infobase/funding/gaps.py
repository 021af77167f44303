"""Funding gaps and resource-mobilization lists (decision 2/6, paragraph (c)(iv)).

All amounts are in US dollars at a *report date* ``on`` (the as-of date of ``money.MoneyRule``):
budget lines (in the project's currency) and allocations (in the pledge's currency) are
converted with the exchange rates valid on that date, exactly, and each project's budget and
funding are rounded half up to the cent once; the rates used are listed with the report
(``GapReport.rates``). Allocations made after ``on`` do not count.

Every figure is then worked out in whole cents, so that every table adds up: a project's budget
and funding are shared among its needs in cents (equal shares, the cents left over going one
each to its first needs by id), and a row of any table is the sum of the (rounded) figures of
its needs. The total is the sum of the needs, and so the sum of the rows of each table, but for
legal systems (a State with a mixed system counts in each of its families). A State without a
regional group or without a recorded legal system is a row of its own ("No regional group",
"No legal system recorded").

A need's **cost**:

- when the need is addressed by one or more projects: the sum over those projects of the
  project's budget divided by the number of needs the project addresses (its *budget share*);
  a project's budget is the sum of its budget lines; a project with no budget line yet is
  costed at the illustrative unit costs of its needs (below). The needs counted are those the
  reader may see (``needs.selectors.needs_visible_to``): a confidential need of another State
  changes no figure, so none can be worked out from them;
- otherwise an illustrative **unit cost** per kind of assistance, in US dollars, from the setting
  ``INFOBASE_UNIT_COSTS`` (a mapping kind → amount; the kinds it leaves out keep the default):

  ====================  =======  ====================  =======
  legislative            60,000  onsite_expert         120,000
  model_legislation      40,000  good_practices         30,000
  training               80,000  technology            100,000
  institution_building  150,000  action_plan            50,000
  other                  50,000
  ====================  =======  ====================  =======

A need's **funding**: the allocations to the projects addressing it, each project's funding
shared equally (in cents, as above) among the project's needs (those the reader may see).
Its **gap** is ``max(cost − funding, 0)``.

A project's gap is ``max(budget − funding, 0)``. The gap of a State, regional group,
legal-system family, instrument or kind of assistance is the sum of the gaps of its open needs
(one need's surplus does not fill another's gap); a State with a mixed legal system counts in
each of its families, so the family rows may add up to more than the total.

The resource-mobilization list, which matches the open needs with a gap with donors'
interests, is ``funding.mobilization``.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, overload

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, IntegerField, QuerySet, Sum, Value, When
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from infobase.core.collation import collation_key
from infobase.funding.models import (
    Allocation,
    BudgetLine,
    Project,
    ProjectStatus,
)
from infobase.funding.money import MoneyRule, RatesUsed, cents, split_cents, to_usd_exact
from infobase.needs.models import Need, NeedStatus
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

ZERO = Decimal("0")

DEFAULT_UNIT_COSTS: dict[str, Decimal] = {
    AssistanceKind.LEGISLATIVE: Decimal("60000"),
    AssistanceKind.MODEL_LEGISLATION: Decimal("40000"),
    AssistanceKind.TRAINING: Decimal("80000"),
    AssistanceKind.INSTITUTION_BUILDING: Decimal("150000"),
    AssistanceKind.ONSITE_EXPERT: Decimal("120000"),
    AssistanceKind.GOOD_PRACTICES: Decimal("30000"),
    AssistanceKind.TECHNOLOGY: Decimal("100000"),
    AssistanceKind.ACTION_PLAN: Decimal("50000"),
    AssistanceKind.OTHER: Decimal("50000"),
}

DIMENSIONS: tuple[tuple[str, Any], ...] = (
    ("state", gettext_lazy("State")),
    ("regional_group", gettext_lazy("Regional group")),
    ("legal_family", gettext_lazy("Legal system")),
    ("instrument", gettext_lazy("Instrument")),
    ("kind", gettext_lazy("Kind of assistance")),
)


def unit_costs() -> dict[str, Decimal]:
    """The illustrative unit costs in USD: the defaults, overridden by ``INFOBASE_UNIT_COSTS``."""
    costs = dict(DEFAULT_UNIT_COSTS)
    for kind, value in (getattr(settings, "INFOBASE_UNIT_COSTS", None) or {}).items():
        if kind not in AssistanceKind.values:
            raise ImproperlyConfigured(f"INFOBASE_UNIT_COSTS: unknown kind of assistance {kind!r}")
        try:
            amount = Decimal(str(value))
        except ArithmeticError as exc:
            raise ImproperlyConfigured(f"INFOBASE_UNIT_COSTS[{kind!r}]: not a number") from exc
        if not amount.is_finite() or amount < 0:
            raise ImproperlyConfigured(f"INFOBASE_UNIT_COSTS[{kind!r}]: must be 0 or more")
        costs[kind] = amount
    return costs


# --- Gaps --------------------------------------------------------------------------------


@dataclass(frozen=True)
class NeedGap:
    need_id: int
    status: str
    state_id: int
    state_iso3: str
    regional_group: str
    legal_families: tuple[str, ...]
    instrument_code: str
    article_id: int
    article_number: int
    kind: str
    cost_usd: Decimal  # in cents
    funded_usd: Decimal  # in cents
    from_projects: bool  # cost from project budgets (else the unit cost)
    project_ids: tuple[int, ...]

    @property
    def gap_usd(self) -> Decimal:
        return max(self.cost_usd - self.funded_usd, ZERO)


@dataclass(frozen=True)
class ProjectGap:
    project_id: int
    code: str
    label: str
    status: str
    needs: int  # the needs it addresses that the report counts (see ``funding_gaps``)
    budget_usd: Decimal  # in cents
    budget_estimated: bool  # no budget line: the unit costs of its needs
    funded_usd: Decimal  # in cents

    @property
    def gap_usd(self) -> Decimal:
        return max(self.budget_usd - self.funded_usd, ZERO)

    @property
    def status_label(self) -> str:
        return str(ProjectStatus(self.status).label)


@dataclass
class GapRow:
    key: str
    label: str
    needs: int = 0
    unfunded: int = 0  # needs with no funding at all
    cost_usd: Decimal = ZERO
    funded_usd: Decimal = ZERO
    gap_usd: Decimal = ZERO

    def add(self, need: NeedGap) -> None:
        self.needs += 1
        self.unfunded += need.funded_usd <= 0
        self.cost_usd += need.cost_usd
        self.funded_usd += need.funded_usd
        self.gap_usd += need.gap_usd

    def merge(self, other: GapRow) -> None:
        self.needs += other.needs
        self.unfunded += other.unfunded
        self.cost_usd += other.cost_usd
        self.funded_usd += other.funded_usd
        self.gap_usd += other.gap_usd

    def rounded(self) -> GapRow:
        return GapRow(
            self.key,
            self.label,
            self.needs,
            self.unfunded,
            cents(self.cost_usd),
            cents(self.funded_usd),
            cents(self.gap_usd),
        )


@dataclass
class GapReport:
    on: date
    needs: list[NeedGap]  # every open need of the scope
    projects: list[ProjectGap]
    by: dict[str, list[GapRow]]  # dimension → rows (in cents)
    total: GapRow
    rates: RatesUsed
    unit_costs: dict[str, Decimal] = field(default_factory=dict)

    @property
    def rule(self) -> MoneyRule:
        return MoneyRule(self.on)

    def need(self, need_id: int) -> NeedGap:
        return next(n for n in self.needs if n.need_id == need_id)


def _funding(
    on: date, rates: RatesUsed, project_ids: Iterable[int] | None = None
) -> dict[int, Decimal]:
    funded: dict[int, Decimal] = defaultdict(lambda: ZERO)
    allocations = Allocation.objects.filter(allocated_on__lte=on)
    if project_ids is not None:
        allocations = allocations.filter(project_id__in=list(project_ids))
    for project_id, amount, currency in allocations.order_by("pk").values_list(
        "project_id", "amount", "pledge__currency"
    ):
        funded[project_id] += to_usd_exact(amount, currency, on, used=rates)
    return funded


def project_gaps(
    *,
    on: date,
    rates: RatesUsed,
    projects: QuerySet[Project] | None = None,
    visible: AbstractSet[int] | None = None,
) -> tuple[list[ProjectGap], dict[int, list[tuple[int, str]]]]:
    """Every project's budget, funding and gap in USD on ``on`` (each rounded half up to the
    cent once), and its needs (id, kind). ``visible``: the ids of the needs the reader may see
    (None: all); a project's other needs count nowhere, not even in the estimate of a budget
    from its needs' unit costs, so that no figure tells of a need kept from its reader."""
    projects = Project.objects.all() if projects is None else projects
    projects = projects.order_by("code")
    ids = list(projects.values_list("pk", flat=True))
    needs: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for project_id, need_id, kind in (
        Project.needs.through.objects.filter(project_id__in=ids)
        .order_by("need_id")
        .values_list("project_id", "need_id", "need__kind")
    ):
        if visible is None or need_id in visible:
            needs[project_id].append((need_id, kind))
    budgets: dict[int, Decimal] = {}
    for project_id, amount, currency in (
        BudgetLine.objects.filter(project_id__in=ids)
        .order_by("pk")
        .values_list("project_id", "amount", "project__currency")
    ):
        budgets[project_id] = budgets.get(project_id, ZERO) + to_usd_exact(
            amount, currency, on, used=rates
        )
    funded = _funding(on, rates, ids)
    costs = unit_costs()
    out = []
    for project in projects:
        estimated = project.pk not in budgets
        budget = (
            sum((costs[k] for _n, k in needs[project.pk]), ZERO)
            if estimated
            else budgets[project.pk]
        )
        out.append(
            ProjectGap(
                project_id=project.pk,
                code=project.code,
                label=str(project),
                status=project.status,
                needs=len(needs[project.pk]),
                budget_usd=cents(budget),
                budget_estimated=estimated,
                funded_usd=cents(funded.get(project.pk, ZERO)),
            )
        )
    return out, needs


def _labels(dimension: str, keys: Iterable[str]) -> dict[str, str]:
    keys = set(keys)
    if dimension == "state":
        return {s.iso3: str(s.translated("name")) for s in State.objects.filter(iso3__in=keys)}
    if dimension == "regional_group":
        return {**{c: str(label) for c, label in RegionalGroup.choices}, "": _("No regional group")}
    if dimension == "legal_family":
        return {
            **{c: str(label) for c, label in LegalFamily.choices},
            "": _("No legal system recorded"),
        }
    if dimension == "instrument":
        return {i.code: str(i) for i in Instrument.objects.filter(code__in=keys)}
    return {c: str(label) for c, label in AssistanceKind.choices}


def _keys(group: GroupKey, dimension: str) -> tuple[str, ...]:
    iso3, regional_group, legal_families, instrument_code, kind = group
    if dimension == "state":
        return (iso3,)
    if dimension == "regional_group":
        return (regional_group,)
    if dimension == "legal_family":
        return legal_families or ("",)
    if dimension == "instrument":
        return (instrument_code,)
    return (kind,)


def _order(dimension: str) -> list[str] | None:
    if dimension == "regional_group":
        return [*RegionalGroup.values, ""]
    if dimension == "legal_family":
        return [*LegalFamily.values, ""]
    if dimension == "kind":
        return list(AssistanceKind.values)
    return None


# The columns of a need that its gap row reads, in ``need_gap``'s order.
NEED_COLUMNS = (
    "pk",
    "status",
    "state_id",
    "state__iso3",
    "state__regional_group",
    *(f"state__{flag}" for flag in LEGAL_FLAGS),
    "article__instrument__code",
    "article_id",
    "article__number",
    "kind",
)
_NEED_ORDER = ("state__iso3", "article__instrument__position", "article__number", "kind", "pk")
# A group of needs that every table row adds up whole: (State, regional group, legal families,
# instrument, kind).
GroupKey = tuple[str, str, tuple[str, ...], str, str]


@dataclass
class NeedShares:
    """The projects' budgets and funding shared among their needs (in cents)."""

    projects: list[ProjectGap]
    project_needs: dict[int, list[tuple[int, str]]]
    cost: dict[int, Decimal]
    funded: dict[int, Decimal]
    in_projects: dict[int, list[int]]
    costs: dict[str, Decimal]  # the unit costs


def need_shares(on: date, rates: RatesUsed, needs_qs: QuerySet[Need] | None = None) -> NeedShares:
    """The projects' budgets and funding shared among their needs; ``needs_qs``: the needs the
    reader may see (None: all), among which alone they are shared."""
    visible = None
    if needs_qs is not None:
        in_a_project = Project.needs.through.objects.values("need_id")
        visible = set(needs_qs.filter(pk__in=in_a_project).order_by().values_list("pk", flat=True))
    projects, project_needs = project_gaps(on=on, rates=rates, visible=visible)
    share_cost: dict[int, Decimal] = defaultdict(lambda: ZERO)
    share_funded: dict[int, Decimal] = defaultdict(lambda: ZERO)
    in_projects: dict[int, list[int]] = defaultdict(list)
    for project in projects:
        linked = project_needs[project.project_id]
        if not linked:
            continue
        budget_shares = split_cents(project.budget_usd, len(linked))
        funded_shares = split_cents(project.funded_usd, len(linked))
        for (need_id, _kind), cost, funded in zip(
            linked, budget_shares, funded_shares, strict=True
        ):
            share_cost[need_id] += cost
            share_funded[need_id] += funded
            in_projects[need_id].append(project.project_id)
    return NeedShares(projects, project_needs, share_cost, share_funded, in_projects, unit_costs())


def need_gap(row: Sequence[Any], shares: NeedShares) -> NeedGap:
    """The gap of the need of ``row`` (``NEED_COLUMNS``)."""
    pk, status, state_id, iso3, group, *legal = row[:9]
    instrument, article_id, number, kind = row[9:]
    projects_of = tuple(shares.in_projects.get(pk, ()))
    return NeedGap(
        need_id=pk,
        status=status,
        state_id=state_id,
        state_iso3=iso3,
        regional_group=group or "",
        legal_families=legal_families_of(legal),
        instrument_code=instrument,
        article_id=article_id,
        article_number=number,
        kind=kind,
        cost_usd=shares.cost[pk] if projects_of else cents(shares.costs[kind]),
        funded_usd=shares.funded.get(pk, ZERO),
        from_projects=bool(projects_of),
        project_ids=projects_of,
    )


def _group_key(need: NeedGap) -> GroupKey:
    return (
        need.state_iso3,
        need.regional_group,
        need.legal_families,
        need.instrument_code,
        need.kind,
    )


Sums = dict[str, dict[str, GapRow]]  # dimension → key → the sums of its row


def _sums(groups: Iterable[tuple[GroupKey, GapRow]]) -> Sums:
    """The sums of every dimension's rows from the sums per group."""
    sums: Sums = {d: {} for d, _label in DIMENSIONS}
    for group_key, group in groups:
        for dimension, _label in DIMENSIONS:
            for key in _keys(group_key, dimension):
                sums[dimension].setdefault(key, GapRow(key, key)).merge(group)
    return sums


def _tables(sums: Sums) -> dict[str, list[GapRow]]:
    """The rows of each dimension's table (in cents), labelled and in order."""
    by: dict[str, list[GapRow]] = {}
    for dimension, _label in DIMENSIONS:
        rows = sums[dimension]
        labels = _labels(dimension, rows)
        order = _order(dimension)
        keys = sorted(rows) if order is None else [k for k in order if k in rows]
        if dimension == "state":
            keys = sorted(rows, key=lambda k: (collation_key(labels.get(k) or k or ""), k))
        by[dimension] = [
            GapRow(
                k,
                labels.get(k, k),
                rows[k].needs,
                rows[k].unfunded,
                rows[k].cost_usd,
                rows[k].funded_usd,
                rows[k].gap_usd,
            ).rounded()
            for k in keys
        ]
    return by


def funding_gaps(*, on: date, needs_qs: QuerySet[Need] | None = None) -> GapReport:
    """Gaps by need, project and each dimension in USD on ``on`` (see the module docstring).

    ``needs_qs`` limits the needs (default: all): pass the needs the reader may see
    (``needs.selectors.needs_visible_to``) so that every figure is computed from them. Only
    open needs are counted; a project's ``needs`` counts its needs within ``needs_qs``.
    Raises ``money.MissingRate`` when a currency has no rate valid on ``on``."""
    rates = RatesUsed()
    qs = Need.objects.all() if needs_qs is None else needs_qs
    shares = need_shares(on, rates, needs_qs)
    projects = shares.projects
    needs = [
        need_gap(row, shares)
        for row in qs.filter(status=NeedStatus.OPEN)
        .order_by(*_NEED_ORDER)
        .values_list(*NEED_COLUMNS)
    ]
    # Sums per combination of the dimensions' keys first, then per row: each need is added
    # once (sums of whole cents are exact in any order).
    groups: dict[GroupKey, GapRow] = {}
    for need in needs:
        group_key = _group_key(need)
        if group_key not in groups:
            groups[group_key] = GapRow("", "")
        groups[group_key].add(need)
    total = GapRow("", _("All needs"))
    for group in groups.values():
        total.merge(group)
    return GapReport(
        on=on,
        needs=needs,
        projects=projects,
        by=_tables(_sums(groups.items())),
        total=total.rounded(),
        rates=rates,
        unit_costs=shares.costs,
    )


# --- The page: the same report with its needs one page at a time ---------------------------


@dataclass
class GapSummary:
    """``funding_gaps``'s report without the list of every need: the tables, the projects and
    the open needs' count (``needs_count``); ``page`` holds one page of the needs by gap."""

    on: date
    projects: list[ProjectGap]
    by: dict[str, list[GapRow]]
    total: GapRow
    rates: RatesUsed
    unit_costs: dict[str, Decimal]
    needs_count: int
    page: Page[NeedGap]

    @property
    def rule(self) -> MoneyRule:
        return MoneyRule(self.on)


def _gap_key(need: NeedGap) -> tuple[Decimal, int]:
    """The order of the list of needs: the largest gap first, then by need."""
    return (-need.gap_usd, need.need_id)


class _NeedsByGap(Sequence[NeedGap]):
    """The open needs of a scope in ``_gap_key`` order, read a slice at a time.

    The needs that projects address (``addressed``, in order: about a thousand at world scale)
    are held whole; every other need's gap is the unit cost of its kind, so the database sorts
    them (``rest``, by unit cost in cents then id). A slice merges the two: of the others it
    reads only those that can fall within it (at most ``len(addressed)`` rows before it, and
    the slice itself)."""

    def __init__(
        self,
        addressed: list[NeedGap],
        rest: QuerySet[Need],
        rest_count: int,
        shares: NeedShares,
    ) -> None:
        self.addressed, self.rest, self.rest_count, self.shares = (
            addressed,
            rest,
            rest_count,
            shares,
        )
        self.addressed_keys = [_gap_key(n) for n in addressed]

    def __len__(self) -> int:
        return len(self.addressed) + self.rest_count

    @overload
    def __getitem__(self, index: int) -> NeedGap: ...

    @overload
    def __getitem__(self, index: slice) -> list[NeedGap]: ...

    def __getitem__(self, index: int | slice) -> NeedGap | list[NeedGap]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        start, stop, _step = index.indices(len(self))
        if stop <= start:
            return []
        # Each of the needs before ``start`` in the merged order that is not an addressed one is
        # one of the first rows of ``rest``: at most ``start`` of them, at least ``start`` less
        # the addressed ones.
        first = max(0, start - len(self.addressed))
        # The slice's ids sorted on the needs alone, then their rows (joined only for those).
        ids = list(self.rest.values_list("pk", flat=True)[first:stop])
        rest = sorted(
            (
                need_gap(row, self.shares)
                for row in Need.objects.filter(pk__in=ids).values_list(*NEED_COLUMNS)
            ),
            key=_gap_key,
        )
        placed = [
            (first + i + bisect_left(self.addressed_keys, _gap_key(n)), n)
            for i, n in enumerate(rest)
        ]
        rest_keys = [_gap_key(n) for n in rest]
        for i, need in enumerate(self.addressed):
            # Needs of ``rest`` before it: exact within the rows read; an addressed need before
            # them or after them falls outside the slice either way.
            placed.append((i + first + bisect_left(rest_keys, _gap_key(need)), need))
        return [
            need
            for position, need in sorted(placed, key=lambda p: p[0])
            if start <= position < stop
        ]


def funding_gaps_page(
    *, on: date, needs_qs: QuerySet[Need], page: Any = 1, per_page: int = 50
) -> GapSummary:
    """``funding_gaps(on=on, needs_qs=needs_qs)``'s figures, summed in the database (a constant
    number of queries whatever the number of needs), with one page of its needs, the largest
    gap first. Raises ``money.MissingRate`` as ``funding_gaps`` does."""
    rates = RatesUsed()
    linked = Project.needs.through.objects.values("need_id")  # the needs of ``in_projects``
    shares = need_shares(on, rates, needs_qs)
    projects = shares.projects
    open_needs = needs_qs.filter(status=NeedStatus.OPEN)
    addressed = sorted(
        (
            need_gap(row, shares)
            for row in open_needs.filter(pk__in=linked).values_list(*NEED_COLUMNS)
        ),
        key=_gap_key,
    )
    total = GapRow("", _("All needs"))
    groups: dict[GroupKey, GapRow] = {}
    for need in addressed:
        groups.setdefault(_group_key(need), GapRow("", "")).add(need)
        total.add(need)
    sums = _sums(groups.items())
    # Every other need costs the unit cost of its kind and has no funding: its gap is its cost.
    # Summed in the database per State (with its regional group and legal families), per
    # instrument and per kind, in whole cents.
    unit = {kind: int(cents(cost) * 100) for kind, cost in shares.costs.items()}
    unit_cents = Case(
        *[When(kind=kind, then=Value(value)) for kind, value in unit.items()],
        default=Value(0),
        output_field=IntegerField(),
    )
    rest = open_needs.exclude(pk__in=linked).order_by()

    def unfunded(key: str, n: int, cost_cents: int) -> GapRow:
        cost = Decimal(cost_cents).scaleb(-2)
        return GapRow(key, key, needs=n, unfunded=n, cost_usd=cost, gap_usd=cost)

    def add(dimension: str, row: GapRow) -> None:
        sums[dimension].setdefault(row.key, GapRow(row.key, row.key)).merge(row)

    # Grouped on the needs' own columns (joining the States and articles of every need would
    # cost more than the sums); the few States and articles then say their keys.
    by_state: dict[int, list[tuple[str, int]]] = defaultdict(list)
    by_kind: dict[str, int] = defaultdict(int)
    for state_id, kind, n in rest.values_list("state_id", "kind").annotate(n=Count("pk")):
        by_state[state_id].append((kind, n))
        by_kind[kind] += n
    for state_id, iso3, group, *legal in State.objects.filter(pk__in=list(by_state)).values_list(
        "pk", "iso3", "regional_group", *LEGAL_FLAGS
    ):
        n = sum(count for _kind, count in by_state[state_id])
        cost_cents = sum(count * unit[kind] for kind, count in by_state[state_id])
        add("state", unfunded(iso3, n, cost_cents))
        add("regional_group", unfunded(group or "", n, cost_cents))
        for family in legal_families_of(legal) or ("",):
            add("legal_family", unfunded(family, n, cost_cents))
    by_article = dict(
        (article_id, (n, cost_cents))
        for article_id, n, cost_cents in rest.values_list("article_id").annotate(
            n=Count("pk"), cost=Sum(unit_cents)
        )
    )
    for article_id, instrument in Article.objects.filter(pk__in=list(by_article)).values_list(
        "pk", "instrument__code"
    ):
        add("instrument", unfunded(instrument, *by_article[article_id]))
    rest_count = 0
    for kind, n in by_kind.items():
        row = unfunded(kind, n, n * unit[kind])
        add("kind", row)
        total.merge(row)
        rest_count += n
    ordered = rest.annotate(unit_cents=unit_cents).order_by("-unit_cents", "pk")
    sequence = _NeedsByGap(addressed, ordered, rest_count, shares)
    return GapSummary(
        on=on,
        projects=projects,
        by=_tables(sums),
        total=total.rounded(),
        rates=rates,
        unit_costs=shares.costs,
        needs_count=len(sequence),
        page=Paginator(sequence, per_page).get_page(page),
    )
