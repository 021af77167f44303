"""Instruments and articles stamped at every save: they change in place without history when
the reference data is loaded, and the state of the data under reports and kept figures must see
it (``core.figures.data_state``)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reference", "0003_search_keys"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="updated_at",
            field=models.DateTimeField(auto_now=True),
        ),
        migrations.AddField(
            model_name="instrument",
            name="updated_at",
            field=models.DateTimeField(auto_now=True),
        ),
    ]
