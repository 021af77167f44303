"""The home page gives each role its work queue, each item linking to where the work is done."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from lxml import html

from infobase.activities.models import Activity, LinkStatus, NeedLink
from infobase.core.i18n import format_percent, language
from infobase.funding.models import Pledge, Project, ProjectStatus
from infobase.meetings.models import Body, BodyKind, Document, DocumentKind, Session, SessionKind
from infobase.needs.models import AssistanceRequest, Need, RequestSource, RequestStatus
from infobase.questionnaires.models import (
    Answer,
    Assignment,
    AssignmentStatus,
    Questionnaire,
    ReviewComment,
)
from infobase.reference.models import Article, Instrument, State
from infobase.reports.models import ReportRun, RunStatus
from tests.conftest import client_for
from tests.questionnaires.conftest import build_questionnaire

pytestmark = pytest.mark.django_db


def page(client, path: str = "/") -> html.HtmlElement:  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == 200
    return html.fromstring(response.content)


def queue(soup: html.HtmlElement, key: str) -> html.HtmlElement:
    found = soup.xpath(f'//*[@id="work-queue"]//*[@data-queue="{key}"]')
    assert found, f"no queue {key}"
    return found[0]


def links(section: html.HtmlElement) -> list[str]:
    return list(section.xpath('.//a[contains(@class, "queue-link")]/@href'))


def home_queries(client) -> int:  # type: ignore[no-untyped-def]
    """How many queries the home page runs."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return len(queries)


def one(section: html.HtmlElement, xpath: str) -> html.HtmlElement:
    found = section.xpath(xpath)
    assert found, xpath
    return found[0]


@pytest.fixture
def questionnaire() -> Questionnaire:
    return build_questionnaire(cycle_number=93, code="home-q")


def assign(questionnaire: Questionnaire, state: State, **fields: object) -> Assignment:
    fields.setdefault("deadline", date(2030, 1, 31))
    return Assignment.objects.create(
        questionnaire=questionnaire, state=state, dispatched_at=timezone.now(), **fields
    )


def a_request(state: State, title: str, status: str = RequestStatus.RECEIVED) -> AssistanceRequest:
    return AssistanceRequest.objects.create(
        state=state,
        instrument=Instrument.objects.get(code="untoc"),
        title=title,
        description="d",
        urgency="high",
        received_on=date(2026, 3, 1),
        status=status,
        source=RequestSource.WEB,
    )


def test_anonymous_visitor_sees_the_public_figures_without_a_work_queue(db) -> None:  # type: ignore[no-untyped-def]
    soup = page(client_for(None))
    assert not soup.xpath('//*[@id="work-queue"]')
    assert soup.xpath('//*[contains(@class, "cards")]')


def test_focal_point_sees_questionnaires_due_with_deadline_and_progress(
    focal_egypt, questionnaire, egypt, senegal
) -> None:  # type: ignore[no-untyped-def]
    mine = assign(questionnaire, egypt, status=AssignmentStatus.IN_PROGRESS)
    Answer.objects.create(
        assignment=mine, item=questionnaire.items.get(name="authority"), value="X"
    )
    other = build_questionnaire(cycle_number=94, code="other-q")
    assign(other, senegal)
    soup = page(client_for(focal_egypt))
    due = queue(soup, "due")
    assert links(due) == [reverse("assignment_answer", args=[mine.pk])]
    assert one(due, ".//time").get("datetime") == "2030-01-31"
    bar = one(due, ".//progress")
    # Six questions, one of which ("Which kinds?") does not apply until assistance is needed.
    assert (bar.get("value"), bar.get("max")) == ("1", "5")
    # Its label and fallback text write the percentage as the pages do, in the page's
    # language (the focal point's, Arabic: «20‎%‎», not «20 %»).
    lang = soup.get("lang")
    percent = format_percent(20, 0, lang)
    with language(lang):
        done = translation.gettext("%(percent)s done") % {"percent": percent}
    assert bar.get("aria-label") == done
    assert bar.text_content() == percent


def figures(text: str) -> tuple[int, int]:
    """The "N of M" in a progress text."""
    found = re.search(r"(\d+) of (\d+)", text)
    assert found, text
    return int(found[1]), int(found[2])


def test_home_page_and_answering_page_show_the_same_progress_when_relevance_hides_questions(
    focal_egypt, questionnaire, egypt
) -> None:  # type: ignore[no-untyped-def]
    mine = assign(questionnaire, egypt, status=AssignmentStatus.IN_PROGRESS)
    for name, value in [("authority", "X"), ("a5_status", "yes"), ("a5_explanation", "stale")]:
        # The explanation is asked only when the status is not "yes": its answer does not count.
        Answer.objects.create(assignment=mine, item=questionnaire.items.get(name=name), value=value)
    client = client_for(focal_egypt)
    client.post(reverse("switch_language"), {"language": "en", "next": "/"})
    due = queue(page(client), "due")
    on_home = figures(one(due, './/*[@class="queue-detail"]').text_content())
    answering = page(client, reverse("assignment_answer", args=[mine.pk]))
    on_answering_page = figures(one(answering, '//*[@class="overall-progress"]').text_content())
    assert on_home == on_answering_page == (2, 4)
    bar = one(due, ".//progress")
    assert (bar.get("value"), bar.get("max")) == ("2", "4")


def test_focal_point_home_runs_a_constant_number_of_queries(
    focal_egypt, questionnaire, egypt
) -> None:  # type: ignore[no-untyped-def]
    first = assign(questionnaire, egypt, status=AssignmentStatus.IN_PROGRESS)
    Answer.objects.create(
        assignment=first, item=questionnaire.items.get(name="authority"), value="X"
    )
    client = client_for(focal_egypt)
    client.get("/")  # warm caches (sessions, content types)
    before = home_queries(client)
    for n in range(3):
        other = build_questionnaire(cycle_number=95 + n, code=f"more-{n}")
        more = assign(other, egypt, status=AssignmentStatus.IN_PROGRESS)
        Answer.objects.create(assignment=more, item=other.items.get(name="cases"), value=n)
        a_request(egypt, f"Request {n}")
    assert home_queries(client) == before


def test_focal_point_sees_returned_answers_with_the_secretariats_comment(
    focal_egypt, secretariat, questionnaire, egypt
) -> None:  # type: ignore[no-untyped-def]
    returned = assign(questionnaire, egypt, status=AssignmentStatus.RETURNED)
    ReviewComment.objects.create(
        assignment=returned, author=secretariat, text="Please explain article 5."
    )
    soup = page(client_for(focal_egypt))
    section = queue(soup, "returned")
    assert links(section) == [reverse("assignment_answer", args=[returned.pk])]
    assert (
        "Please explain article 5." in one(section, './/*[@class="queue-comments"]').text_content()
    )


def test_focal_point_sees_own_states_requests_and_their_status(focal_egypt, egypt, senegal) -> None:  # type: ignore[no-untyped-def]
    mine = a_request(egypt, "Training of judges", RequestStatus.MATCHED)
    a_request(senegal, "Not ours")
    section = queue(page(client_for(focal_egypt)), "requests")
    assert links(section) == [reverse("request_detail", args=[mine.pk])]
    tag = one(section, './/*[@data-status="matched"]//*[contains(@class, "tag")]')
    with translation.override("ar"):  # her interface language
        assert tag.text_content() == str(RequestStatus.MATCHED.label)


def test_secretariat_sees_submissions_requests_overdue_suggestions_and_reports(
    secretariat, questionnaire, egypt, senegal
) -> None:  # type: ignore[no-untyped-def]
    submitted = assign(
        questionnaire, egypt, status=AssignmentStatus.SUBMITTED, submitted_at=timezone.now()
    )
    late = assign(questionnaire, senegal, deadline=timezone.localdate() - timedelta(days=3))
    received = a_request(egypt, "Mutual legal assistance")
    a_request(egypt, "Already seen", RequestStatus.UNDER_REVIEW)
    need = Need.objects.create(
        state=egypt,
        article=Article.objects.get(instrument__code="untoc", number=5),
        kind="training",
        first_seen=date(2026, 1, 1),
    )
    activity = Activity.objects.create(iati_identifier="XM-TEST-1", title={"en": "Course"})
    NeedLink.objects.create(need=need, activity=activity, status=LinkStatus.SUGGESTED)
    run = ReportRun.objects.create(
        report="chair", lang="en", fmt="pdf", fingerprint="x", status=RunStatus.RUNNING
    )
    soup = page(client_for(secretariat))
    assert links(queue(soup, "review")) == [reverse("assignment_review", args=[submitted.pk])]
    assert links(queue(soup, "triage")) == [reverse("request_detail", args=[received.pk])]
    assert links(queue(soup, "overdue")) == [
        reverse("questionnaire_responses", args=[late.questionnaire.code])
    ]
    assert links(queue(soup, "coverage")) == [reverse("need_links", args=[need.pk])]
    assert links(queue(soup, "reports")) == [reverse("reports:run", args=[run.pk])]


def test_secretariat_home_runs_a_constant_number_of_queries(
    secretariat, questionnaire, egypt
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(secretariat)
    client.get("/")  # warm caches (sessions, content types)
    before = home_queries(client)
    for iso3 in ("FRA", "DEU", "BRA", "IND", "CHN", "JPN"):
        state = State.objects.get(iso3=iso3)
        assign(questionnaire, state, status=AssignmentStatus.SUBMITTED, submitted_at=timezone.now())
        a_request(state, f"Request {iso3}")
    assert home_queries(client) == before


def test_working_group_member_sees_next_session_its_documents_and_needs(delegate, egypt) -> None:  # type: ignore[no-untyped-def]
    wg = Body.objects.create(code="wg-ta", kind=BodyKind.WORKING_GROUP, name={"en": "WG on TA"})
    today = timezone.localdate()
    session = Session.objects.create(
        body=wg,
        number=99,
        kind=SessionKind.INTERSESSIONAL,
        starts_on=today + timedelta(days=30),
        ends_on=today + timedelta(days=32),
        title={"en": "Ninety-ninth meeting"},
    )
    document = Document.objects.create(
        symbol="CTOC/COP/WG.2/2099/2",
        title={"en": "Background paper"},
        kind=DocumentKind.BACKGROUND,
        session=session,
    )
    need = Need.objects.create(
        state=egypt,
        article=Article.objects.get(instrument__code="untoc", number=5),
        kind="training",
        first_seen=date(2026, 1, 1),
    )
    session.needs_reviewed.add(need)
    soup = page(client_for(delegate))
    assert links(queue(soup, "session")) == [
        reverse("session_detail", args=[session.pk]),
        reverse("document_detail", args=[document.pk]),
    ]
    assert links(queue(soup, "needs")) == [reverse("need_detail", args=[need.pk])]


def test_only_the_chair_gets_the_chairs_report_queue(delegate, egypt) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_user

    soup = page(client_for(delegate))
    section = queue(soup, "chair-report")
    assert one(section, './/*[@class="queue-more"]/a').get("href") == reverse(
        "reports:new", args=["chair"]
    )
    member = make_user("mona", role="wg_member", state=egypt)
    assert not page(client_for(member)).xpath('//*[@data-queue="chair-report"]')


def test_donor_sees_its_pledges_and_projects_it_can_fund(donor) -> None:  # type: ignore[no-untyped-def]
    pledge = Pledge.objects.create(
        donor=donor.organization,
        amount="250000",
        currency="EUR",
        pledged_on=date(2026, 2, 1),
        status="pledged",
    )
    other_org = type(donor.organization).objects.create(code="other", name_en="Other", kind="fund")
    Pledge.objects.create(
        donor=other_org, amount="1", currency="USD", pledged_on=date(2026, 2, 1), status="pledged"
    )
    open_project = Project.objects.create(code="p-open", title={"en": "Open project"})
    Project.objects.create(code="p-done", title={"en": "Closed"}, status=ProjectStatus.CLOSED)
    soup = page(client_for(donor))
    assert links(queue(soup, "pledges")) == [reverse("pledge_detail", args=[pledge.pk])]
    # The pledge's amount as every page writes money: its number isolated, its code after it,
    # in the page's direction (not the first letter's: the code's, left to right in Arabic).
    titled = one(queue(soup, "pledges"), './/a[contains(@class, "queue-link")]')
    assert titled.get("dir") is None
    assert one(titled, './/*[@class="money"]/bdi[@dir="ltr"]').text == "250,000.00"
    assert titled.text_content() == "250,000.00\xa0EUR"
    fundable = queue(soup, "fundable")
    assert links(fundable) == [reverse("project_detail", args=[open_project.pk])]
    assert one(fundable, './/*[@class="queue-more"]/a').get("href") == reverse("funding_gaps")


def test_focal_point_home_in_arabic_is_right_to_left_with_arabic_titles(
    focal_egypt, questionnaire, egypt
) -> None:  # type: ignore[no-untyped-def]
    assign(questionnaire, egypt)
    client = client_for(focal_egypt)
    client.post(reverse("switch_language"), {"language": "ar", "next": "/"})
    soup = page(client)
    assert soup.get("dir") == "rtl"
    due = queue(soup, "due")
    assert "تنفيذ الاتفاقية" in one(due, './/a[contains(@class, "queue-link")]').text_content()
