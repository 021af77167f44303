"""The Secretariat's report to the Conference on technical-assistance activities (decision 2/6,
para. (h)): what was delivered, where, on which articles, by whom, with which resources, and
against which needs of the register."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from infobase.activities.coverage.measures import coverage_of
from infobase.activities.models import Activity, ProviderKind
from infobase.core.i18n import pick_label
from infobase.funding.allocation import StoredCurve, latest_tradeoff_curve
from infobase.funding.models import Pledge, PledgeStatus, Project, ProjectStatus
from infobase.funding.money import MissingRate, to_usd
from infobase.needs.models import NeedStatus
from infobase.needs.selectors import coverage_status, needs_visible_to, visible_needs_q
from infobase.reference.models import Article, AssistanceKind, RegionalGroup, State
from infobase.reports import numbers
from infobase.reports.blocks import (
    BarChart,
    Block,
    Column,
    Heading,
    MapArea,
    Paragraph,
    ReportDocument,
    Series,
    Table,
    WorldMap,
)
from infobase.reports.engine import Progress, Report, no_progress, register
from infobase.reports.params import PeriodParameters, conference_meta, period

GROUPS = tuple(g.value for g in RegionalGroup)
NO_GROUP = ""  # States outside the five regional groups
BLUE, ORANGE, LIGHT = "#2166ac", "#ef8a62", "#67a9cf"


@dataclass
class DeliveryFigures:
    start: date
    end: date
    activities: int = 0
    by_provider: dict[str, int] = field(default_factory=dict)
    by_group: dict[str, tuple[int, int]] = field(default_factory=dict)  # activities, States
    by_article: list[tuple[int, int]] = field(default_factory=list)  # (article, activities)
    by_kind: dict[str, int] = field(default_factory=dict)
    per_state: dict[int, int] = field(default_factory=dict)
    states_reached: int = 0
    coverage: dict[str, int] = field(default_factory=dict)
    coverage_by_group: list[tuple[str, int, int, int]] = field(default_factory=list)
    pledges: int = 0
    pledged_usd: Decimal = Decimal("0")
    pledges_by_status: dict[str, tuple[int, Decimal]] = field(default_factory=dict)
    pledges_without_rate: int = 0
    projects: list[tuple[str, dict[str, str], str, int, int]] = field(default_factory=list)
    # The latest trade-off curve of the allocation computed by the end of the period, if any.
    curve: StoredCurve | None = None


def delivered_in(start: date, end: date) -> Q:
    """Activities running at some point of the period (actual dates first, else planned)."""
    began = Q(actual_start__lte=end) | Q(actual_start__isnull=True, planned_start__lte=end)
    ended_before = Q(actual_end__lt=start) | Q(actual_end__isnull=True, planned_end__lt=start)
    return began & ~ended_before


def compute(*, start: date, end: date, progress: Progress = no_progress) -> DeliveryFigures:
    figures = DeliveryFigures(start=start, end=end)
    activities = list(
        Activity.objects.filter(delivered_in(start, end), missing_from_source=False)
        .order_by("pk")
        .prefetch_related("recipients", "themes")
    )
    figures.activities = len(activities)
    provider = Counter(a.provider_kind or ProviderKind.OTHER for a in activities)
    figures.by_provider = {k: provider.get(k, 0) for k in ProviderKind.values if provider.get(k)}
    groups = dict(State.objects.values_list("pk", "regional_group"))
    group_activities: dict[str, set[int]] = defaultdict(set)
    group_states: dict[str, set[int]] = defaultdict(set)
    per_state: Counter[int] = Counter()
    articles: Counter[int] = Counter()
    kinds: Counter[str] = Counter()
    progress(0.2, gettext_noop("Reading the activities"))
    for activity in activities:
        recipients = {r.state_id for r in activity.recipients.all() if r.state_id}
        for state_id in recipients:
            per_state[state_id] += 1
            group = groups.get(state_id) or ""
            group_activities[group].add(activity.pk)
            group_states[group].add(state_id)
        for article_id in {t.article_id for t in activity.themes.all() if t.article_id}:
            articles[article_id] += 1
        for kind in {t.kind for t in activity.themes.all() if t.kind}:
            kinds[kind] += 1
    figures.by_group = {
        g: (len(group_activities[g]), len(group_states[g])) for g in (*GROUPS, NO_GROUP)
    }
    figures.by_article = numbers.top_with_ties(
        sorted(articles.items(), key=lambda kv: (-kv[1], kv[0])), 15, key=lambda kv: kv[1]
    )
    figures.by_kind = dict(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])))
    figures.per_state = dict(per_state)
    figures.states_reached = len(per_state)

    progress(0.4, gettext_noop("Computing coverage"))
    figures.coverage, figures.coverage_by_group = coverage_on(end)

    progress(0.6, gettext_noop("Counting resources"))
    pledges = Pledge.objects.filter(pledged_on__gte=start, pledged_on__lte=end).order_by("pk")
    by_status: dict[str, list[Decimal]] = defaultdict(list)
    for pledge in pledges:
        figures.pledges += 1
        try:
            usd = to_usd(pledge.amount, pledge.currency, pledge.pledged_on)
        except MissingRate:
            figures.pledges_without_rate += 1
            continue
        by_status[pledge.status].append(usd)
        figures.pledged_usd += usd
    figures.pledges_by_status = {
        s: (len(by_status[s]), sum(by_status[s], Decimal("0"))) for s in PledgeStatus.values
    }
    # The total is the sum of the rows as shown (each rounded half up to the dollar), so the
    # table adds up to the figure in the text.
    figures.pledged_usd = numbers.rounded_total([t for _n, t in figures.pledges_by_status.values()])
    projects = Project.objects.filter(
        Q(starts__lte=end) | Q(starts__isnull=True),
        Q(ends__gte=start) | Q(ends__isnull=True),
    ).exclude(status=ProjectStatus.CONCEPT)
    counted = projects.annotate(
        n_states=Count("states", distinct=True),
        # Published: the needs everyone may see.
        n_needs=Count("needs", filter=visible_needs_q(AnonymousUser(), "needs__"), distinct=True),
    )
    figures.projects = [
        (p.code, p.title, p.status, p.n_states, p.n_needs) for p in counted.order_by("code")
    ]
    figures.curve = latest_tradeoff_curve(
        until=datetime.combine(end, time.max, tzinfo=UTC),
    )
    progress(0.85, gettext_noop("Figures computed"))
    return figures


def coverage_on(end: date) -> tuple[dict[str, int], list[tuple[str, int, int, int]]]:
    """The open public needs identified by ``end`` by coverage status (covered, partly,
    uncovered) in all and by regional group ``(group, covered, partly, uncovered)``, States
    outside the groups under ``NO_GROUP``; a need first identified later is left out."""
    needs = needs_visible_to(AnonymousUser()).filter(status=NeedStatus.OPEN, first_seen__lte=end)
    values = coverage_of(needs, today=end)
    totals = {"covered": 0, "partly": 0, "uncovered": 0}
    groups: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(totals, 0))
    for pk, group in needs.order_by().values_list("pk", "state__regional_group"):
        status = coverage_status(values.get(pk))
        totals[status] += 1
        groups[group or NO_GROUP][status] += 1
    rows = [
        (g, groups[g]["covered"], groups[g]["partly"], groups[g]["uncovered"])
        for g in (*GROUPS, NO_GROUP)
        if g in groups
    ]
    return totals, rows


def group_label(code: str) -> str:
    return (
        str(RegionalGroup(code).label) if code in RegionalGroup.values else _("No regional group")
    )


def tradeoff_blocks(curve: StoredCurve, lang: str) -> list[Block]:
    """The allocation's trade-off between needs met and equity, each point weighed on the
    needs everyone may see (``allocation.published_point``). A curve stored before points
    carried those figures is not shown: its figures weigh confidential needs too."""

    def index(value: float | None) -> Decimal | None:
        return None if value is None else numbers.round_half_up(Decimal(str(value)) * 100)

    heading = Heading(_("Allocation: needs met against equity"), 2)
    if not all(point.get("published") for point in curve.points):
        return [
            heading,
            Paragraph(
                _(
                    "The latest allocation (%(date)s) was computed before its trade-off curve "
                    "could be weighed on the needs everyone may see, so it is not published. "
                    "The secretariat can compute the allocation again."
                )
                % {"date": numbers.long_date(curve.computed_at.date(), lang)},
                left_out=True,
            ),
        ]

    def row(level: float, public: dict[str, Any]) -> tuple[Any, ...]:
        return (
            numbers.percent(Decimal(str(level)) * 100, lang, 0),  # a chosen level: whole percent
            numbers.round_half_up(Decimal(str(public["objective"])), 1),
            numbers.round_half_up(Decimal(str(public["total_usd"]))),
            index(public.get("equity_index_groups")),
            index(public.get("equity_index_families")),
            numbers.round_half_up(Decimal(str(public["shortfall_usd"]))),
        )

    rows = tuple(row(point["level"], point["published"]) for point in curve.points)
    return [
        heading,
        Paragraph(
            _(
                "The allocation of the pledges to projects and needs was computed for floors on "
                "the share of resources of every regional group and legal system from 0 %% to "
                "100 %% of their share of the needs. Higher floors spread the money more evenly "
                "and meet fewer priority-weighted needs; the working group chooses the level. "
                "Latest computation: %(date)s."
            )
            % {"date": numbers.long_date(curve.computed_at.date(), lang)}
        ),
        Table(
            _("Trade-off between needs met and equity"),
            (
                Column(_("Floor")),
                Column(_("Needs met"), "num"),
                Column(_("USD allocated"), "int"),
                Column(_("Equity index, regional groups (0–100)"), "int"),
                Column(_("Equity index, legal systems (0–100)"), "int"),
                Column(_("Shortfall against the floors, USD"), "int"),
            ),
            rows,
            sheet=_("Allocation trade-off"),
            notes=(
                _(
                    "Every figure is weighed on the needs everyone may see: needs a State asked "
                    "to keep confidential, and the money proposed for them, are left out."
                ),
                _(
                    "Needs met: the sum of the priority scores of the public needs the "
                    "allocation meets."
                ),
                _("USD allocated: the money proposed for projects and public needs."),
                _(
                    "Equity index: 100 when every group's share of the resources equals its "
                    "share of the priority-weighted public needs, lower as they differ."
                ),
            ),
        ),
    ]


@register
class SecretariatReport(Report):
    slug = "secretariat"
    title = gettext_lazy("Report of the Secretariat on technical assistance activities")
    description = gettext_lazy(
        "What was delivered in a period, where, on which articles, by whom and with which "
        "resources, against the needs of the register (decision 2/6, paragraph (h))."
    )
    sources = (
        "activities.activity",
        "activities.needlink",
        "activities.recipient",
        "activities.theme",
        "funding.exchangerate",
        "funding.pledge",
        "funding.project",
        "funding.project_needs",
        "funding.project_states",
        "funding.proposal",
        "needs.need",
        "reference.state",
    )
    Parameters = PeriodParameters

    def compute(self, params: Mapping[str, Any], progress: Progress = no_progress) -> Any:
        start, end = period(params)
        return compute(start=start, end=end, progress=progress)

    def methodology(self, figures: Any, params: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
        """What each figure of the Secretariat's report counts (the methodology annex)."""
        terms: tuple[tuple[str, str], ...] = (
            (
                _("Activities"),
                _(
                    "Activities of the information base running at some point of the period "
                    "(by their actual dates, else their planned dates) and not missing from "
                    "their source."
                ),
            ),
            (
                _("States reached"),
                _("The different recipient States of these activities."),
            ),
            (
                _("Regional group"),
                _(
                    "An activity with several recipient States counts once in each of their "
                    "groups; States outside the five regional groups form the row “No regional "
                    "group”."
                ),
            ),
            (
                _("Articles and kinds of assistance"),
                _(
                    "An activity counts once for each article and each kind of assistance of "
                    "its themes; the chart shows the fifteen articles with the most activities, "
                    "and every article tied with the fifteenth."
                ),
            ),
            (
                _("Coverage of the open needs"),
                _(
                    "Open public needs of the register first identified by the end of the "
                    "period. A need is covered when the shares of its accepted or manual links "
                    "to activities current or planned on that day add up to at least one, "
                    "partly covered when they add up to less."
                ),
            ),
            (
                _("Pledges"),
                _(
                    "Pledges dated in the period, converted to United States dollars at the "
                    "rate of each pledge's date; a pledge without a rate is counted but not "
                    "converted. Amounts are rounded half up to the dollar and the total is the "
                    "sum of the rounded rows."
                ),
            ),
            (
                _("Projects"),
                _(
                    "Projects other than concepts running at some point of the period, with the "
                    "beneficiary States and needs recorded on them."
                ),
            ),
        )
        if getattr(figures, "curve", None) is not None:
            terms += (
                (
                    _("Allocation trade-off"),
                    _(
                        "The latest allocation computed by the end of the period, solved for "
                        "each floor level: the floor is the share of the resources each regional "
                        "group and each legal system should receive relative to its share of the "
                        "priority-weighted open needs. Each solution is shown weighed on the "
                        "public needs only: needs met are the priority scores of the public needs "
                        "met; the equity index is 100 × (1 − half the sum of the differences "
                        "between each group's share of the money given to projects and public "
                        "needs and its share of the public needs); the shortfall is the money by "
                        "which the floors, taken on the same basis, were missed."
                    ),
                ),
            )
        return terms

    def compose(self, figures: Any, params: Mapping[str, Any], lang: str) -> ReportDocument:
        f: DeliveryFigures = figures
        n = lambda value: numbers.integer(value, lang)  # noqa: E731
        usd = lambda value: numbers.number(value, lang, 0)  # noqa: E731
        blocks: list[Block] = [
            Heading(_("Introduction")),
            Paragraph(
                _(
                    "In paragraph (h) of its decision 2/6, the Conference requested the "
                    "Secretariat to report to it on the relevant activities undertaken in the "
                    "field of technical assistance. The present report covers the period from "
                    "%(start)s to %(end)s and is drawn from the information base: the "
                    "activities of the Secretariat, States, United Nations entities and "
                    "international organizations (published in IATI or recorded by the "
                    "Secretariat), the needs of the consolidated register and the resources "
                    "pledged."
                )
                % {
                    "start": numbers.long_date(f.start, lang),
                    "end": numbers.long_date(f.end, lang),
                }
            ),
            Heading(_("Activities delivered")),
            Paragraph(
                _(
                    "%(activities)s technical-assistance activities ran during the period, "
                    "reaching %(states)s States."
                )
                % {"activities": n(f.activities), "states": n(f.states_reached)}
            ),
            Table(
                _("Activities by provider"),
                (Column(_("Provider")), Column(_("Activities"), "int")),
                tuple((str(ProviderKind(k).label), v) for k, v in f.by_provider.items()),
                sheet=_("By provider"),
            ),
            Heading(_("Where"), 2),
            Table(
                _("Activities and States reached, by regional group"),
                (
                    Column(_("Regional group")),
                    Column(_("Activities"), "int"),
                    Column(_("States reached"), "int"),
                ),
                tuple(
                    (group_label(g), *f.by_group[g])
                    for g in (*GROUPS, NO_GROUP)
                    if g != NO_GROUP or any(f.by_group.get(g, ()))
                ),
                sheet=_("By regional group"),
                notes=(_("An activity with several recipient States counts once in each group."),),
            ),
        ]
        states = {s.pk: s for s in State.objects.filter(pk__in=f.per_state)}
        blocks.append(
            WorldMap(
                _("Technical assistance activities by recipient State"),
                tuple(
                    MapArea(
                        s.iso3,
                        s.m49,
                        str(s.translated("name", lang)),
                        f.per_state[pk],
                        n(f.per_state[pk]),
                    )
                    for pk, s in sorted(states.items())
                ),
                sheet=_("Map activities"),
            )
        )
        articles = {a.pk: a for a in Article.objects.filter(pk__in=[a for a, _n in f.by_article])}
        if f.by_article:
            blocks += [
                Heading(_("On which articles"), 2),
                BarChart(
                    _("Activities by article of the instruments"),
                    tuple(
                        f"{articles[a].instrument.code.upper()} {articles[a].number}"
                        for a, _n in f.by_article
                    ),
                    (Series(_("Activities"), tuple(v for _a, v in f.by_article), BLUE),),
                    sheet=_("Chart articles"),
                ),
            ]
        if f.by_kind:
            blocks.append(
                Table(
                    _("Activities by kind of assistance"),
                    (Column(_("Kind of assistance")), Column(_("Activities"), "int")),
                    tuple((str(AssistanceKind(k).label), v) for k, v in f.by_kind.items()),
                    sheet=_("By kind"),
                )
            )
        total_needs = sum(f.coverage.values())
        blocks += [
            Heading(_("Against which needs")),
            Paragraph(
                _(
                    "On %(end)s, of the %(needs)s open needs of the register, %(covered)s were "
                    "covered by current or planned activities, %(partly)s partly covered and "
                    "%(uncovered)s not covered."
                )
                % {
                    "end": numbers.long_date(f.end, lang),
                    "needs": n(total_needs),
                    "covered": n(f.coverage.get("covered", 0)),
                    "partly": n(f.coverage.get("partly", 0)),
                    "uncovered": n(f.coverage.get("uncovered", 0)),
                }
            ),
            BarChart(
                _("Coverage of the open needs by activities, by regional group"),
                tuple(group_label(g) for g, *_rest in f.coverage_by_group),
                (
                    Series(_("Covered"), tuple(c for _g, c, _p, _u in f.coverage_by_group), BLUE),
                    Series(
                        _("Partly covered"),
                        tuple(p for _g, _c, p, _u in f.coverage_by_group),
                        LIGHT,
                    ),
                    Series(
                        _("Not covered"), tuple(u for _g, _c, _p, u in f.coverage_by_group), ORANGE
                    ),
                ),
                stacked=True,
                sheet=_("Chart coverage"),
            ),
            Heading(_("Resources")),
            Paragraph(
                _(
                    "%(pledges)s pledges were made during the period, for USD %(usd)s in all "
                    "(converted at the rate of each pledge's date)."
                )
                % {"pledges": n(f.pledges), "usd": usd(f.pledged_usd)},
                notes=(
                    (
                        _("%(n)s pledges could not be converted for lack of an exchange rate.")
                        % {"n": n(f.pledges_without_rate)},
                    )
                    if f.pledges_without_rate
                    else ()
                ),
            ),
            Table(
                _("Pledges by status"),
                (Column(_("Status")), Column(_("Pledges"), "int"), Column(_("USD"), "int")),
                (
                    *(
                        (str(PledgeStatus(s).label), count, numbers.round_half_up(total))
                        for s, (count, total) in f.pledges_by_status.items()
                    ),
                    (
                        _("Total"),
                        sum(count for count, _t in f.pledges_by_status.values()),
                        f.pledged_usd,
                    ),
                ),
                sheet=_("Pledges"),
                total_row=True,
                notes=(
                    _("Pledges are shown in aggregate; each donor sees its own."),
                    _(
                        "Amounts are rounded half up to the dollar; the total is the sum of the "
                        "rounded rows."
                    ),
                ),
            ),
        ]
        if f.projects:
            blocks.append(
                Table(
                    _("Projects designed from the needs"),
                    (
                        Column(_("Project")),
                        Column(_("Status")),
                        Column(_("Beneficiary States"), "int"),
                        Column(_("Needs addressed"), "int"),
                    ),
                    tuple(
                        (
                            f"{code} — {pick_label(title)[0]}",
                            str(ProjectStatus(status).label),
                            n_states,
                            n_needs,
                        )
                        for code, title, status, n_states, n_needs in f.projects
                    ),
                    sheet=_("Projects"),
                )
            )
        if f.curve is not None and f.curve.points:
            blocks.extend(tradeoff_blocks(f.curve, lang))
        meta = conference_meta(
            params,
            title=_(
                "Activities of the Secretariat and others in the field of technical assistance"
            ),
            note=_("Report of the Secretariat"),
        )
        return ReportDocument(meta=meta, lang=lang, blocks=tuple(blocks))
