"""The consolidated needs register, derived from validated answers and requests (issue 4, point 3).

Evidence sources, each linked to at most one need by one ``NeedEvidence`` row (one-to-one):

- ``StatedNeed`` rows of *validated* assignments (what a State asked for in a questionnaire:
  an article, a kind of assistance, a priority);
- ``RequestLine`` rows of requests that are neither withdrawn nor declined.

``needs_derive`` is incremental and idempotent:

- a source already linked stays with its need, even if a person moved it there by a merge or a
  split (its key no longer has to match the need's);
- a new source goes to the need of its key (State, article, kind). When the only needs of that
  key were merged, it follows ``merged_into`` to the need that absorbed them. When there is no
  need of that key, a new open need is created; its ``first_seen`` is the earliest date of its
  new sources (the day the answers were validated, the day the request was received), never
  later than ``today``;
- a linked source that no longer counts (its assignment is no longer validated, its request was
  withdrawn or declined) is unlinked. A ``StatedNeed`` deleted by a re-derivation of the answers
  takes its link with it (database cascade);
- decisions taken by hand are never undone: a closed need (met, no longer relevant) stays closed
  when new evidence arrives (it receives the evidence; the result lists it), a merged need stays
  merged, a need that lost all its evidence is kept with ``has_evidence=False``;
- ``Need.has_evidence`` and ``Need.confidential`` (every source confidential) are kept up to
  date; a need without evidence keeps its last ``confidential`` value.

Running it again after nothing changed writes nothing (no rows, no history). The work is done in
one transaction with a constant number of queries (bulk reads, ``bulk_create`` and
``bulk_update`` in batches), and new or changed needs get a history row each through
simple-history's bulk helpers, with the change reason ``DERIVE_REASON``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from infobase.core.locks import advisory_lock
from infobase.needs.models import (
    EvidenceKind,
    Need,
    NeedEvidence,
    NeedStatus,
    RequestLine,
    RequestStatus,
)
from infobase.questionnaires.models import (
    ArticleImplementation,
    AssignmentStatus,
    ImplementationStatus,
    StatedNeed,
)

# Kept in the history of every need the derivation creates or changes (not translated: it is
# stored, like the other change reasons written by jobs).
DERIVE_REASON = "Derived from answers and requests"
CLOSED_STATUSES = (NeedStatus.MET, NeedStatus.NOT_RELEVANT)
INACTIVE_REQUEST_STATUSES = (RequestStatus.WITHDRAWN, RequestStatus.DECLINED)
BATCH = 1000
DERIVE_LOCK = "needs-derive"

# A source is named by its kind and primary key: ("answer", StatedNeed.pk) or
# ("request", RequestLine.pk).
SourceId = tuple[str, int]
Key = tuple[int, int, str]  # (state_id, article_id, kind)


class Source(NamedTuple):
    key: Key
    confidential: bool
    on: date | None  # validated on / received on


@dataclass
class DeriveResult:
    sources: int = 0  # evidence sources that count now
    created: int = 0  # new needs
    linked: int = 0  # sources linked for the first time
    unlinked: int = 0  # links removed because their source no longer counts
    updated: int = 0  # existing needs whose has_evidence or confidential changed
    unchanged: int = 0  # existing needs left as they were
    reopened: int = 0  # needs without evidence that have evidence again (status untouched)
    lost_evidence: int = 0  # needs that now have no evidence at all
    # Closed needs (met, no longer relevant) that received new evidence: ids, for review.
    new_evidence_on_closed: list[int] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.linked or self.unlinked or self.updated)

    def as_dict(self) -> dict[str, int]:
        return {
            "sources": self.sources,
            "created": self.created,
            "linked": self.linked,
            "unlinked": self.unlinked,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "reopened": self.reopened,
            "lost_evidence": self.lost_evidence,
            "new_evidence_on_closed": len(self.new_evidence_on_closed),
        }


def _day(value: datetime | date | None) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def current_sources() -> dict[SourceId, Source]:
    """Every evidence source that counts now (two queries)."""
    sources: dict[SourceId, Source] = {}
    days: dict[datetime | None, date | None] = {}  # many answers share a validation time
    # An answer is a need when there is a gap: assistance asked for an article the State did
    # not report as implemented (or as not applicable) in the same answers.
    no_gap = ArticleImplementation.objects.filter(
        assignment=OuterRef("assignment"),
        article=OuterRef("article"),
        paragraph=0,
        status__in=[ImplementationStatus.YES, ImplementationStatus.NOT_APPLICABLE],
    )
    answers = StatedNeed.objects.filter(assignment__status=AssignmentStatus.VALIDATED).exclude(
        Exists(no_gap)
    )
    for pk, state_id, article_id, kind, confidential, validated_at in answers.values_list(
        "pk", "state_id", "article_id", "kind", "confidential", "assignment__validated_at"
    ).iterator(chunk_size=5000):
        if validated_at not in days:
            days[validated_at] = _day(validated_at)
        sources[(EvidenceKind.ANSWER, pk)] = Source(
            (state_id, article_id, kind), confidential, days[validated_at]
        )
    lines = RequestLine.objects.exclude(request__status__in=INACTIVE_REQUEST_STATUSES)
    for pk, state_id, article_id, kind, confidential, received_on in lines.values_list(
        "pk",
        "request__state_id",
        "article_id",
        "kind",
        "request__confidential",
        "request__received_on",
    ).iterator(chunk_size=5000):
        sources[(EvidenceKind.REQUEST, pk)] = Source(
            (state_id, article_id, kind), confidential, received_on
        )
    return sources


def _delete_evidence(pks: list[int]) -> None:
    for start in range(0, len(pks), BATCH):
        NeedEvidence.objects.filter(pk__in=pks[start : start + BATCH]).delete()


def _resolve(need: Need, by_pk: dict[int, Need]) -> Need:
    """Follow ``merged_into`` to the need that absorbed ``need`` (guarding against loops)."""
    seen = {need.pk}
    while need.status == NeedStatus.MERGED and need.merged_into_id:
        nxt = by_pk.get(need.merged_into_id)
        if nxt is None or nxt.pk in seen:
            break
        seen.add(nxt.pk)
        need = nxt
    return need


def needs_derive_exclusive(*, today: date | None = None, wait: float = 0) -> DeriveResult:
    """``needs_derive`` holding the derivation lock, for the command and the background job:
    two derivations at once would create the same needs twice. Raises ``AlreadyRunning``
    when another derivation still runs after ``wait`` seconds."""
    with advisory_lock(DERIVE_LOCK, wait=wait):
        return needs_derive(today=today)


@transaction.atomic
def needs_derive(*, today: date | None = None) -> DeriveResult:
    """Bring the needs register up to date with the current answers and requests."""
    today = today or timezone.localdate()
    result = DeriveResult()
    sources = current_sources()
    result.sources = len(sources)

    # Current links (one query) and needs (one query).
    linked: dict[SourceId, tuple[int, int]] = {}  # source -> (evidence pk, need pk)
    for pk, need_id, stated_need_id, request_line_id in NeedEvidence.objects.values_list(
        "pk", "need_id", "stated_need_id", "request_line_id"
    ).iterator(chunk_size=5000):
        source: SourceId = (
            (EvidenceKind.ANSWER, stated_need_id)
            if stated_need_id is not None
            else (EvidenceKind.REQUEST, request_line_id)
        )
        linked[source] = (pk, need_id)
    needs = {n.pk: n for n in Need.objects.order_by().iterator(chunk_size=5000)}

    # Unlink the sources that no longer count.
    gone = [evidence_pk for source, (evidence_pk, _n) in linked.items() if source not in sources]
    _delete_evidence(gone)
    result.unlinked = len(gone)

    # Where each new source goes: the live need of its key, else the need a need of its key
    # was merged into, else a need created now.
    live: dict[Key, Need] = {}
    merged: dict[Key, Need] = {}
    for need in sorted(needs.values(), key=lambda n: n.pk):
        key = (need.state_id, need.article_id, need.kind)
        if need.status == NeedStatus.MERGED:
            merged.setdefault(key, need)
        else:
            live[key] = need
    fresh = sorted(source for source in sources if source not in linked)
    targets: dict[SourceId, Need] = {}
    new_needs: dict[Key, Need] = {}
    for source in fresh:
        info = sources[source]
        found = live.get(info.key)
        if found is None and info.key in merged:
            found = _resolve(merged[info.key], needs)
        if found is not None:
            need = found
        else:
            maybe_new = new_needs.get(info.key)
            if maybe_new is None:
                state_id, article_id, kind = info.key
                need = Need(
                    state_id=state_id,
                    article_id=article_id,
                    kind=kind,
                    status=NeedStatus.OPEN,
                    first_seen=min(info.on or today, today),
                    has_evidence=True,
                    confidential=info.confidential,
                )
                new_needs[info.key] = need
            else:
                need = maybe_new
                if info.on and info.on < need.first_seen:
                    need.first_seen = info.on
                need.confidential = need.confidential and info.confidential
        targets[source] = need
    created = bulk_create_with_history(
        list(new_needs.values()), Need, batch_size=BATCH, default_change_reason=DERIVE_REASON
    )
    result.created = len(created)

    NeedEvidence.objects.bulk_create(
        [
            NeedEvidence(
                need_id=targets[source].pk,
                kind=source[0],
                stated_need_id=source[1] if source[0] == EvidenceKind.ANSWER else None,
                request_line_id=source[1] if source[0] == EvidenceKind.REQUEST else None,
            )
            for source in fresh
        ],
        batch_size=BATCH,
    )
    result.linked = len(fresh)
    closed = {
        targets[s].pk
        for s in fresh
        if targets[s].pk in needs and targets[s].status in CLOSED_STATUSES
    }
    result.new_evidence_on_closed = sorted(closed)

    # Evidence per need after the changes: has_evidence and confidential follow it.
    evidence_of: dict[int, list[bool]] = defaultdict(list)
    for source, (_e, need_id) in linked.items():
        if source in sources:
            evidence_of[need_id].append(sources[source].confidential)
    for source in fresh:
        evidence_of[targets[source].pk].append(sources[source].confidential)
    changed = _refresh(needs.values(), evidence_of, result)
    bulk_update_with_history(
        changed,
        Need,
        ["has_evidence", "confidential"],
        batch_size=BATCH,
        default_change_reason=DERIVE_REASON,
    )
    result.updated = len(changed)
    result.unchanged = len(needs) - len(changed)
    return result


def _refresh(
    needs: Iterable[Need], evidence_of: dict[int, list[bool]], result: DeriveResult
) -> list[Need]:
    changed = []
    for need in needs:
        flags = evidence_of.get(need.pk, [])
        has_evidence = bool(flags)
        confidential = all(flags) if flags else need.confidential
        if (has_evidence, confidential) == (need.has_evidence, need.confidential):
            continue
        if has_evidence and not need.has_evidence:
            result.reopened += 1
        if need.has_evidence and not has_evidence:
            result.lost_evidence += 1
        need.has_evidence, need.confidential = has_evidence, confidential
        changed.append(need)
    return changed
