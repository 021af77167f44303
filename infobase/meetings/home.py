"""Home-page work queues for working-group members: the next session, its documents and the
needs the group has under review."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from infobase.accounts.permissions import scope_documents
from infobase.core import home
from infobase.core.home import QUEUE_LENGTH, Queue, QueueItem
from infobase.meetings.models import BodyKind, Document, Session, label
from infobase.needs.models import Need, NeedStatus
from infobase.needs.selectors import needs_visible_to


def next_session() -> Session | None:
    """The working group's session under way or next to come."""
    return (
        Session.objects.filter(body__kind=BodyKind.WORKING_GROUP, ends_on__gte=timezone.localdate())
        .select_related("body")
        .order_by("starts_on", "pk")
        .first()
    )


@home.register(home.WG_MEMBER, order=10)
def session_and_documents(user: Any) -> Queue:
    session = next_session()
    if session is None:
        return Queue(
            key="session",
            title=_("Next session of the working group"),
            more_url=reverse("session_list"),
            more_label=_("All meetings"),
            empty=_("No session of the working group is scheduled."),
        )
    documents = list(
        scope_documents(user, Document.objects.filter(session=session)).order_by("symbol")[
            :QUEUE_LENGTH
        ]
    )
    items = [
        QueueItem(
            title=str(session),
            url=reverse("session_detail", args=[session.pk]),
            detail=label(session.body.name),
            when=session.starts_on,
            when_label=_("Opens on"),
            status="session",
            status_label=_("Session"),
        )
    ]
    items += [
        QueueItem(
            title=f"{d.symbol} {label(d.title)}".strip(),
            url=reverse("document_detail", args=[d.pk]),
            when=d.date,
            when_label=_("Issued on"),
            status="document",
            status_label=d.get_kind_display(),
        )
        for d in documents
    ]
    return Queue(
        key="session",
        title=_("Next session of the working group"),
        items=items,
        more_url=reverse("document_list"),
        more_label=_("All documents"),
    )


def _need(n: Need) -> QueueItem:
    return QueueItem(
        title=_("%(state)s, article %(article)s: %(kind)s")
        % {
            "state": n.state.translated("name").text,
            "article": n.article.number,
            "kind": n.get_kind_display(),
        },
        url=reverse("need_detail", args=[n.pk]),
        status=n.status,
        status_label=n.get_status_display(),
    )


@home.register(home.WG_MEMBER, order=20)
def needs_under_review(user: Any) -> Queue:
    session = next_session()
    if session is not None:
        qs = session.needs_reviewed.filter(pk__in=needs_visible_to(user).values("pk"))
    else:
        qs = needs_visible_to(user).filter(status=NeedStatus.OPEN, pinned=True)
    return home.queue_of(
        qs.select_related("state", "article").order_by("pk"),
        _need,
        key="needs",
        title=_("Needs under review"),
        more_url=reverse("need_register"),
        more_label=_("The needs register"),
        empty=_("No need is listed for review at the next session; the register has them all."),
    )
