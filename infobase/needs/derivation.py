"""The consolidated needs register, derived from validated answers and requests.

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

**Only what changed.** Each run stores what it read (``DerivationState`` "needs"): the status
and validation day of every assignment, a hash of every stated need's row (assignment, State,
article, kind, confidential), the (assignment, article) pairs reported implemented or not
applicable, every request's State, status, confidentiality and date, every request line, the
link of every source, and hashes of the needs and links tables as the run left them. The next
run compares the current rows with it (cheap aggregates first):

- nothing changed: it returns at once (``DeriveResult.mode`` "unchanged");
- sources, assignments, requests or links changed: it derives only the sources concerned
  (new or changed rows, the stated needs of an assignment whose status or date changed or of
  an article whose implementation status changed, the lines of a changed request, sources whose
  link was changed by hand) and refreshes only the needs of their links, old and new
  ("incremental"). Everything else is unchanged since the last run, which left every counting
  source linked and every linked source counting, so the result is the full run's;
- a need was changed by hand (merged, split, closed, edited), or there is no stored state:
  the full run ("full").

The hashes are sums of per-row hashes computed by the database (``row_hash``); two different
tables give the same sum only by a coincidence of about one in two billion.
"""

from __future__ import annotations

import base64
import hashlib
import json
from array import array
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from infobase.core.locks import advisory_lock
from infobase.needs.models import (
    AssistanceRequest,
    DerivationState,
    EvidenceKind,
    Need,
    NeedEvidence,
    NeedStatus,
    RequestLine,
    RequestStatus,
)
from infobase.questionnaires.models import (
    ArticleImplementation,
    Assignment,
    AssignmentStatus,
    ImplementationStatus,
    StatedNeed,
)
from infobase.reference.models import AssistanceKind

# Kept in the history of every need the derivation creates or changes (not translated: it is
# stored, like the other change reasons written by jobs).
DERIVE_REASON = "Derived from answers and requests"
CLOSED_STATUSES = (NeedStatus.MET, NeedStatus.NOT_RELEVANT)
INACTIVE_REQUEST_STATUSES = (RequestStatus.WITHDRAWN, RequestStatus.DECLINED)
NO_GAP_STATUSES = (ImplementationStatus.YES, ImplementationStatus.NOT_APPLICABLE)
BATCH = 1000
DERIVE_LOCK = "needs-derive"
STATE_NAME = "needs"
STATE_VERSION = 2

# A source is named by its kind and primary key: ("answer", StatedNeed.pk) or
# ("request", RequestLine.pk).
SourceId = tuple[str, int]
Key = tuple[int, int, str]  # (state_id, article_id, kind)


class Source(NamedTuple):
    key: Key
    confidential: bool
    on: date | None  # validated on / received on


class NeedRow(NamedTuple):
    """What the derivation reads of a need to decide where a new source goes."""

    pk: int
    key: Key
    status: str
    merged_into_id: int | None


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
    # "full", "incremental" (only the changed sources) or "unchanged" (nothing read).
    mode: str = "full"

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


def _chunks(values: Iterable[int], size: int = BATCH) -> Iterator[list[int]]:
    values = sorted(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def current_sources(
    *, answers: Collection[int] | None = None, lines: Collection[int] | None = None
) -> dict[SourceId, Source]:
    """Every evidence source that counts now (two queries), or only those among the stated
    needs ``answers`` and the request lines ``lines`` (primary keys) when given."""
    sources: dict[SourceId, Source] = {}
    days: dict[datetime | None, date | None] = {}  # many answers share a validation time
    # An answer is a need when there is a gap: assistance asked for an article the State did
    # not report as implemented (or as not applicable) in the same answers.
    no_gap = ArticleImplementation.objects.filter(
        assignment=OuterRef("assignment"),
        article=OuterRef("article"),
        paragraph=0,
        status__in=NO_GAP_STATUSES,
    )
    answers_qs = StatedNeed.objects.filter(assignment__status=AssignmentStatus.VALIDATED).exclude(
        Exists(no_gap)
    )
    lines_qs = RequestLine.objects.exclude(request__status__in=INACTIVE_REQUEST_STATUSES)
    answer_batches = [answers_qs] if answers is None else _narrowed(answers_qs, answers)
    line_batches = [lines_qs] if lines is None else _narrowed(lines_qs, lines)
    for qs in answer_batches:
        for pk, state_id, article_id, kind, confidential, validated_at in qs.values_list(
            "pk", "state_id", "article_id", "kind", "confidential", "assignment__validated_at"
        ).iterator(chunk_size=5000):
            if validated_at not in days:
                days[validated_at] = _day(validated_at)
            sources[(EvidenceKind.ANSWER, pk)] = Source(
                (state_id, article_id, kind), confidential, days[validated_at]
            )
    for qs in line_batches:
        for pk, state_id, article_id, kind, confidential, received_on in qs.values_list(
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


def _narrowed(qs: Any, pks: Collection[int]) -> list[Any]:
    return [qs.filter(pk__in=chunk) for chunk in _chunks(pks)]


def _delete_evidence(pks: list[int]) -> None:
    for start in range(0, len(pks), BATCH):
        NeedEvidence.objects.filter(pk__in=pks[start : start + BATCH]).delete()


def _resolve(need: NeedRow, by_pk: dict[int, NeedRow]) -> NeedRow:
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


# --- What the derivation read last time ---------------------------------------------------

_M = 2147483647  # a prime below 2**31: per-row hashes stay far from 64-bit overflow
_K = 2654435761


def row_hash(first: Any, *parts: Any) -> ExpressionWrapper:
    """A hash of one row, computed by the database (SQLite and PostgreSQL alike): changing
    any of ``parts`` (non-negative integers) changes it, except by a rare coincidence."""
    value = (first * _K) % _M
    for part in parts:
        value = (value * (part + 3)) % _M
    return ExpressionWrapper(value, output_field=BigIntegerField())


def code_of(name: str, values: Sequence[str]) -> Case:
    """A text field as a small number (its place among ``values``; 0 for any other)."""
    return Case(
        *[When(**{name: v}, then=Value(i + 1)) for i, v in enumerate(values)],
        default=Value(0),
        output_field=IntegerField(),
    )


def _flag(name: str) -> Case:
    return Case(When(**{name: True}, then=Value(1)), default=Value(0), output_field=IntegerField())


def _answer_hashes() -> dict[int, int]:
    """Every stated need's row hash (validated or not: its assignment may be validated later)."""
    row = row_hash(
        F("pk"),
        F("assignment_id"),
        F("state_id"),
        F("article_id"),
        code_of("kind", AssistanceKind.values),
        _flag("confidential"),
    )
    return dict(_fetch(StatedNeed.objects.order_by().annotate(h=row).values_list("pk", "h")))


def _no_gap_pairs() -> set[tuple[int, int]]:
    return set(
        _fetch(
            ArticleImplementation.objects.filter(paragraph=0, status__in=NO_GAP_STATUSES)
            .order_by()
            .values_list("assignment_id", "article_id")
        )
    )


def _fetch(qs: Any) -> list[tuple[Any, ...]]:
    """The rows of ``qs`` straight from the database cursor: for the large reads of plain
    integers, where the ORM's per-value conversions would cost more than the query."""
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _pack(values: Iterable[int]) -> str:
    """Integers as compact text for the stored state (JSON lists of this size parse slowly)."""
    return base64.b64encode(array("q", values).tobytes()).decode()


def _unpack(text: str) -> array[int]:
    values = array("q")
    values.frombytes(base64.b64decode(text))
    return values


def _table_totals() -> dict[str, list[int]]:
    """Hashes of the tables compared as a whole (one aggregate query each)."""
    answers = StatedNeed.objects.aggregate(
        n=Count("pk"),
        h=Sum(
            row_hash(
                F("pk"),
                F("assignment_id"),
                F("state_id"),
                F("article_id"),
                code_of("kind", AssistanceKind.values),
                _flag("confidential"),
            )
        ),
    )
    no_gap = ArticleImplementation.objects.filter(
        paragraph=0, status__in=NO_GAP_STATUSES
    ).aggregate(n=Count("pk"), h=Sum(row_hash(F("assignment_id"), F("article_id"))))
    return {
        "answers": [answers["n"], int(answers["h"] or 0)],
        "no_gap": [no_gap["n"], int(no_gap["h"] or 0)],
        "needs": _needs_total(),
        "links": _links_total(),
    }


def _needs_total() -> list[int]:
    """A hash of the needs as the derivation reads and writes them (people change them too)."""
    needs = Need.objects.aggregate(
        n=Count("pk"),
        top=Max("pk"),
        h=Sum(
            row_hash(
                F("pk"),
                F("state_id"),
                F("article_id"),
                code_of("kind", AssistanceKind.values),
                code_of("status", NeedStatus.values),
                Coalesce(F("merged_into_id"), Value(0)),
                _flag("has_evidence"),
                _flag("confidential"),
            )
        ),
    )
    return [needs["n"], needs["top"] or 0, int(needs["h"] or 0)]


def _links_total() -> list[int]:
    """A hash of the links (the derivation writes them, people move them)."""
    links = NeedEvidence.objects.aggregate(
        n=Count("pk"),
        h=Sum(
            row_hash(
                F("need_id"),
                Coalesce(F("stated_need_id"), Value(0)),
                Coalesce(F("request_line_id"), Value(0)),
            )
        ),
    )
    return [links["n"], int(links["h"] or 0)]


@dataclass
class _Inputs:
    """The small tables read in full and the hashes of the others."""

    assignments: dict[int, list[Any]]  # pk → [status, validation day]
    requests: dict[int, list[Any]]  # pk → [State, status, confidential, received on]
    lines: dict[int, list[Any]]  # pk → [request, article, kind]
    totals: dict[str, list[int]]

    @classmethod
    def read(cls) -> _Inputs:
        days: dict[datetime | None, str | None] = {}
        assignments: dict[int, list[Any]] = {}
        for pk, status, validated_at in Assignment.objects.order_by().values_list(
            "pk", "status", "validated_at"
        ):
            if validated_at not in days:
                day = _day(validated_at)
                days[validated_at] = day.isoformat() if day else None
            assignments[pk] = [status, days[validated_at]]
        requests = {
            pk: [state_id, status, confidential, received_on.isoformat()]
            for pk, state_id, status, confidential, received_on in (
                AssistanceRequest.objects.order_by().values_list(
                    "pk", "state_id", "status", "confidential", "received_on"
                )
            )
        }
        lines = {
            pk: [request_id, article_id, kind]
            for pk, request_id, article_id, kind in RequestLine.objects.order_by().values_list(
                "pk", "request_id", "article_id", "kind"
            )
        }
        return cls(assignments, requests, lines, _table_totals())

    def fingerprint(self) -> str:
        payload = json.dumps(
            [
                STATE_VERSION,
                sorted(self.assignments.items()),
                sorted(self.requests.items()),
                sorted(self.lines.items()),
                self.totals,
            ],
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode()).hexdigest()


@dataclass
class _Links:
    """Which need each linked source is linked to."""

    answers: dict[int, int] = field(default_factory=dict)  # stated need → need
    lines: dict[int, int] = field(default_factory=dict)  # request line → need

    @classmethod
    def read(cls) -> _Links:
        links = cls()
        for need_id, stated_need_id, request_line_id in _fetch(
            NeedEvidence.objects.order_by().values_list(
                "need_id", "stated_need_id", "request_line_id"
            )
        ):
            if stated_need_id is not None:
                links.answers[stated_need_id] = need_id
            else:
                links.lines[request_line_id] = need_id
        return links

    @classmethod
    def of(cls, links: dict[SourceId, int]) -> _Links:
        out = cls()
        for (kind, pk), need_id in links.items():
            (out.answers if kind == EvidenceKind.ANSWER else out.lines)[pk] = need_id
        return out

    def map(self, kind: str) -> dict[int, int]:
        return self.answers if kind == EvidenceKind.ANSWER else self.lines

    def get(self, source: SourceId) -> int | None:
        return self.map(source[0]).get(source[1])

    def __len__(self) -> int:
        return len(self.answers) + len(self.lines)

    def total(self) -> list[int]:
        """The links table's hash as ``_links_total`` computes it in the database."""
        h = sum(_py_hash(need, pk, 0) for pk, need in self.answers.items())
        h += sum(_py_hash(need, 0, pk) for pk, need in self.lines.items())
        return [len(self), h]


def _py_hash(first: int, *parts: int) -> int:
    """``row_hash`` computed in Python (the same integers as the database's)."""
    value = (first * _K) % _M
    for part in parts:
        value = (value * (part + 3)) % _M
    return value


def _save_state(
    inputs: _Inputs,
    *,
    answers: dict[int, int],
    no_gap: set[tuple[int, int]],
    links: _Links,
) -> None:
    """Store what this run read and left (``inputs`` as read before it wrote)."""
    inputs.totals["needs"] = _needs_total()
    # The links as this run knows them, not as read again: a link changed by hand meanwhile
    # then shows as a difference next time.
    inputs.totals["links"] = links.total()
    data = {
        "v": STATE_VERSION,
        "assignments": [[pk, *v] for pk, v in inputs.assignments.items()],
        "requests": [[pk, *v] for pk, v in inputs.requests.items()],
        "lines": [[pk, *v] for pk, v in inputs.lines.items()],
        "totals": inputs.totals,
        "answers": [_pack(answers.keys()), _pack(answers.values())],
        "no_gap": sorted(no_gap),
        # Primary keys and needs of the answers linked, then of the request lines.
        "links": [
            _pack(links.answers.keys()),
            _pack(links.answers.values()),
            _pack(links.lines.keys()),
            _pack(links.lines.values()),
        ],
    }
    # Replaced, not updated: the same statements on the first run as later.
    DerivationState.objects.filter(name=STATE_NAME).delete()
    DerivationState.objects.create(name=STATE_NAME, fingerprint=inputs.fingerprint(), data=data)


@dataclass
class _Stored:
    inputs: _Inputs
    answers: dict[int, int]
    no_gap: set[tuple[int, int]]
    links: _Links

    @classmethod
    def load(cls, data: dict[str, Any]) -> _Stored | None:
        """The stored state, or None when there is none or it cannot be read (a full run)."""
        if not data or data.get("v") != STATE_VERSION:
            return None
        try:
            return cls._read(data)
        except (KeyError, TypeError, ValueError):
            return None

    @classmethod
    def _read(cls, data: dict[str, Any]) -> _Stored:
        inputs = _Inputs(
            {row[0]: list(row[1:]) for row in data["assignments"]},
            {row[0]: list(row[1:]) for row in data["requests"]},
            {row[0]: list(row[1:]) for row in data["lines"]},
            data["totals"],
        )
        answer_pks, answer_needs, line_pks, line_needs = map(_unpack, data["links"])
        links = _Links(
            dict(zip(answer_pks, answer_needs, strict=True)),
            dict(zip(line_pks, line_needs, strict=True)),
        )
        pks, hashes = map(_unpack, data["answers"])
        return cls(
            inputs, dict(zip(pks, hashes, strict=True)), {(a, b) for a, b in data["no_gap"]}, links
        )


def _changed(old: dict[int, Any], new: dict[int, Any]) -> set[int]:
    return {pk for pk in old.keys() | new.keys() if old.get(pk) != new.get(pk)}


# --- The derivation -------------------------------------------------------------------------


@transaction.atomic
def needs_derive(*, today: date | None = None, full: bool = False) -> DeriveResult:
    """Bring the needs register up to date with the current answers and requests.

    Derives only what changed since the last run (see the module's docstring); ``full``
    derives from every source whatever the stored state."""
    today = today or timezone.localdate()
    state = DerivationState.objects.filter(name=STATE_NAME)
    last = None if full else state.values_list("fingerprint", flat=True).first()
    inputs = _Inputs.read()
    if last is not None and last == inputs.fingerprint():
        needs_n, links_n = inputs.totals["needs"][0], inputs.totals["links"][0]
        return DeriveResult(sources=links_n, unchanged=needs_n, mode="unchanged")
    stored = None if full else _Stored.load(state.values_list("data", flat=True).first() or {})
    if stored is None or stored.inputs.totals["needs"] != inputs.totals["needs"]:
        return _derive_full(inputs, today)
    return _derive_incremental(inputs, stored, today)


def _derive_full(inputs: _Inputs, today: date) -> DeriveResult:
    result = DeriveResult(mode="full")
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
    needs = {n.pk: n for n in Need.objects.order_by("pk").iterator(chunk_size=5000)}

    # Unlink the sources that no longer count.
    gone = [evidence_pk for source, (evidence_pk, _n) in linked.items() if source not in sources]
    _delete_evidence(gone)
    result.unlinked = len(gone)

    rows = [
        NeedRow(n.pk, (n.state_id, n.article_id, n.kind), n.status, n.merged_into_id)
        for n in needs.values()
    ]
    links = {s: need_id for s, (_e, need_id) in linked.items() if s in sources}
    fresh = sorted(source for source in sources if source not in linked)
    links.update(_link_fresh(fresh, sources, rows, today, result))

    # Evidence per need after the changes: has_evidence and confidential follow it.
    evidence_of: dict[int, list[bool]] = defaultdict(list)
    for source, need_id in links.items():
        evidence_of[need_id].append(sources[source].confidential)
    _refresh(list(needs.values()), evidence_of, result)
    _save_state(inputs, answers=_answer_hashes(), no_gap=_no_gap_pairs(), links=_Links.of(links))
    return result


def _link_fresh(
    fresh: list[SourceId],
    sources: dict[SourceId, Source],
    rows: Iterable[NeedRow],
    today: date,
    result: DeriveResult,
) -> dict[SourceId, int]:
    """Link the new sources: to the live need of their key, else the need a need of their
    key was merged into, else a need created now. Returns source → need."""
    if not fresh:
        return {}
    by_pk: dict[int, NeedRow] = {}
    live: dict[Key, NeedRow] = {}
    merged: dict[Key, NeedRow] = {}
    for row in sorted(rows, key=lambda r: r.pk):
        by_pk[row.pk] = row
        if row.status == NeedStatus.MERGED:
            merged.setdefault(row.key, row)
        else:
            live[row.key] = row
    targets: dict[SourceId, NeedRow | Need] = {}
    new_needs: dict[Key, Need] = {}
    for source in fresh:
        info = sources[source]
        found = live.get(info.key)
        if found is None and info.key in merged:
            found = _resolve(merged[info.key], by_pk)
        if found is not None:
            targets[source] = found
            continue
        need = new_needs.get(info.key)
        if need is None:
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
    result.new_evidence_on_closed = sorted(
        {t.pk for t in targets.values() if isinstance(t, NeedRow) and t.status in CLOSED_STATUSES}
    )
    return {source: int(target.pk) for source, target in targets.items()}


def _derive_incremental(inputs: _Inputs, stored: _Stored, today: date) -> DeriveResult:
    result = DeriveResult(mode="incremental")
    old = stored.inputs
    answers_in: set[int] = set()  # stated needs to derive again
    lines_in: set[int] = set()  # request lines to derive again
    touched: set[int] = set()  # needs whose links changed outside the derivation

    answers = stored.answers
    if inputs.totals["answers"] != old.totals["answers"]:
        answers = _answer_hashes()
        answers_in |= {pk for pk, h in answers.items() if stored.answers.get(pk) != h}
    no_gap = stored.no_gap
    assignments = _changed(old.assignments, inputs.assignments)
    pairs: set[tuple[int, int]] = set()
    if inputs.totals["no_gap"] != old.totals["no_gap"]:
        no_gap = _no_gap_pairs()
        pairs = no_gap ^ stored.no_gap
    if assignments or pairs:
        wanted = assignments | {a for a, _article in pairs}
        for chunk in _chunks(wanted):
            for pk, assignment_id, article_id in StatedNeed.objects.filter(
                assignment_id__in=chunk
            ).values_list("pk", "assignment_id", "article_id"):
                if assignment_id in assignments or (assignment_id, article_id) in pairs:
                    answers_in.add(pk)
    requests = _changed(old.requests, inputs.requests)
    lines_in |= _changed(old.lines, inputs.lines) & inputs.lines.keys()
    lines_in |= {pk for pk, (request_id, *_rest) in inputs.lines.items() if request_id in requests}

    # Links removed by the database with their source (a stated need or line deleted); any
    # other difference from the stored links was made by hand: read them all and compare.
    cascaded = _Links(
        {pk: n for pk, n in stored.links.answers.items() if pk not in answers},
        {pk: n for pk, n in stored.links.lines.items() if pk not in inputs.lines},
    )
    links = _Links(
        {pk: n for pk, n in stored.links.answers.items() if pk not in cascaded.answers},
        {pk: n for pk, n in stored.links.lines.items() if pk not in cascaded.lines},
    )
    touched.update(cascaded.answers.values(), cascaded.lines.values())
    expected = [a - b for a, b in zip(old.totals["links"], cascaded.total(), strict=True)]
    if inputs.totals["links"] != expected:
        links = _Links.read()
        for kind, before_map in (
            (EvidenceKind.ANSWER, stored.links.answers),
            (EvidenceKind.REQUEST, stored.links.lines),
        ):
            now_map = links.map(kind)
            for pk in before_map.keys() | now_map.keys():
                before, now = before_map.get(pk), now_map.get(pk)
                if before == now:
                    continue
                touched.update(n for n in (before, now) if n is not None)
                if kind == EvidenceKind.ANSWER and pk in answers:
                    answers_in.add(pk)
                elif kind == EvidenceKind.REQUEST and pk in inputs.lines:
                    lines_in.add(pk)

    scope: set[SourceId] = {(EvidenceKind.ANSWER, pk) for pk in answers_in} | {
        (EvidenceKind.REQUEST, pk) for pk in lines_in
    }
    sources = current_sources(answers=answers_in, lines=lines_in)
    linked = {s: n for s in scope if (n := links.get(s)) is not None}

    # Unlink the sources that no longer count.
    gone = [s for s in linked if s not in sources]
    for kind, name in (
        (EvidenceKind.ANSWER, "stated_need_id"),
        (EvidenceKind.REQUEST, "request_line_id"),
    ):
        for chunk in _chunks(pk for k, pk in gone if k == kind):
            NeedEvidence.objects.filter(**{f"{name}__in": chunk}).delete()
    result.unlinked = len(gone)

    fresh = sorted(s for s in sources if s not in linked)
    rows: list[NeedRow] = []
    if fresh:
        rows = [
            NeedRow(pk, (state_id, article_id, kind), status, merged_into_id)
            for pk, state_id, article_id, kind, status, merged_into_id in _fetch(
                Need.objects.order_by("pk").values_list(
                    "pk", "state_id", "article_id", "kind", "status", "merged_into_id"
                )
            )
        ]
    new_links = _link_fresh(fresh, sources, rows, today, result)
    created = set(new_links.values()) - {r.pk for r in rows}

    # The needs whose evidence changed: flags from all their links, in scope or not.
    refresh = (touched | set(linked.values()) | set(new_links.values())) - created
    for source in gone:
        del links.map(source[0])[source[1]]
    for source, need_id in new_links.items():
        links.map(source[0])[source[1]] = need_id
    evidence_of: dict[int, list[bool]] = defaultdict(list)
    for source, info in sources.items():
        target = links.get(source)
        if target is not None and target in refresh:
            evidence_of[target].append(info.confidential)
    needs: list[Need] = []
    for chunk in _chunks(refresh):
        needs += Need.objects.filter(pk__in=chunk).order_by("pk")
        for need_id, stated, line, answer_secret, request_secret in NeedEvidence.objects.filter(
            need_id__in=chunk
        ).values_list(
            "need_id",
            "stated_need_id",
            "request_line_id",
            "stated_need__confidential",
            "request_line__request__confidential",
        ):
            source = (
                (EvidenceKind.ANSWER, stated)
                if stated is not None
                else (EvidenceKind.REQUEST, line)
            )
            if source not in scope:  # unchanged since the last run: still counts
                evidence_of[need_id].append(answer_secret if stated is not None else request_secret)
    _refresh(needs, evidence_of, result)
    result.unchanged = inputs.totals["needs"][0] - result.updated
    result.sources = len(links)
    _save_state(inputs, answers=answers, no_gap=no_gap, links=links)
    return result


def _refresh(needs: list[Need], evidence_of: dict[int, list[bool]], result: DeriveResult) -> None:
    """Bring has_evidence and confidential of ``needs`` in line with their evidence."""
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
    bulk_update_with_history(
        changed,
        Need,
        ["has_evidence", "confidential"],
        batch_size=BATCH,
        default_change_reason=DERIVE_REASON,
    )
    result.updated = len(changed)
    result.unchanged = len(needs) - len(changed)
