"""The size of each attachment, counted in its State's quota of stored files (``core.quota``);
measured on the stored files for the attachments sent before."""

from django.db import migrations, models


def measure(apps, schema_editor):
    AnswerFile = apps.get_model("questionnaires", "AnswerFile")
    for attachment in AnswerFile.objects.only("pk", "file"):
        try:
            size = attachment.file.size
        except OSError:  # the file is gone: it takes no room
            size = 0
        AnswerFile.objects.filter(pk=attachment.pk).update(size=size)


class Migration(migrations.Migration):
    dependencies = [
        ("questionnaires", "0004_history_labels"),
    ]

    operations = [
        migrations.AddField(
            model_name="answerfile",
            name="size",
            field=models.PositiveBigIntegerField(
                default=0, editable=False, verbose_name="size in bytes"
            ),
        ),
        migrations.RunPython(measure, migrations.RunPython.noop, elidable=True),
    ]
