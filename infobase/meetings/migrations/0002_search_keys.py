"""Every document's key recomputed with the one rule of ``infobase.core.search``; a trigram
index on PostgreSQL."""

from django.db import migrations

from infobase.core.search import rebuild_search_keys, trigram_index


def _document():  # type: ignore[no-untyped-def]
    from infobase.meetings.models import Document

    return Document


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(
            rebuild_search_keys("meetings.Document", _document), migrations.RunPython.noop
        ),
        trigram_index("meetings.Document", "search_text", "meetings_document_search_trgm"),
    ]
