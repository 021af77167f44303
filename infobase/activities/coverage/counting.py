"""Which activities and links count.

Current and planned activities only: not marked missing from their publisher's file, not ended
before ``today`` (the end is the actual end, else the planned end; an activity with neither has
not ended) and not in an IATI ActivityStatus that means it is over or stopped (3 finalisation,
4 closed, 5 cancelled, 6 suspended). Accepted and manual links count towards coverage; accepted,
rejected and manual links are a person's decision, never touched by the suggestions.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone

from infobase.activities.models import Activity, LinkStatus

ENDED_STATUSES = ("3", "4", "5", "6")  # IATI ActivityStatus: finalisation, closed, cancelled,
# suspended
COUNTING_STATUSES = (LinkStatus.ACCEPTED, LinkStatus.MANUAL)
DECIDED_STATUSES = (LinkStatus.ACCEPTED, LinkStatus.REJECTED, LinkStatus.MANUAL)
PLACES = Decimal("0.001")  # shares and confidences


def current_q(today: date, prefix: str = "") -> Q:
    """Activities current or planned on ``today`` (``prefix`` e.g. "activity__")."""
    p = prefix
    ended = (
        Q(**{f"{p}actual_end__lt": today})
        | Q(**{f"{p}actual_end__isnull": True, f"{p}planned_end__lt": today})
        | Q(**{f"{p}status__in": ENDED_STATUSES})
        | Q(**{f"{p}missing_from_source": True})
    )
    return ~ended


def current_activities(today: date | None = None) -> QuerySet[Activity]:
    return Activity.objects.filter(current_q(today or timezone.localdate()))
