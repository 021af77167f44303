"""Home-page work queues for requests for assistance: a State's own requests and their
status, and the requests the secretariat has not looked at yet."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from infobase.core import home
from infobase.core.home import QUEUE_LENGTH, Queue, QueueItem
from infobase.needs.models import AssistanceRequest, RequestStatus


@home.register(home.FOCAL_POINT, order=30)
def state_requests(user: Any) -> Queue:
    qs = AssistanceRequest.objects.filter(state_id=user.state_id)
    rows = list(qs.order_by("-received_on", "-pk")[:QUEUE_LENGTH])
    return Queue(
        key="requests",
        title=_("Your State's requests for assistance"),
        items=[
            QueueItem(
                title=r.title,
                url=reverse("request_detail", args=[r.pk]),
                when=r.received_on,
                when_label=_("Received on"),
                status=r.status,
                status_label=r.get_status_display(),
            )
            for r in rows
        ],
        total=qs.count() if len(rows) == QUEUE_LENGTH else None,
        more_url=reverse("request_new"),
        more_label=_("File a new request"),
        empty=_("Your State has filed no request for assistance."),
    )


@home.register(home.SECRETARIAT, order=20)
def requests_to_triage(user: Any) -> Queue:
    qs = AssistanceRequest.objects.filter(status=RequestStatus.RECEIVED)
    rows = list(qs.select_related("state").order_by("received_on", "pk")[:QUEUE_LENGTH])
    return Queue(
        key="triage",
        title=_("Requests to triage"),
        items=[
            QueueItem(
                title=r.state.translated("name").text,
                detail=r.title,
                url=reverse("request_detail", args=[r.pk]),
                when=r.received_on,
                when_label=_("Received on"),
                status=r.status,
                status_label=r.get_status_display(),
            )
            for r in rows
        ],
        total=qs.count() if len(rows) == QUEUE_LENGTH else None,
        more_url=reverse("request_list") + "?status=" + RequestStatus.RECEIVED,
        more_label=_("All requests received"),
        empty=_("No request is waiting to be triaged."),
    )
