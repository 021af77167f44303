"""On PostgreSQL, the search keys carry trigram indexes that the planner uses at world scale."""

from __future__ import annotations

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
