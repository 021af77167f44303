"""Uploaded file fields name their upload policy (``core.uploads.UploadValidator``): every
form that saves them checks the file, the admin's too. No change to the tables."""

from django.db import migrations, models

import infobase.core.uploads
import infobase.questionnaires.models


class Migration(migrations.Migration):
    dependencies = [
        ("questionnaires", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="answerfile",
            name="file",
            field=models.FileField(
                upload_to=infobase.questionnaires.models.attachment_path,
                validators=[infobase.core.uploads.UploadValidator("ATTACHMENTS")],
                verbose_name="file",
            ),
        ),
    ]
