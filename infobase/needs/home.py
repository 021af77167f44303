"""Home-page work queues for requests for assistance: a State's own requests and their
status, and the requests the secretariat has not looked at yet."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from infobase.core import home
from infobase.core.home import Queue, QueueItem
from infobase.needs.models import AssistanceRequest, RequestStatus


def _request(r: AssistanceRequest, *, by_state: bool = False) -> QueueItem:
    """A request, titled by its own title or (``by_state``, for the secretariat) its State's."""
    return QueueItem(
        title=r.state.translated("name").text if by_state else r.title,
        detail=r.title if by_state else "",
        url=reverse("request_detail", args=[r.pk]),
        when=r.received_on,
        when_label=_("Received on"),
        status=r.status,
        status_label=r.get_status_display(),
    )


@home.register(home.FOCAL_POINT, order=30)
def state_requests(user: Any) -> Queue:
    return home.queue_of(
        AssistanceRequest.objects.filter(state_id=user.state_id).order_by("-received_on", "-pk"),
        _request,
        key="requests",
        title=_("Your State's requests for assistance"),
        more_url=reverse("request_new"),
        more_label=_("File a new request"),
        empty=_("Your State has filed no request for assistance."),
    )


@home.register(home.SECRETARIAT, order=20)
def requests_to_triage(user: Any) -> Queue:
    return home.queue_of(
        AssistanceRequest.objects.filter(status=RequestStatus.RECEIVED)
        .select_related("state")
        .order_by("received_on", "pk"),
        lambda r: _request(r, by_state=True),
        key="triage",
        title=_("Requests to triage"),
        more_url=reverse("request_list") + "?status=" + RequestStatus.RECEIVED,
        more_label=_("All requests received"),
        empty=_("No request is waiting to be triaged."),
    )
