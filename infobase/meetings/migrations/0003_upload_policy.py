"""Uploaded file fields name their upload policy (``core.uploads.UploadValidator``): every
form that saves them checks the file, the admin's too. No change to the tables."""

from django.db import migrations, models

import infobase.core.uploads
import infobase.meetings.models


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0002_search_keys"),
    ]

    operations = [
        migrations.AlterField(
            model_name="documentfile",
            name="file",
            field=models.FileField(
                max_length=300,
                upload_to=infobase.meetings.models.document_file_path,
                validators=[infobase.core.uploads.UploadValidator("DOCUMENTS")],
                verbose_name="file",
            ),
        ),
        migrations.AlterField(
            model_name="historicaldocumentfile",
            name="file",
            field=models.TextField(
                max_length=300,
                validators=[infobase.core.uploads.UploadValidator("DOCUMENTS")],
                verbose_name="file",
            ),
        ),
    ]
