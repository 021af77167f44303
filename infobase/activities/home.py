"""Home-page work queue for coverage: activities suggested as meeting needs, for the
secretariat to accept or reject."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from infobase.activities.models import LinkStatus, NeedLink
from infobase.core import home
from infobase.core.home import Queue, QueueItem
from infobase.core.i18n import format_share_percent


def _suggestion(link: NeedLink) -> QueueItem:
    return QueueItem(
        title=_("%(state)s, article %(article)s, %(kind)s: %(activity)s")
        % {
            "state": link.need.state.translated("name").text,
            "article": link.need.article.number,
            "kind": link.need.get_kind_display(),
            "activity": str(link.activity),
        },
        url=reverse("need_links", args=[link.need_id]),
        # By the one rule of shares (one decimal, half up), as the need's page writes shares.
        detail=_("Confidence %(percent)s") % {"percent": format_share_percent(link.confidence)},
        status=link.status,
        status_label=link.get_status_display(),
    )


@home.register(home.SECRETARIAT, order=40)
def coverage_suggestions(user: Any) -> Queue:
    return home.queue_of(
        NeedLink.objects.filter(status=LinkStatus.SUGGESTED)
        .select_related("need__state", "need__article", "activity")
        .order_by("-confidence", "pk"),
        _suggestion,
        key="coverage",
        title=_("Coverage suggestions to decide"),
        more_url=reverse("coverage_overview"),
        more_label=_("Coverage of needs"),
        empty=_("No suggested link is waiting for a decision."),
    )
