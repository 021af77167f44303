"""The Secretariat's report to the Conference on technical-assistance activities (decision 2/6,
para. (h)): what was delivered, where, on which articles, by whom, with which resources, and
against which needs of the register."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from infobase.activities import coverage
from infobase.activities.models import Activity, ProviderKind
from infobase.funding.models import Pledge, PledgeStatus, Project, ProjectStatus
from infobase.funding.money import MissingRate, to_usd
from infobase.questionnaires.models import pick_label
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
    progress(0.2, "activities")
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
    figures.by_group = {g: (len(group_activities[g]), len(group_states[g])) for g in GROUPS}
    figures.by_article = sorted(articles.items(), key=lambda kv: (-kv[1], kv[0]))[:15]
    figures.by_kind = dict(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])))
    figures.per_state = dict(per_state)
    figures.states_reached = len(per_state)

    progress(0.4, "coverage")
    figures.coverage = coverage.status_counts(user=AnonymousUser(), today=end)
    rows = coverage.gaps(user=AnonymousUser(), by="regional_group", today=end)
    figures.coverage_by_group = sorted(
        ((r.key, r.covered, r.partly, r.uncovered) for r in rows if r.key), key=lambda r: r[0]
    )

    progress(0.6, "resources")
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
    projects = Project.objects.filter(
        Q(starts__lte=end) | Q(starts__isnull=True),
        Q(ends__gte=start) | Q(ends__isnull=True),
    ).exclude(status=ProjectStatus.CONCEPT)
    counted = projects.annotate(
        n_states=Count("states", distinct=True), n_needs=Count("needs", distinct=True)
    )
    figures.projects = [
        (p.code, p.title, p.status, p.n_states, p.n_needs) for p in counted.order_by("code")
    ]
    progress(0.85, "figures ready")
    return figures


def group_label(code: str) -> str:
    return (
        str(RegionalGroup(code).label) if code in RegionalGroup.values else _("No regional group")
    )


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
        "needs.need",
        "funding.pledge",
        "funding.project",
        "funding.exchangerate",
        "reference.state",
    )
    Parameters = PeriodParameters

    def compute(self, params: Mapping[str, Any], progress: Progress = no_progress) -> Any:
        start, end = period(params)
        return compute(start=start, end=end, progress=progress)

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
                tuple((group_label(g), *f.by_group[g]) for g in GROUPS),
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
                tuple(
                    (str(PledgeStatus(s).label), count, int(total))
                    for s, (count, total) in f.pledges_by_status.items()
                ),
                sheet=_("Pledges"),
                notes=(_("Pledges are shown in aggregate; each donor sees its own."),),
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
        meta = conference_meta(
            params,
            title=_(
                "Activities of the Secretariat and others in the field of technical assistance"
            ),
            note=_("Report of the Secretariat"),
        )
        return ReportDocument(meta=meta, lang=lang, blocks=tuple(blocks))
