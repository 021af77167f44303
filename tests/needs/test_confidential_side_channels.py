"""Side channels of the needs register: what another State's focal point, a working-group
delegate, a donor or the public could learn of a confidential answer, request or need without
seeing it listed (a score term, a count of hidden sources, an identifier probed, a decision
taken in bulk, the lessons found by its words, an account's State, a need's history, the day
a need was first seen)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from infobase.accounts.models import Role, User
from infobase.needs import decisions
from infobase.needs.derivation import needs_derive
from infobase.needs.lessons import lesson_save
from infobase.needs.models import AssistanceRequest, LessonLearned, Need
from infobase.needs.score_table import need_scores_refresh
from infobase.needs.selectors import RegisterFilters, register, visibility_key
from infobase.questionnaires.models import ArticleImplementation, Assignment
from infobase.reference.models import Organization, State
from tests.conftest import client_for, exported, make_user
from tests.needs.test_derivation import TODAY, answers, art, request

pytestmark = pytest.mark.django_db

OTHERS = ("focal_senegal", "delegate", "donor")


def implementation(assignment: Assignment, number: int, status: str, *, confidential: bool) -> None:
    ArticleImplementation.objects.create(
        assignment=assignment,
        state=assignment.state,
        article=art(number),
        status=status,
        confidential=confidential,
    )


def egypt_need(number: int, kind: str = "training") -> Need:
    return Need.objects.get(state__iso3="EGY", article=art(number), kind=kind)


def severity_seen(user: User | None, need: Need) -> dict[str, Any]:
    """The severity of ``need`` wherever ``user`` reads it: the register, the need's page,
    the API and the register's export (those the user may open)."""
    client = client_for(user)
    seen: dict[str, Any] = {}
    page = client.get(reverse("need_register"))
    if page.status_code == 200:
        seen["register"] = [r.severity_label for r in page.context["rows"] if r.need == need]
    page = client.get(reverse("need_detail", args=[need.pk]))
    if page.status_code == 200:
        terms = page.context["scored"].explanation.terms
        seen["page"] = [(t.raw, t.explanation) for t in terms if t.name == "severity"]
    listed = client.get("/api/v1/needs/")
    if listed.status_code == 200:
        row = next(n for n in listed.json()["results"] if n["id"] == need.pk)
        seen["api"] = [t for t in row["score_terms"] if t["name"] == "severity"]
        seen["api_score"] = row["score"]
    export = exported(client, reverse("need_export", args=["csv"]))
    if export.status_code == 200:
        seen["export"] = "Not implemented" in export.content.decode("utf-8-sig")
    return seen


@pytest.fixture
def answered_in_confidence() -> Need:
    """Egypt asks openly for training on article 5; it reported the article partly implemented
    in cycle 1, and not implemented, in confidence, in cycle 2 (its latest)."""
    request("EGY", [(5, "training")])
    first = answers("EGY", [], cycle=1)
    implementation(first, 5, "partly", confidential=False)
    latest = answers("EGY", [], cycle=2)
    implementation(latest, 5, "no", confidential=True)
    needs_derive(today=TODAY)
    need_scores_refresh(today=TODAY)
    need = egypt_need(5)
    assert not need.confidential
    return need


def test_a_public_needs_severity_never_tells_what_its_state_answered_in_confidence(
    answered_in_confidence: Need, request: pytest.FixtureRequest, secretariat: User
) -> None:
    need = answered_in_confidence
    readers = [request.getfixturevalue(name) for name in OTHERS]
    with_secret = [severity_seen(user, need) for user in readers]
    assert with_secret[2]["page"][0][0] == "Partly implemented"  # cycle 1, the public answer
    assert with_secret[2]["register"] == ["Partly implemented"]
    assert with_secret[2]["export"] is False

    ArticleImplementation.objects.filter(confidential=True).delete()
    need_scores_refresh(today=TODAY)
    for user, before in zip(readers, with_secret, strict=True):
        assert severity_seen(user, need) == before, user.username
    # The score is one number for everyone: the secretariat reads the same severity.
    assert severity_seen(secretariat, need)["page"] == with_secret[2]["page"]


def test_a_need_resting_only_on_confidential_evidence_keeps_its_confidential_severity(
    focal_egypt: User, secretariat: User
) -> None:
    assignment = answers("EGY", [(6, "training")], confidential=True)
    implementation(assignment, 6, "no", confidential=True)
    needs_derive(today=TODAY)
    need = egypt_need(6)
    assert need.confidential
    for user in (focal_egypt, secretariat):
        page = client_for(user).get(reverse("need_detail", args=[need.pk]))
        assert page.context["scored"].facts.severity == "no"


@pytest.fixture
def mixed_evidence() -> tuple[Need, AssistanceRequest, AssistanceRequest]:
    """Egypt's need for training on article 5, asked for openly and, later, in confidence."""
    shown = request("EGY", [(5, "training")], received_on=date(2025, 9, 1))
    hidden = request("EGY", [(5, "training")], confidential=True, received_on=date(2025, 10, 1))
    hidden.title = "Xylographic evidence of trafficking routes"
    hidden.save()
    needs_derive(today=TODAY)
    return egypt_need(5), shown, hidden


@pytest.mark.parametrize("reader", OTHERS)
def test_a_needs_page_and_the_api_say_nothing_of_the_sources_they_hide(
    mixed_evidence: tuple[Need, AssistanceRequest, AssistanceRequest],
    reader: str,
    request: pytest.FixtureRequest,
) -> None:
    need, shown, _hidden = mixed_evidence
    user = request.getfixturevalue(reader)
    client = client_for(user)
    page = client.get(reverse("need_detail", args=[need.pk]))
    # Another State's focal point too reads the public need's page (the register lists it).
    assert [e.request_line.request for e in page.context["evidence"]] == [shown]
    assert "not shown" not in page.content.decode()
    api = client.get("/api/v1/needs/").json()["results"]
    row = next(n for n in api if n["id"] == need.pk)
    assert [e["request"] for e in row["evidence"]] == [shown.pk]
    assert "hidden_evidence" not in row


def test_the_needs_own_state_sees_every_source_of_it(
    mixed_evidence: tuple[Need, AssistanceRequest, AssistanceRequest], focal_egypt: User
) -> None:
    need, shown, hidden = mixed_evidence
    page = client_for(focal_egypt).get(reverse("need_detail", args=[need.pk]))
    assert {e.request_line.request for e in page.context["evidence"]} == {shown, hidden}


def test_lessons_bear_on_a_need_by_the_words_its_reader_may_see(
    mixed_evidence: tuple[Need, AssistanceRequest, AssistanceRequest],
    secretariat: User,
    donor: User,
    delegate: User,
    focal_egypt: User,
) -> None:
    need, _shown, _hidden = mixed_evidence
    lesson_save(
        user=secretariat,
        instance=LessonLearned(),
        data={"title": "Xylographic archives", "activity": "Workshop"},
        states=[],
        articles=[],
        kinds=[],
        reason="test",
    )
    for user in (donor, delegate):
        page = client_for(user).get(reverse("need_detail", args=[need.pk]))
        assert page.context["lessons"] == []
        assert "xylographic" not in page.content.decode().lower()
    own = client_for(focal_egypt).get(reverse("need_detail", args=[need.pk]))
    assert [lesson.title for lesson, _why in own.context["lessons"]] == ["Xylographic archives"]


@pytest.fixture
def kenyan_secret() -> Need:
    request("KEN", [(5, "legislative")], confidential=True)
    needs_derive(today=TODAY)
    need = Need.objects.get(state__iso3="KEN")
    assert need.confidential
    return need


@pytest.mark.parametrize("reader", [None, "focal_egypt", "delegate", "donor"])
def test_another_states_confidential_need_answers_as_a_need_that_does_not_exist(
    kenyan_secret: Need, reader: str | None, request: pytest.FixtureRequest
) -> None:
    client = client_for(request.getfixturevalue(reader) if reader else None)
    missing = Need.objects.order_by("-pk").first().pk + 1  # type: ignore[union-attr]
    for pk in (kenyan_secret.pk, missing):
        pages = [
            client.get(reverse("need_detail", args=[pk])),
            client.get(reverse("need_links", args=[pk])),
            client.get(reverse("history", args=["needs.need", pk])),
            client.post(reverse("need_decide", args=[pk]), {"action": "pin", "reason": "x"}),
        ]
        codes = [page.status_code for page in pages]
        assert codes == ([302, 302, 404, 302] if reader is None else [404] * 4), (pk, codes)


def test_the_chair_can_neither_pin_nor_count_another_states_confidential_needs(
    kenyan_secret: Need, delegate: User
) -> None:
    assert not delegate.has_perm("needs.rank_need", kenyan_secret)
    client = client_for(delegate)
    missing = kenyan_secret.pk + 1
    answers_to = [
        client.post(
            reverse("need_register_decide"),
            {"need": ids, "action": "pin", "reason": "Priority of the session"},
            follow=True,
        )
        for ids in ([kenyan_secret.pk, missing], [missing])
    ]
    said = [[str(m) for m in page.context["messages"]] for page in answers_to]
    assert said[0] == said[1]
    assert [page.status_code for page in answers_to] == [200, 200]
    kenyan_secret.refresh_from_db()
    assert not kenyan_secret.pinned


def test_an_account_with_a_state_but_no_state_role_sees_none_of_its_confidential_needs(
    egypt: State,
) -> None:
    request("EGY", [(5, "training")], confidential=True)
    request("EGY", [(6, "training")])
    needs_derive(today=TODAY)
    fund = Organization.objects.create(code="fund", name_en="Fund", kind="fund")
    donor = make_user("dora", role=Role.DONOR, organization=fund, state=egypt)
    public = register(user=AnonymousUser(), filters=RegisterFilters())
    assert set(register(user=donor, filters=RegisterFilters())) == set(public)
    assert visibility_key(donor) == "public"
    page = client_for(donor).get(reverse("need_register"))
    assert page.context["total"] == 1


def test_a_needs_history_begins_where_its_reader_could_first_see_it(
    secretariat: User, donor: User, delegate: User
) -> None:
    request("EGY", [(5, "training")], confidential=True, received_on=date(2025, 1, 10))
    needs_derive(today=TODAY)
    need = egypt_need(5)
    assert need.confidential
    secret = "Closed at the State's request, given in confidence"
    decisions.need_close(user=secretariat, need=need, status="met", reason=secret)
    decisions.need_reopen(user=secretariat, need=need, reason="Reopened")
    request("EGY", [(5, "training")], received_on=date(2025, 9, 1))
    needs_derive(today=TODAY)
    need.refresh_from_db()
    assert not need.confidential

    url = reverse("history", args=["needs.need", need.pk])
    for user in (donor, delegate):
        page = client_for(user).get(url)
        assert page.status_code == 200
        html = page.content.decode()
        assert secret not in html and "Reopened" not in html
        entries = page.context["entries"]
        assert [e.kind for e in entries] == ["+"]  # as the need first appeared to them
        assert all(c.field != "confidential" for e in entries for c in e.changes)
    everything = client_for(secretariat).get(url).context["entries"]
    assert secret in {e.reason for e in everything}
    assert [e.kind for e in everything][-1] == "+" and len(everything) == 4


def test_filtering_coverage_links_by_need_treats_a_hidden_need_as_a_missing_one(
    kenyan_secret: Need, donor: User
) -> None:
    client = client_for(donor)
    hidden = client.get("/api/v1/coverage-links/", {"need": kenyan_secret.pk})
    missing = client.get("/api/v1/coverage-links/", {"need": kenyan_secret.pk + 1})
    assert (hidden.status_code, hidden.json()) == (missing.status_code, missing.json())
    assert hidden.status_code == 200 and hidden.json()["results"] == []


@pytest.mark.parametrize("full", [False, True])
def test_a_need_stated_in_confidence_first_is_first_seen_when_stated_in_the_open(
    full: bool, donor: User
) -> None:
    request("EGY", [(5, "training")], confidential=True, received_on=date(2025, 1, 10))
    needs_derive(today=TODAY)
    assert egypt_need(5).first_seen == date(2025, 1, 10)  # its State and the secretariat only
    request("EGY", [(5, "training")], received_on=date(2025, 9, 1))
    needs_derive(today=TODAY, full=full)
    need = egypt_need(5)
    assert not need.confidential and need.first_seen == date(2025, 9, 1)
    profile = client_for(None).get(reverse("state_detail", args=["EGY"])).content.decode()
    assert 'datetime="2025-09-01"' in profile and "2025-01-10" not in profile
    row = client_for(donor).get("/api/v1/needs/").json()["results"][0]
    assert row["first_seen"] == "2025-09-01"


def test_a_need_stated_openly_and_in_confidence_at_once_is_first_seen_when_stated_openly() -> None:
    request("EGY", [(5, "training")], confidential=True, received_on=date(2025, 1, 10))
    request("EGY", [(5, "training")], received_on=date(2025, 9, 1))
    request("EGY", [(6, "training")], confidential=True, received_on=date(2025, 1, 10))
    request("EGY", [(6, "training")], confidential=True, received_on=date(2025, 3, 1))
    needs_derive(today=TODAY)
    assert egypt_need(5).first_seen == date(2025, 9, 1)
    assert egypt_need(6).first_seen == date(2025, 1, 10)  # confidential: its earliest source


def test_merging_an_open_need_into_a_confidential_one_dates_it_from_the_open_one(
    secretariat: User,
) -> None:
    request("EGY", [(5, "training")], confidential=True, received_on=date(2025, 1, 10))
    request("EGY", [(5, "legislative")], received_on=date(2025, 9, 1))
    needs_derive(today=TODAY)
    into = egypt_need(5)
    decisions.need_merge(
        user=secretariat, need=egypt_need(5, "legislative"), into=into, reason="Same need"
    )
    into.refresh_from_db()
    assert not into.confidential and into.first_seen == date(2025, 9, 1)
