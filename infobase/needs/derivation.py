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
one transaction with a constant number of queries: bulk reads straight from the cursor, and
writes as plain batched statements (``executemany`` inserts, one UPDATE per batch of needs
given the same flags). New or changed needs get a history row each, copied from the need by
one INSERT … SELECT per batch, with the columns simple-history writes (who, when, what) and
the change reason ``DERIVE_REASON``.

**Only what changed.** Each run stores what it read (``DerivationState`` "needs"): the status
and validation day of every assignment, every request's State, status, confidentiality and
date, every request line, and hashes of the large tables as the run left them. The large parts
are stored in rows of their own, rewritten only when they changed: a hash of every stated
need's row (assignment, State, article, kind, confidential) ("needs.answers"), the
(assignment, article) pairs reported implemented or not applicable ("needs.no_gap"), and the
link of every source ("needs.links"), each with its rows' count and hash sum per bucket of
keys (16 consecutive primary keys; one assignment). The next run compares the current rows with
it, cheap aggregates first:

- nothing changed: it returns at once (``DeriveResult.mode`` "unchanged");
- sources, assignments, requests or links changed: the database sums the hashes of a changed
  table per bucket (one aggregate query), and only the rows of the buckets whose figures
  differ are read and compared. The run derives only the sources concerned (new or changed
  rows, the stated needs of an assignment whose status or date changed or of an article whose
  implementation status changed, the lines of a changed request, sources whose link was
  changed by hand), reads only the needs of their keys, and refreshes only the needs of their
  links, old and new ("incremental"). Everything else is unchanged since the last run, which
  left every counting source linked and every linked source counting, so the result is the
  full run's;
- a need was changed by hand (merged, split, closed, edited), or there is no stored state (or
  one of another version, or a part of it is missing): the full run ("full").

The hashes are sums of per-row hashes computed by the database (``row_hash``); two different
tables give the same sum only by a coincidence of about one in two billion.
"""

from __future__ import annotations

import base64
import hashlib
import json
from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Model,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

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
STATE_VERSION = 4
BUCKET = 16  # stated needs, and links, per bucket of hashes (see _Table)

# A source is named by its kind and primary key: ("answer", StatedNeed.pk) or
# ("request", RequestLine.pk); plain strings, which hash faster than the enumeration's members.
ANSWER: str = EvidenceKind.ANSWER.value
REQUEST: str = EvidenceKind.REQUEST.value
SourceId = tuple[str, int]
Key = tuple[int, int, str]  # (state_id, article_id, kind)


# What the derivation reads of a source: its key, whether it is confidential, and the day it
# was validated or received. A plain tuple: a full run makes one per source.
Source = tuple[Key, bool, date | None]


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
    *,
    answers: Collection[int] | None = None,
    lines: Collection[int] | None = None,
    inputs: _Inputs | None = None,
) -> dict[SourceId, Source]:
    """Every evidence source that counts now, or only those among the stated needs
    ``answers`` and the request lines ``lines`` (primary keys) when given, in order (answers,
    then lines, each by primary key). The request lines and the dates come from ``inputs``
    (read if not given); the stated needs from one query."""
    inputs = inputs or _Inputs.read()
    sources: dict[SourceId, Source] = {}
    days: dict[str | None, date | None] = {None: None}  # many sources share a date
    # An answer is a need when there is a gap: assistance asked for an article the State did
    # not report as implemented (or as not applicable) in the same answers.
    no_gap = ArticleImplementation.objects.filter(
        assignment=OuterRef("assignment"),
        article=OuterRef("article"),
        paragraph=0,
        status__in=NO_GAP_STATUSES,
    )
    answers_qs = (
        StatedNeed.objects.filter(assignment__status=AssignmentStatus.VALIDATED)
        .exclude(Exists(no_gap))
        .order_by("pk")
        .values_list("pk", "assignment_id", "state_id", "article_id", "kind", "confidential")
    )
    day_of = {
        pk: date.fromisoformat(day) if day else None
        for pk, (_status, day) in inputs.assignments.items()
    }
    for qs in [answers_qs] if answers is None else _narrowed(answers_qs, answers):
        for pk, assignment_id, state_id, article_id, kind, confidential in _fetch(qs):
            sources[(ANSWER, pk)] = (
                (state_id, article_id, kind),
                bool(confidential),
                day_of[assignment_id],
            )
    requests = inputs.requests
    for pk in inputs.lines if lines is None else sorted(lines):
        line = inputs.lines.get(pk)
        if line is None:
            continue
        request_id, article_id, kind = line
        state_id, status, confidential, received_on = requests[request_id]
        if status in INACTIVE_REQUEST_STATUSES:
            continue
        if received_on not in days:
            days[received_on] = date.fromisoformat(received_on)
        sources[(REQUEST, pk)] = (
            (state_id, article_id, kind),
            confidential,
            days[received_on],
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
_PAIR = 2**32  # an (assignment, article) pair as one number: assignment × _PAIR + article


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


def _answer_rows() -> Any:
    """Every stated need (validated or not: its assignment may be validated later), with its
    row hash."""
    row = row_hash(
        F("pk"),
        F("assignment_id"),
        F("state_id"),
        F("article_id"),
        code_of("kind", AssistanceKind.values),
        _flag("confidential"),
    )
    return StatedNeed.objects.order_by().annotate(k=F("pk"), v=row, h=row)


def _no_gap_rows() -> Any:
    """The (assignment, article) pairs reported implemented or not applicable, as one number."""
    pair = ExpressionWrapper(
        F("assignment_id") * Value(_PAIR) + F("article_id"), output_field=BigIntegerField()
    )
    row = row_hash(F("assignment_id"), F("article_id"))
    return (
        ArticleImplementation.objects.filter(paragraph=0, status__in=NO_GAP_STATUSES)
        .order_by()
        .annotate(k=pair, v=row, h=row)
    )


def _fetch(qs: Any) -> list[tuple[Any, ...]]:
    """The rows of ``qs`` straight from the database cursor: for the large reads of plain
    integers, where the ORM's per-value conversions would cost more than the query."""
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


_NARROW = next(code for code in "ilq" if array(code).itemsize == 4)  # 4-byte integers


def _pack(values: Iterable[int]) -> str:
    """Integers as compact text for the stored state (JSON lists of this size parse slowly):
    four bytes each when they all fit (keys and hashes do, in practice), else eight."""
    wide = values if isinstance(values, array) else array("q", values)
    try:
        return "4" + base64.b64encode(array(_NARROW, wide).tobytes()).decode()
    except OverflowError:
        return "8" + base64.b64encode(array("q", wide).tobytes()).decode()


def _unpack(text: str) -> array[int]:
    """What ``_pack`` packed, as 8-byte integers."""
    values = array(_NARROW if text[:1] == "4" else "q")
    if text[:1] not in ("4", "8"):
        raise ValueError("not packed integers")
    values.frombytes(base64.b64decode(text[1:]))
    return values if values.typecode == "q" else array("q", values)


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
    _tables: str | None = field(default=None, repr=False)  # hash of the three above

    @classmethod
    def read(cls) -> _Inputs:
        days: dict[datetime | None, str | None] = {}
        assignments: dict[int, list[Any]] = {}
        for pk, status, validated_at in Assignment.objects.order_by("pk").values_list(
            "pk", "status", "validated_at"
        ):
            if validated_at not in days:
                day = _day(validated_at)
                days[validated_at] = day.isoformat() if day else None
            assignments[pk] = [status, days[validated_at]]
        # Straight from the cursor: the dates as text (ISO), the flags as booleans.
        requests = {
            pk: [state_id, status, bool(confidential), str(received_on)]
            for pk, state_id, status, confidential, received_on in _fetch(
                AssistanceRequest.objects.order_by("pk").values_list(
                    "pk", "state_id", "status", "confidential", "received_on"
                )
            )
        }
        lines = {
            pk: [request_id, article_id, kind]
            for pk, request_id, article_id, kind in _fetch(
                RequestLine.objects.order_by("pk").values_list(
                    "pk", "request_id", "article_id", "kind"
                )
            )
        }
        return cls(assignments, requests, lines, _table_totals())

    def fingerprint(self) -> str:
        if self._tables is None:  # the small tables are hashed once, the totals each time
            payload = json.dumps(
                [
                    STATE_VERSION,
                    list(self.assignments.items()),
                    list(self.requests.items()),
                    list(self.lines.items()),
                ]
            )
            self._tables = hashlib.sha256(payload.encode()).hexdigest()
        totals = json.dumps(self.totals, sort_keys=True)
        return hashlib.sha256(f"{self._tables}{totals}".encode()).hexdigest()


def _py_hash(first: int, *parts: int) -> int:
    """``row_hash`` computed in Python (the same integers as the database's)."""
    value = (first * _K) % _M
    for part in parts:
        value = (value * (part + 3)) % _M
    return value


# --- Large tables, compared bucket by bucket ------------------------------------------------

Buckets = dict[int, list[int]]  # bucket → [rows, sum of their hashes]
Figures = dict[int, list[int] | None]  # the same for some buckets (None: now empty)


class _Rows:
    """Integer keys in order, with an integer each (a row's hash, a source's need): two
    arrays, compact to store and changed by slices, not row by row."""

    __slots__ = ("keys", "values")

    def __init__(self, keys: array[int] | None = None, values: array[int] | None = None) -> None:
        self.keys: array[int] = array("q") if keys is None else keys
        self.values: array[int] = array("q") if values is None else values

    @classmethod
    def of(cls, mapping: dict[int, int]) -> _Rows:
        keys = sorted(mapping)
        return cls(array("q", keys), array("q", map(mapping.__getitem__, keys)))

    @classmethod
    def unpacked(cls, packed: list[str]) -> _Rows:
        keys, values = map(_unpack, packed)
        if len(keys) != len(values):
            raise ValueError("keys and values differ in number")
        return cls(keys, values)

    def packed(self) -> list[str]:
        return [_pack(self.keys), _pack(self.values)]

    def __len__(self) -> int:
        return len(self.keys)

    def get(self, key: int) -> int | None:
        i = bisect_left(self.keys, key)
        return self.values[i] if i < len(self.keys) and self.keys[i] == key else None

    def between(self, low: int, high: int) -> dict[int, int]:
        """The rows whose key is at least ``low`` and below ``high``."""
        i, j = bisect_left(self.keys, low), bisect_left(self.keys, high)
        return dict(zip(self.keys[i:j], self.values[i:j], strict=True))

    def updated(self, changes: dict[int, int | None]) -> _Rows:
        """These rows with ``changes`` made (key → new value; None: no longer there)."""
        if not changes:
            return self
        keys, values = array("q"), array("q")
        at = 0
        for key in sorted(changes):
            i = bisect_left(self.keys, key, at)
            keys.extend(self.keys[at:i])
            values.extend(self.values[at:i])
            at = i + 1 if i < len(self.keys) and self.keys[i] == key else i
            if (value := changes[key]) is not None:
                keys.append(key)
                values.append(value)
        keys.extend(self.keys[at:])
        values.extend(self.values[at:])
        return _Rows(keys, values)


def _pack_buckets(buckets: Buckets) -> list[str]:
    ordered = sorted(buckets)
    figures = [buckets[b] for b in ordered]
    return [
        _pack(array("q", ordered)),
        _pack(array("q", [n for n, _h in figures])),
        _pack(array("q", [h for _n, h in figures])),
    ]


def _unpack_buckets(packed: list[str]) -> Buckets:
    ids, counts, sums = map(_unpack, packed)
    return dict(zip(ids, map(list, zip(counts, sums, strict=True)), strict=True))


def _spans(buckets: Iterable[int]) -> list[tuple[int, int]]:
    """Buckets (in order) as spans of consecutive ones: (first, last)."""
    spans: list[tuple[int, int]] = []
    for b in buckets:
        if spans and spans[-1][1] == b - 1:
            spans[-1] = (spans[-1][0], b)
        else:
            spans.append((b, b))
    return spans


@dataclass(frozen=True)
class _Table:
    """A large table the derivation compares with what it knows of it without reading every
    row: the database counts the rows and sums their hashes per bucket of ``size``
    consecutive values of ``field`` (one aggregate query), then only the rows of the buckets
    whose figures changed are read. A row's key is ``field`` times ``scale`` plus less than
    ``scale``, so that a run of buckets is a range of keys."""

    rows: Callable[[], Any]  # the rows, annotated: key "k", value kept "v", hash summed "h"
    field: str
    size: int
    scale: int = 1
    hash_of: Callable[[int, int], int] | None = None  # from key and value (None: the value)

    def bucket_of(self, key: int) -> int:
        return key // (self.size * self.scale)

    def sums(self, rows: Iterable[tuple[int, int]]) -> Buckets:
        """The figures of the buckets of ``rows`` (key, value)."""
        width, hash_of = self.size * self.scale, self.hash_of
        sums: Buckets = {}
        for key, value in rows:
            h = value if hash_of is None else hash_of(key, value)
            figures = sums.get(key // width)
            if figures is None:
                sums[key // width] = [1, h]
            else:
                figures[0] += 1
                figures[1] += h
        return sums

    def everything(self) -> tuple[_Rows, Buckets]:
        """Every row (in key order) and the figures of every bucket."""
        rows = _fetch(self.rows().order_by("k").values_list("k", "v"))
        return (
            _Rows(array("q", [k for k, _v in rows]), array("q", [v for _k, v in rows])),
            self.sums(rows),
        )

    def compare(
        self, sums: Buckets, known: Callable[[int, int], dict[int, int]]
    ) -> tuple[dict[int, int | None], Figures]:
        """The rows that differ from what is known of them, given the figures known per
        bucket (``sums``) and the rows known in a range of keys (``known``): key → value now
        (None: no longer there). Also the figures of the buckets that changed, from the rows
        read (a bucket left empty is not there)."""
        if self.size == 1:
            bucket: Any = F(self.field)
        else:
            bucket = ExpressionWrapper(F(self.field) / Value(self.size), BigIntegerField())
        now = {
            b: [n, int(h)]
            for b, n, h in _fetch(
                self.rows()
                .annotate(b=bucket)
                .values("b")
                .annotate(n=Count("pk"), s=Sum("h"))
                .values_list("b", "n", "s")
            )
        }
        changed = sorted(b for b in now.keys() | sums.keys() if now.get(b) != sums.get(b))
        spans = _spans(changed)
        model = self.rows().model
        field = model._meta.pk if self.field == "pk" else model._meta.get_field(self.field)
        read: dict[int, int] = {}
        for start in range(0, len(spans), 400):
            chunk = spans[start : start + 400]
            within = _any_of(
                f"{_column(model, field.column)} BETWEEN %s AND %s",
                [(first * self.size, (last + 1) * self.size - 1) for first, last in chunk],
            )
            read.update(_fetch(self.rows().filter(within).values_list("k", "v")))
        before: dict[int, int] = {}
        width = self.size * self.scale
        for first, last in spans:
            before.update(known(first * width, (last + 1) * width))
        diff = {k: read.get(k) for k in before.keys() | read.keys() if before.get(k) != read.get(k)}
        figures: Figures = dict.fromkeys(changed)
        figures.update(self.sums(read.items()))
        return diff, figures


def _column(model: type[Model], column: str) -> str:
    quote = connection.ops.quote_name
    return f"{quote(model._meta.db_table)}.{quote(column)}"


def _any_of(term: str, params: Sequence[Sequence[Any]]) -> RawSQL:
    """A condition: ``term`` (SQL with placeholders) holds for one of ``params``. Written as
    SQL: building a Q object per term would cost more than the query."""
    return RawSQL(  # noqa: S611 - the values go as parameters
        "({})".format(" OR ".join([term] * len(params))),
        [value for values in params for value in values],
        output_field=BooleanField(),
    )


def _with(sums: Buckets, figures: Figures) -> Buckets:
    """``sums`` with the figures of some buckets replaced (None: the bucket is empty)."""
    out = dict(sums)
    for b, value in figures.items():
        if value is None:
            out.pop(b, None)
        else:
            out[b] = value
    return out


def _link_rows(column: str) -> Callable[[], Any]:
    def rows() -> Any:
        return (
            NeedEvidence.objects.filter(**{f"{column}__isnull": False})
            .order_by()
            .annotate(
                k=F(column),
                v=F("need_id"),
                h=row_hash(
                    F("need_id"),
                    Coalesce(F("stated_need_id"), Value(0)),
                    Coalesce(F("request_line_id"), Value(0)),
                ),
            )
        )

    return rows


_ANSWERS = _Table(_answer_rows, "pk", BUCKET)
_NO_GAP = _Table(_no_gap_rows, "assignment_id", 1, _PAIR)


def _answer_link_hash(pk: int, need_id: int) -> int:
    """``_py_hash(need_id, pk, 0)``, inlined: a full run hashes every link."""
    return need_id * _K % _M * (pk + 3) % _M * 3 % _M


def _line_link_hash(pk: int, need_id: int) -> int:
    """``_py_hash(need_id, 0, pk)``, inlined."""
    return need_id * _K % _M * 3 % _M * (pk + 3) % _M


_LINKS = {
    ANSWER: _Table(_link_rows("stated_need_id"), "stated_need_id", BUCKET, 1, _answer_link_hash),
    REQUEST: _Table(_link_rows("request_line_id"), "request_line_id", BUCKET, 1, _line_link_hash),
}


class _Links:
    """Which need each linked source is linked to, as stored, with this run's changes over
    it; and the links' figures per bucket of sources, kept up to date with the changes."""

    def __init__(self, rows: dict[str, _Rows], sums: dict[str, Buckets]) -> None:
        self.rows = rows
        self.sums = sums
        self.changes: dict[str, dict[int, int | None]] = {ANSWER: {}, REQUEST: {}}
        self.count = sum(len(r) for r in rows.values())

    @classmethod
    def of(cls, links: dict[SourceId, int]) -> _Links:
        by_kind: dict[str, dict[int, int]] = {ANSWER: {}, REQUEST: {}}
        for (kind, pk), need_id in links.items():
            by_kind[kind][pk] = need_id
        return cls(
            {kind: _Rows.of(m) for kind, m in by_kind.items()},
            {kind: _LINKS[kind].sums(m.items()) for kind, m in by_kind.items()},
        )

    @classmethod
    def unpacked(cls, data: dict[str, Any]) -> _Links:
        return cls(
            {kind: _Rows.unpacked(data[kind]["rows"]) for kind in (ANSWER, REQUEST)},
            {kind: _unpack_buckets(data[kind]["buckets"]) for kind in (ANSWER, REQUEST)},
        )

    def packed(self) -> dict[str, Any]:
        return {
            kind: {
                "rows": self.rows[kind].updated(self.changes[kind]).packed(),
                "buckets": _pack_buckets(self.sums[kind]),
            }
            for kind in (ANSWER, REQUEST)
        }

    def __len__(self) -> int:
        return self.count

    def get(self, source: SourceId) -> int | None:
        kind, pk = source
        changes = self.changes[kind]
        return changes[pk] if pk in changes else self.rows[kind].get(pk)

    def set(self, source: SourceId, need_id: int | None) -> None:
        """Link ``source`` to ``need_id`` (None: unlink it)."""
        before = self.get(source)
        if before == need_id:
            return
        kind, pk = source
        table = _LINKS[kind]
        assert table.hash_of is not None
        b = table.bucket_of(pk)
        figures = self.sums[kind].setdefault(b, [0, 0])
        if before is not None:
            figures[0] -= 1
            figures[1] -= table.hash_of(pk, before)
            self.count -= 1
        if need_id is not None:
            figures[0] += 1
            figures[1] += table.hash_of(pk, need_id)
            self.count += 1
        if figures == [0, 0]:
            del self.sums[kind][b]
        self.changes[kind][pk] = need_id

    def known(self, kind: str) -> Callable[[int, int], dict[int, int]]:
        """The links known of sources of ``kind`` in a range of primary keys."""
        changes = self.changes[kind]
        changed = sorted(changes)

        def between(low: int, high: int) -> dict[int, int]:
            rows = self.rows[kind].between(low, high)
            for pk in changed[bisect_left(changed, low) : bisect_left(changed, high)]:
                if (need_id := changes[pk]) is None:
                    rows.pop(pk, None)
                else:
                    rows[pk] = need_id
            return rows

        return between

    def total(self) -> list[int]:
        """The links table's hash as ``_links_total`` computes it in the database."""
        return [self.count, sum(h for sums in self.sums.values() for _n, h in sums.values())]

    def changed_by_hand(self) -> dict[SourceId, tuple[int | None, int | None]]:
        """The links that differ from what this run knows of them (read bucket by bucket):
        source → (need known, need now); the run then knows them as they are."""
        out: dict[SourceId, tuple[int | None, int | None]] = {}
        for kind, table in _LINKS.items():
            diff, figures = table.compare(self.sums[kind], self.known(kind))
            for pk, need_id in diff.items():
                out[(kind, pk)] = (self.get((kind, pk)), need_id)
                self.set((kind, pk), need_id)
            self.sums[kind] = _with(self.sums[kind], figures)
        return out


# --- The stored state -------------------------------------------------------------------------
#
# One row ("needs") holds the small tables and the totals, and which run wrote each of the
# large parts, stored in rows of their own ("needs.answers", "needs.no_gap", "needs.links") so
# that a run rewrites only the parts that changed. Every list is in key order: the same rows
# give the same bytes on every database.

PARTS = ("answers", "no_gap", "links")


def _part_name(part: str) -> str:
    return f"{STATE_NAME}.{part}"


def _part_stamp(run: int) -> str:
    return f"{STATE_VERSION}.{run}"


def _save_state(
    inputs: _Inputs, *, run: int, parts: dict[str, int], write: dict[str, dict[str, Any]]
) -> None:
    """Store what this run (number ``run``) read and left: ``inputs`` as read before it wrote
    (the totals of the needs and links as it left them), and the large parts in ``write``;
    ``parts`` tells which run wrote each of the others."""
    inputs.totals["needs"] = _needs_total()
    parts = {**parts, **dict.fromkeys(write, run)}
    data = {
        "v": STATE_VERSION,
        "run": run,
        "parts": dict(sorted(parts.items())),
        "assignments": [[pk, *v] for pk, v in inputs.assignments.items()],
        "requests": [[pk, *v] for pk, v in inputs.requests.items()],
        "lines": [[pk, *v] for pk, v in inputs.lines.items()],
        "totals": inputs.totals,
    }
    rows = [DerivationState(name=STATE_NAME, fingerprint=inputs.fingerprint(), data=data)]
    rows += [
        DerivationState(
            name=_part_name(part),
            fingerprint=_part_stamp(run),
            data={"v": STATE_VERSION, **write[part]},
        )
        for part in sorted(write)
    ]
    # Replaced, not updated: the same statements on the first run as later.
    DerivationState.objects.filter(name__in=[row.name for row in rows]).delete()
    DerivationState.objects.bulk_create(rows)


def _table_part(rows: _Rows, sums: Buckets) -> dict[str, Any]:
    return {"rows": rows.packed(), "buckets": _pack_buckets(sums)}


@dataclass
class _Stored:
    """The stored state; the large parts are read only when a run needs them."""

    inputs: _Inputs
    run: int
    parts: dict[str, int]
    answers: tuple[_Rows, Buckets] | None = None
    no_gap: tuple[_Rows, Buckets] | None = None
    links: _Links | None = None

    @classmethod
    def load(cls, data: dict[str, Any]) -> _Stored | None:
        """The stored state, or None when there is none or it cannot be read (a full run)."""
        if not data or data.get("v") != STATE_VERSION:
            return None
        try:
            inputs = _Inputs(
                {row[0]: list(row[1:]) for row in data["assignments"]},
                {row[0]: list(row[1:]) for row in data["requests"]},
                {row[0]: list(row[1:]) for row in data["lines"]},
                data["totals"],
            )
            parts = {part: int(data["parts"][part]) for part in PARTS}
            return cls(inputs, int(data["run"]), parts)
        except (KeyError, TypeError, ValueError, IndexError):
            return None

    def read_parts(self, inputs: _Inputs) -> bool:
        """Read the large parts a run from ``inputs`` needs: False when one of them cannot be
        read (a full run)."""
        wanted = ["links"]
        wanted += [p for p in ("answers", "no_gap") if inputs.totals[p] != self.inputs.totals[p]]
        rows = {
            name: (stamp, data)
            for name, stamp, data in DerivationState.objects.filter(
                name__in=[_part_name(p) for p in wanted]
            ).values_list("name", "fingerprint", "data")
        }
        try:
            for part in wanted:
                stamp, data = rows[_part_name(part)]
                if stamp != _part_stamp(self.parts[part]) or data["v"] != STATE_VERSION:
                    return False
                if part == "links":
                    self.links = _Links.unpacked(data)
                else:
                    table = (_Rows.unpacked(data["rows"]), _unpack_buckets(data["buckets"]))
                    setattr(self, part, table)
        except (KeyError, TypeError, ValueError):
            return False
        return True


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
    if (
        stored is None
        or stored.inputs.totals["needs"] != inputs.totals["needs"]
        or not stored.read_parts(inputs)
    ):
        return _derive_full(inputs, today)
    return _derive_incremental(inputs, stored, today)


def _derive_full(inputs: _Inputs, today: date) -> DeriveResult:
    result = DeriveResult(mode="full")
    sources = current_sources(inputs=inputs)
    result.sources = len(sources)

    # Current links (one query) and needs (one query).
    linked: dict[SourceId, tuple[int, int]] = {}  # source -> (evidence pk, need pk)
    for pk, need_id, stated_need_id, request_line_id in _fetch(
        NeedEvidence.objects.order_by().values_list(
            "pk", "need_id", "stated_need_id", "request_line_id"
        )
    ):
        source: SourceId = (
            (ANSWER, stated_need_id) if stated_need_id is not None else (REQUEST, request_line_id)
        )
        linked[source] = (pk, need_id)
    rows, flags = _read_needs()

    # Unlink the sources that no longer count.
    gone = [evidence_pk for source, (evidence_pk, _n) in linked.items() if source not in sources]
    _delete_evidence(gone)
    result.unlinked = len(gone)

    links = {s: need_id for s, (_e, need_id) in linked.items() if s in sources}
    fresh = [source for source in sources if source not in linked]  # in order
    links.update(_link_fresh(fresh, sources, rows, today, result, top=inputs.totals["needs"][1]))

    # Evidence per need after the changes: has_evidence and confidential follow it.
    evidence_of: dict[int, list[bool]] = defaultdict(list)
    for source, need_id in links.items():
        if need_id in flags:  # the needs created now have the right flags
            evidence_of[need_id].append(sources[source][1])
    _refresh(flags, evidence_of, result)
    stored_links = _Links.of(links)
    # The links as this run knows them, not as read again: a link changed by hand meanwhile
    # then shows as a difference next time.
    inputs.totals["links"] = stored_links.total()
    # Every part is written: the runs are counted from here.
    _save_state(
        inputs,
        run=1,
        parts={},
        write={
            "answers": _table_part(*_ANSWERS.everything()),
            "no_gap": _table_part(*_NO_GAP.everything()),
            "links": stored_links.packed(),
        },
    )
    return result


def _read_needs(
    pks: Collection[int] | None = None,
) -> tuple[list[NeedRow], dict[int, tuple[bool, bool]]]:
    """Every need (or those of ``pks``), and its flags (has_evidence, confidential)."""
    return _needs_where([None] if pks is None else [Q(pk__in=chunk) for chunk in _chunks(pks)])


def _needs_where(
    conditions: Iterable[Q | None],
) -> tuple[list[NeedRow], dict[int, tuple[bool, bool]]]:
    """The needs that meet one of ``conditions`` (None: every need), in order, and their
    flags (has_evidence, confidential)."""
    qs = Need.objects.order_by("pk").values_list(
        "pk", "state_id", "article_id", "kind", "status", "merged_into_id", "has_evidence",
        "confidential",
    )  # fmt: skip
    rows: list[NeedRow] = []
    flags: dict[int, tuple[bool, bool]] = {}
    for condition in conditions:
        batch = qs if condition is None else qs.filter(condition)
        for pk, state_id, article_id, kind, status, merged_into_id, evidenced, secret in _fetch(
            batch
        ):
            rows.append(NeedRow(pk, (state_id, article_id, kind), status, merged_into_id))
            flags[pk] = (bool(evidenced), bool(secret))
    return rows, flags


def _needs_of(keys: set[Key]) -> list[NeedRow]:
    """What a source of one of ``keys`` may be linked to: the live need of each key (by the
    unique index of the live needs' keys), the merged needs of these keys, and the needs
    they were merged into, to the end of the chain."""
    ordered = sorted(keys)
    key = "({} = %s AND {} = %s AND {} = %s)".format(
        *(_column(Need, name) for name in ("state_id", "article_id", "kind"))
    )
    live = [
        Q(_any_of(key, ordered[i : i + 300])) & ~Q(status=NeedStatus.MERGED)
        for i in range(0, len(ordered), 300)
    ]
    states = sorted({s for s, _a, _k in ordered})
    merged = [
        Q(status=NeedStatus.MERGED, state_id__in=states[i : i + BATCH])
        for i in range(0, len(states), BATCH)
    ]
    found = {r.pk: r for r in _needs_where([*live, *merged])[0] if r.key in keys}
    asked: set[int] = set()
    while (
        pending := {
            r.merged_into_id
            for r in found.values()
            if r.status == NeedStatus.MERGED and r.merged_into_id
        }
        - found.keys()
        - asked
    ):
        asked |= pending
        found.update((r.pk, r) for r in _read_needs(pending)[0])
    return list(found.values())


# --- Writes: plain statements, not the ORM's per-object bulk helpers ------------------------
#
# At world scale the ORM's bulk_create prepares every value of every row in Python, which
# cost most of a full run. The rows written here are plain integers, codes and flags.


def _insert(model: type[Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """INSERT ``rows`` (values of ``columns``, ready for the database) in batches."""
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names from the model
        quote(model._meta.db_table),
        ", ".join(quote(c) for c in columns),
        ", ".join(["%s"] * len(columns)),
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 10 * BATCH):
            cursor.executemany(sql, rows[start : start + 10 * BATCH])


def _create_needs(new: dict[Key, tuple[date, bool]], *, top: int) -> dict[Key, int]:
    """Create open needs with evidence, key → (first seen, confidential), with a history row
    each; ``top`` is a primary key no older need exceeds. Returns key → primary key."""
    if not new:
        return {}
    values = {f.attname: f.get_db_prep_save(f.get_default(), connection) for f in _need_fields()}
    values.update(status=NeedStatus.OPEN.value, has_evidence=True, is_manual=False)
    varying = ["state_id", "article_id", "kind", "first_seen", "confidential"]
    fixed = [name for name in values if name not in varying]
    column_of = {f.attname: f.column for f in _need_fields()}
    columns = [column_of[name] for name in [*varying, *fixed]]
    same = [values[name] for name in fixed]
    adapt = connection.ops.adapt_datefield_value
    _insert(
        Need,
        columns,
        [(*key, adapt(first_seen), secret, *same) for key, (first_seen, secret) in new.items()],
    )
    created = {
        (state_id, article_id, kind): pk
        for pk, state_id, article_id, kind in _fetch(
            Need.objects.filter(pk__gt=top)
            .exclude(status=NeedStatus.MERGED)
            .order_by()
            .values_list("pk", "state_id", "article_id", "kind")
        )
        if (state_id, article_id, kind) in new
    }
    _write_history(created.values(), "+")
    return created


def _need_fields() -> list[Any]:
    return [f for f in Need._meta.concrete_fields if not f.primary_key]


def _set_flags(changes: dict[int, tuple[bool, bool]]) -> None:
    """Set (has_evidence, confidential) of needs, with a history row each."""
    by_flags: dict[tuple[bool, bool], list[int]] = defaultdict(list)
    for pk, (evidenced, secret) in changes.items():
        by_flags[(evidenced, secret)].append(pk)
    for (evidenced, secret), pks in by_flags.items():
        for chunk in _chunks(pks):
            Need.objects.filter(pk__in=chunk).update(has_evidence=evidenced, confidential=secret)
    _write_history(changes.keys(), "~")


def _write_history(pks: Iterable[int], history_type: str) -> None:
    """One history row per need of ``pks`` as it is now, as simple-history's bulk helpers
    would write it (who: the request's user, if any; when: now; why: ``DERIVE_REASON``)."""
    if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    historical = Need.history.model
    tracked = historical.tracked_fields
    user = historical.get_default_history_user(Need())
    quote = connection.ops.quote_name
    need_columns = {f.name: str(f.column) for f in Need._meta.concrete_fields}
    history_columns = {f.name: str(f.column) for f in historical._meta.concrete_fields}
    target = [quote(f.column) for f in tracked]
    target += [
        quote(history_columns[name])
        for name in ("history_date", "history_change_reason", "history_type", "history_user")
    ]
    source = [quote(need_columns[f.name]) for f in tracked]
    extra = [
        connection.ops.adapt_datetimefield_value(timezone.now()),
        DERIVE_REASON,
        history_type,
        getattr(user, "pk", None),
    ]
    with connection.cursor() as cursor:
        for chunk in _chunks(pks):
            cursor.execute(
                "INSERT INTO {} ({}) SELECT {}, %s, %s, %s, %s FROM {} WHERE {} IN ({})".format(  # noqa: S608 - names from the models
                    quote(historical._meta.db_table),
                    ", ".join(target),
                    ", ".join(source),
                    quote(Need._meta.db_table),
                    quote(need_columns["id"]),
                    ", ".join(["%s"] * len(chunk)),
                ),
                [*extra, *chunk],
            )


def _link_fresh(
    fresh: list[SourceId],
    sources: dict[SourceId, Source],
    rows: Iterable[NeedRow],
    today: date,
    result: DeriveResult,
    *,
    top: int,
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
    need_of: dict[SourceId, int] = {}
    pending: list[tuple[SourceId, Key]] = []  # sources of needs created below
    closed: set[int] = set()
    new_needs: dict[Key, tuple[date, bool]] = {}  # key → (first seen, confidential)
    for source in fresh:
        key, secret, on = sources[source]
        found = live.get(key)
        if found is None and key in merged:
            found = _resolve(merged[key], by_pk)
        if found is not None:
            need_of[source] = found.pk
            if found.status in CLOSED_STATUSES:
                closed.add(found.pk)
            continue
        if on is None or on > today:
            on = today
        seen = new_needs.get(key)
        if seen is not None:
            if seen[0] < on:
                on = seen[0]
            secret = secret and seen[1]
        new_needs[key] = (on, secret)
        pending.append((source, key))
    created = _create_needs(new_needs, top=top)
    result.created = len(created)
    for source, key in pending:
        need_of[source] = created[key]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    _insert(
        NeedEvidence,
        ["need_id", "kind", "stated_need_id", "request_line_id", "linked_at"],
        [
            (need_of[(kind, pk)], ANSWER, pk, None, now)
            if kind == ANSWER
            else (need_of[(kind, pk)], REQUEST, None, pk, now)
            for kind, pk in fresh
        ],
    )
    result.linked = len(fresh)
    result.new_evidence_on_closed = sorted(closed)
    return need_of


def _derive_incremental(inputs: _Inputs, stored: _Stored, today: date) -> DeriveResult:
    result = DeriveResult(mode="incremental")
    old = stored.inputs
    links = stored.links
    assert links is not None  # read by read_parts
    answers_in: set[int] = set()  # stated needs to derive again
    lines_in: set[int] = set()  # request lines to derive again
    touched: set[int] = set()  # needs whose links changed outside the derivation
    write: dict[str, dict[str, Any]] = {}  # the parts of the state to store again

    deleted: set[int] = set()  # stated needs no longer there
    if stored.answers is not None:
        rows, sums = stored.answers
        diff, figures = _ANSWERS.compare(sums, rows.between)
        for pk, h in diff.items():
            (deleted if h is None else answers_in).add(pk)
        write["answers"] = _table_part(rows.updated(diff), _with(sums, figures))
    assignments = _changed(old.assignments, inputs.assignments)
    pairs: set[tuple[int, int]] = set()  # (assignment, article) whose gap opened or closed
    if stored.no_gap is not None:
        rows, sums = stored.no_gap
        diff, figures = _NO_GAP.compare(sums, rows.between)
        pairs = {divmod(key, _PAIR) for key in diff}
        write["no_gap"] = _table_part(rows.updated(diff), _with(sums, figures))
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
    # other difference from the links known was made by hand: compare them bucket by bucket.
    for source in [(ANSWER, pk) for pk in sorted(deleted)] + [
        (REQUEST, pk) for pk in sorted(set(links.rows[REQUEST].keys) - inputs.lines.keys())
    ]:
        if (need_id := links.get(source)) is not None:
            touched.add(need_id)
            links.set(source, None)
    if inputs.totals["links"] != links.total():
        for (kind, pk), (before, now) in links.changed_by_hand().items():
            touched.update(n for n in (before, now) if n is not None)
            if kind == ANSWER and pk not in deleted:
                answers_in.add(pk)
            elif kind == REQUEST and pk in inputs.lines:
                lines_in.add(pk)

    scope: set[SourceId] = {(ANSWER, pk) for pk in answers_in} | {(REQUEST, pk) for pk in lines_in}
    sources = current_sources(answers=answers_in, lines=lines_in, inputs=inputs)
    linked = {s: n for s in scope if (n := links.get(s)) is not None}

    # Unlink the sources that no longer count.
    gone = [s for s in linked if s not in sources]
    for kind, name in (
        (ANSWER, "stated_need_id"),
        (REQUEST, "request_line_id"),
    ):
        for chunk in _chunks(pk for k, pk in gone if k == kind):
            NeedEvidence.objects.filter(**{f"{name}__in": chunk}).delete()
    result.unlinked = len(gone)

    # The new sources go to the needs of their keys: only those needs are read.
    fresh = sorted(s for s in sources if s not in linked)
    top = inputs.totals["needs"][1]  # the needs created now come after it
    rows_of = _needs_of({sources[s][0] for s in fresh}) if fresh else []
    new_links = _link_fresh(fresh, sources, rows_of, today, result, top=top)
    created = {need_id for need_id in new_links.values() if need_id > top}

    # The needs whose evidence changed: flags from all their links, in scope or not.
    refresh = (touched | set(linked.values()) | set(new_links.values())) - created
    for source in gone:
        links.set(source, None)
    for source, need_id in new_links.items():
        links.set(source, need_id)
    evidence_of: dict[int, list[bool]] = defaultdict(list)
    for source, info in sources.items():
        target = links.get(source)
        if target is not None and target in refresh:
            evidence_of[target].append(info[1])
    flags = _read_needs(refresh)[1]
    for chunk in _chunks(refresh):
        for need_id, stated, line, answer_secret, request_secret in _fetch(
            NeedEvidence.objects.filter(need_id__in=chunk)
            .order_by()
            .values_list(
                "need_id",
                "stated_need_id",
                "request_line_id",
                "stated_need__confidential",
                "request_line__request__confidential",
            )
        ):
            source = (ANSWER, stated) if stated is not None else (REQUEST, line)
            if source not in scope:  # unchanged since the last run: still counts
                secret = answer_secret if stated is not None else request_secret
                evidence_of[need_id].append(bool(secret))
    _refresh(flags, evidence_of, result)
    result.unchanged = inputs.totals["needs"][0] - result.updated
    result.sources = len(links)
    # The links as this run knows them, not as read again: a link changed by hand meanwhile
    # then shows as a difference next time.
    inputs.totals["links"] = links.total()
    if any(links.changes.values()) or inputs.totals["links"] != old.totals["links"]:
        write["links"] = links.packed()
    _save_state(inputs, run=stored.run + 1, parts=stored.parts, write=write)
    return result


def _refresh(
    flags: dict[int, tuple[bool, bool]], evidence_of: dict[int, list[bool]], result: DeriveResult
) -> None:
    """Bring has_evidence and confidential of the needs of ``flags`` (their current values)
    in line with their evidence."""
    changes: dict[int, tuple[bool, bool]] = {}
    for pk, (had_evidence, was_secret) in sorted(flags.items()):
        evidence = evidence_of.get(pk, [])
        has_evidence = bool(evidence)
        confidential = all(evidence) if evidence else was_secret
        if (has_evidence, confidential) == (had_evidence, was_secret):
            continue
        if has_evidence and not had_evidence:
            result.reopened += 1
        if had_evidence and not has_evidence:
            result.lost_evidence += 1
        changes[pk] = (has_evidence, confidential)
    _set_flags(changes)
    result.updated = len(changes)
    result.unchanged = len(flags) - len(changes)
