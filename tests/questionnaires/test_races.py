"""Two reviewers acting on one submission: the second is told, and nothing happens twice."""

from __future__ import annotations

import pytest
from django.urls import reverse

from infobase.questionnaires import services
from infobase.questionnaires.models import Assignment, AssignmentStatus, Notification
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(assignment: Assignment) -> Assignment:
    assignment.status = AssignmentStatus.SUBMITTED
    assignment.save()
    return assignment


def reviewers_view(assignment: Assignment) -> Assignment:
    """The assignment as a reviewer's page loaded it: submitted, before anyone acted."""
    return Assignment.objects.get(pk=assignment.pk)


def test_the_second_of_two_validations_fails_cleanly(
    submitted, secretariat, focal_egypt, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    focal_egypt.email = "hoda@example.org"  # the focal point the validation is announced to
    focal_egypt.save()
    first, second = reviewers_view(submitted), reviewers_view(submitted)
    # The notifications go out on commit: run those callbacks as a real commit would.
    with django_capture_on_commit_callbacks(execute=True):
        services.assignment_validate(assignment=first, user=secretariat)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(services.TransitionConflict, match="no longer waiting"),
    ):
        services.assignment_validate(assignment=second, user=secretariat, comment="Also fine")
    submitted.refresh_from_db()
    assert submitted.status == AssignmentStatus.VALIDATED
    assert submitted.comments.count() == 0  # the second reviewer's comment was not kept
    assert submitted.history.filter(status=AssignmentStatus.VALIDATED).count() == 1
    validated = Notification.objects.filter(assignment=submitted, kind="validated")
    assert validated.count() == 1


def test_returning_a_submission_someone_just_validated_fails_cleanly(submitted, secretariat):  # type: ignore[no-untyped-def]
    first, second = reviewers_view(submitted), reviewers_view(submitted)
    services.assignment_validate(assignment=first, user=secretariat)
    with pytest.raises(services.TransitionConflict):
        services.assignment_return(assignment=second, user=secretariat, comment="Clarify 5")
    submitted.refresh_from_db()
    assert submitted.status == AssignmentStatus.VALIDATED
    assert not submitted.comments.exists()


def test_the_review_page_tells_the_second_reviewer_instead_of_failing(submitted, secretariat):  # type: ignore[no-untyped-def]
    client = client_for(secretariat)
    url = reverse("assignment_review", args=[submitted.pk])
    assert client.post(url, {"action": "validate"}).status_code == 302
    response = client.post(url, {"action": "return", "comment": "Clarify"}, follow=True)
    assert response.status_code == 200
    assert "no longer waiting for review" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == AssignmentStatus.VALIDATED


def test_a_second_submission_of_the_same_answers_is_told_and_changes_nothing(
    assignment, focal_egypt
):  # type: ignore[no-untyped-def]
    # Two tabs (or two colleagues) loaded the form before either submitted.
    first_tab, second_tab = reviewers_view(assignment), reviewers_view(assignment)
    first_tab.status = second_tab.status = AssignmentStatus.IN_PROGRESS
    Assignment.objects.filter(pk=assignment.pk).update(status=AssignmentStatus.IN_PROGRESS)
    # Nothing required, so that the empty answers are complete (what is tested is the race).
    assignment.questionnaire.items.update(required=False, constraint="")
    assert not services.validation_problems(first_tab)
    services.assignment_submit(assignment=first_tab, user=focal_egypt)
    submitted_at = Assignment.objects.get(pk=assignment.pk).submitted_at
    with pytest.raises(services.TransitionConflict, match="already submitted"):
        services.assignment_submit(assignment=second_tab, user=focal_egypt)
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.SUBMITTED
    assert assignment.submitted_at == submitted_at
    assert assignment.history.filter(status=AssignmentStatus.SUBMITTED).count() == 1
