"""A reporting cycle's name in each language: ``name`` becomes a language → text map, as the
questionnaires' titles. Every name given before is kept, as the name in the language it is
written in when its script says which of the six (Arabic, Cyrillic, Chinese characters), else
as its English name. The table has no change-log triggers (``needs`` 0005), so rebuilding it
on SQLite drops none."""

import unicodedata

from django.db import migrations, models

# The first letter's script names the language; Latin letters are taken as English (French
# and Spanish names cannot be told from it by their letters alone).
SCRIPTS = (("ARABIC", "ar"), ("CYRILLIC", "ru"), ("CJK", "zh"))


def language_of(text: str) -> str:
    for char in text:
        if not char.isalpha():
            continue
        name = unicodedata.name(char, "")
        return next((code for script, code in SCRIPTS if name.startswith(script)), "en")
    return "en"


def names_from_text(text: str) -> dict[str, str]:
    text = (text or "").strip()
    return {language_of(text): text} if text else {}


def to_names(apps, schema_editor):
    ReportingCycle = apps.get_model("questionnaires", "ReportingCycle")
    for cycle in ReportingCycle.objects.only("pk", "number", "name"):
        names = names_from_text(cycle.name) or {"en": f"Cycle {cycle.number}"}
        ReportingCycle.objects.filter(pk=cycle.pk).update(names=names)


def to_text(apps, schema_editor):
    ReportingCycle = apps.get_model("questionnaires", "ReportingCycle")
    for cycle in ReportingCycle.objects.only("pk", "number", "names"):
        names = cycle.names or {}
        text = names.get("en") or next((t for t in names.values() if t), "")
        ReportingCycle.objects.filter(pk=cycle.pk).update(
            name=(text or f"Cycle {cycle.number}")[:200]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("questionnaires", "0005_state_files_quota"),
    ]

    operations = [
        migrations.AddField(
            model_name="reportingcycle",
            name="names",
            field=models.JSONField(default=dict, verbose_name="name"),
        ),
        migrations.RunPython(to_names, to_text),
        # a default, so that undoing the migration can add the text column back to the rows
        migrations.AlterField(
            model_name="reportingcycle",
            name="name",
            field=models.CharField(default="", max_length=200, verbose_name="name"),
        ),
        migrations.RemoveField(model_name="reportingcycle", name="name"),
        migrations.RenameField(model_name="reportingcycle", old_name="names", new_name="name"),
    ]
