"""A person's decisions on links: accept or reject a suggestion, link by hand.

Decisions are recorded with history (the reason given, else a default one); shares are above 0
and at most 1, kept to 3 decimal places.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from infobase.activities.coverage.counting import COUNTING_STATUSES, PLACES
from infobase.activities.models import Activity, LinkStatus, NeedLink
from infobase.needs.models import Need


def _share(share: Decimal | int | str | None) -> Decimal:
    try:
        value = Decimal(str(share)) if share is not None else Decimal("1")
    except ArithmeticError:
        value = Decimal("-1")
    if not value.is_finite() or value <= 0 or value > 1:
        raise ValidationError(
            {"share": _("The share of the need the activity covers must be above 0 and at most 1.")}
        )
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)


@transaction.atomic
def link_decide(
    *, user: Any, link: NeedLink, accept: bool, share: Decimal | None = None, reason: str = ""
) -> NeedLink:
    """Accept or reject a link (the secretariat); the decision is kept in the link's history."""
    if not user.has_perm("activities.decide_link", link):
        raise PermissionDenied
    link.refresh_from_db()
    link.status = LinkStatus.ACCEPTED if accept else LinkStatus.REJECTED
    if share is not None or accept:
        link.share = _share(share if share is not None else link.share)
    link.decided_by = user if getattr(user, "pk", None) else None
    link.decided_at = timezone.now()
    link._change_reason = (reason or "").strip() or (  # type: ignore[attr-defined]
        _("Link accepted.") if accept else _("Link rejected.")
    )
    link.save()
    return link


@transaction.atomic
def link_create(
    *, user: Any, need: Need, activity: Activity, share: Decimal | int = 1, reason: str = ""
) -> NeedLink:
    """Link an activity to a need by hand (status manual). A suggested or rejected link of the
    same pair becomes the manual link; an accepted or manual one is an error."""
    if not user.has_perm("activities.decide_link", None):
        raise PermissionDenied
    value = _share(share)
    link = NeedLink.objects.select_for_update().filter(need=need, activity=activity).first()
    if link is not None and link.status in COUNTING_STATUSES:
        raise ValidationError({"activity": _("This activity is already linked to the need.")})
    if link is None:
        link = NeedLink(need=need, activity=activity)
    link.status = LinkStatus.MANUAL
    link.share = value
    link.decided_by = user if getattr(user, "pk", None) else None
    link.decided_at = timezone.now()
    link._change_reason = (reason or "").strip() or _(  # type: ignore[attr-defined]
        "Linked by hand."
    )
    link.save()
    return link
