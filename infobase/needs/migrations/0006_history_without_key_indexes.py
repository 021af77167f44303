"""The history of needs without indexes on State, article, merged into and split from.

No query reads the history by these columns (a need's history is read by its ``id``); each
index only cost the rows the derivation writes. The database side drops the indexes by name
(their names are Django's, the same on SQLite and PostgreSQL): altering the fields would make
SQLite rebuild the whole history table once per field.
"""

import django.db.models.deletion
from django.db import migrations, models

# field, column, the index Django named for it, what it points at
INDEXES = [
    ("article", "article_id", "needs_historicalneed_article_id_7542a898", "reference.article"),
    ("merged_into", "merged_into_id", "needs_historicalneed_merged_into_id_ecdc3c03", "needs.need"),
    ("split_from", "split_from_id", "needs_historicalneed_split_from_id_c8af1b2f", "needs.need"),
    ("state", "state_id", "needs_historicalneed_state_id_bd254094", "reference.state"),
]
LABELS = {
    "article": "article",
    "merged_into": "merged into",
    "split_from": "split from",
    "state": "State",
}


class Migration(migrations.Migration):
    dependencies = [
        ("needs", "0005_source_changes"),
        ("reference", "0003_search_keys"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="historicalneed",
                    name=name,
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=to,
                        verbose_name=LABELS[name],
                    ),
                )
                for name, _column, _index, to in INDEXES
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{index}"',
                    f'CREATE INDEX "{index}" ON "needs_historicalneed" ("{column}")',
                )
                for _name, column, index, _to in INDEXES
            ],
        ),
    ]
