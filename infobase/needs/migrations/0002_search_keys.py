"""Every key of requests and lessons recomputed with the one rule of ``infobase.core.search``
(the Arabic article and the States' and articles' names included the same way everywhere);
trigram indexes on PostgreSQL."""

from django.db import migrations

from infobase.core.search import rebuild_search_keys, trigram_index


def _model(name: str):  # type: ignore[no-untyped-def]
    def live():  # type: ignore[no-untyped-def]
        from infobase.needs import models as live_models

        return getattr(live_models, name)

    return live


class Migration(migrations.Migration):
    dependencies = [
        ("needs", "0001_initial"),
        ("reference", "0003_search_keys"),
    ]

    operations = [
        migrations.RunPython(
            rebuild_search_keys("needs.AssistanceRequest", _model("AssistanceRequest")),
            migrations.RunPython.noop,
        ),
        migrations.RunPython(
            rebuild_search_keys("needs.LessonLearned", _model("LessonLearned")),
            migrations.RunPython.noop,
        ),
        trigram_index("needs.AssistanceRequest", "search_text", "needs_request_search_trgm"),
        trigram_index("needs.LessonLearned", "search_text", "needs_lesson_search_trgm"),
    ]
