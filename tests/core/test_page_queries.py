"""Every page a person uses runs the same number of queries whatever the amount of data.

The module builds a small data set (10 States with data, 40 needs), counts the queries of every
page, grows the data (40 States, 400 needs, and more rows behind each detail page's object), and
counts again: a query per row (an N+1) shows as a difference, reported by one test per page.
Each page is requested once before counting, so that per-process caches are warm in both.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from infobase.accounts.models import User
from infobase.activities.models import (
    Activity,
    LinkStatus,
    NeedLink,
    Participant,
    Recipient,
    Sector,
    Theme,
)
from infobase.funding.models import (
    Allocation,
    BudgetLine,
    Earmark,
    ExchangeRate,
    Pledge,
    Project,
)
from infobase.meetings.models import (
    Body,
    Capacity,
    Document,
    DocumentKind,
    Session,
    SessionKind,
    SessionParticipant,
)
from infobase.needs.models import (
    AssistanceRequest,
    EvidenceKind,
    LessonLearned,
    Need,
    NeedEvidence,
    RequestLine,
)
from infobase.questionnaires.models import Assignment, Questionnaire, ReportingCycle
from infobase.reference.models import Article, Organization, State, StateContact
from infobase.reports.models import ReportRun
from tests.conftest import client_for, make_user

pytestmark = pytest.mark.django_db

# States with data: 10, then 40; needs: 40 (less than a page), then 400. Ten States are more
# than the home pages' short lists show, so that their "and n more" counts run in both.
FIRST, MORE = 10, 30
FIRST_NEEDS, MORE_NEEDS = 4, 12  # per State
KINDS = (
    "legislative",
    "training",
    "institution_building",
    "technology",
    "good_practices",
    "other",
    "action_plan",
)


@dataclass
class World:
    """A synthetic data set that grows by whole States, plus one object of each kind (the
    "hub") whose related rows grow with it: the pages about one thing show those."""

    secretariat: User
    articles: list[Article]
    states: list[State]
    provider: Organization
    body: Body
    questionnaire: Questionnaire
    session: Session
    done: int = 0
    hub: dict[str, Any] = field(default_factory=dict)
    symbols: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    lines: itertools.count[int] = field(default_factory=itertools.count)

    def grow(self, n: int, needs: int) -> None:
        batch = self.states[self.done : self.done + n]
        self.done += n
        for state in batch:
            self._state(state, needs)

    def _state(self, state: State, n_needs: int) -> None:
        articles, hub = self.articles, self.hub
        StateContact.objects.create(state=state, name=f"Contact {state.iso3}", email="c@x.org")
        needs = Need.objects.bulk_create(
            Need(
                state=state,
                article=articles[i % len(articles)],
                kind=KINDS[i % len(KINDS)],
                first_seen=date(2024, 1, 1),
            )
            for i in range(n_needs)
        )
        request = AssistanceRequest.objects.create(
            state=state,
            instrument=articles[0].instrument,
            title=f"Request {state.iso3}",
            description="Synthetic",
            urgency="high",
            received_on=date(2024, 2, 1),
            status="received",
            source="web",
        )
        lines = RequestLine.objects.bulk_create(
            RequestLine(request=request, article=need.article, kind=need.kind) for need in needs[:2]
        )
        NeedEvidence.objects.bulk_create(
            NeedEvidence(need=need, kind=EvidenceKind.REQUEST, request_line=line)
            for need, line in zip(needs, lines, strict=False)
        )
        lesson = LessonLearned.objects.create(title=f"Lesson {state.iso3}", kinds=["training"])
        lesson.states.add(state)
        lesson.articles.add(articles[0], articles[1])
        activity = Activity.objects.create(
            iati_identifier=f"XM-TEST-{state.iso3}",
            source="iati",
            provider=self.provider,
            provider_kind="international",
            title={"en": f"Activity in {state.iso3}"},
            status="2",
            planned_start=date(2024, 1, 1),
            budget=Decimal("100000"),
            default_currency="USD",
        )
        activity.instruments.add(articles[0].instrument)
        Recipient.objects.create(activity=activity, state=state)
        Sector.objects.create(activity=activity, code="15130")
        Theme.objects.create(activity=activity, article=needs[0].article, kind=needs[0].kind)
        Participant.objects.create(activity=activity, role="4", organization=self.provider)
        NeedLink.objects.create(need=needs[0], activity=activity, status=LinkStatus.ACCEPTED)
        pledge = Pledge.objects.create(
            donor=self.provider,
            amount=Decimal("500000"),
            currency="EUR" if state.pk % 2 else "USD",  # money in two currencies
            pledged_on=date(2024, 3, 1),
            status="received",
            # Unearmarked ones may go to the hub project: its page offers them.
            earmark=Earmark.GEOGRAPHIC if state.pk % 3 else Earmark.NONE,
        )
        pledge.states.add(state)
        project = Project.objects.create(
            code=f"test-{state.iso3.lower()}",
            title={"en": f"Project {state.iso3}"},
            status="funded",
            starts=date(2024, 4, 1),
        )
        project.needs.add(*needs[:3])
        project.states.add(state)
        BudgetLine.objects.create(project=project, description="Work", amount=Decimal("90000"))
        Allocation.objects.create(
            pledge=pledge, project=project, amount=Decimal("90000"), allocated_on=date(2024, 4, 1)
        )
        Assignment.objects.create(
            questionnaire=self.questionnaire,
            state=state,
            status="submitted",
            deadline=date(2026, 12, 31),
            dispatched_at=datetime(2026, 1, 5, tzinfo=UTC),
            submitted_at=datetime(2026, 2, 5, tzinfo=UTC),
        )
        SessionParticipant.objects.create(
            session=self.session, state=state, capacity=Capacity.MEMBER
        )
        self.session.needs_reviewed.add(needs[1])
        Document.objects.create(
            symbol=f"CTOC/COP/WG.2/2026/{next(self.symbols)}",
            title={"en": f"Document on {state.iso3}"},
            kind=DocumentKind.BACKGROUND,
            body=self.body,
            session=self.session,
            date=date(2026, 5, 1),
        )
        ReportRun.objects.create(
            report="analytical",
            params={"instrument": "untoc"},
            lang="en",
            fmt="html",
            fingerprint=state.iso3,
            status="done",
            requested_by=self.secretariat,
        )
        if not hub:  # the first State's rows are the ones the detail pages show
            hub.update(need=needs[0], request=request, lesson=lesson, activity=activity)
            hub.update(project=project, pledge=pledge)
            return
        # The hub objects gain one related row per State.
        hub_need: Need = hub["need"]
        extra = AssistanceRequest.objects.create(
            state=hub_need.state,
            instrument=hub_need.article.instrument,
            title=f"Request on behalf of {state.iso3}",
            description="Synthetic",
            urgency="medium",
            received_on=date(2024, 5, 1),
            status="received",
            source="web",
        )
        line = RequestLine.objects.create(
            request=extra, article=hub_need.article, kind=hub_need.kind
        )
        NeedEvidence.objects.create(need=hub_need, kind=EvidenceKind.REQUEST, request_line=line)
        NeedLink.objects.create(need=hub_need, activity=activity, status=LinkStatus.SUGGESTED)
        k = next(self.lines)  # (article, kind) pairs the hub request does not have yet
        RequestLine.objects.create(
            request=hub["request"],
            article=articles[k % len(articles)],
            kind=KINDS[2 + k // len(articles) % (len(KINDS) - 2)],
        )
        hub["lesson"].states.add(state)
        Recipient.objects.create(activity=hub["activity"], state=state)
        hub["project"].needs.add(needs[2])
        hub["project"].states.add(state)
        BudgetLine.objects.create(
            project=hub["project"], description=f"Work in {state.iso3}", amount=Decimal("1000")
        )
        Allocation.objects.create(
            pledge=pledge,
            project=hub["project"],
            amount=Decimal("1000"),
            allocated_on=date(2024, 5, 1),
        )
        hub["pledge"].states.add(state)


def build_world(secretariat: User) -> World:
    from infobase.meetings.loaders import load_mandates

    load_mandates()
    first = ["EGY", "SEN", "MEX", "FRA", "NGA"]
    states = list(State.objects.filter(iso3__in=first).order_by("iso3")) + list(
        State.objects.exclude(iso3__in=first).order_by("iso3")[: FIRST + MORE - len(first)]
    )
    cycle, _ = ReportingCycle.objects.get_or_create(number=1, defaults={"name": "Cycle 1"})
    ExchangeRate.objects.create(currency="EUR", per_usd=Decimal("0.9"), valid_from=date(2020, 1, 1))
    body = Body.objects.get(code="wg-ta")
    return World(
        secretariat=secretariat,
        articles=list(Article.objects.filter(instrument__code="untoc").order_by("number")[:8]),
        states=states,
        provider=Organization.objects.create(
            code="test-provider", name_en="Test provider", kind="international"
        ),
        body=body,
        questionnaire=Questionnaire.objects.create(
            cycle=cycle, code="test-q", title={"en": "Test questionnaire"}, status="published"
        ),
        session=Session.objects.create(
            body=body,
            kind=SessionKind.INTERSESSIONAL,
            starts_on=date(2026, 6, 1),
            ends_on=date(2026, 6, 3),
            title={"en": "Test session"},
        ),
    )


# (page, who opens it, how to find its address from the data set)
PAGES: list[tuple[str, str | None, Any]] = [
    ("home (public)", None, lambda w: reverse("home")),
    ("home (secretariat)", "secretariat", lambda w: reverse("home")),
    ("home (focal point)", "focal", lambda w: reverse("home")),
    ("home (delegate)", "delegate", lambda w: reverse("home")),
    ("home (donor)", "donor", lambda w: reverse("home")),
    ("needs register", "secretariat", lambda w: reverse("need_register")),
    ("needs heat table", "delegate", lambda w: reverse("need_heat")),
    ("need page", "secretariat", lambda w: reverse("need_detail", args=[w.hub["need"].pk])),
    ("activities list", "secretariat", lambda w: reverse("activity_list")),
    (
        "activity page",
        "secretariat",
        lambda w: reverse("activity_detail", args=[w.hub["activity"].pk]),
    ),
    ("activities map", "delegate", lambda w: reverse("activity_map")),
    ("States list", None, lambda w: reverse("state_list")),
    ("State profile", "secretariat", lambda w: reverse("state_detail", args=["EGY"])),
    ("State profile (public)", None, lambda w: reverse("state_detail", args=["EGY"])),
    ("funding gaps", "secretariat", lambda w: reverse("funding_gaps")),
    ("resource mobilization", "secretariat", lambda w: reverse("funding_mobilization")),
    ("resource mobilization (donor)", "donor", lambda w: reverse("funding_mobilization")),
    ("equity", "secretariat", lambda w: reverse("funding_equity")),
    ("who does what where", "delegate", lambda w: reverse("who_what_where")),
    ("coverage", "secretariat", lambda w: reverse("coverage_overview")),
    ("pledges", "secretariat", lambda w: reverse("pledge_list")),
    ("pledge page", "secretariat", lambda w: reverse("pledge_detail", args=[w.hub["pledge"].pk])),
    ("projects", "secretariat", lambda w: reverse("project_list")),
    (
        "project page",
        "secretariat",
        lambda w: reverse("project_detail", args=[w.hub["project"].pk]),
    ),
    ("meetings", None, lambda w: reverse("session_list")),
    ("meeting page", "secretariat", lambda w: reverse("session_detail", args=[w.session.pk])),
    ("documents", None, lambda w: reverse("document_list")),
    ("reports", "secretariat", lambda w: reverse("reports:list")),
    ("published reports", None, lambda w: reverse("reports:publications")),
    ("lessons", "secretariat", lambda w: reverse("lesson_list")),
    ("lesson page", "secretariat", lambda w: reverse("lesson_detail", args=[w.hub["lesson"].pk])),
    ("requests", "secretariat", lambda w: reverse("request_list")),
    (
        "request page",
        "secretariat",
        lambda w: reverse("request_detail", args=[w.hub["request"].pk]),
    ),
    ("questionnaires", "secretariat", lambda w: reverse("questionnaire_list")),
    (
        "questionnaire responses",
        "secretariat",
        lambda w: reverse("questionnaire_responses", args=[w.questionnaire.code]),
    ),
]


def queries(client: Any, url: str) -> list[str]:
    assert client.get(url).status_code == 200  # warms per-process caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return [q["sql"] for q in captured.captured_queries]


@pytest.fixture(scope="module")
def measured(django_db_setup: Any, django_db_blocker: Any) -> dict[str, tuple[list[str], ...]]:
    """The queries of every page for the small and the larger data set, built once for the
    module inside a transaction that is rolled back at the end."""
    from django.db import transaction

    from infobase.accounts.models import Role

    out: dict[str, tuple[list[str], ...]] = {}
    # The idle timeout rewrites a session at most once a minute: on a loaded machine a minute
    # can pass between the two measurements and add the session's write to one of them.
    with (
        override_settings(SESSION_IDLE_TIMEOUT=0),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        secretariat = make_user("qc-secretariat", role=Role.SECRETARIAT, is_staff=True)
        org = Organization.objects.create(code="qc-fund", name_en="QC Fund", kind="fund")
        clients = {
            None: client_for(None),
            "secretariat": client_for(secretariat),
            "focal": client_for(
                make_user("qc-focal", role=Role.FOCAL_POINT, state=State.objects.get(iso3="EGY"))
            ),
            "delegate": client_for(
                make_user(
                    "qc-delegate",
                    role=Role.WG_MEMBER,
                    state=State.objects.get(iso3="MEX"),
                    is_wg_chair=True,
                )
            ),
            "donor": client_for(make_user("qc-donor", role=Role.DONOR, organization=org)),
        }
        world = build_world(secretariat)
        world.grow(FIRST, FIRST_NEEDS)
        sizes = [Need.objects.count()]
        small = {page: queries(clients[who], url(world)) for page, who, url in PAGES}
        world.grow(MORE, MORE_NEEDS)
        sizes.append(Need.objects.count())
        large = {page: queries(clients[who], url(world)) for page, who, url in PAGES}
        transaction.set_rollback(True)
    assert sizes == [FIRST * FIRST_NEEDS, FIRST * FIRST_NEEDS + MORE * MORE_NEEDS]
    for page, _who, _url in PAGES:
        out[page] = (small[page], large[page])
    return out


@pytest.mark.parametrize("page", [p[0] for p in PAGES])
def test_the_page_runs_as_many_queries_for_40_states_as_for_10(
    measured: dict[str, tuple[list[str], ...]], page: str
) -> None:
    small, large = measured[page]
    extra = "\n".join(sorted(set(large) - set(small)))
    assert len(large) == len(small), f"{page}: {len(small)} → {len(large)} queries\n{extra}"
