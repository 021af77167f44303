"""IATI import: the plain-row writes (COPY on PostgreSQL) store exactly what the ORM stores."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from infobase.activities.iati_import import iati_import
from infobase.activities.iati_import.write import Writer
from infobase.activities.models import (
    Activity,
    Budget,
    Description,
    Document,
    Participant,
    Recipient,
    Sector,
    Theme,
    Transaction,
)
from tests.activities.test_iati_import import activity_xml, iati_file

pytestmark = pytest.mark.django_db

CHILDREN = (Participant, Recipient, Sector, Budget, Transaction, Description, Document)
REAL = "iati/activities/dportal-covid-multipublisher-2021.xml"


def values(obj: Any, skip: set[str]) -> tuple[Any, ...]:
    return tuple(
        (f.attname, getattr(obj, f.attname))
        for f in obj._meta.concrete_fields
        if f.attname not in skip
    )


def ordered(rows: Any) -> list[Any]:
    return sorted(rows, key=repr)  # rows hold JSON values (dicts), which do not compare


def snapshot() -> dict[str, Any]:
    """Every row the import wrote, keyed by iati-identifier instead of database ids."""
    identifiers = dict(Activity.objects.values_list("pk", "iati_identifier"))
    rows: dict[str, Any] = {
        "activities": ordered(values(a, {"id"}) for a in Activity.objects.all()),
        "instruments": sorted(
            (identifiers[pk], code)
            for pk, code in Activity.instruments.through.objects.values_list(
                "activity_id", "instrument__code"
            )
        ),
        "themes": sorted(
            (identifiers[t.activity_id], t.article_id, t.kind) for t in Theme.objects.all()
        ),
        "history": ordered(
            (identifiers[h.id], *values(h, {"id", "history_id", "history_date"}))
            for h in Activity.history.model.objects.all()
        ),
    }
    for model in CHILDREN:
        rows[model.__name__] = ordered(
            (identifiers[row.activity_id], *values(row, {"id", "activity_id"}))
            for row in model.objects.all()
        )
    return rows


def import_twice(shared: Path) -> dict[str, Any]:
    """A real multi-publisher file (every activity), then a newer copy of three activities:
    creates, updates with their child rows replaced, and history of both."""
    with open(shared / REAL, "rb") as real:
        first = iati_import(files=[("covid.xml", real)], relevance=None)
    newer = iati_file(
        *(
            activity_xml(
                f"XX-TEST-1-R{i}", updated="2024-09-01T00:00:00Z", title="Lutte contre la traite"
            )
            for i in range(3)
        )
    )
    older = iati_file(*(activity_xml(f"XX-TEST-1-R{i}") for i in range(3)))
    iati_import(files=[("r.xml", io.BytesIO(older))], relevance=None)
    second = iati_import(files=[("r.xml", io.BytesIO(newer))], relevance=None)
    assert first.created > 300 and second.updated == 3
    return snapshot()


def wipe() -> None:
    Activity.objects.all().delete()
    Activity.history.model.objects.all().delete()  # the deletions' own history rows too


def test_plain_row_writes_store_the_same_rows_as_the_orm(
    shared: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL the plain rows go through COPY; elsewhere through prepared INSERTs."""
    monkeypatch.setattr(Writer, "FAST", True)
    fast = import_twice(shared)
    wipe()
    monkeypatch.setattr(Writer, "FAST", False)
    orm = import_twice(shared)
    assert fast["activities"] and fast["Transaction"] and fast["history"]
    assert all(dict(row)["search_text"] for row in fast["activities"])
    for table in orm:
        assert fast[table] == orm[table], table


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_new_activities_are_copied_in_on_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    statements: list[str] = []
    original = connection.cursor

    def cursor(*args: Any, **kwargs: Any) -> Any:
        wrapper: Any = original(*args, **kwargs)
        copy = wrapper.copy

        def copy_spy(sql: str, *a: Any, **k: Any) -> Any:
            statements.append(sql)
            return copy(sql, *a, **k)

        wrapper.copy = copy_spy
        return wrapper

    monkeypatch.setattr(connection, "cursor", cursor)
    iati_import(files=[("c.xml", io.BytesIO(iati_file(activity_xml("XX-TEST-1-C"))))])
    tables = {sql.split()[1].strip('"') for sql in statements}
    assert {
        "activities_activity",
        "activities_historicalactivity",
        "activities_participant",
        "activities_sector",
    } <= tables
    assert Activity.objects.get().search_text
