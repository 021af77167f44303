"""Who is told when a State's answers move: the secretariat when a State submits, the State's
focal points when the secretariat returns or validates (they also get the e-mail that
``services.notify`` keeps a record of, so here only the in-app notice)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from infobase.accounts.selectors import focal_points_of, secretariat_users
from infobase.core.notifications import NoticeKind, notify
from infobase.questionnaires.models import Assignment


def _names(assignment: Assignment) -> dict[str, str]:
    return {
        "state": assignment.state.translated("name").text,
        "title": assignment.questionnaire.display_title,
    }


def announce_submitted(assignment: Assignment) -> None:
    """Tell the secretariat (in-app and by e-mail) that a State submitted its answers."""
    notify(
        recipients=secretariat_users(),
        kind=NoticeKind.SUBMITTED,
        url=reverse("assignment_review", args=[assignment.pk]),
        message=lambda: _("%(state)s submitted its answers to “%(title)s”.") % _names(assignment),
        subject=lambda: _("Answers submitted: %(state)s, %(title)s") % _names(assignment),
    )


def announce_reviewed(assignment: Assignment, *, returned: bool, comment: str = "") -> None:
    """Tell the State's focal points, in the application, that their answers were returned
    (with the secretariat's comment) or validated."""

    def message() -> str:
        if returned:
            text = _("The secretariat returned the answers to “%(title)s” for clarification.")
            text %= _names(assignment)
            return f"{text} {comment}".strip()
        return _("The secretariat validated the answers to “%(title)s”.") % _names(assignment)

    notify(
        recipients=focal_points_of(assignment.state_id),
        kind=NoticeKind.RETURNED if returned else NoticeKind.VALIDATED,
        url=reverse("assignment_answer", args=[assignment.pk]),
        message=message,
        email=False,
    )
