"""Equity of resources across regional groups and legal systems (decision 2/6, paragraph (d)).

For the portfolio (the allocations made) and for any proposal (a mapping target → US dollars),
each regional group's and each legal-system family's share of the resources is set against its
share of the identified needs, weighted by priority.

Definitions (all amounts in US dollars; every figure is deterministic):

- **Needs weight** ``W_g`` of a group g: the sum of the priority scores (the register's
  scores as on the report date, ``needs.selectors.priority_totals``; needs the working group
  excluded from the ranking included) of the *open* needs of the States of g. ``W`` is the
  weight of all open needs.
- **Resources** ``R_g``: the money attributed to g. Money given to a need goes to its State;
  money given to a project is shared equally among the needs the project addresses (whatever
  their status; those the reader may see, below) and goes to their States; a project that
  addresses no need shares it equally among its beneficiary States; money that reaches no
  State is *unattributed*: reported, but left out of the shares. ``R`` is the attributed
  total. Shares of money are whole cents (``money.split_cents``), so the groups' resources add
  up exactly to ``R``.
- **Share of needs** ``n_g = W_g / W``; **share of resources** ``r_g = R_g / R``.
- **Ratio to the fair share** ``ρ_g = r_g / n_g`` (1 = the group receives exactly its share;
  undefined when the group has no weighted need).
- **Fair-share amount** ``n_g × R`` and **shortfall** ``n_g × R − R_g`` (negative: the group
  receives more than its fair share). The *largest shortfall* is the group with the largest
  positive shortfall (ties: the first in the usual order of the groups).
- **Under-served**: a group with ``W_g > 0`` and ``ρ_g`` below a threshold (the setting
  ``INFOBASE_EQUITY_THRESHOLD``, default 0.8). With no resources at all every group with
  needs has ratio 0 and is flagged.
- **Equity index** ``E = 1 − ½ Σ_g |r̂_g − n̂_g|`` with ``r̂_g = R_g / Σ R_g`` and
  ``n̂_g = W_g / Σ W_g``: the complement of the dissimilarity (Duncan) index between the
  distribution of resources and that of weighted needs. E = 1 when resources are exactly
  proportional to needs, E = 0 when they go only to groups with no need; ½ Σ|r̂ − n̂| is the share
  of the resources that would have to move to make them proportional. Undefined (None) when
  there are no resources or no weighted needs.

Regional groups: every State is in one group at most; a State outside the five groups counts in
a group "No regional group" (code ``""``), so the group shares sum to 100 % and ``r̂ = r``.

Legal-system families: a State with a mixed legal system counts in *each* of its families, with
its full needs weight and its full resources. Family shares are therefore computed per family
against the same ``W`` and ``R`` and may sum to more than 100 %; ratios, fair shares and
shortfalls are per family. The index normalises by the family totals (``Σ R_f``, ``Σ W_f``) so
that it stays between 0 and 1. A State with no legal family recorded counts in no family (its
needs and resources stay in ``W`` and ``R``).

Money is converted to US dollars exactly with the rates valid on the report date (allocations
made after it do not count), each project's money rounded half up to the cent once (as on the
funding-gaps page), and the rates used are listed. Rounding (from the unrounded values): shares
to 6 decimal places, ratios and the index to 4 (half up), amounts to cents (half up, as
``money.cents``).

The needs weighed, and those among which a project's money is spread, are those the reader may
see (``needs_qs``): a screen passes its reader's, so that a confidential need of another State
counts nowhere, neither in the weights nor in where the money goes; without them, the needs
everyone may see, scored as on the report date (the reports, which are published).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, NamedTuple

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from infobase.funding.models import Allocation, Project, Proposal
from infobase.funding.money import RatesUsed, cents, split_cents, to_usd_exact
from infobase.needs.models import Need, NeedStatus
from infobase.needs.selectors import needs_visible_to, priority_totals
from infobase.reference.models import (
    LEGAL_FLAGS,
    LegalFamily,
    RegionalGroup,
    State,
    legal_families_of,
)

DEFAULT_THRESHOLD = Decimal("0.8")
SHARE_PLACES = Decimal("0.000001")
RATIO_PLACES = Decimal("0.0001")
ZERO = Decimal("0")

NO_GROUP = ""
NO_GROUP_LABEL = gettext_lazy("No regional group")

Dimension = Literal["regional_group", "legal_family"]


def threshold_setting() -> Decimal:
    """The under-served threshold: the setting ``INFOBASE_EQUITY_THRESHOLD`` or 0.8."""
    return Decimal(str(getattr(settings, "INFOBASE_EQUITY_THRESHOLD", DEFAULT_THRESHOLD)))


def _q(value: Decimal, places: Decimal) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_UP)


# --- Inputs ------------------------------------------------------------------------------


class Target(NamedTuple):
    """What money goes to: a need or a project."""

    kind: Literal["need", "project"]
    pk: int


def need_target(pk: int) -> Target:
    return Target("need", pk)


def project_target(pk: int) -> Target:
    return Target("project", pk)


@dataclass(frozen=True)
class Place:
    """Where a need or a share of money lies: a State, its regional group, its families."""

    state_id: int
    regional_group: str
    legal_families: tuple[str, ...]


@dataclass(frozen=True)
class WeightedNeed:
    need_id: int
    place: Place
    weight: Decimal


def _places(state_ids: Iterable[int]) -> dict[int, Place]:
    out = {}
    for pk, group, *legal in State.objects.filter(pk__in=set(state_ids)).values_list(
        "pk", "regional_group", *LEGAL_FLAGS
    ):
        out[pk] = Place(pk, group or NO_GROUP, legal_families_of(legal))
    return out


def weighted_needs(
    *, needs_qs: QuerySet[Need] | None = None, today: date | None = None
) -> list[WeightedNeed]:
    """The open needs of ``needs_qs`` with their priority score as on ``today`` as weight. By
    default the needs everyone may see (reports, published): screens pass the needs their
    reader may see."""
    qs = needs_visible_to(AnonymousUser()) if needs_qs is None else needs_qs
    qs = qs.filter(status=NeedStatus.OPEN)
    totals = priority_totals(needs_qs=qs, on=today or timezone.localdate())
    state_of = dict(qs.order_by().values_list("pk", "state_id"))
    places = _places(state_of.values())
    return [WeightedNeed(pk, places[state_of[pk]], totals[pk]) for pk in sorted(state_of)]


@dataclass(frozen=True)
class Attributed:
    place: Place | None  # None: the money reaches no State
    amount_usd: Decimal


def attribute(
    resources: Mapping[Target, Decimal], *, needs_qs: QuerySet[Need] | None = None
) -> list[Attributed]:
    """Spread each target's money over the States it reaches (see the module docstring).
    ``needs_qs``: the needs the reader may see (default: those everyone may see); money is
    spread as if the others did not exist, so that it tells nothing of them."""
    visible = (needs_visible_to(AnonymousUser()) if needs_qs is None else needs_qs).order_by()
    need_ids = {t.pk for t in resources if t.kind == "need"}
    project_ids = {t.pk for t in resources if t.kind == "project"}
    project_needs: dict[int, list[int]] = defaultdict(list)
    for project_id, need_id in Project.needs.through.objects.filter(
        project_id__in=project_ids, need_id__in=visible.values("pk")
    ).values_list("project_id", "need_id"):
        project_needs[project_id].append(need_id)
    project_states: dict[int, list[int]] = defaultdict(list)
    for project_id, state_id in Project.states.through.objects.filter(
        project_id__in=project_ids
    ).values_list("project_id", "state_id"):
        project_states[project_id].append(state_id)
    all_need_ids = need_ids | {n for ids in project_needs.values() for n in ids}
    need_state = dict(visible.filter(pk__in=all_need_ids).values_list("pk", "state_id"))
    places = _places([*need_state.values(), *(s for ids in project_states.values() for s in ids)])

    out: list[Attributed] = []
    for target in sorted(resources):
        amount = Decimal(resources[target])
        if target.kind == "need":
            state_ids = [need_state[target.pk]] if target.pk in need_state else []
        else:
            needs = sorted(project_needs.get(target.pk, []))
            state_ids = (
                [need_state[n] for n in needs]
                if needs
                else sorted(project_states.get(target.pk, []))
            )
        if not state_ids:
            out.append(Attributed(None, cents(amount)))
            continue
        shares = split_cents(amount, len(state_ids))
        out.extend(Attributed(places[s], share) for s, share in zip(state_ids, shares, strict=True))
    return out


# --- Measures (pure) ---------------------------------------------------------------------


@dataclass(frozen=True)
class GroupShare:
    code: str
    label: str
    needs_weight: Decimal
    need_share: Decimal | None  # n_g (None when W = 0)
    resources_usd: Decimal
    resource_share: Decimal | None  # r_g (None when R = 0)
    ratio: Decimal | None  # r_g / n_g
    fair_share_usd: Decimal
    shortfall_usd: Decimal  # fair share − received (negative: more than the fair share)
    under_served: bool


@dataclass(frozen=True)
class DimensionEquity:
    dimension: Dimension
    rows: list[GroupShare]
    index: Decimal | None
    largest_shortfall: GroupShare | None
    needs_weight: Decimal  # W
    resources_usd: Decimal  # R (attributed)
    unattributed_usd: Decimal

    @property
    def under_served(self) -> list[GroupShare]:
        return [row for row in self.rows if row.under_served]


def equity_index(resources: Mapping[str, Decimal], needs: Mapping[str, Decimal]) -> Decimal | None:
    """1 − ½ Σ|r̂_g − n̂_g| over the groups of either mapping (normalised by their sums)."""
    total_r = sum(resources.values(), ZERO)
    total_n = sum(needs.values(), ZERO)
    if total_r <= 0 or total_n <= 0:
        return None
    groups = set(resources) | set(needs)
    dissimilarity = sum(
        (
            abs(resources.get(g, ZERO) / total_r - needs.get(g, ZERO) / total_n)
            for g in sorted(groups)
        ),
        ZERO,
    ) / Decimal(2)
    return _q(Decimal(1) - dissimilarity, RATIO_PLACES)


def measure(
    *,
    dimension: Dimension,
    groups: Sequence[tuple[str, str]],
    resources: Mapping[str, Decimal],
    needs: Mapping[str, Decimal],
    total_resources: Decimal,
    total_needs: Decimal,
    unattributed: Decimal = ZERO,
    threshold: Decimal = DEFAULT_THRESHOLD,
) -> DimensionEquity:
    """The measures of one dimension from amounts and weights per group (code → value)."""
    rows = []
    for code, label in groups:
        w = needs.get(code, ZERO)
        r = resources.get(code, ZERO)
        n_share = w / total_needs if total_needs > 0 else None
        r_share = r / total_resources if total_resources > 0 else None
        ratio = None
        if n_share is not None and n_share > 0:
            ratio = (r_share or ZERO) / n_share
        fair = (n_share or ZERO) * total_resources
        rows.append(
            GroupShare(
                code=code,
                label=label,
                needs_weight=w,
                need_share=None if n_share is None else _q(n_share, SHARE_PLACES),
                resources_usd=cents(r),
                resource_share=None if r_share is None else _q(r_share, SHARE_PLACES),
                ratio=None if ratio is None else _q(ratio, RATIO_PLACES),
                fair_share_usd=cents(fair),
                shortfall_usd=cents(fair - r),
                under_served=ratio is not None and ratio < threshold,
            )
        )
    largest = None
    for row in rows:
        if row.shortfall_usd > 0 and (largest is None or row.shortfall_usd > largest.shortfall_usd):
            largest = row
    return DimensionEquity(
        dimension=dimension,
        rows=rows,
        index=equity_index(resources, needs),
        largest_shortfall=largest,
        needs_weight=total_needs,
        resources_usd=cents(total_resources),
        unattributed_usd=cents(unattributed),
    )


# --- Reports -----------------------------------------------------------------------------


@dataclass(frozen=True)
class EquityReport:
    regional: DimensionEquity
    legal: DimensionEquity
    threshold: Decimal
    on: date | None = None
    rates: RatesUsed | None = None  # the rates of the conversion, when there was one
    notes: list[str] = field(default_factory=list)

    @property
    def dimensions(self) -> list[DimensionEquity]:
        return [self.regional, self.legal]


def _group_choices(used: Iterable[str]) -> list[tuple[str, str]]:
    groups = [(code, str(label)) for code, label in RegionalGroup.choices]
    if NO_GROUP in set(used):
        groups.append((NO_GROUP, str(NO_GROUP_LABEL)))
    return groups


def equity_of(
    resources: Mapping[Target, Decimal],
    *,
    needs: Sequence[WeightedNeed] | None = None,
    threshold: Decimal | None = None,
    on: date | None = None,
    rates: RatesUsed | None = None,
    needs_qs: QuerySet[Need] | None = None,
) -> EquityReport:
    """Equity of a distribution of money (target → USD) against the weighted open needs.
    ``needs_qs``: the needs the reader may see (default: those everyone may see), which are
    weighed (unless ``needs`` are given) and among which projects' money is spread."""
    threshold = threshold_setting() if threshold is None else Decimal(threshold)
    needs = weighted_needs(needs_qs=needs_qs, today=on) if needs is None else needs
    attributed = attribute(resources, needs_qs=needs_qs)

    group_w: dict[str, Decimal] = defaultdict(lambda: ZERO)
    family_w: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for need in needs:
        group_w[need.place.regional_group] += need.weight
        for family in need.place.legal_families:
            family_w[family] += need.weight
    total_w = sum((n.weight for n in needs), ZERO)

    group_r: dict[str, Decimal] = defaultdict(lambda: ZERO)
    family_r: dict[str, Decimal] = defaultdict(lambda: ZERO)
    unattributed = ZERO
    for item in attributed:
        if item.place is None:
            unattributed += item.amount_usd
            continue
        group_r[item.place.regional_group] += item.amount_usd
        for family in item.place.legal_families:
            family_r[family] += item.amount_usd
    total_r = sum((a.amount_usd for a in attributed if a.place is not None), ZERO)

    regional = measure(
        dimension="regional_group",
        groups=_group_choices([*group_w, *group_r]),
        resources=group_r,
        needs=group_w,
        total_resources=total_r,
        total_needs=total_w,
        unattributed=unattributed,
        threshold=threshold,
    )
    legal = measure(
        dimension="legal_family",
        groups=[(code, str(label)) for code, label in LegalFamily.choices],
        resources=family_r,
        needs=family_w,
        total_resources=total_r,
        total_needs=total_w,
        unattributed=unattributed,
        threshold=threshold,
    )
    return EquityReport(regional=regional, legal=legal, threshold=threshold, on=on, rates=rates)


def portfolio_resources(*, on: date, rates: RatesUsed | None = None) -> dict[Target, Decimal]:
    """The allocations made on or before ``on``, by project, converted to USD with the rates
    valid on ``on`` (recorded in ``rates``, a ``money.RatesUsed``), each project's total
    rounded half up to the cent."""
    out: dict[Target, Decimal] = defaultdict(lambda: ZERO)
    for project_id, amount, currency in (
        Allocation.objects.filter(allocated_on__lte=on)
        .order_by("pk")
        .values_list("project_id", "amount", "pledge__currency")
    ):
        out[project_target(project_id)] += to_usd_exact(amount, currency, on, used=rates)
    return {target: cents(amount) for target, amount in out.items()}


def proposal_resources(proposal: Proposal) -> dict[Target, Decimal]:
    """A stored proposal's lines (already in USD), by project or need."""
    out: dict[Target, Decimal] = defaultdict(lambda: ZERO)
    for project_id, need_id, amount in proposal.lines.order_by("pk").values_list(
        "project_id", "need_id", "amount_usd"
    ):
        target = project_target(project_id) if project_id else need_target(need_id)
        out[target] += amount
    return dict(out)


def portfolio_equity(
    *,
    on: date,
    needs: Sequence[WeightedNeed] | None = None,
    threshold: Decimal | None = None,
    needs_qs: QuerySet[Need] | None = None,
) -> EquityReport:
    """Equity of the allocations made up to ``on``, with the rates used (``needs_qs``: as
    ``equity_of``)."""
    rates = RatesUsed()
    resources = portfolio_resources(on=on, rates=rates)
    return equity_of(
        resources, needs=needs, threshold=threshold, on=on, rates=rates, needs_qs=needs_qs
    )


def proposal_equity(
    proposal: Proposal | Mapping[Target, Decimal],
    *,
    needs: Sequence[WeightedNeed] | None = None,
    threshold: Decimal | None = None,
    needs_qs: QuerySet[Need] | None = None,
) -> EquityReport:
    """Equity of a proposal: a stored ``Proposal`` or a mapping target → USD (``needs_qs``: as
    ``equity_of``)."""
    resources = proposal_resources(proposal) if isinstance(proposal, Proposal) else dict(proposal)
    return equity_of(resources, needs=needs, threshold=threshold, needs_qs=needs_qs)
