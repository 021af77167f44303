"""Reports to the Conference on the working group (decision 2/6): the chair's report on the
activities of the working group (para. (g)) and the review of its effectiveness (para. (i))."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, Sum
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext, pgettext

from infobase.activities.coverage.counting import COUNTING_STATUSES
from infobase.activities.models import NeedLink
from infobase.core.i18n import list_separator, pick_label
from infobase.funding.equity import portfolio_equity
from infobase.funding.models import Pledge, ProjectStatus
from infobase.funding.money import MissingRate, to_usd
from infobase.meetings import selectors
from infobase.meetings.mandates import STATUS_LABELS
from infobase.meetings.models import Body, Membership, MembershipRole, OutcomeKind, label
from infobase.needs.models import Need, NeedStatus
from infobase.needs.programmes import themes_separator, title_in_text
from infobase.needs.selectors import needs_visible_to
from infobase.questionnaires.analytical import best_replies
from infobase.questionnaires.models import Assignment, ReportingCycle
from infobase.reference.models import AssistanceKind, RegionalGroup, State
from infobase.reports import numbers
from infobase.reports.blocks import (
    BarChart,
    Block,
    Column,
    Heading,
    Paragraph,
    Quote,
    ReportDocument,
    Series,
    Table,
)
from infobase.reports.engine import Progress, Report, no_progress, register
from infobase.reports.params import PeriodParameters, conference_meta, period

GROUPS = tuple(g.value for g in RegionalGroup)
NO_GROUP = ""  # States outside the five regional groups
GROUP_COLOURS = ("#08519c", "#3182bd", "#6baed6", "#9ecae1", "#c6dbef", "#969696")
# IATI ActivityStatus of activities that never ran: cancelled (5), suspended (6).
NOT_RUN = ("5", "6")
BLUE, ORANGE = "#2166ac", "#ef8a62"
FUNDED = (ProjectStatus.FUNDED, ProjectStatus.IN_DELIVERY, ProjectStatus.CLOSED)


class WorkingGroupParameters(PeriodParameters):
    body = forms.ModelChoiceField(
        label=gettext_lazy("Working group"),
        queryset=Body.objects.filter(parent__isnull=False),
        to_field_name="code",
        initial="wg-ta",
    )
    field_order = ["body", "start", "end", "symbol", "date", "session", "agenda_item"]


def group_label(code: str) -> str:
    """The regional group's name; States outside the five groups are "No regional group"."""
    if code in RegionalGroup.values:
        return str(RegionalGroup(code).label)
    return _("No regional group")


def group_keys(*counts: Mapping[str, int]) -> tuple[str, ...]:
    """The five groups, and "No regional group" when a State outside them is counted: so a
    group table's rows add up to its total."""
    return (*GROUPS, NO_GROUP) if any(c.get(NO_GROUP) for c in counts) else GROUPS


def by_group(values: list[str | None]) -> dict[str, int]:
    """Counts by regional group code, States without a group under ``NO_GROUP``."""
    counts = Counter(v or NO_GROUP for v in values)
    return {g: counts.get(g, 0) for g in (*GROUPS, NO_GROUP)}


# --- The chair's report ----------------------------------------------------------------------


@dataclass
class ChairFigures:
    body_id: int
    start: date
    end: date
    sessions: list[selectors.SessionSummary]
    chair: tuple[str, int | None] | None  # (person, State)
    needs_reviewed: int
    needs_by_kind: dict[str, int]
    needs_by_group: dict[str, int]
    # Per session (same order as ``sessions``): distinct participating States by group.
    states_by_group: list[dict[str, int]]
    recommendations: list[selectors.OutcomeLinks]
    documents: list[tuple[str, dict[str, str], date | None, str]]


def chair_figures(*, body: Body, start: date, end: date) -> ChairFigures:
    summaries = selectors.session_summaries(body_code=body.code, start=start, end=end)
    chair = (
        Membership.objects.filter(body=body, role=MembershipRole.CHAIR, starts_on__lte=end)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start))
        .order_by("-starts_on", "pk")
        .first()
    )
    # One row per need: a need reviewed at several sessions counts once.
    reviewed_ids = set(
        needs_visible_to(AnonymousUser())
        .filter(reviewed_at__in=[s.session for s in summaries])
        .values_list("pk", flat=True)
    )
    reviewed = Need.objects.filter(pk__in=reviewed_ids)
    kinds = Counter(reviewed.values_list("kind", flat=True))
    groups = by_group(list(reviewed.values_list("state__regional_group", flat=True)))
    states_by_group = [
        by_group(
            list(
                {
                    p.state_id: p.state.regional_group
                    for p in s.session.participants.all()
                    if p.state_id and p.state is not None
                }.values()
            )
        )
        for s in summaries
    ]
    documents = [
        (d.symbol, d.title, d.date, d.kind)
        for d in selectors.documents(body_code=body.code, start=start, end=end)
        .filter(is_public=True, distribution="general")
        .order_by("date", "symbol")
    ]
    return ChairFigures(
        body_id=body.pk,
        start=start,
        end=end,
        sessions=summaries,
        chair=(chair.person_name, chair.state_id) if chair else None,
        needs_reviewed=len(reviewed_ids),
        needs_by_kind=dict(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))),
        needs_by_group=groups,
        states_by_group=states_by_group,
        recommendations=selectors.outcomes_with_links(
            body_code=body.code,
            kind=OutcomeKind.RECOMMENDATION,
            start=start,
            end=end,
            viewer=AnonymousUser(),  # published
        ),
        documents=documents,
    )


def _priorities(item: selectors.OutcomeLinks) -> str:
    """A sentence naming the priorities of the work programme a recommendation gives guidance
    on (decision 2/6, paragraph (c) (ii)), titled in the report's language, to follow the
    sentence of its note (one note: two side by side read as one number); empty when it names
    none."""
    if not item.priority_themes:
        return ""
    titles = [title_in_text(theme.translated("title")) for theme in item.priority_themes]
    return " " + _("Priorities concerned: %(themes)s.") % {
        "themes": themes_separator().join(titles)
    }


@register
class ChairReport(Report):
    slug = "chair"
    title = gettext_lazy("Report of the Chair on the activities of the working group")
    description = gettext_lazy(
        "The working group's sessions, participation, what it reviewed and its "
        "recommendations, for the Conference (decision 2/6, paragraph (g))."
    )
    sources = (
        "funding.project",
        "meetings.agendaitem",
        "meetings.body",
        "meetings.document",
        "meetings.membership",
        "meetings.outcome",
        "meetings.outcome_articles",
        "meetings.outcome_needs",
        "meetings.outcome_priority_themes",
        "meetings.outcome_projects",
        "meetings.outcome_work_programmes",
        "meetings.session",
        "meetings.session_needs_reviewed",
        "meetings.sessionparticipant",
        "needs.need",
        "needs.prioritytheme",
        "needs.workprogramme",
        "reference.article",
        "reference.instrument",
        "reference.organization",
        "reference.state",
    )
    Parameters = WorkingGroupParameters

    def compute(self, params: Mapping[str, Any], progress: Progress = no_progress) -> Any:
        start, end = period(params)
        return chair_figures(body=Body.objects.get(code=params["body"]), start=start, end=end)

    def to_json(self, cleaned: Mapping[str, Any]) -> dict[str, Any]:
        out = super().to_json(cleaned)
        out["body"] = cleaned["body"].code
        return out

    def methodology(self, figures: Any, params: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
        """What each figure of the Chair's report counts (the methodology annex)."""
        return (
            (
                _("Period"),
                _(
                    "Sessions whose first day falls in the period, both ends included; "
                    "documents dated in it."
                ),
            ),
            (
                pgettext("report", "Participants"),
                _(
                    "Everyone recorded as taking part in a session: States, United Nations "
                    "entities, intergovernmental and non-governmental organizations and other "
                    "observers."
                ),
            ),
            (
                _("Participating States by regional group"),
                _(
                    "The different States recorded at a session, by their United Nations "
                    "regional group; States outside the five groups are shown as “No regional "
                    "group”."
                ),
            ),
            (
                _("Needs reviewed"),
                _(
                    "Needs of the consolidated register recorded as reviewed at a session of "
                    "the period, each counted once however often it was reviewed; confidential "
                    "and merged needs are left out. The rows by regional group add up to the "
                    "total."
                ),
            ),
            (
                _("Recommendations"),
                _(
                    "Recommendations made at the sessions of the period, quoted in the language "
                    "in which they were recorded; the note to each counts the needs, projects "
                    "and articles of the information base it concerns."
                ),
            ),
            (
                pgettext("report", "Documents"),
                _(
                    "Public documents for general distribution, dated in the period, of the "
                    "working group or of its sessions."
                ),
            ),
        )

    def compose(self, figures: Any, params: Mapping[str, Any], lang: str) -> ReportDocument:
        f: ChairFigures = figures
        body = Body.objects.get(pk=f.body_id)
        n = lambda value: numbers.integer(value, lang)  # noqa: E731
        day = lambda value: numbers.long_date(value, lang)  # noqa: E731
        group_name = label(body.name)
        blocks: list[Block] = [Heading(_("Introduction"))]
        intro = _(
            "In paragraph (g) of its decision 2/6, the Conference decided that the chair of "
            "the working group would submit to it a report on the activities of the working "
            "group. The present report covers the period from %(start)s to %(end)s."
        ) % {"start": day(f.start), "end": day(f.end)}
        blocks.append(Paragraph(intro))
        if f.chair:
            person, state_id = f.chair
            state = State.objects.filter(pk=state_id).first() if state_id else None
            blocks.append(
                Paragraph(
                    _("The working group was chaired by %(person)s (%(state)s).")
                    % {
                        "person": person or "—",
                        "state": state.translated("name", lang) if state else "—",
                    }
                )
            )
        blocks += [
            Heading(_("Sessions of the working group")),
            Paragraph(
                ngettext(
                    "The %(group)s held %(n)s session during the period.",
                    "The %(group)s held %(n)s sessions during the period.",
                    len(f.sessions),
                )
                % {"group": group_name, "n": n(len(f.sessions))}
            ),
            Table(
                _("Sessions held"),
                (
                    Column(_("Session")),
                    Column(pgettext("report", "Dates")),
                    Column(_("Place")),
                    Column(pgettext("report", "Participants"), "int"),
                    Column(_("Needs reviewed"), "int"),
                    Column(_("Outcomes"), "int"),
                ),
                tuple(
                    (
                        label(s.session.title) or str(s.session),
                        f"{day(s.session.starts_on)} – {day(s.session.ends_on)}",
                        label(s.session.city),
                        s.participants,
                        s.needs_reviewed,
                        s.outcomes,
                    )
                    for s in f.sessions
                ),
                sheet=pgettext("report", "Sessions"),
            ),
        ]
        if f.sessions:
            blocks.append(
                BarChart(
                    _("Participating States by regional group, by session"),
                    tuple(label(s.session.title) or str(s.session) for s in f.sessions),
                    tuple(
                        Series(
                            group_label(g),
                            tuple(counts.get(g, 0) for counts in f.states_by_group),
                            GROUP_COLOURS[i],
                        )
                        for i, g in enumerate(group_keys(*f.states_by_group))
                    ),
                    stacked=True,
                    sheet=_("Chart participation"),
                )
            )
        blocks += [
            Heading(_("Needs reviewed")),
            Paragraph(
                _(
                    "On the basis of the information base established by the Secretariat, the "
                    "working group reviewed %(n)s needs for technical assistance of the "
                    "consolidated register."
                )
                % {"n": n(f.needs_reviewed)}
            ),
            Table(
                _("Needs reviewed, by regional group"),
                (Column(_("Regional group")), Column(_("Needs"), "int")),
                (
                    *((group_label(g), f.needs_by_group[g]) for g in group_keys(f.needs_by_group)),
                    (_("Total"), sum(f.needs_by_group.values())),
                ),
                sheet=_("Needs reviewed"),
                total_row=True,
            ),
        ]
        if f.needs_by_kind:
            blocks.append(
                BarChart(
                    _("Needs reviewed, by kind of assistance"),
                    tuple(str(AssistanceKind(k).label) for k in f.needs_by_kind),
                    (Series(_("Needs"), tuple(f.needs_by_kind.values()), BLUE),),
                    sheet=_("Chart needs by kind"),
                )
            )
        blocks.append(Heading(_("Recommendations")))
        if not f.recommendations:
            blocks.append(Paragraph(_("The working group made no recommendation in the period.")))
        for item in f.recommendations:
            outcome = item.outcome
            text, text_lang = pick_label(outcome.text or outcome.title)
            blocks.append(
                Paragraph(
                    _("Recommendation %(number)s, made at %(session)s:")
                    % {"number": outcome.number, "session": label(outcome.session.title)},
                    notes=(
                        _(
                            "Concerns %(needs)s, %(projects)s and %(articles)s of the "
                            "information base."
                        )
                        % {
                            "needs": ngettext("%(n)s need", "%(n)s needs", len(item.needs))
                            % {"n": n(len(item.needs))},
                            "projects": ngettext(
                                "%(n)s project", "%(n)s projects", len(item.projects)
                            )
                            % {"n": n(len(item.projects))},
                            "articles": ngettext(
                                "%(n)s article", "%(n)s articles", len(item.articles)
                            )
                            % {"n": n(len(item.articles))},
                        }
                        + _priorities(item),
                    ),
                )
            )
            # The recommendation's own words, in the language they were recorded in.
            blocks.append(Quote(text, "", text_lang))
        if f.documents:
            blocks += [
                Heading(_("Documents before the working group")),
                Table(
                    pgettext("report", "Documents"),
                    (Column(_("Symbol")), Column(pgettext("report", "Title")), Column(_("Date"))),
                    tuple((sym, label(title), day(when)) for sym, title, when, _k in f.documents),
                    sheet=pgettext("report", "Documents"),
                ),
            ]
        meta = conference_meta(
            params,
            title=_("Report on the activities of the %(group)s") % {"group": group_name},
            note=_("Report of the Chair"),
        )
        return ReportDocument(meta=meta, lang=lang, blocks=tuple(blocks))


# --- The review of effectiveness -------------------------------------------------------------


@dataclass
class YearIndicators:
    year: int
    sessions: int = 0
    needs_reviewed: int = 0
    open_needs: int = 0
    covered_by_activities: int = 0
    in_funded_projects: int = 0
    pledged_usd: Decimal = Decimal("0")

    def share(self, part: int) -> Decimal | None:
        return numbers.share(part, self.open_needs)


@dataclass
class EffectivenessFigures:
    body_id: int
    start: date
    end: date
    years: list[YearIndicators]
    response: list[tuple[int, int, int]]  # (cycle, asked, answered)
    equity_regional: Decimal | None
    equity_legal: Decimal | None
    under_served: list[str]
    mandates: dict[str, Any]
    # (paragraph, text in each language, status, on time)
    mandate_rows: list[tuple[str, dict[str, str], str, bool | None]] = field(default_factory=list)


def covered_in(need_ids: list[int], *, first: date, last: date) -> int:
    """How many of the needs are covered in the year ``first``–``last``: the shares of their
    accepted or manual links to activities running in the year (begun by its end, not ended
    before its start, not cancelled or suspended) add up to at least 1. An activity that
    starts later never covers a need for an earlier year."""
    links = (
        NeedLink.objects.filter(
            need_id__in=need_ids,
            status__in=COUNTING_STATUSES,
            activity__missing_from_source=False,
        )
        .filter(_running(first, last))
        .exclude(activity__status__in=NOT_RUN)
    )
    totals = links.order_by().values("need_id").annotate(total=Sum("share"))
    return sum(1 for row in totals if row["total"] >= 1)


def _running(first: date, last: date) -> Q:
    """Activities running at some point of ``first``–``last`` (actual dates first, else
    planned), seen from a need link: the rule of the Secretariat's report."""
    began = Q(activity__actual_start__lte=last) | Q(
        activity__actual_start__isnull=True, activity__planned_start__lte=last
    )
    ended_before = Q(activity__actual_end__lt=first) | Q(
        activity__actual_end__isnull=True, activity__planned_end__lt=first
    )
    return began & ~ended_before


def effectiveness_figures(
    *, body: Body, start: date, end: date, progress: Progress = no_progress
) -> EffectivenessFigures:
    public_needs = needs_visible_to(AnonymousUser()).exclude(status=NeedStatus.MERGED)
    years = []
    span = list(range(start.year, end.year + 1))
    for index, year in enumerate(span):
        progress(0.1 + 0.6 * index / max(1, len(span)), str(year))
        last = min(date(year, 12, 31), end)
        first = max(date(year, 1, 1), start)
        row = YearIndicators(year)
        held = selectors.needs_reviewed_per_session(body_code=body.code, start=first, end=last)
        row.sessions = len(held)
        row.needs_reviewed = sum(count for _s, count in held)
        # Needs known by the year's end that are still open or were closed after it.
        open_then = public_needs.filter(first_seen__lte=last).filter(
            Q(status=NeedStatus.OPEN) | Q(status__in=[NeedStatus.MET, NeedStatus.NOT_RELEVANT])
        )
        ids = list(open_then.values_list("pk", flat=True))
        row.open_needs = len(ids)
        if ids:
            row.covered_by_activities = covered_in(ids, first=first, last=last)
            row.in_funded_projects = (
                Need.objects.filter(
                    pk__in=ids,
                    projects__status__in=FUNDED,
                    projects__starts__lte=last,
                )
                .distinct()
                .count()
            )
        for pledge in Pledge.objects.filter(pledged_on__gte=first, pledged_on__lte=last):
            try:
                row.pledged_usd += to_usd(pledge.amount, pledge.currency, pledge.pledged_on)
            except MissingRate:
                continue
        years.append(row)
    progress(0.75, gettext_noop("Computing response rates"))
    response = []
    # Cycles begun by the end of the period: a later cycle is not evidence for it.
    cycles = ReportingCycle.objects.filter(Q(starts_on__lte=end) | Q(starts_on__isnull=True))
    for cycle in cycles.order_by("number"):
        replies = best_replies(Assignment.objects.filter(questionnaire__cycle=cycle))
        if replies:
            response.append((cycle.number, len(replies), sum(r.answered for r in replies)))
    progress(0.85, gettext_noop("Computing equity and mandates"))
    equity = portfolio_equity(on=end)
    states = selectors.mandate_statuses("2/6", today=end)
    return EffectivenessFigures(
        body_id=body.pk,
        start=start,
        end=end,
        years=years,
        response=response,
        equity_regional=equity.regional.index,
        equity_legal=equity.legal.index,
        under_served=[row.code for row in equity.regional.under_served],
        mandates=selectors.mandate_summary(states),
        mandate_rows=[(s.mandate.paragraph, s.mandate.text, s.status, s.on_time) for s in states],
    )


@register
class EffectivenessReport(Report):
    slug = "effectiveness"
    title = gettext_lazy("Review of the effectiveness of the working group")
    description = gettext_lazy(
        "Indicators over time — questionnaire response rates, needs reviewed, needs covered by "
        "activities and by funded projects, resources mobilized, equity, mandates completed on "
        "time — for the review decided in decision 2/6, paragraph (i)."
    )
    sources = (
        "accounts.user",
        "activities.activity",
        "activities.needlink",
        "funding.allocation",
        "funding.exchangerate",
        "funding.pledge",
        "funding.project",
        "funding.project_needs",
        "funding.project_states",
        "meetings.body",
        "meetings.document",
        "meetings.mandate",
        "meetings.mandateevidence",
        "meetings.outcome",
        "meetings.session",
        "meetings.session_needs_reviewed",
        "needs.assistancerequest",
        "needs.derivationstate",
        "needs.need",
        "needs.needevidence",
        "needs.needscore",
        "needs.requestline",
        "questionnaires.articleimplementation",
        "questionnaires.assignment",
        "questionnaires.questionnaire",
        "questionnaires.reportingcycle",
        "questionnaires.statedneed",
        "reference.article",
        "reference.instrument",
        "reference.organization",
        "reference.state",
    )
    Parameters = WorkingGroupParameters

    def compute(self, params: Mapping[str, Any], progress: Progress = no_progress) -> Any:
        start, end = period(params)
        return effectiveness_figures(
            body=Body.objects.get(code=params["body"]), start=start, end=end, progress=progress
        )

    def to_json(self, cleaned: Mapping[str, Any]) -> dict[str, Any]:
        out = super().to_json(cleaned)
        out["body"] = cleaned["body"].code
        return out

    def methodology(self, figures: Any, params: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
        """What each figure of the effectiveness review counts (the methodology annex)."""
        return (
            (
                _("Response rate"),
                _(
                    "For each reporting cycle begun by the end of the period: the States asked "
                    "(each counted once, however many questionnaires it received) and those "
                    "that submitted a reply, as a percentage of those asked."
                ),
            ),
            (
                _("Needs reviewed"),
                _(
                    "For a year, the needs reviewed at each session of the working group that "
                    "began in it, added up: a need reviewed at two sessions counts twice."
                ),
            ),
            (
                pgettext("report", "Open needs"),
                _(
                    "Public needs of the register first identified by the end of the year (or "
                    "of the period), merged needs left out; a need met or no longer relevant "
                    "since then is still counted."
                ),
            ),
            (
                _("Covered by activities"),
                _(
                    "Open needs whose accepted or manually recorded links to activities running "
                    "in that year (begun by its end, not ended before its start, neither "
                    "cancelled nor suspended) have shares adding up to at least one, as a "
                    "percentage of the open needs. An activity that begins later never covers "
                    "a need for an earlier year."
                ),
            ),
            (
                _("In funded projects"),
                _(
                    "Open needs addressed by a project that is funded, in delivery or closed "
                    "and had started by the end of the year, as a percentage of the open needs."
                ),
            ),
            (
                _("Resources pledged (USD)"),
                _(
                    "Pledges dated in the year, converted to United States dollars at the rate "
                    "of the pledge's date; pledges without a rate are left out."
                ),
            ),
            (
                _("Equity index"),
                _(
                    "1 when the resources allocated by the end of the period are in proportion "
                    "to the priority-weighted needs of each regional group (or legal system), 0 "
                    "when they are entirely elsewhere; States outside the five regional groups "
                    "form their own group, “No regional group”."
                ),
            ),
            (
                _("Status"),
                _(
                    "As on the last day of the period: evidence dated later is not counted. An "
                    "automatic check looks for evidence in a window with two ends, from the "
                    "previous session of the Conference to the session by which the mandate is "
                    "due."
                ),
            ),
            (
                _("On time"),
                _(
                    "Met by the first day of the session by which the mandate is due; for a "
                    "decision that the session itself must take, met during or before that "
                    "session."
                ),
            ),
            (
                _("Rounding"),
                _("Percentages are rounded half up to one decimal, amounts half up to the dollar."),
            ),
        )

    def compose(self, figures: Any, params: Mapping[str, Any], lang: str) -> ReportDocument:
        f: EffectivenessFigures = figures
        body = Body.objects.get(pk=f.body_id)
        n = lambda value: numbers.integer(value, lang)  # noqa: E731
        years = [y for y in f.years if y.sessions or y.open_needs or y.pledged_usd]
        blocks: list[Block] = [
            Heading(_("Introduction")),
            Paragraph(
                _(
                    "In paragraph (i) of its decision 2/6, the Conference decided to review the "
                    "effectiveness and the future of the working group. The present review "
                    "measures, from the information base, what the working group and the "
                    "Secretariat achieved from %(start)s to %(end)s."
                )
                % {
                    "start": numbers.long_date(f.start, lang),
                    "end": numbers.long_date(f.end, lang),
                }
            ),
            Heading(_("Reporting by States")),
            Table(
                _("Response to the implementation questionnaires, by reporting cycle"),
                (
                    Column(_("Reporting cycle"), "int"),
                    Column(_("States asked"), "int"),
                    Column(_("States that answered"), "int"),
                    Column(_("Response rate"), "pct"),
                ),
                tuple((c, a, r, numbers.share(r, a)) for c, a, r in f.response),
                sheet=_("Response rates"),
            ),
            Heading(_("Review of needs and response to them")),
            Table(
                _("Indicators by year"),
                (
                    Column(_("Year")),
                    Column(pgettext("report", "Sessions"), "int"),
                    Column(_("Needs reviewed"), "int"),
                    Column(pgettext("report", "Open needs"), "int"),
                    Column(_("Covered by activities"), "pct"),
                    Column(_("In funded projects"), "pct"),
                    Column(_("Resources pledged (USD)"), "int"),
                ),
                tuple(
                    (
                        str(y.year),
                        y.sessions,
                        y.needs_reviewed,
                        y.open_needs,
                        y.share(y.covered_by_activities),
                        y.share(y.in_funded_projects),
                        numbers.round_half_up(y.pledged_usd),
                    )
                    for y in years
                ),
                sheet=_("Indicators by year"),
                notes=(
                    _(
                        "Needs are counted from the year they were first identified; needs met "
                        "or no longer relevant since then are still counted for earlier years."
                    ),
                ),
            ),
        ]
        if years:
            blocks += [
                BarChart(
                    _("Share of needs covered by activities and by funded projects"),
                    tuple(str(y.year) for y in years),
                    (
                        Series(
                            _("Covered by activities"),
                            tuple(float(y.share(y.covered_by_activities) or 0) for y in years),
                            BLUE,
                        ),
                        Series(
                            _("In funded projects"),
                            tuple(float(y.share(y.in_funded_projects) or 0) for y in years),
                            ORANGE,
                        ),
                    ),
                    percent=True,
                    sheet=_("Chart coverage"),
                ),
                BarChart(
                    _("Resources pledged by year (USD)"),
                    tuple(str(y.year) for y in years),
                    (
                        Series(
                            _("USD"),
                            tuple(int(numbers.round_half_up(y.pledged_usd)) for y in years),
                            BLUE,
                        ),
                    ),
                    sheet=_("Chart resources"),
                ),
            ]
        blocks += [
            Heading(_("Equity of distribution")),
            Paragraph(
                _(
                    "The equity index of the resources allocated (1: in proportion to the "
                    "priority-weighted needs; 0: entirely elsewhere) stood at %(regional)s "
                    "across regional groups and %(legal)s across legal systems."
                )
                % {
                    "regional": numbers.number(f.equity_regional, lang, 2),
                    "legal": numbers.number(f.equity_legal, lang, 2),
                }
            ),
        ]
        if f.under_served:
            blocks.append(
                Paragraph(
                    _("Under-served regional groups: %(groups)s.")
                    % {"groups": list_separator().join(group_label(g) for g in f.under_served)}
                )
            )
        m = f.mandates
        blocks += [
            Heading(_("Mandates of decision 2/6")),
            Paragraph(
                _(
                    "Of the %(total)s mandates of decision 2/6, %(satisfied)s are carried out, "
                    "%(on_time)s of them on time; %(failing)s are not."
                )
                % {
                    "total": n(m.get("total", 0)),
                    "satisfied": n(m.get("satisfied", 0)),
                    "on_time": n(m.get("on_time", 0)),
                    "failing": n(m.get("failing", 0)),
                }
            ),
            Table(
                _("Mandates and their status"),
                (
                    Column(_("Paragraph")),
                    Column(_("Mandate")),
                    Column(_("Status")),
                    Column(_("On time")),
                ),
                tuple(
                    (
                        paragraph,
                        Truncator(label(text)).words(30),
                        str(STATUS_LABELS.get(status, status)),
                        {True: _("Yes"), False: _("No"), None: "—"}[on_time],
                    )
                    for paragraph, text, status, on_time in f.mandate_rows
                ),
                sheet=_("Mandates"),
            ),
        ]
        meta = conference_meta(
            params,
            title=_("Review of the effectiveness and the future of the %(group)s")
            % {"group": label(body.name)},
            note=_("Report of the Secretariat"),
        )
        return ReportDocument(meta=meta, lang=lang, blocks=tuple(blocks))
