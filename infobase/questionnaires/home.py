"""Home-page work queues for State reporting: questionnaires to answer, answers returned,
submissions to review and States late with their answers."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from infobase.core import home
from infobase.core.home import QUEUE_LENGTH, Queue, QueueItem
from infobase.questionnaires.models import (
    Assignment,
    AssignmentStatus,
    QuestionnaireStatus,
    ReviewComment,
)
from infobase.questionnaires.selectors import answer_progress

OPEN = (AssignmentStatus.NOT_STARTED, AssignmentStatus.IN_PROGRESS, AssignmentStatus.RETURNED)


def _open_for_state(user: Any) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(
            state_id=user.state_id,
            status__in=OPEN,
            questionnaire__status=QuestionnaireStatus.PUBLISHED,
        )
        .select_related("questionnaire", "state")
        .order_by("deadline", "pk")
    )


def _progress_label(answered: int, questions: int) -> str:
    return _("%(answered)s of %(questions)s questions answered") % {
        "answered": answered,
        "questions": questions,
    }


def _due(a: Assignment, progress: tuple[int, int], today: date) -> QueueItem:
    late = a.deadline < today
    return QueueItem(
        title=a.questionnaire.display_title,
        url=reverse("assignment_answer", args=[a.pk]),
        detail=_progress_label(*progress),
        when=a.deadline,
        when_label=_("Overdue since") if late else _("Due by"),
        status="overdue" if late else a.status,
        status_label=a.get_status_display(),
        progress=progress,
    )


@home.register(home.FOCAL_POINT, order=10)
def questionnaires_due(user: Any) -> Queue:
    """The State's open questionnaires, each with the progress its answering page shows."""
    today = timezone.localdate()
    rows = list(_open_for_state(user)[: QUEUE_LENGTH + 1])
    shown = rows[:QUEUE_LENGTH]
    progress = answer_progress(shown)
    return home.queue_of(
        shown,
        lambda a: _due(a, progress[a.pk], today),
        key="due",
        title=_("Questionnaires to answer"),
        total=None if len(rows) <= QUEUE_LENGTH else _open_for_state(user).count(),
        more_url=reverse("questionnaire_list"),
        more_label=_("All questionnaires"),
        empty=_("No questionnaire is waiting for your State's answers."),
    )


def _returned(a: Any) -> QueueItem:
    return QueueItem(
        title=a.questionnaire.display_title,
        url=reverse("assignment_answer", args=[a.pk]),
        when=a.deadline,
        when_label=_("Due by"),
        status="returned",
        status_label=a.get_status_display(),
        comments=tuple(c.text for c in a.latest[:3]),
    )


@home.register(home.FOCAL_POINT, order=20)
def answers_returned(user: Any) -> Queue:
    comments = ReviewComment.objects.order_by("-created_at", "-pk")
    rows = list(
        Assignment.objects.filter(state_id=user.state_id, status=AssignmentStatus.RETURNED)
        .select_related("questionnaire")
        .prefetch_related(Prefetch("comments", queryset=comments, to_attr="latest"))
        .order_by("deadline", "pk")[:QUEUE_LENGTH]
    )
    return home.queue_of(
        rows,
        _returned,
        key="returned",
        title=_("Answers returned by the secretariat"),
        empty=_("No answers are waiting for clarification."),
    )


def _by_state(
    a: Assignment, *, url: str, when: date | None, when_label: str, status: str
) -> QueueItem:
    """An assignment as the secretariat sees it: titled by its State, the questionnaire below."""
    return QueueItem(
        title=a.state.translated("name").text,
        detail=a.questionnaire.display_title,
        url=url,
        when=when,
        when_label=when_label,
        status=status,
        status_label=a.get_status_display(),
    )


@home.register(home.SECRETARIAT, order=10)
def submissions_to_review(user: Any) -> Queue:
    return home.queue_of(
        Assignment.objects.filter(status=AssignmentStatus.SUBMITTED)
        .select_related("questionnaire", "state")
        .order_by("submitted_at", "pk"),
        lambda a: _by_state(
            a,
            url=reverse("assignment_review", args=[a.pk]),
            when=timezone.localdate(a.submitted_at) if a.submitted_at else None,
            when_label=_("Submitted on"),
            status=a.status,
        ),
        key="review",
        title=_("Submissions to review"),
        empty=_("No submission is waiting for review."),
    )


@home.register(home.SECRETARIAT, order=30)
def states_overdue(user: Any) -> Queue:
    return home.queue_of(
        Assignment.objects.filter(
            deadline__lt=timezone.localdate(),
            status__in=OPEN,
            questionnaire__status=QuestionnaireStatus.PUBLISHED,
        )
        .select_related("questionnaire", "state")
        .order_by("deadline", "state__name_en"),
        lambda a: _by_state(
            a,
            url=reverse("questionnaire_responses", args=[a.questionnaire.code]),
            when=a.deadline,
            when_label=_("Overdue since"),
            status="overdue",
        ),
        key="overdue",
        title=_("States late with their answers"),
        empty=_("No State is late with its answers."),
    )
