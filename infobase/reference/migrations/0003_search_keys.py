"""Articles get a search key; every key of States, organizations and articles is recomputed
with the one rule of ``infobase.core.search``; trigram indexes on PostgreSQL."""

from django.db import migrations, models

from infobase.core.search import rebuild_search_keys, trigram_index


def _model(name: str):  # type: ignore[no-untyped-def]
    def live():  # type: ignore[no-untyped-def]
        from infobase.reference import models as live_models

        return getattr(live_models, name)

    return live


class Migration(migrations.Migration):
    dependencies = [
        ("reference", "0002_state_contact_institution_public"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="search_text",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(
            rebuild_search_keys("reference.State", _model("State")),
            migrations.RunPython.noop,
        ),
        migrations.RunPython(
            rebuild_search_keys("reference.Organization", _model("Organization")),
            migrations.RunPython.noop,
        ),
        migrations.RunPython(
            rebuild_search_keys("reference.Article", _model("Article")),
            migrations.RunPython.noop,
        ),
        trigram_index("reference.State", "search_names", "reference_state_search_trgm"),
        trigram_index("reference.Organization", "search_names", "reference_org_search_trgm"),
        trigram_index("reference.Article", "search_text", "reference_article_search_trgm"),
    ]
