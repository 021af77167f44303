"""The yearly follow-up e-mail on requests for assistance.

A request still matched or in delivery a year after it was matched earns an e-mail to its
State's focal points, in each one's language, then one a year while it stays open. Unlike the
notices of ``needs.notices`` (shown in the application, with an e-mail copy), this is e-mail
only, sent by a command run from cron.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_noop

from infobase.accounts.models import User
from infobase.accounts.selectors import focal_points_of
from infobase.core.history import reason_with
from infobase.core.i18n import language
from infobase.needs.models import AssistanceRequest, RequestStatus

FOLLOW_UP_STATUSES = (RequestStatus.MATCHED, RequestStatus.IN_DELIVERY)


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _focal_points(state_id: int) -> list[User]:
    return list(focal_points_of(state_id).exclude(email=""))


def requests_follow_up(*, today: date | None = None) -> list[AssistanceRequest]:
    """E-mail the State's focal points about each request still matched or in delivery a year
    after it was matched, then once a year. Safe to run from cron as often as you like.

    Returns the requests followed up; a request whose State has no focal point with an e-mail
    address is left for a later run."""
    today = today or timezone.localdate()
    year_ago = _year_before(today)
    due = (
        AssistanceRequest.objects.filter(
            status__in=FOLLOW_UP_STATUSES, matched_on__isnull=False, matched_on__lte=year_ago
        )
        .filter(Q(follow_up_sent_on__isnull=True) | Q(follow_up_sent_on__lte=year_ago))
        .select_related("state", "instrument")
        .order_by("pk")
    )
    site = settings.SITE_URL
    done: list[AssistanceRequest] = []
    for request in due:
        users = _focal_points(request.state_id)
        if not users:
            continue
        for user in users:
            with language(user.language or settings.LANGUAGE_CODE):
                context = {"request": request, "user": user, "site": site, "today": today}
                subject = render_to_string(
                    "needs/email/request_follow_up_subject.txt", context
                ).strip()
                body = render_to_string("needs/email/request_follow_up_body.txt", context)
            send_mail(" ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, [user.email])
        with language(settings.LANGUAGE_CODE):
            request.follow_up_sent_on = today
            request._change_reason = reason_with(  # type: ignore[attr-defined]
                gettext_noop("Follow-up sent to the State's focal points (%(recipients)s)"),
                recipients=", ".join(u.email for u in users),
            )
            request._history_user = None  # type: ignore[attr-defined]
            request.save(update_fields=["follow_up_sent_on"])
        done.append(request)
    return done
