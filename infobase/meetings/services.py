"""Writes of the meetings app: the secretariat marking a mandate's status, with evidence."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from infobase.accounts.permissions import require
from infobase.core.errors import InputProblem, InvalidInput
from infobase.meetings.models import (
    Document,
    Mandate,
    MandateEvidence,
    ManualStatus,
    Outcome,
    Session,
)


@transaction.atomic
def mandate_set_status(
    *,
    mandate: Mandate,
    status: str,
    reason: str,
    user: Any,
    evidence_note: str = "",
    sessions: Iterable[Session] = (),
    documents: Iterable[Document] = (),
    outcomes: Iterable[Outcome] = (),
    link_url: str = "",
    link_label: str = "",
) -> Mandate:
    """Set the manual status of a mandate with the evidence and the reason (kept in its
    history); evidence records given are added to the mandate's evidence."""
    require(user, "meetings.set_mandate_status", mandate)
    problems = []
    if status not in ManualStatus.values:
        problems.append(
            InputProblem(
                str(mandate), _("“%(value)s” is not a status.") % {"value": status}, column="status"
            )
        )
    if not reason.strip():
        problems.append(InputProblem(str(mandate), _("a reason is required."), column="reason"))
    if link_url and not (link_url.startswith("/") or link_url.startswith("https://")):
        problems.append(
            InputProblem(
                str(mandate),
                _("a link must start with / (a page of Infobase) or https://."),
                column="link_url",
            )
        )
    if problems:
        raise InvalidInput(problems)
    mandate.manual_status = status
    mandate.evidence_note = evidence_note
    mandate.status_set_by = user if getattr(user, "is_authenticated", False) else None
    mandate.status_set_on = timezone.now()
    mandate._change_reason = reason  # type: ignore[attr-defined]
    mandate.save()
    added_by = mandate.status_set_by
    for session in sessions:
        MandateEvidence.objects.get_or_create(
            mandate=mandate, session=session, defaults={"added_by": added_by}
        )
    for document in documents:
        MandateEvidence.objects.get_or_create(
            mandate=mandate, document=document, defaults={"added_by": added_by}
        )
    for outcome in outcomes:
        MandateEvidence.objects.get_or_create(
            mandate=mandate, outcome=outcome, defaults={"added_by": added_by}
        )
    if link_url:
        MandateEvidence.objects.get_or_create(
            mandate=mandate,
            url=link_url,
            defaults={"label": link_label or link_url, "added_by": added_by},
        )
    return mandate
