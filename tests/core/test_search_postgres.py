"""On PostgreSQL, the search keys carry trigram indexes that the planner uses at world scale."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from infobase.activities.models import Activity
from infobase.core.search import search

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
]

WORLD = 100_000  # activities: the size the world demo data aims at


def test_a_search_over_a_world_sized_table_uses_the_trigram_index() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO activities_activity (
                iati_identifier, source, provider_kind, reporting_org_ref, reporting_org_name,
                title, description, default_language, status, default_currency, iati_version,
                source_file, missing_from_source, relevance, original_codes, is_demo,
                search_text
            )
            SELECT 'XM-BENCH-' || n, 'iati', 'international', '', '', '{}', '{}', 'en', '2',
                   'USD', '2.03', '', false, '[]', '[]', false,
                   'activity ' || md5(n::text) || ' | سلطه مركزيه ' || (n %% 997)
            FROM generate_series(1, %s) AS n
            """,
            [WORLD],
        )
        cursor.execute("ANALYZE activities_activity")
    qs = search(Activity.objects.all(), "4f2a9c")
    plan = qs.explain()
    assert "activities_activity_search_trgm" in plan, plan
    assert "Seq Scan on activities_activity" not in plan, plan
    # The index finds the same rows as a scan would.
    assert qs.count() == Activity.objects.filter(search_text__contains="4f2a9c").count()


def _pending_pages() -> int:
    """Pages of the activities' search index still in its pending list (merging them now)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list('activities_activity_search_trgm')")
        return int(cursor.fetchone()[0])


def test_an_iati_import_leaves_the_search_index_merged_and_the_limit_as_it_was(
    shared: Path,
) -> None:
    # The import lets the index gather the keys and merges them once at the end: nothing is
    # left pending for later searches to scan, and the connection's limit is back to its own.
    from infobase.activities.iati_import import iati_import

    with connection.cursor() as cursor:
        cursor.execute("SHOW gin_pending_list_limit")
        (limit,) = cursor.fetchone()
    path = sorted((shared / "iati" / "activities").glob("*.xml"))[0]
    run = iati_import(paths=[path], relevance=None)
    assert run.created >= 100
    assert _pending_pages() == 0
    with connection.cursor() as cursor:
        cursor.execute("SHOW gin_pending_list_limit")
        assert cursor.fetchone()[0] == limit
    found = search(Activity.objects.all(), Activity.objects.order_by("pk").first().iati_identifier)
    assert found.exists()


def test_writing_keys_row_by_row_leaves_them_pending(shared: Path) -> None:
    # What the test above guards against: without the bulk merge, keys written wait in the
    # pending list (the control that shows ``_pending_pages`` sees them).
    Activity.objects.create(
        iati_identifier="XM-PENDING-1", source="manual", title={"en": "Pending keys " * 50}
    )
    assert _pending_pages() > 0


def test_an_import_by_a_role_that_does_not_own_the_index_still_succeeds(
    shared: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Merging the pending list needs the index's owner; a role that may only write the tables
    # imports all the same, the list left for autovacuum, with a warning.
    from infobase.activities.iati_import import iati_import

    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE infobase_test_writer NOLOGIN")
        cursor.execute("GRANT ALL ON ALL TABLES IN SCHEMA public TO infobase_test_writer")
        cursor.execute("GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO infobase_test_writer")
        cursor.execute("SET ROLE infobase_test_writer")
    try:
        path = sorted((shared / "iati" / "activities").glob("*.xml"))[0]
        with caplog.at_level("WARNING", logger="infobase.core.search"):
            run = iati_import(paths=[path], relevance=None)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
    assert run.created >= 100 and Activity.objects.count() == run.created
    assert "pending list was not merged" in caplog.text
    assert _pending_pages() > 0  # merged now, by the owner
