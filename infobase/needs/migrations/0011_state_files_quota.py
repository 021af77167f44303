"""The size of each request's document, counted in its State's quota of stored files
(``core.quota``); measured on the stored files for the requests filed before."""

from django.db import migrations, models


def measure(apps, schema_editor):
    AssistanceRequest = apps.get_model("needs", "AssistanceRequest")
    for request in AssistanceRequest.objects.exclude(document="").only("pk", "document"):
        try:
            size = request.document.size
        except OSError:  # the file is gone: it takes no room
            size = 0
        AssistanceRequest.objects.filter(pk=request.pk).update(document_size=size)


class Migration(migrations.Migration):
    dependencies = [
        ("needs", "0010_history_labels"),
    ]

    operations = [
        migrations.AddField(
            model_name="assistancerequest",
            name="document_size",
            field=models.PositiveBigIntegerField(editable=False, null=True),
        ),
        migrations.RunPython(measure, migrations.RunPython.noop, elidable=True),
    ]
