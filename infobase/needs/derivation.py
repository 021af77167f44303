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
  later than ``today``, counting only the public ones when it has any: a need others may see
  never tells them when it was stated in confidence (``opened_on``). For the same reason a
  need that rested only on confidential evidence is first seen, once it has a public source,
  on the earliest day of its public sources;
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

**Only what changed.** The derivation does not look for changes: the database tells it.
Triggers on the tables it reads (``needs.changes``, migration ``needs.0005``) log every row
inserted, updated (in a column the derivation reads) or deleted in ``SourceChange``, however it
was changed (forms, bulk updates, raw SQL, cascades); the derivation's own writes are not
logged. A run takes the log (reads and deletes it, in its transaction) and:

- nothing logged: it returns at once (``DeriveResult.mode`` "unchanged"; two small reads);
- stated needs, implementations, assignments, requests, request lines or links changed: it
  derives only the sources concerned (the stated needs and lines logged, the stated needs of
  an assignment whose status or validation date changed or of an (assignment, article) whose
  implementation changed, the lines of a request whose State, status, confidentiality or date
  changed, the sources whose link was changed by hand), reads only their links and the needs
  of their keys, and refreshes only the needs of their links, old and new ("incremental").
  Everything else is unchanged since the last run, which left every counting source linked and
  every linked source counting, so the result is the full run's. The flags of a need follow
  from the ones it has and its links in scope; what its other links say (read with the
  flags, up to the first public source) counts only when that leaves them open (no link
  left in scope, or only confidential ones beside a public one before);
- a need was changed by hand (created, deleted, merged, split, closed, edited), or the log
  cannot be trusted (no stored state of this version: the derivation never ran since the
  triggers exist, or ran with other rules): the full run ("full"), which takes the log too.

The stored state (``DerivationState`` "needs") holds only the version and the counts of needs
and links the last run left (for the result of a run without changes).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import chain
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_noop

from infobase.core.bulk import copy_rows
from infobase.core.locks import advisory_lock
from infobase.needs import changes as change_log
from infobase.needs.models import (
    CLOSED_STATUSES,
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

# Kept in the history of every need the derivation creates or changes: stored in English, like
# the other change reasons written by jobs; the history page shows it in its reader's language.
DERIVE_REASON = gettext_noop("Derived from answers and requests")
INACTIVE_REQUEST_STATUSES = (RequestStatus.WITHDRAWN, RequestStatus.DECLINED)
NO_GAP_STATUSES = (ImplementationStatus.YES, ImplementationStatus.NOT_APPLICABLE)
BATCH = 1000
DERIVE_LOCK = "needs-derive"
STATE_NAME = "needs"
STATE_VERSION = 5

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


def _placeholders(values: Sequence[Any]) -> str:
    return "({})".format(", ".join(["%s"] * len(values)))


def _sources_sql(*, links: bool) -> tuple[str, str, list[Any], list[Any]]:
    """The rules of which sources count, written once for the full and the incremental runs:
    the SQL reading stated needs and request lines, each row with whether it counts now, and
    with ``links`` the need it is linked to (NULL: none). Returns (answers, lines, answer
    params, line params); the statements end in ``WHERE``, for the caller's condition.

    A stated need counts when its assignment is validated and there is a gap: assistance asked
    for an article the State did not report as implemented, or as not applicable, in the same
    answers. A request line counts while its request is neither withdrawn nor declined.

    With ``links`` (the incremental run: a few thousand rows) the implementation and the link
    of each row are looked up by subqueries that return at most one row, which PostgreSQL
    runs row by row, by index, whatever its statistics say. Written as EXISTS or as joins, it
    read every implementation and every link into hash tables (its costs put a thousand
    searches of an index above one pass over the table), 20 to 40 ms a batch."""
    gap = "NOT EXISTS ({implemented})"
    link_answers, link_lines = "", ""
    if links:
        gap = "({implemented} LIMIT 1) IS NULL"
        link_answers = ", (SELECT e.need_id FROM {links} e WHERE e.stated_need_id = sn.id)"
        link_lines = ", (SELECT e.need_id FROM {links} e WHERE e.request_line_id = l.id)"
    tables = {
        "implementations": _table(ArticleImplementation),
        "stated": _table(StatedNeed),
        "assignments": _table(Assignment),
        "links": _table(NeedEvidence),
        "lines": _table(RequestLine),
        "requests": _table(AssistanceRequest),
    }
    # Table names quoted by the connection and placeholders only: no value is spliced in.
    implemented = (
        "SELECT 1 FROM {implementations} ai WHERE ai.assignment_id = sn.assignment_id "
        "AND ai.article_id = sn.article_id AND ai.paragraph = 0 AND ai.status IN {no_gap}"
    )
    answers = (
        "SELECT sn.id, sn.assignment_id, sn.article_id, sn.state_id, sn.kind, sn.confidential, "
        "{validated_at}, a.status = %s AND {gap} AS counts{link_answers} "
        "FROM {stated} sn JOIN {assignments} a ON a.id = sn.assignment_id WHERE "
    )
    lines = (
        "SELECT l.id, r.state_id, l.article_id, l.kind, r.confidential, {received_on}, "
        "r.status NOT IN {inactive} AS counts{link_lines} "
        "FROM {lines} l JOIN {requests} r ON r.id = l.request_id WHERE "
    )
    # SQLite's driver parses every date and datetime column it returns, row by row (a
    # thousand rows share a few days): read as text there, each distinct value is parsed once
    # (``_sources_of``).
    as_text = "CAST({} AS TEXT)" if connection.vendor == "sqlite" else "{}"
    parts = {
        **tables,
        "validated_at": as_text.format("a.validated_at"),
        "received_on": as_text.format("r.received_on"),
        "no_gap": _placeholders(NO_GAP_STATUSES),
        "inactive": _placeholders(INACTIVE_REQUEST_STATUSES),
        "link_answers": link_answers.format(**tables),
        "link_lines": link_lines.format(**tables),
    }
    parts["gap"] = gap.format(implemented=implemented.format(**parts))
    answers, lines = answers.format(**parts), lines.format(**parts)
    answer_params = [AssignmentStatus.VALIDATED.value, *(s.value for s in NO_GAP_STATUSES)]
    line_params = [s.value for s in INACTIVE_REQUEST_STATUSES]
    return answers, lines, answer_params, line_params


def current_sources() -> dict[SourceId, Source]:
    """Every evidence source that counts now, in order (answers, then lines, each by primary
    key)."""
    answers, lines, answer_params, line_params = _sources_sql(links=False)
    counting = "SELECT * FROM ({}1 = 1) s WHERE s.counts ORDER BY s.id"  # only those leave
    with connection.cursor() as cursor:
        cursor.execute(counting.format(answers), answer_params)
        answer_rows = cursor.fetchall()
        cursor.execute(counting.format(lines), line_params)
        line_rows = cursor.fetchall()
    return _sources_of(answer_rows, line_rows)[0]


def _sources_of(
    answer_rows: list[tuple[Any, ...]], line_rows: list[tuple[Any, ...]]
) -> tuple[dict[SourceId, Source], dict[SourceId, int]]:
    """The sources that count among rows read with ``_sources_sql``, and the links of the rows
    (source → need) when they were read with them."""
    sources: dict[SourceId, Source] = {}
    links: dict[SourceId, int] = {}
    days: dict[Any, date | None] = {None: None}  # many sources share a date
    for pk, _assignment, article_id, state_id, kind, secret, on, counts, *link in answer_rows:
        if counts:
            if on not in days:
                days[on] = _day_of_moment(on)
            sources[(ANSWER, pk)] = ((state_id, article_id, kind), bool(secret), days[on])
        if link and link[0] is not None:
            links[(ANSWER, pk)] = link[0]
    for pk, state_id, article_id, kind, secret, on, counts, *link in line_rows:
        if counts:
            if on not in days:
                days[on] = _date(on)
            sources[(REQUEST, pk)] = ((state_id, article_id, kind), bool(secret), days[on])
        if link and link[0] is not None:
            links[(REQUEST, pk)] = link[0]
    return sources, links


def _delete_evidence(pks: Collection[int]) -> None:
    """Delete the links ``pks`` (nothing points at a link: no cascade to follow)."""
    _in_batches(f"DELETE FROM {_table(NeedEvidence)} WHERE id IN {{keys}}", pks)  # noqa: S608


def _unlink(sources: Collection[SourceId]) -> None:
    """Delete the links of ``sources`` (by the unique index of each kind of source)."""
    for kind, column in ((ANSWER, "stated_need_id"), (REQUEST, "request_line_id")):
        _in_batches(
            f"DELETE FROM {_table(NeedEvidence)} WHERE {column} IN {{keys}}",  # noqa: S608
            [pk for k, pk in sources if k == kind],
        )


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


def needs_derive_exclusive(
    *, today: date | None = None, wait: float = 0, full: bool = False
) -> DeriveResult:
    """``needs_derive`` holding the derivation lock, for the command and the background job:
    two derivations at once would create the same needs twice. Raises ``AlreadyRunning``
    when another derivation still runs after ``wait`` seconds."""
    with advisory_lock(DERIVE_LOCK, wait=wait):
        return needs_derive(today=today, full=full)


def _fetch(qs: Any) -> list[tuple[Any, ...]]:
    """The rows of ``qs`` straight from the database cursor: for the large reads of plain
    integers, where the ORM's per-value conversions would cost more than the query."""
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _in_batches(sql: str, keys: Iterable[int], params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Run ``sql`` once per batch of ``keys``, which stand where it says ``{keys}`` (a list of
    placeholders, after ``params``); returns the rows read, if any. Plain SQL: building the
    ORM's ``__in`` lookup over a thousand values cost more than running the query."""
    rows: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for chunk in _chunks(keys):
            placeholders = "({})".format(", ".join(["%s"] * len(chunk)))
            cursor.execute(sql.replace("{keys}", placeholders), [*params, *chunk])
            if cursor.description is not None:
                rows.extend(cursor.fetchall())
    return rows


def _day_of_moment(value: Any) -> date | None:
    """The day of a date and time as the cursor gives it: text on SQLite (UTC, as Django
    stores it there), a datetime elsewhere."""
    if isinstance(value, str):
        moment = parse_datetime(value)
        if moment is not None and settings.USE_TZ and timezone.is_naive(moment):
            moment = timezone.make_aware(moment, connection.timezone)
        return _day(moment)
    return _day(value)


def _date(value: Any) -> date | None:
    """A date as the cursor gives it: text on SQLite, a date elsewhere."""
    return date.fromisoformat(value) if isinstance(value, str) else value


# --- The derivation -------------------------------------------------------------------------


def _trusted(data: dict[str, Any]) -> bool:
    """Whether the change log can be trusted: a run of this version stored its state (the
    log names every change since; a state of another version was left by other rules)."""
    return (
        data.get("v") == STATE_VERSION
        and isinstance(data.get("needs"), int)
        and isinstance(data.get("links"), int)
    )


def _save_state(*, needs: int, links: int) -> None:
    """Store the state: the version, and the counts of needs and links this run left. Also
    drops what older versions stored beside it (rows "needs.…")."""
    DerivationState.objects.filter(
        Q(name=STATE_NAME) | Q(name__startswith=f"{STATE_NAME}.")
    ).delete()
    DerivationState.objects.create(
        name=STATE_NAME,
        fingerprint=str(STATE_VERSION),
        data={"v": STATE_VERSION, "needs": needs, "links": links},
    )


@transaction.atomic
def needs_derive(*, today: date | None = None, full: bool = False) -> DeriveResult:
    """Bring the needs register up to date with the current answers and requests.

    Derives only what the change log names (see the module's docstring); ``full`` derives
    from every source whatever the log holds."""
    today = today or timezone.localdate()
    data = DerivationState.objects.filter(name=STATE_NAME).values_list("data", flat=True).first()
    trusted = not full and _trusted(data or {})
    if trusted and not change_log.pending():
        assert data is not None
        return DeriveResult(sources=data["links"], unchanged=data["needs"], mode="unchanged")
    with change_log.quiet(), _page_cache():
        logged = change_log.take()
        if trusted and not logged.needs:
            assert data is not None
            result, needs = _derive_incremental(logged, today, needs=data["needs"])
        else:
            result, needs = _derive_full(today)
    _save_state(needs=needs, links=result.sources)
    return result


@contextmanager
def _page_cache(mib: int = 64) -> Iterator[None]:
    """SQLite only: room for ``mib`` MiB of pages in this connection's cache while inside. A
    run changes thousands of pages (an incremental one at world scale, about 1,800), more
    than SQLite's default cache holds (2 MiB): it would write the pages it must evict to the
    log before the commit writes them again."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {-1024 * mib:d}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before):d}")


def _derive_full(today: date) -> tuple[DeriveResult, int]:
    """The full run; also returns the count of needs it left."""
    result = DeriveResult(mode="full")
    sources = current_sources()
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
    top = max((row.pk for row in rows), default=0)
    links.update(_link_fresh(fresh, sources, rows, today, result, top=top))

    # Evidence per need after the changes: has_evidence and confidential follow it.
    all_secret: dict[int, bool] = {}  # need → every source confidential (absent: no source)
    for source, need_id in links.items():
        if need_id in flags:  # the needs created now have the right flags
            all_secret[need_id] = sources[source][1] and all_secret.get(need_id, True)
    _refresh(flags, all_secret, result, today=today)
    return result, len(rows) + result.created


def _read_needs() -> tuple[list[NeedRow], dict[int, tuple[bool, bool]]]:
    """Every need, in order, and its flags (has_evidence, confidential)."""
    qs = Need.objects.order_by("pk").values_list(
        "pk", "state_id", "article_id", "kind", "status", "merged_into_id", "has_evidence",
        "confidential",
    )  # fmt: skip
    rows: list[NeedRow] = []
    flags: dict[int, tuple[bool, bool]] = {}
    for pk, state_id, article_id, kind, status, merged_into_id, evidenced, secret in _fetch(qs):
        rows.append(NeedRow(pk, (state_id, article_id, kind), status, merged_into_id))
        flags[pk] = (bool(evidenced), bool(secret))
    return rows, flags


def _needs_of(keys: set[Key]) -> list[NeedRow]:
    """What a source of one of ``keys`` may be linked to: the live need of each key (by the
    unique index of the live needs' keys), the merged needs of these keys (by the index of
    the merged needs' keys), and the needs they were merged into, to the end of the chain."""
    select = (
        "SELECT id, state_id, article_id, kind, status, merged_into_id "  # noqa: S608 - a model's table
        f"FROM {_table(Need)} WHERE "
    )
    merged = NeedStatus.MERGED.value
    # The keys as a list of values joined to the needs: one search of a partial index per key
    # on both databases (PostgreSQL took longer to plan a long OR of the keys, about 30 ms per
    # 300 keys, than to run it). The status is tested as a constant written like the index's
    # condition: only then does SQLite search the partial index.
    join = (
        "SELECT n.id, n.state_id, n.article_id, n.kind, n.status, n.merged_into_id "  # noqa: S608 - a model's table
        f"FROM k JOIN {_table(Need)} n ON n.state_id = k.state_id "
        "AND n.article_id = k.article_id AND n.kind = k.kind AND "
    )
    of_keys = (
        "WITH k (state_id, article_id, kind) AS (VALUES {values}) "
        f"{join}NOT (n.status = '{merged}') UNION ALL {join}n.status = '{merged}'"
    )
    ordered = sorted(keys)
    rows: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(ordered), 300):
            batch = ordered[start : start + 300]
            cursor.execute(
                of_keys.format(values=", ".join(["(%s, %s, %s)"] * len(batch))),
                [value for key in batch for value in key],
            )
            rows.extend(cursor.fetchall())
    found: dict[int, NeedRow] = {}
    asked: set[int] = set()
    while rows:
        for pk, state_id, article_id, kind, status, merged_into_id in rows:
            key = (state_id, article_id, kind)
            if key in keys or pk in asked:
                found[pk] = NeedRow(pk, key, status, merged_into_id)
        pending = {
            r.merged_into_id for r in found.values() if r.status == merged and r.merged_into_id
        }
        pending -= found.keys() | asked
        asked |= pending
        rows = _in_batches(select + "id IN {keys}", pending)
    return list(found.values())


# --- Writes: plain statements, not the ORM's per-object bulk helpers ------------------------
#
# At world scale the ORM's bulk_create prepares every value of every row in Python, which
# cost most of a full run. The rows written here are plain integers, codes and flags.
#
# SQLite copies aside every page a statement changes, before changing it, so that a statement
# stopped halfway by a broken constraint can be undone alone: a statement journal, written to
# a temporary file past 64 KiB (an incremental run at world scale wrote about 1,600 pages
# there, two system calls each). It does so only for statements that stop with ABORT, its
# default; ``OR FAIL`` stops at the same errors without undoing the statement's first rows.
# The derivation never goes on after an error: it leaves its transaction (or savepoint), which
# undoes every row it wrote, so there is nothing to undo statement by statement.


def _or_fail() -> str:
    """``OR FAIL`` for the derivation's writes on SQLite (see above); nothing elsewhere."""
    return "OR FAIL " if connection.vendor == "sqlite" else ""


def _insert(
    model: type[Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    same: dict[str, Any] | None = None,
) -> None:
    """INSERT ``rows`` (values of ``columns``, ready for the database), many rows per
    statement: SQLite copies the pages a statement changes aside while the change log's
    triggers stand on the table (a statement journal), once per statement, which cost more
    than the insert itself with one statement per row. The values every row shares
    (``same``: column → value) are passed once per statement, not once per row: binding
    them cost a third of inserting a thousand needs. ``OR FAIL`` on SQLite (see ``_or_fail``).
    PostgreSQL: ``COPY``, ``same`` written with every row."""
    same = same or {}
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in [*columns, *same])
    table = quote(model._meta.db_table)
    if connection.vendor == "postgresql":
        shared = tuple(same.values())
        copy_rows(model._meta.db_table, [*columns, *same], ((*values, *shared) for values in rows))
        return
    insert = f"INSERT {_or_fail()}INTO"
    if same:
        # The VALUES list's columns are named column1, column2, … on both databases.
        listed = ", ".join(f"v.column{n}" for n in range(1, len(columns) + 1))
        head = "{} {} ({}) SELECT {}, {} FROM (VALUES ".format(  # noqa: S608 - names from the model
            insert, table, names, listed, ", ".join(["%s"] * len(same))
        )
        tail = ") v"
    else:
        head, tail = f"{insert} {table} ({names}) VALUES ", ""
    row = "({})".format(", ".join(["%s"] * len(columns)))
    size = max(1, 2000 // len(columns))  # rows per statement, far below the parameters' limit
    full = head + ", ".join([row] * size) + tail
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            sql = full if len(batch) == size else head + ", ".join([row] * len(batch)) + tail
            cursor.execute(sql, [*same.values(), *chain.from_iterable(batch)])


def _create_needs(new: dict[Key, tuple[date, bool]], *, top: int) -> dict[Key, int]:
    """Create open needs with evidence, key → (first seen, confidential), with a history row
    each; ``top`` is a primary key no older need exceeds. Returns key → primary key."""
    if not new:
        return {}
    values = {f.attname: f.get_db_prep_save(f.get_default(), connection) for f in _need_fields()}
    values.update(status=NeedStatus.OPEN.value, has_evidence=True, is_manual=False)
    varying = ["state_id", "article_id", "kind", "first_seen", "confidential"]
    column_of = {f.attname: f.column for f in _need_fields()}
    same = {column_of[name]: value for name, value in values.items() if name not in varying}
    adapt = connection.ops.adapt_datefield_value
    # In the order of the keys: the rows of one State go to the same pages of the indexes
    # (half the cost of inserting them in the order of their sources).
    _insert(
        Need,
        [column_of[name] for name in varying],
        [(*key, adapt(first_seen), secret) for key, (first_seen, secret) in sorted(new.items())],
        same,
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


def _set_flags(
    changes: dict[int, tuple[bool, bool]], first_seen: dict[int, date] | None = None
) -> None:
    """Set (has_evidence, confidential) of needs, and the ``first_seen`` day given of some of
    them, with a history row each."""
    by_flags: dict[tuple[bool, bool], list[int]] = defaultdict(list)
    for pk, (evidenced, secret) in changes.items():
        by_flags[(evidenced, secret)].append(pk)
    for (evidenced, secret), pks in by_flags.items():
        _in_batches(
            f"UPDATE {_or_fail()}{_table(Need)} "  # noqa: S608
            "SET has_evidence = %s, confidential = %s WHERE id IN {keys}",
            pks,
            [evidenced, secret],
        )
    by_day: dict[date, list[int]] = defaultdict(list)
    for pk, day in (first_seen or {}).items():
        by_day[day].append(pk)
    for day, pks in by_day.items():
        _in_batches(
            f"UPDATE {_or_fail()}{_table(Need)} SET first_seen = %s WHERE id IN {{keys}}",  # noqa: S608
            pks,
            [connection.ops.adapt_datefield_value(day)],
        )
    _write_history(changes.keys(), "~")


@functools.cache
def _historical_need() -> Any:
    """simple-history's model of needs' history (``Need.history`` builds a manager class on
    every access: ~2 ms)."""
    return Need.history.model


def _write_history(pks: Iterable[int], history_type: str) -> None:
    """One history row per need of ``pks`` as it is now, as simple-history's bulk helpers
    would write it (who: the request's user, if any; when: now; why: ``DERIVE_REASON``)."""
    if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    historical = _historical_need()
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
                "INSERT {}INTO {} ({}) SELECT {}, %s, %s, %s, %s FROM {} WHERE {} IN ({})".format(  # noqa: S608 - names from the models
                    _or_fail(),
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
            seen_on, seen_secret = seen
            # First seen: the earliest public source when there is one (see ``opened_on``).
            if seen_secret == secret:
                on = min(on, seen_on)
            elif secret:
                on = seen_on
            secret = secret and seen_secret
        new_needs[key] = (on, secret)
        pending.append((source, key))
    created = _create_needs(new_needs, top=top)
    result.created = len(created)
    for source, key in pending:
        need_of[source] = created[key]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    for kind, column, other in (
        (ANSWER, "stated_need_id", "request_line_id"),
        (REQUEST, "request_line_id", "stated_need_id"),
    ):
        _insert(
            NeedEvidence,
            ["need_id", column],
            [(need_of[(k, pk)], pk) for k, pk in fresh if k == kind],
            {"kind": kind, other: None, "linked_at": now},
        )
    result.linked = len(fresh)
    result.new_evidence_on_closed = sorted(closed)
    return need_of


def _in_scope(logged: change_log.Changes) -> tuple[dict[SourceId, Source], dict[SourceId, int]]:
    """The sources the log names (see the module's docstring): those of them that count, and
    the links of all of them (source → need), read together, one query per batch, by the
    rules of ``_sources_sql``."""
    answers, lines, answer_params, line_params = _sources_sql(links=True)
    answer_rows = _in_batches(
        answers + "sn.id IN {keys}", logged.stated_needs | logged.answer_links, answer_params
    )
    if logged.assignments or logged.pairs:
        wanted = logged.assignments | {assignment for assignment, _article in logged.pairs}
        answer_rows += [
            row
            for row in _in_batches(answers + "sn.assignment_id IN {keys}", wanted, answer_params)
            if row[1] in logged.assignments or (row[1], row[2]) in logged.pairs
        ]
    line_rows = _in_batches(lines + "l.id IN {keys}", logged.lines | logged.line_links, line_params)
    line_rows += _in_batches(lines + "l.request_id IN {keys}", logged.requests, line_params)
    return _sources_of(answer_rows, line_rows)


def _derive_incremental(
    logged: change_log.Changes, today: date, *, needs: int
) -> tuple[DeriveResult, int]:
    """Derive the sources the log names (see the module's docstring); ``needs`` is the count
    of needs the last run left (no need was created or deleted since: the log would name
    it). Also returns the count of needs left."""
    result = DeriveResult(mode="incremental")
    sources, linked = _in_scope(logged)

    # Unlink the sources that no longer count.
    gone = [source for source in linked if source not in sources]
    _unlink(gone)
    result.unlinked = len(gone)

    # The new sources go to the needs of their keys: only those needs are read.
    fresh = sorted(s for s in sources if s not in linked)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {_table(Need)}")  # noqa: S608 - a model's table
        top = cursor.fetchone()[0] or 0  # the needs created now come after it
    rows_of = _needs_of({sources[s][0] for s in fresh}) if fresh else []
    new_links = _link_fresh(fresh, sources, rows_of, today, result, top=top)
    created = {need_id for need_id in new_links.values() if need_id > top}

    # The needs whose evidence changed (the needs of links changed by hand included). The last
    # run left their flags in line with their links, and a link whose source is not in scope
    # is as it was then (a change to it or to its source would be logged): the flags follow
    # from the stored ones and the links in scope, known here, except where that leaves the
    # answer open: no link left in scope, or only confidential ones beside a public one.
    refresh = (logged.link_needs | set(linked.values()) | set(new_links.values())) - created
    # Their flags, and what is left of the evidence of those that had some: 2 a public
    # source, 1 only confidential ones, 0 none; used only where the links in scope leave it
    # open (below). A CASE, tried in order, stops at the first test that holds: most needs
    # have a public answer, found with its first link; the lines and the bare links are then
    # not read. Each test is a subquery of at most one row, which PostgreSQL runs need by
    # need: written as EXISTS, it hashed every link of every need instead.
    links, stated, lines, requests = map(
        _table, (NeedEvidence, StatedNeed, RequestLine, AssistanceRequest)
    )
    flags: dict[int, tuple[bool, bool]] = {}
    left_of: dict[int, int | None] = {}
    for pk, evidenced, secret, left in _in_batches(
        (
            "SELECT n.id, n.has_evidence, n.confidential, CASE WHEN NOT n.has_evidence THEN NULL "  # noqa: S608 - the models' tables
            f"WHEN (SELECT 1 FROM {links} e JOIN {stated} sn ON sn.id = e.stated_need_id "
            "WHERE e.need_id = n.id AND NOT sn.confidential LIMIT 1) IS NOT NULL THEN 2 "
            f"WHEN (SELECT 1 FROM {links} e JOIN {lines} l ON l.id = e.request_line_id "
            f"JOIN {requests} r ON r.id = l.request_id WHERE e.need_id = n.id "
            "AND NOT r.confidential LIMIT 1) IS NOT NULL THEN 2 "
            f"WHEN (SELECT 1 FROM {links} e WHERE e.need_id = n.id LIMIT 1) IS NOT NULL THEN 1 "
            f"ELSE 0 END FROM {_table(Need)} n WHERE n.id IN {{keys}}"
        ),
        refresh,
    ):
        flags[pk] = (bool(evidenced), bool(secret))
        left_of[pk] = left
    scope_secret: dict[int, bool] = {}  # need → every source in scope linked to it is secret
    for source, (_key, secret, _on) in sources.items():
        need = new_links[source] if source in new_links else linked[source]
        if need in flags:
            scope_secret[need] = secret and scope_secret.get(need, True)
    all_secret: dict[int, bool] = {}  # need → every source secret (absent: no source)
    for pk, (had_evidence, was_secret) in flags.items():
        scoped = scope_secret.get(pk)
        if not had_evidence:  # no link at the last run: only those in scope now
            if scoped is not None:
                all_secret[pk] = scoped
        elif scoped is None or (scoped and not was_secret):
            # Links out of scope left, or a public one among them: what the CASE found.
            if left_of[pk]:
                all_secret[pk] = left_of[pk] == 1
        else:
            all_secret[pk] = scoped and was_secret
    _refresh(flags, all_secret, result, today=today)
    result.unchanged = needs - result.updated
    result.sources = NeedEvidence.objects.count()
    return result, needs + result.created


def opened_on(evidence: QuerySet[NeedEvidence], *, today: date) -> dict[int, date]:
    """Need → the day it was first stated in the open, among ``evidence``: the earliest day of
    its public sources (the day answers were validated, the day a request was received; never
    after ``today``). Needs with no public source among ``evidence`` are left out.

    A need others may see is first seen on that day: a day taken from a confidential source
    would tell them that the State had stated the need in confidence before (and when), on
    the need's page, its public profile, its age in the score and the reports' periods."""
    days: dict[int, date] = {}
    for need_id, answer_secret, validated_at, request_secret, received_on in evidence.values_list(
        "need_id",
        "stated_need__confidential",
        "stated_need__assignment__validated_at",
        "request_line__request__confidential",
        "request_line__request__received_on",
    ):
        if answer_secret is False:
            on = _day(validated_at)
        elif request_secret is False:
            on = received_on
        else:
            continue
        on = today if on is None or on > today else on
        if need_id not in days or on < days[need_id]:
            days[need_id] = on
    return days


def _refresh(
    flags: dict[int, tuple[bool, bool]],
    all_secret: dict[int, bool],
    result: DeriveResult,
    *,
    today: date,
) -> None:
    """Bring has_evidence and confidential of the needs of ``flags`` (their current values)
    in line with their evidence: ``all_secret`` tells, for each need with evidence, whether
    every source is confidential. A need that rested only on confidential evidence and now
    has a public source is first seen when that was stated (``opened_on``)."""
    changes: dict[int, tuple[bool, bool]] = {}
    opened: list[int] = []
    for pk, (had_evidence, was_secret) in sorted(flags.items()):
        secret = all_secret.get(pk)
        has_evidence = secret is not None
        confidential = was_secret if secret is None else secret
        if (has_evidence, confidential) == (had_evidence, was_secret):
            continue
        if has_evidence and not had_evidence:
            result.reopened += 1
        if had_evidence and not has_evidence:
            result.lost_evidence += 1
        if was_secret and not confidential:
            opened.append(pk)
        changes[pk] = (has_evidence, confidential)
    first_seen = (
        opened_on(NeedEvidence.objects.filter(need_id__in=opened), today=today) if opened else {}
    )
    _set_flags(changes, first_seen)
    result.updated = len(changes)
    result.unchanged = len(flags) - len(changes)
