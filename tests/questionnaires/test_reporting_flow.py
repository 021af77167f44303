"""State reporting end to end: dispatch, e-mails, answering, conflicts, review, derivation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from infobase.accounts.models import Role, User
from infobase.questionnaires import services
from infobase.questionnaires.models import (
    Answer,
    ArticleImplementation,
    AssignmentStatus,
    Notification,
    StatedNeed,
)
from infobase.reference import selectors as reference
from infobase.reference.models import Instrument
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_dispatch_goes_to_parties_and_signatories_on_the_date(
    questionnaire, secretariat, focal_egypt
):
    on = date(2014, 12, 31)
    untoc = Instrument.objects.get(code="untoc")
    expected = set(reference.parties_on(instrument=untoc, on=on)) | set(
        reference.signatories_not_parties_on(instrument=untoc, on=on)
    )
    created = services.dispatch(
        questionnaire=questionnaire, deadline=date(2030, 1, 1), by=secretariat, on=on
    )
    assert {a.state for a in created} == expected
    again = services.dispatch(
        questionnaire=questionnaire, deadline=date(2030, 1, 1), by=secretariat, on=on
    )
    assert again == []


def test_dispatch_mails_each_focal_point_in_their_language(
    django_capture_on_commit_callbacks,
    questionnaire,
    secretariat,
    focal_egypt,
    focal_senegal,
    egypt,
    senegal,
):
    focal_egypt.email, focal_senegal.email = "hoda@example.org", "awa@example.org"
    focal_egypt.save()
    focal_senegal.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.dispatch(
            questionnaire=questionnaire,
            deadline=date(2030, 1, 1),
            by=secretariat,
            states=[egypt, senegal],
        )
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert "تنفيذ الاتفاقية" in by_recipient["hoda@example.org"].subject
    assert (
        "Questionnaire à remplir" in by_recipient["awa@example.org"].subject
        or "Implementation" in by_recipient["awa@example.org"].subject
    )
    assert (
        by_recipient["awa@example.org"].body.startswith("Madame, Monsieur")
        or "Implementation of the Convention" in by_recipient["awa@example.org"].body
    )
    assert Notification.objects.filter(kind="dispatch").count() == 2


def test_only_the_secretariat_dispatches(questionnaire, focal_egypt, egypt):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.dispatch(
            questionnaire=questionnaire, deadline=date(2030, 1, 1), by=focal_egypt, states=[egypt]
        )


def test_reminders_are_sent_once_before_and_weekly_after_the_deadline(assignment, focal_egypt):
    focal_egypt.email = "hoda@example.org"
    focal_egypt.save()
    deadline = assignment.deadline
    assert services.send_reminders(today=deadline - timedelta(days=30)) == []
    assert len(services.send_reminders(today=deadline - timedelta(days=10))) == 1
    assert services.send_reminders(today=deadline - timedelta(days=9)) == []
    assert len(services.send_reminders(today=deadline + timedelta(days=1))) == 1
    assert services.send_reminders(today=deadline + timedelta(days=2)) == []
    assert len(services.send_reminders(today=deadline + timedelta(days=8))) == 1
    assignment.status = AssignmentStatus.SUBMITTED
    assignment.save()
    assert services.send_reminders(today=deadline + timedelta(days=30)) == []


def form_data(client, assignment):
    """What a browser would post back: every field with its version and current value."""
    page = client.get(reverse("assignment_answer", args=[assignment.pk]))
    assert page.status_code == 200
    data = {}
    for f in page.context["page"].fields():
        data[f"v-{f.key}"] = f.version
        if f.value is not None:
            data[f"q-{f.key}"] = f.value
        if f.answer and f.answer.confidential:
            data[f"c-{f.key}"] = "on"
    return data


def post_answers(client, assignment, data, action="save"):
    url = reverse("assignment_answer", args=[assignment.pk])
    return client.post(url, {**form_data(client, assignment), **data, "action": action})


def test_a_focal_point_answers_in_arabic_saves_resumes_and_submits(assignment, focal_egypt):
    client = client_for(focal_egypt)
    page = client.get(reverse("assignment_answer", args=[assignment.pk]))
    html = page.content.decode()
    assert 'dir="rtl"' in html and "هل تُجرّم المشاركة في جماعة إجرامية منظمة؟" in html
    response = post_answers(
        client, assignment, {"q-authority": "وزارة العدل", "q-a5_status": "partly"}
    )
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.IN_PROGRESS
    resumed = client.get(reverse("assignment_answer", args=[assignment.pk])).content.decode()
    assert "وزارة العدل" in resumed
    response = post_answers(
        client,
        assignment,
        {
            "q-a5_explanation": "مشروع قانون قيد النظر",
            "q-a5_ta_needed": "yes",
            "q-a5_ta_kinds": ["legislative", "training"],
        },
        action="submit",
    )
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.SUBMITTED
    assert Answer.objects.get(assignment=assignment, item__name="a5_ta_kinds").value == [
        "legislative",
        "training",
    ]


def test_submission_refuses_missing_required_answers_and_broken_constraints(
    assignment, focal_egypt
):
    client = client_for(focal_egypt)
    response = post_answers(client, assignment, {"q-cases": "-3"}, action="submit")
    assert response.status_code == 400
    errors = response.context["errors"]
    assert set(errors) >= {"authority", "a5_status", "cases"}
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.IN_PROGRESS


def test_irrelevant_questions_are_hidden_and_not_required(assignment, focal_egypt):
    client = client_for(focal_egypt)
    post_answers(client, assignment, {"q-authority": "MoJ", "q-a5_status": "yes"})
    html = client.get(reverse("assignment_answer", args=[assignment.pk])).content.decode()
    assert 'id="q-a5_explanation" data-relevant="${a5_status} != &#x27;yes&#x27;" hidden' in html


def test_a_bad_value_is_reported_in_place_and_nothing_else_is_lost(assignment, focal_egypt):
    client = client_for(focal_egypt)
    response = post_answers(client, assignment, {"q-authority": "MoJ", "q-cases": "many"})
    assert response.status_code == 400
    assert response.context["errors"]["cases"]
    assert Answer.objects.get(assignment=assignment, item__name="authority").value == "MoJ"


def test_two_editors_do_not_silently_overwrite_each_other(assignment, focal_egypt, egypt):
    colleague = User.objects.create_user("omar", password="x", role=Role.FOCAL_POINT, state=egypt)
    first, second = client_for(focal_egypt), client_for(colleague)
    form_first, form_second = form_data(first, assignment), form_data(second, assignment)
    url = reverse("assignment_answer", args=[assignment.pk])
    assert (
        first.post(url, {**form_first, "q-authority": "Ministry A", "action": "save"}).status_code
        == 302
    )
    response = second.post(url, {**form_second, "q-authority": "Ministry B", "action": "save"})
    assert response.status_code == 400
    assert "authority" in response.context["conflicts"]
    assert Answer.objects.get(assignment=assignment, item__name="authority").value == "Ministry A"


def test_it_rejects_other_states_answers_by_url(assignment, focal_senegal):
    client = client_for(focal_senegal)
    for name in ("assignment_answer", "workbook_download", "workbook_upload", "assignment_review"):
        assert client.get(reverse(name, args=[assignment.pk])).status_code == 403, name
    assert (
        client.post(
            reverse("assignment_answer", args=[assignment.pk]),
            {"v-authority": "0", "q-authority": "x"},
        ).status_code
        == 403
    )
    assert not Answer.objects.filter(assignment=assignment).exists()


def test_other_states_assignments_do_not_appear_in_lists(assignment, focal_senegal, focal_egypt):
    link = reverse("assignment_answer", args=[assignment.pk])
    assert link not in client_for(focal_senegal).get(reverse("questionnaire_list")).content.decode()
    assert link in client_for(focal_egypt).get(reverse("questionnaire_list")).content.decode()


def test_review_returns_then_validates_and_derives_the_information(
    django_capture_on_commit_callbacks, assignment, focal_egypt, secretariat
):
    focal_egypt.email = "hoda@example.org"
    focal_egypt.save()
    client = client_for(focal_egypt)
    post_answers(
        client,
        assignment,
        {
            "q-authority": "MoJ",
            "q-a5_status": "partly",
            "q-a5_explanation": "Draft law",
            "q-a5_ta_needed": "yes",
            "q-a5_ta_kinds": ["legislative", "training"],
            "c-a5_explanation": "on",
        },
        action="submit",
    )
    reviewer = client_for(secretariat)
    url = reverse("assignment_review", args=[assignment.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            reviewer.post(url, {"action": "return", "comment": "Please cite the law."}).status_code
            == 302
        )
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.RETURNED
    assert any("Please cite the law." in m.body for m in mail.outbox)
    post_answers(client, assignment, {"q-a5_explanation": "Law 80/2010"}, action="submit")
    assert reviewer.post(url, {"action": "validate", "comment": ""}).status_code == 302
    status = ArticleImplementation.objects.get(assignment=assignment)
    assert (status.status, status.explanation, status.confidential) == (
        "partly",
        "Law 80/2010",
        True,
    )
    assert set(StatedNeed.objects.filter(assignment=assignment).values_list("kind", flat=True)) == {
        "legislative",
        "training",
    }
    assert services.derive(assignment=assignment) == (1, 2)  # idempotent


def test_previous_cycle_answers_are_offered_and_copied(
    questionnaire, assignment, focal_egypt, egypt
):
    from infobase.questionnaires.models import Assignment
    from tests.questionnaires.conftest import build_questionnaire

    later = build_questionnaire(cycle_number=92, code="test-q2")
    nxt = Assignment.objects.create(
        questionnaire=later, state=egypt, deadline=date(2031, 1, 1), dispatched_at=timezone.now()
    )
    client = client_for(focal_egypt)
    post_answers(client, assignment, {"q-authority": "Ministry of Justice", "q-a5_status": "no"})
    html = client.get(reverse("assignment_answer", args=[nxt.pk])).content.decode()
    assert "Ministry of Justice" in html
    client.post(reverse("assignment_answer", args=[nxt.pk]), {"action": "prefill"})
    assert Answer.objects.get(assignment=nxt, item__name="a5_status").value == "no"


def test_the_secretariat_sees_response_rates_and_reminds(
    assignment, secretariat, focal_egypt, focal_senegal
):
    focal_egypt.email = "hoda@example.org"
    focal_egypt.save()
    assignment.deadline = date(2020, 1, 1)
    assignment.save()
    client = client_for(secretariat)
    page = client.get(reverse("questionnaire_responses", args=[assignment.questionnaire.code]))
    assert page.status_code == 200
    assert page.context["total"].asked == 1 and list(page.context["overdue"]) == [assignment]
    client.post(reverse("assignment_remind", args=[assignment.pk]))
    assert mail.outbox and mail.outbox[-1].to == ["hoda@example.org"]
    assert (
        client_for(focal_senegal)
        .get(reverse("questionnaire_responses", args=[assignment.questionnaire.code]))
        .status_code
        == 403
    )


def test_a_reply_returned_for_clarification_counts_as_answered_as_the_report_counts_it(
    assignment, secretariat
):
    """The response rate has one definition: the responses page, its tables and the
    analytical report count a State whose answers were returned for clarification as having
    answered, and the page says so; the State still owes a reply, so it stays overdue."""
    from infobase.questionnaires.analytical import best_replies, response_of
    from infobase.questionnaires.models import Assignment
    from infobase.questionnaires.selectors import rates_by_instrument, response_rate

    assignment.status = AssignmentStatus.RETURNED
    assignment.deadline = date(2020, 1, 1)
    assignment.save()
    questionnaire = assignment.questionnaire
    on_page = response_rate([questionnaire])
    in_report = response_of(best_replies(Assignment.objects.filter(questionnaire=questionnaire)))
    assert (on_page.asked, on_page.answered) == (in_report.asked, in_report.answered) == (1, 1)
    assert rates_by_instrument([questionnaire])[0].answered == 1
    page = client_for(secretariat).get(
        reverse("questionnaire_responses", args=[questionnaire.code])
    )
    assert list(page.context["overdue"]) == [assignment]
    assert (
        "A State has answered when it has submitted its answers, whether they are validated, "
        "returned for clarification or awaiting validation." in page.content.decode()
    )


def test_response_rates_by_instrument_count_only_states_taking_part(assignment, secretariat):
    from infobase.questionnaires.selectors import rates_by_instrument

    rates = {r.key: r for r in rates_by_instrument([assignment.questionnaire])}
    assert rates["untoc"].asked == 1 and rates["untoc"].answered == 0
    assignment.status = AssignmentStatus.VALIDATED
    assignment.save()
    assert rates_by_instrument([assignment.questionnaire])[0].percent == 100.0


def test_an_answers_history_is_shown_to_its_state_only(assignment, focal_egypt, focal_senegal):
    client = client_for(focal_egypt)
    post_answers(client, assignment, {"q-authority": "First"})
    post_answers(client, assignment, {"q-authority": "Second"})
    answer = Answer.objects.get(assignment=assignment, item__name="authority")
    url = reverse("history", args=["questionnaires.answer", answer.pk])
    html = client.get(url).content.decode()
    assert "First" in html and "Second" in html and "hoda" in html
    # As an answer that does not exist: a 403 would tell that it does.
    assert client_for(focal_senegal).get(url).status_code == 404


def test_an_answers_history_shows_its_choices_by_their_labels(assignment, focal_egypt):
    client = client_for(focal_egypt)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    post_answers(client, assignment, {"q-a5_ta_needed": "yes", "q-a5_ta_kinds": ["training"]})
    post_answers(
        client, assignment, {"q-a5_ta_needed": "yes", "q-a5_ta_kinds": ["training", "legislative"]}
    )
    post_answers(client, assignment, {"q-a5_ta_needed": "no"})
    needed = Answer.objects.get(assignment=assignment, item__name="a5_ta_needed")
    page = client.get(reverse("history", args=["questionnaires.answer", needed.pk]))
    assert [(c.old, c.new) for c in page.context["entries"][0].changes] == [("نعم", "لا")]
    assert "هل تلزم مساعدة؟" in page.content.decode()  # the question, not its name
    kinds = Answer.objects.get(assignment=assignment, item__name="a5_ta_kinds")
    page = client.get(reverse("history", args=["questionnaires.answer", kinds.pk]))
    values = {(c.old, c.new) for e in page.context["entries"] for c in e.changes}
    both = "Legislative advice and drafting، Capacity building and training"  # the choices' order
    assert ("Capacity building and training", both) in values


def test_the_history_of_an_assignment_is_reached_from_its_pages(
    assignment, focal_egypt, secretariat
):
    url = reverse("history", args=["questionnaires.assignment", assignment.pk])
    answering = client_for(focal_egypt).get(reverse("assignment_answer", args=[assignment.pk]))
    review = client_for(secretariat).get(reverse("assignment_review", args=[assignment.pk]))
    for page in (answering, review):
        assert f'href="{url}"' in page.content.decode()
    assert client_for(focal_egypt).get(url).status_code == 200


def test_rederiving_keeps_the_identity_of_stated_needs(assignment, focal_egypt, secretariat):
    client = client_for(focal_egypt)
    post_answers(
        client,
        assignment,
        {
            "q-authority": "MoJ",
            "q-a5_status": "no",
            "q-a5_ta_needed": "yes",
            "q-a5_ta_kinds": ["legislative", "training"],
        },
        action="submit",
    )
    assignment.refresh_from_db()
    services.assignment_validate(assignment=assignment, user=secretariat)
    before = dict(StatedNeed.objects.filter(assignment=assignment).values_list("kind", "pk"))
    Answer.objects.filter(assignment=assignment, item__name="a5_ta_kinds").update(
        value=["training"]
    )
    services.derive(assignment=assignment)
    after = dict(StatedNeed.objects.filter(assignment=assignment).values_list("kind", "pk"))
    assert after == {"training": before["training"]}
