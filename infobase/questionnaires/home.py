"""Home-page work queues for State reporting: questionnaires to answer, answers returned,
submissions to review and States late with their answers."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from infobase.core import home
from infobase.core.home import QUEUE_LENGTH, Queue, QueueItem
from infobase.questionnaires.models import (
    ANSWERABLE_KINDS,
    Assignment,
    AssignmentStatus,
    Item,
    QuestionnaireStatus,
    ReviewComment,
)

OPEN = (AssignmentStatus.NOT_STARTED, AssignmentStatus.IN_PROGRESS, AssignmentStatus.RETURNED)


def _open_for_state(user: Any) -> Any:
    questions = (
        Item.objects.filter(questionnaire=OuterRef("questionnaire"), kind__in=ANSWERABLE_KINDS)
        .values("questionnaire")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Assignment.objects.filter(
            state_id=user.state_id,
            status__in=OPEN,
            questionnaire__status=QuestionnaireStatus.PUBLISHED,
        )
        .select_related("questionnaire", "state")
        .annotate(
            answered=Count(
                "answers",
                filter=Q(
                    answers__value__isnull=False,
                    answers__item__kind__in=ANSWERABLE_KINDS,
                ),
            ),
            questions=Coalesce(Subquery(questions), 0),
        )
        .order_by("deadline", "pk")
    )


def _progress_label(answered: int, questions: int) -> str:
    return _("%(answered)s of %(questions)s questions answered") % {
        "answered": answered,
        "questions": questions,
    }


@home.register(home.FOCAL_POINT, order=10)
def questionnaires_due(user: Any) -> Queue:
    today = timezone.localdate()
    rows = list(_open_for_state(user)[: QUEUE_LENGTH + 1])
    items = []
    for a in rows[:QUEUE_LENGTH]:
        late = a.deadline < today
        items.append(
            QueueItem(
                title=a.questionnaire.display_title,
                url=reverse("assignment_answer", args=[a.pk]),
                detail=_progress_label(a.answered, a.questions),
                when=a.deadline,
                when_label=_("Overdue since") if late else _("Due by"),
                status="overdue" if late else a.status,
                status_label=a.get_status_display(),
                progress=(min(a.answered, a.questions), a.questions),
            )
        )
    return Queue(
        key="due",
        title=_("Questionnaires to answer"),
        items=items,
        total=None if len(rows) <= QUEUE_LENGTH else _open_for_state(user).count(),
        more_url=reverse("questionnaire_list"),
        more_label=_("All questionnaires"),
        empty=_("No questionnaire is waiting for your State's answers."),
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
    return Queue(
        key="returned",
        title=_("Answers returned by the secretariat"),
        items=[
            QueueItem(
                title=a.questionnaire.display_title,
                url=reverse("assignment_answer", args=[a.pk]),
                when=a.deadline,
                when_label=_("Due by"),
                status="returned",
                status_label=a.get_status_display(),
                comments=tuple(c.text for c in a.latest[:3]),
            )
            for a in rows
        ],
        empty=_("No answers are waiting for clarification."),
    )


@home.register(home.SECRETARIAT, order=10)
def submissions_to_review(user: Any) -> Queue:
    qs = Assignment.objects.filter(status=AssignmentStatus.SUBMITTED)
    rows = list(
        qs.select_related("questionnaire", "state").order_by("submitted_at", "pk")[:QUEUE_LENGTH]
    )
    return Queue(
        key="review",
        title=_("Submissions to review"),
        items=[
            QueueItem(
                title=a.state.translated("name").text,
                detail=a.questionnaire.display_title,
                url=reverse("assignment_review", args=[a.pk]),
                when=timezone.localdate(a.submitted_at) if a.submitted_at else None,
                when_label=_("Submitted on"),
                status=a.status,
                status_label=a.get_status_display(),
            )
            for a in rows
        ],
        total=qs.count() if len(rows) == QUEUE_LENGTH else None,
        empty=_("No submission is waiting for review."),
    )


@home.register(home.SECRETARIAT, order=30)
def states_overdue(user: Any) -> Queue:
    today = timezone.localdate()
    qs = Assignment.objects.filter(
        deadline__lt=today,
        status__in=OPEN,
        questionnaire__status=QuestionnaireStatus.PUBLISHED,
    )
    rows = list(
        qs.select_related("questionnaire", "state").order_by("deadline", "state__name_en")[
            :QUEUE_LENGTH
        ]
    )
    return Queue(
        key="overdue",
        title=_("States late with their answers"),
        items=[
            QueueItem(
                title=a.state.translated("name").text,
                detail=a.questionnaire.display_title,
                url=reverse("questionnaire_responses", args=[a.questionnaire.code]),
                when=a.deadline,
                when_label=_("Overdue since"),
                status="overdue",
                status_label=a.get_status_display(),
            )
            for a in rows
        ],
        total=qs.count() if len(rows) == QUEUE_LENGTH else None,
        empty=_("No State is late with its answers."),
    )
