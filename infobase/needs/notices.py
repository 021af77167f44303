"""Who is told when a request for assistance moves: the secretariat when a State files or
withdraws one, the State's focal points when the secretariat moves it on."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from infobase.accounts.permissions import is_secretariat
from infobase.accounts.selectors import focal_points_of, secretariat_users
from infobase.core.notifications import NoticeKind, notify
from infobase.needs.models import AssistanceRequest, RequestStatus


def _names(request: AssistanceRequest) -> dict[str, str]:
    return {
        "state": request.state.translated("name").text,
        "title": request.title,
        "status": str(RequestStatus(request.status).label),
    }


def announce_filed(request: AssistanceRequest, *, by: Any) -> None:
    """A State filed a request on the web: tell the secretariat. (A request the secretariat
    records itself needs no notice to the secretariat.)"""
    if is_secretariat(by):
        return
    notify(
        recipients=secretariat_users(),
        kind=NoticeKind.REQUEST_FILED,
        url=reverse("request_detail", args=[request.pk]),
        message=lambda: (
            _("%(state)s filed a request for assistance: “%(title)s”.") % _names(request)
        ),
        subject=lambda: _("New request for assistance from %(state)s") % _names(request),
    )


def announce_moved(request: AssistanceRequest, *, by: Any) -> None:
    """A request changed status: the secretariat hears of what a State did, the State's focal
    points of what the secretariat did."""
    if is_secretariat(by):
        recipients = focal_points_of(request.state_id)
        text = gettext_noop("Your State's request “%(title)s” is now “%(status)s”.")
    else:
        recipients = secretariat_users()
        text = gettext_noop("%(state)s updated its request “%(title)s”: it is now “%(status)s”.")
    if getattr(by, "pk", None) is not None:
        recipients = recipients.exclude(pk=by.pk)  # not told of their own change
    notify(
        recipients=recipients,
        kind=NoticeKind.REQUEST_UPDATED,
        url=reverse("request_detail", args=[request.pk]),
        message=lambda: _(text) % _names(request),
        subject=lambda: _("Request for assistance updated: %(title)s") % _names(request),
    )
