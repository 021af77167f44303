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
from django.utils.translation import gettext_noop

from infobase.activities.coverage.counting import COUNTING_STATUSES, PLACES
from infobase.activities.models import Activity, LinkStatus, NeedLink
from infobase.needs.models import Need

# The first version of a suggested link, kept when a person first decides on it.
SUGGESTED_REASON = gettext_noop("Suggested by Infobase")


def _suggestion_kept(link: NeedLink) -> None:
    """Suggested links are written in bulk without history (a derived table, see
    ``suggestions``). Before the first decision on one, keep it as it was suggested, so that its
    history shows what the decision changed."""
    if link.pk is not None and not link.history.exists():
        NeedLink.history.bulk_history_create([link], default_change_reason=SUGGESTED_REASON)


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
    _suggestion_kept(link)
    link.status = LinkStatus.ACCEPTED if accept else LinkStatus.REJECTED
    if share is not None or accept:
        link.share = _share(share if share is not None else link.share)
    link.decided_by = user if getattr(user, "pk", None) else None
    link.decided_at = timezone.now()
    # A reason of the service's own is kept in English and shown in the reader's language.
    link._change_reason = (reason or "").strip() or (  # type: ignore[attr-defined]
        gettext_noop("Link accepted.") if accept else gettext_noop("Link rejected.")
    )
    link._history_user = link.decided_by  # type: ignore[attr-defined]
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
    _suggestion_kept(link)
    link.status = LinkStatus.MANUAL
    link.share = value
    link.decided_by = user if getattr(user, "pk", None) else None
    link.decided_at = timezone.now()
    link._change_reason = (reason or "").strip() or gettext_noop(  # type: ignore[attr-defined]
        "Linked by hand."
    )
    link._history_user = link.decided_by  # type: ignore[attr-defined]
    link.save()
    return link
