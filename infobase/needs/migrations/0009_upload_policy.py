"""Uploaded file fields name their upload policy (``core.uploads.UploadValidator``): every
form that saves them checks the file, the admin's too. No change to the tables."""

from django.db import migrations, models

import infobase.core.uploads
import infobase.needs.models


class Migration(migrations.Migration):
    dependencies = [
        ("needs", "0008_quiet_triggers_on_postgresql"),
    ]

    operations = [
        migrations.AlterField(
            model_name="assistancerequest",
            name="document",
            field=models.FileField(
                blank=True,
                upload_to=infobase.needs.models.request_document_path,
                validators=[infobase.core.uploads.UploadValidator("DOCUMENTS")],
                verbose_name="document",
            ),
        ),
        migrations.AlterField(
            model_name="historicalassistancerequest",
            name="document",
            field=models.TextField(
                blank=True,
                max_length=100,
                validators=[infobase.core.uploads.UploadValidator("DOCUMENTS")],
                verbose_name="document",
            ),
        ),
        migrations.AlterField(
            model_name="historicallessonlearned",
            name="evaluation",
            field=models.TextField(
                blank=True,
                max_length=100,
                validators=[infobase.core.uploads.UploadValidator("DOCUMENTS")],
                verbose_name="evaluation report",
            ),
        ),
        migrations.AlterField(
            model_name="lessonlearned",
            name="evaluation",
            field=models.FileField(
                blank=True,
                upload_to=infobase.needs.models.evaluation_path,
                validators=[infobase.core.uploads.UploadValidator("DOCUMENTS")],
                verbose_name="evaluation report",
            ),
        ),
    ]
