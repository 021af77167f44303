"""Decisions on the needs register taken by hand.

The secretariat merges, splits, closes and reopens needs (permission ``needs.decide_need``);
the secretariat or the working group's chair pins a need to the top of the ranking or excludes
it from the ranking (``needs.rank_need``). Every decision needs a reason, which is kept on the
need (``decision_reason`` or ``ranking_reason``) and in its history (the change reason).

``needs_derive`` never undoes any of these: evidence moved by a merge or a split stays where it
was moved, merged needs stay merged, closed needs stay closed, pins and exclusions stay.

Bad input raises ``ValidationError`` with a translated message keyed by the form field it is
about (``reason``, ``into``, ``evidence``, ``article``, ``kind``, ``status``), and nothing is
written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from infobase.accounts.permissions import require
from infobase.needs.derivation import opened_on
from infobase.needs.models import Need, NeedEvidence, NeedStatus
from infobase.reference.models import Article, AssistanceKind

CLOSING_STATUSES = (NeedStatus.MET, NeedStatus.NOT_RELEVANT)


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for this decision.")})
    return reason


def _refresh_evidence_flags(need: Need, evidence: QuerySet[NeedEvidence] | None = None) -> None:
    """has_evidence and confidential from the need's evidence (as the derivation keeps them);
    a need that rested only on confidential evidence and now has a public source is first seen
    on the earliest day of its public sources, as in the derivation (``opened_on``)."""
    rows = need.evidence.all() if evidence is None else evidence
    flags = [
        bool(stated or request)
        for stated, request in rows.values_list(
            "stated_need__confidential", "request_line__request__confidential"
        )
    ]
    was_secret = need.confidential
    need.has_evidence = bool(flags)
    if flags:
        need.confidential = all(flags)
    if was_secret and not need.confidential:
        days = opened_on(rows, today=timezone.localdate()).values()
        need.first_seen = min(days, default=need.first_seen)


def _save(need: Need, reason: str, user: Any) -> None:
    """Save a decision with its reason and who took it (also when no web request names them:
    the API, a job or a command)."""
    need._change_reason = reason  # type: ignore[attr-defined]
    need._history_user = user if getattr(user, "pk", None) else None  # type: ignore[attr-defined]
    need.save()


def _lock(*needs: Need) -> None:
    """Reload the needs inside the transaction so that a decision acts on their current state."""
    for need in needs:
        need.refresh_from_db()


@transaction.atomic
def need_merge(*, user: Any, need: Need, into: Need, reason: str) -> Need:
    """Merge ``need`` into ``into`` (same State): its evidence moves, it is marked merged."""
    require(user, "needs.decide_need", need)
    require(user, "needs.decide_need", into)
    reason = _reason(reason)
    _lock(need, into)
    if need.pk == into.pk:
        raise ValidationError({"into": _("A need cannot be merged into itself.")})
    if need.state_id != into.state_id:
        raise ValidationError({"into": _("Only needs of the same State can be merged.")})
    if NeedStatus.MERGED in (need.status, into.status):
        raise ValidationError({"into": _("This need has already been merged into another.")})
    NeedEvidence.objects.filter(need=need).update(need=into)
    need.status = NeedStatus.MERGED
    need.merged_into = into
    need.decision_reason = reason
    _refresh_evidence_flags(need)
    _save(need, reason, user)
    into.decision_reason = reason
    _refresh_evidence_flags(into)
    _save(into, reason, user)
    return into


@transaction.atomic
def need_split(
    *,
    user: Any,
    need: Need,
    evidence: Sequence[NeedEvidence],
    article: Article,
    kind: str,
    reason: str,
) -> Need:
    """Move the chosen evidence of ``need`` to the need of the same State with ``article`` and
    ``kind``: the existing one (not merged) if there is one, else a new one. Returns it."""
    require(user, "needs.decide_need", need)
    reason = _reason(reason)
    _lock(need)
    if need.status == NeedStatus.MERGED:
        raise ValidationError({"evidence": _("A merged need cannot be split.")})
    if kind not in AssistanceKind.values:
        raise ValidationError({"kind": _("Choose a kind of assistance.")})
    if (article.pk, kind) == (need.article_id, need.kind):
        raise ValidationError(
            {"article": _("Choose another article or kind of assistance than the need's own.")}
        )
    chosen = {e.pk for e in evidence}
    own = set(need.evidence.filter(pk__in=chosen).values_list("pk", flat=True))
    if not chosen or own != chosen:
        raise ValidationError({"evidence": _("Choose one or more pieces of this need's evidence.")})
    target = (
        Need.objects.filter(state_id=need.state_id, article=article, kind=kind)
        .exclude(status=NeedStatus.MERGED)
        .first()
    )
    if target is None:
        target = Need(
            state_id=need.state_id,
            article=article,
            kind=kind,
            first_seen=need.first_seen,
            confidential=need.confidential,
            is_manual=True,
        )
    moved = NeedEvidence.objects.filter(pk__in=chosen)
    if target.pk is None:
        _refresh_evidence_flags(target, moved)
    else:
        _refresh_evidence_flags(
            target, NeedEvidence.objects.filter(Q(need=target) | Q(pk__in=chosen))
        )
    target.split_from = need
    target.decision_reason = reason
    _save(target, reason, user)
    moved.update(need=target)
    need.decision_reason = reason
    _refresh_evidence_flags(need)
    _save(need, reason, user)
    return target


@transaction.atomic
def need_close(*, user: Any, need: Need, status: str, reason: str) -> Need:
    """Close a need as met or as no longer relevant."""
    require(user, "needs.decide_need", need)
    reason = _reason(reason)
    _lock(need)
    if status not in CLOSING_STATUSES:
        raise ValidationError({"status": _("A need is closed as met or as no longer relevant.")})
    if need.status == NeedStatus.MERGED:
        raise ValidationError({"status": _("A merged need cannot be closed.")})
    if need.status == status:
        raise ValidationError({"status": _("The need already has this status.")})
    need.status = status
    need.decision_reason = reason
    _save(need, reason, user)
    return need


@transaction.atomic
def need_reopen(*, user: Any, need: Need, reason: str) -> Need:
    """Open again a need closed as met or no longer relevant."""
    require(user, "needs.decide_need", need)
    reason = _reason(reason)
    _lock(need)
    if need.status not in CLOSING_STATUSES:
        raise ValidationError({"status": _("Only a closed need can be reopened.")})
    need.status = NeedStatus.OPEN
    need.decision_reason = reason
    _save(need, reason, user)
    return need


@transaction.atomic
def need_pin(*, user: Any, need: Need, pinned: bool, reason: str) -> Need:
    """Pin a need to the top of the ranking (or unpin it). Pinning ends an exclusion."""
    require(user, "needs.rank_need", need)
    reason = _reason(reason)
    _lock(need)
    need.pinned = pinned
    if pinned:
        need.excluded = False
    need.ranking_reason = reason
    _save(need, reason, user)
    return need


@transaction.atomic
def need_exclude(*, user: Any, need: Need, excluded: bool, reason: str) -> Need:
    """Exclude a need from the ranking (or include it again). Excluding ends a pin."""
    require(user, "needs.rank_need", need)
    reason = _reason(reason)
    _lock(need)
    need.excluded = excluded
    if excluded:
        need.pinned = False
    need.ranking_reason = reason
    _save(need, reason, user)
    return need


# Decisions that can be taken on several needs at once, with the statuses they close to.
BULK_ACTIONS = ("met", "not_relevant", "reopen", "pin", "unpin", "exclude", "include")


@transaction.atomic
def needs_decide(*, user: Any, needs: Sequence[Need], action: str, reason: str) -> list[Need]:
    """Take one decision with one reason on several needs (closing, reopening, pinning,
    excluding), each recorded in the need's history as if taken alone. All or nothing: the
    first need the decision cannot apply to raises ``ValidationError`` naming it, and no need
    is changed."""
    if action not in BULK_ACTIONS:
        raise ValidationError({"action": _("Choose a decision.")})
    if not needs:
        raise ValidationError({"needs": _("Select at least one need.")})
    reason = _reason(reason)
    done = []
    for need in needs:
        try:
            if action in ("met", "not_relevant"):
                done.append(need_close(user=user, need=need, status=action, reason=reason))
            elif action == "reopen":
                done.append(need_reopen(user=user, need=need, reason=reason))
            elif action in ("pin", "unpin"):
                done.append(need_pin(user=user, need=need, pinned=action == "pin", reason=reason))
            else:
                done.append(
                    need_exclude(user=user, need=need, excluded=action == "exclude", reason=reason)
                )
        except ValidationError as exc:
            raise ValidationError(
                {
                    "needs": _("%(need)s: %(problem)s")
                    % {"need": need, "problem": " ".join(exc.messages)}
                }
            ) from exc
    return done
