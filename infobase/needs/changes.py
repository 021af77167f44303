"""What changed since the needs derivation last ran: the change log ``SourceChange``.

Database triggers (migration ``needs.0005``) log every insert, update and delete of the rows
the derivation reads, whatever made the change: forms, the ORM's bulk operations, raw SQL, a
cascade. The derivation reads the log, derives what it names, and deletes what it read, in one
transaction; its own writes are not logged (``quiet``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction

from infobase.needs.models import DerivationRunning, SourceChange

STATED_NEED = "S"
IMPLEMENTATION = "I"  # key: assignment, other: article
ASSIGNMENT = "A"
REQUEST = "R"
LINE = "L"
ANSWER_LINK = "EA"  # key: stated need, other: need
LINE_LINK = "ER"  # key: request line, other: need
NEED = "N"


@dataclass
class Changes:
    """The log's rows, by what changed."""

    stated_needs: set[int] = field(default_factory=set)
    pairs: set[tuple[int, int]] = field(default_factory=set)  # (assignment, article)
    assignments: set[int] = field(default_factory=set)
    requests: set[int] = field(default_factory=set)
    lines: set[int] = field(default_factory=set)
    answer_links: set[int] = field(default_factory=set)  # stated needs whose link changed
    line_links: set[int] = field(default_factory=set)  # request lines whose link changed
    link_needs: set[int] = field(default_factory=set)  # needs of those links, before and after
    needs: set[int] = field(default_factory=set)
    rows: int = 0


def pending() -> bool:
    """Whether anything was logged since the last run (one indexed read)."""
    return SourceChange.objects.exists()


def take() -> Changes:
    """Every logged change this transaction sees, deleted from the log as it is read: a row
    logged meanwhile by a transaction not yet committed stays for the next run (one
    statement on PostgreSQL; rolled back with the caller's transaction). Called by a
    transaction that has written already (``quiet``)."""
    changes = Changes()
    table = connection.ops.quote_name(SourceChange._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # One writer at a time, and the caller writes already (``quiet``): no row can be
            # logged between the read and the delete. A DELETE without a condition empties
            # the table at once; with RETURNING it deleted row by row, at twice the cost.
            cursor.execute(f"SELECT origin, row_key, other_key FROM {table}")  # noqa: S608 - a model's table
            rows = cursor.fetchall()
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - a model's table
        else:
            cursor.execute(
                f"DELETE FROM {table} RETURNING origin, row_key, other_key"  # noqa: S608 - a model's table
            )
            rows = cursor.fetchall()
    changes.rows = len(rows)
    by_origin = {
        STATED_NEED: changes.stated_needs,
        ASSIGNMENT: changes.assignments,
        REQUEST: changes.requests,
        LINE: changes.lines,
        NEED: changes.needs,
    }
    for origin, key, other in rows:
        if origin == IMPLEMENTATION:
            changes.pairs.add((key, other))
        elif origin in (ANSWER_LINK, LINE_LINK):
            (changes.answer_links if origin == ANSWER_LINK else changes.line_links).add(key)
            changes.link_needs.add(other)
        else:
            by_origin[origin].add(key)
    return changes


@contextmanager
def quiet() -> Iterator[None]:
    """Writes made inside are not logged: the triggers skip them while the transaction holds
    a ``DerivationRunning`` row, which other transactions do not see (PostgreSQL) or cannot
    write beside (SQLite: one writer at a time). In a transaction of its own if none is open,
    so that the row is never committed: an error inside takes it away with the writes (inside
    a caller's transaction, Django rolls that back whole, or to the caller's savepoint). No
    savepoint of its own: SQLite would copy aside every page written inside it, to undo it
    alone, which nothing needs."""
    with transaction.atomic(savepoint=False):
        running = DerivationRunning.objects.create()
        _set_quiet("on")
        yield
        _set_quiet("")
        DerivationRunning.objects.filter(pk=running.pk).delete()


def _set_quiet(value: str) -> None:
    """PostgreSQL: the transaction-local setting the triggers' ``WHEN`` reads (needs migration
    0008), so that they skip the derivation's writes without calling their function. Reset
    on the way out: later writes of the same transaction are logged again."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('infobase.quiet', %s, true)", [value])
