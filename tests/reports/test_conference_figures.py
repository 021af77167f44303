"""Every figure of the Chair's report, the Secretariat's report and the effectiveness review
recomputed here from the raw tables, on two demo data sets (seeds 1 and 7).

The recomputations deliberately do not call the reports' own functions: they walk the rows in
Python with the rules the methodology annexes state."""

from __future__ import annotations

import contextlib
import re
from collections import Counter, defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from infobase.activities.models import Activity, NeedLink
from infobase.core.i18n import language
from infobase.funding.models import Pledge, PledgeStatus, Project
from infobase.funding.money import MissingRate, to_usd
from infobase.funding.reports import compute as delivery
from infobase.meetings.models import Body, Outcome, Session
from infobase.meetings.reports import chair_figures, effectiveness_figures
from infobase.needs.models import Need
from infobase.questionnaires.models import Assignment, ReportingCycle
from infobase.reference.models import State
from infobase.reports import charts, engine
from infobase.reports.blocks import BarChart, Paragraph, Table
from infobase.reports.render_html import cell
from infobase.reports.services import report_document

pytestmark = pytest.mark.django_db

START, END = date(2006, 1, 1), date(2026, 11, 29)
COUNTING = ("accepted", "manual")
NEVER_RAN = ("5", "6")  # IATI: cancelled, suspended
ENDED = ("3", "4", "5", "6")
FUNDED = ("funded", "in_delivery", "closed")
ANSWERED = ("submitted", "returned", "validated")


@pytest.fixture(scope="module")
def seed(demo_seed):  # type: ignore[no-untyped-def]
    return demo_seed


def pct(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def half_up(value: Decimal) -> Decimal:
    return value.quantize(Decimal("1"), ROUND_HALF_UP)


def public(need: Need) -> bool:
    return not need.confidential and need.status != "merged"


def group_of(state: State | None) -> str:
    return (state.regional_group or "") if state else ""


def params(slug: str, **extra: str) -> dict[str, object]:
    return engine.get(slug).clean({"start": START.isoformat(), "end": END.isoformat(), **extra})


def tables(document) -> dict[str, Table]:  # type: ignore[no-untyped-def]
    return {b.title: b for b in document.blocks if isinstance(b, Table)}


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# --- The Chair's report ----------------------------------------------------------------------


def test_the_chairs_report_figures(seed: int) -> None:
    body = Body.objects.get(code="wg-ta")
    sessions = list(
        Session.objects.filter(body=body, starts_on__gte=START, starts_on__lte=END).order_by(
            "starts_on", "pk"
        )
    )
    reviewed = {n.pk: n for s in sessions for n in s.needs_reviewed.all() if public(n)}
    groups = Counter(group_of(n.state) for n in reviewed.values())
    figures = chair_figures(body=body, start=START, end=END)
    assert [s.session.pk for s in figures.sessions] == [s.pk for s in sessions]
    assert figures.needs_reviewed == len(reviewed) > 0
    assert {g: v for g, v in figures.needs_by_group.items() if v} == dict(groups)
    for summary, session in zip(figures.sessions, sessions, strict=True):
        assert summary.participants == session.participants.count()
        assert summary.needs_reviewed == session.needs_reviewed.count()
    for counts, session in zip(figures.states_by_group, sessions, strict=True):
        states = {p.state_id: group_of(p.state) for p in session.participants.all() if p.state_id}
        assert {g: v for g, v in counts.items() if v} == dict(Counter(states.values()))

    with language("en"):
        document = report_document(report=engine.get("chair"), params=params("chair"), lang="en")
    table = tables(document)["Needs reviewed, by regional group"]
    *rows, total = table.rows
    assert total[1] == sum(r[1] for r in rows) == len(reviewed)
    assert f"reviewed {len(reviewed)} needs" in document.text()
    # Each recommendation's note, with its own plurals.
    recommendations = Outcome.objects.filter(kind="recommendation", session__in=sessions).order_by(
        "session__starts_on", "number"
    )
    notes = [n for b in document.blocks if isinstance(b, Paragraph) for n in b.notes]

    def priorities(outcome: Outcome) -> str:
        themes = outcome.priority_themes.order_by("programme", "-weight", "title_en")
        titles = "; ".join(t.title_en for t in themes)
        return f" Priorities concerned: {titles}." if titles else ""

    assert notes == [
        f"Concerns {plural(o.needs.count(), 'need')}, {plural(o.projects.count(), 'project')} "
        f"and {plural(o.articles.count(), 'article')} of the information base." + priorities(o)
        for o in recommendations
    ]
    assert any("Priorities concerned" in note for note in notes)
    assert f"held {len(sessions)} session" in document.text()


def test_states_without_a_regional_group_have_their_own_row(seed: int) -> None:
    body = Body.objects.get(code="wg-ta")
    need = Need.objects.filter(reviewed_at__body=body, confidential=False, status="open").first()
    assert need is not None
    State.objects.filter(pk=need.state_id).update(regional_group="")
    sessions = Session.objects.filter(body=body, starts_on__gte=START, starts_on__lte=END)
    reviewed = {n.pk for s in sessions for n in s.needs_reviewed.all() if public(n)}
    for lang, label in (("en", "No regional group"), ("fr", "Sans groupe régional")):
        with language(lang):
            document = report_document(
                report=engine.get("chair"), params=params("chair"), lang=lang
            )
        table = next(t for t in tables(document).values() if t.total_row)
        *rows, total = table.rows
        assert label in [r[0] for r in rows]
        assert total[1] == sum(r[1] for r in rows) == len(reviewed)
    # The effectiveness review and the Secretariat's report name them the same way.
    with language("en"):
        review = report_document(
            report=engine.get("effectiveness"), params=params("effectiveness"), lang="en"
        )
        secretariat = report_document(
            report=engine.get("secretariat"), params=params("secretariat"), lang="en"
        )
    assert "Others" not in review.text()
    by_group = tables(secretariat)["Activities and States reached, by regional group"]
    reached = delivery(start=START, end=END)
    assert sum(r[2] for r in by_group.rows) == reached.states_reached


# --- The effectiveness review ----------------------------------------------------------------


def running(activity: Activity, first: date, last: date) -> bool:
    begins = activity.actual_start or activity.planned_start
    ends = activity.actual_end or activity.planned_end
    return begins is not None and begins <= last and not (ends is not None and ends < first)


def test_the_effectiveness_review_figures(seed: int) -> None:
    body = Body.objects.get(code="wg-ta")
    figures = effectiveness_figures(body=body, start=START, end=END)
    needs = [n for n in Need.objects.select_related("state") if public(n)]
    links = [
        link
        for link in NeedLink.objects.select_related("activity")
        if link.status in COUNTING
        and not link.activity.missing_from_source
        and link.activity.status not in NEVER_RAN
    ]
    funded = defaultdict(list)
    for project in Project.objects.prefetch_related("needs"):
        if project.status in FUNDED and project.starts is not None:
            for need in project.needs.all():
                funded[need.pk].append(project.starts)
    pledges = list(Pledge.objects.all())
    by_year = {y.year: y for y in figures.years}
    assert sorted(by_year) == list(range(START.year, END.year + 1))
    for year, row in by_year.items():
        first, last = max(date(year, 1, 1), START), min(date(year, 12, 31), END)
        held = Session.objects.filter(body=body, starts_on__gte=first, starts_on__lte=last)
        assert row.sessions == held.count()
        assert row.needs_reviewed == sum(s.needs_reviewed.count() for s in held)
        open_ids = {n.pk for n in needs if n.first_seen <= last}
        assert row.open_needs == len(open_ids)
        shares: dict[int, Decimal] = defaultdict(Decimal)
        for link in links:
            if link.need_id in open_ids and running(link.activity, first, last):
                shares[link.need_id] += link.share
        covered = sum(1 for v in shares.values() if v >= 1)
        assert row.covered_by_activities == covered, year
        assert row.share(row.covered_by_activities) == pct(covered, len(open_ids))
        in_funded = sum(1 for pk in open_ids if any(s <= last for s in funded.get(pk, [])))
        assert row.in_funded_projects == in_funded, year
        usd = Decimal(0)
        for pledge in pledges:
            if first <= pledge.pledged_on <= last:
                with contextlib.suppress(MissingRate):
                    usd += to_usd(pledge.amount, pledge.currency, pledge.pledged_on)
        assert row.pledged_usd == usd, year
    # No activity running in a year covers a need for that year: coverage is 0 before the first.
    starts = [
        link.activity.actual_start or link.activity.planned_start
        for link in links
        if link.activity.actual_start or link.activity.planned_start
    ]
    if starts:
        for year in range(START.year, min(starts).year):
            assert by_year[year].covered_by_activities == 0

    cycles = ReportingCycle.objects.exclude(starts_on__gt=END).order_by("number")
    expected = []
    for cycle in cycles:
        assignments = Assignment.objects.filter(questionnaire__cycle=cycle)
        asked = set(assignments.values_list("state_id", flat=True))
        answered = set(assignments.filter(status__in=ANSWERED).values_list("state_id", flat=True))
        if asked:
            expected.append((cycle.number, len(asked), len(answered)))
    assert figures.response == expected

    # The table shows the figures rounded half up.
    with language("en"):
        document = report_document(
            report=engine.get("effectiveness"), params=params("effectiveness"), lang="en"
        )
    table = tables(document)["Indicators by year"]
    for shown in table.rows:
        row = by_year[int(shown[0])]
        assert shown[6] == half_up(row.pledged_usd)
        assert shown[4] == pct(row.covered_by_activities, row.open_needs)


# --- The Secretariat's report ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"), [(date(2024, 1, 1), date(2025, 12, 31)), (START, END)], ids=["24-25", "all"]
)
def test_the_secretariat_report_figures(seed: int, start: date, end: date) -> None:
    figures = delivery(start=start, end=end)
    activities = [
        a
        for a in Activity.objects.prefetch_related("recipients__state", "themes")
        if not a.missing_from_source and running(a, start, end)
    ]
    assert figures.activities == len(activities) > 0
    reached: set[int] = set()
    by_group_activities: dict[str, set[int]] = defaultdict(set)
    by_group_states: dict[str, set[int]] = defaultdict(set)
    for a in activities:
        for r in a.recipients.all():
            if r.state_id:
                reached.add(r.state_id)
                by_group_activities[group_of(r.state)].add(a.pk)
                by_group_states[group_of(r.state)].add(r.state_id)
    assert figures.states_reached == len(reached)
    assert {g: v for g, v in figures.by_group.items() if any(v)} == {
        g: (len(by_group_activities[g]), len(by_group_states[g])) for g in by_group_activities
    }
    assert sum(states for _a, states in figures.by_group.values()) == len(reached)
    providers = Counter(a.provider_kind or "other" for a in activities)
    assert figures.by_provider == dict(providers)
    per_state: Counter[int] = Counter()
    articles: Counter[int] = Counter()
    kinds: Counter[str] = Counter()
    for a in activities:
        per_state.update({r.state_id for r in a.recipients.all() if r.state_id})
        articles.update({t.article_id for t in a.themes.all() if t.article_id})
        kinds.update({t.kind for t in a.themes.all() if t.kind})
    assert figures.per_state == dict(per_state)
    assert figures.by_kind == dict(kinds)
    ranked = sorted(articles.items(), key=lambda kv: (-kv[1], kv[0]))
    # The fifteen articles with the most activities, and every article tied with the fifteenth.
    cut = ranked[14][1] if len(ranked) > 15 else 0
    assert figures.by_article == [(a, n) for a, n in ranked if n >= cut]
    projects = [
        (p.code, p.states.count(), p.needs.count())
        for p in Project.objects.exclude(status="concept").order_by("code")
        if (p.starts is None or p.starts <= end) and (p.ends is None or p.ends >= start)
    ]
    assert [(code, n_s, n_n) for code, _t, _s, n_s, n_n in figures.projects] == projects

    usd_by_status: dict[str, Decimal] = defaultdict(Decimal)
    count_by_status: Counter[str] = Counter()
    for pledge in Pledge.objects.filter(pledged_on__gte=start, pledged_on__lte=end):
        try:
            usd = to_usd(pledge.amount, pledge.currency, pledge.pledged_on)
        except MissingRate:
            continue
        usd_by_status[pledge.status] += usd
        count_by_status[pledge.status] += 1
    total = sum((half_up(v) for v in usd_by_status.values()), Decimal(0))
    assert figures.pledged_usd == total

    # Coverage on the last day of the period, of the open needs identified by then.
    open_needs = {
        n.pk: n
        for n in Need.objects.select_related("state")
        if public(n) and n.status == "open" and n.first_seen <= end
    }
    shares: dict[int, Decimal] = defaultdict(Decimal)
    for link in NeedLink.objects.select_related("activity"):
        a = link.activity
        ends = a.actual_end or a.planned_end
        current = not (
            (ends is not None and ends < end) or a.status in ENDED or a.missing_from_source
        )
        if link.need_id in open_needs and link.status in COUNTING and current:
            shares[link.need_id] += link.share
    status = {
        pk: "covered" if min(shares[pk], 1) >= 1 else "partly" if shares[pk] > 0 else "uncovered"
        for pk in open_needs
    }
    assert figures.coverage == dict(Counter(status.values())) | {
        k: 0 for k in ("covered", "partly", "uncovered") if k not in status.values()
    }
    rows = {g: (c, p, u) for g, c, p, u in figures.coverage_by_group}
    expected: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for pk, need in open_needs.items():
        expected[group_of(need.state)][["covered", "partly", "uncovered"].index(status[pk])] += 1
    assert rows == {g: tuple(v) for g, v in expected.items()}

    with language("en"):
        document = report_document(
            report=engine.get("secretariat"),
            params=engine.get("secretariat").clean(
                {"start": start.isoformat(), "end": end.isoformat()}
            ),
            lang="en",
        )
    pledges = tables(document)["Pledges by status"]
    *shown, total_row = pledges.rows
    assert total_row[2] == sum(r[2] for r in shown) == total
    assert shown == [
        (str(PledgeStatus(s).label), count_by_status[s], half_up(usd_by_status[s]))
        for s in PledgeStatus.values
    ]
    words = re.sub(r"\s", " ", document.text())
    assert f"USD {total:,.0f}" in words


@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_the_effectiveness_reviews_chart_writes_each_share_as_its_table_does(
    seed: int, lang: str
) -> None:
    """The share of needs covered (and in funded projects) of a year is one figure: the bar of
    the chart is labelled as the table's cell reads, "0.0 %" in both, never "0 %" beside it."""
    report = engine.get("effectiveness")
    with language(lang):
        document = report_document(report=report, params=params("effectiveness"), lang=lang)
    table = next(b for b in document.blocks if isinstance(b, Table) and len(b.columns) == 7)
    chart = next(b for b in document.blocks if isinstance(b, BarChart) and b.percent)
    bars = {row.category: [s.label for s in row.segments] for row in charts.bar_rows(chart, lang)}
    assert bars
    for row in table.rows:
        cells = [cell(row[i], table.columns[i], lang) for i in (4, 5)]
        assert bars[row[0]] == cells, row[0]
