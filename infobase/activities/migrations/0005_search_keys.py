"""Every activity's key recomputed with the one rule of ``infobase.core.search`` (the
provider's names in six languages included for imported activities too); a trigram index
on PostgreSQL."""

from django.db import migrations

from infobase.core.search import rebuild_search_keys, trigram_index


def _activity():  # type: ignore[no-untyped-def]
    from infobase.activities.models import Activity

    return Activity


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0004_recipient_region_vocabulary"),
        ("reference", "0003_search_keys"),
    ]

    operations = [
        migrations.RunPython(
            rebuild_search_keys("activities.Activity", _activity), migrations.RunPython.noop
        ),
        trigram_index("activities.Activity", "search_text", "activities_activity_search_trgm"),
    ]
