"""Needs: partial indexes of the few merged or split needs instead of indexes of every need.

Nearly every need is open, merged into nothing and split from nothing, and the derivation
creates them by the thousand: each index of every need costs each new need one more write.

- by status and State: no read found it more selective than the index by State; the
  derivation looks merged needs up by key, in an index of the merged needs only;
- merged into, split from: indexed only where set (the reads follow a merge or a split, or
  clear one when a need is deleted). The state side alters the fields; the database side
  drops Django's indexes by name (the same on SQLite and PostgreSQL): altering the fields
  there would make SQLite rebuild the table, and with it drop the change log's triggers.
"""

import django.db.models.deletion
from django.db import migrations, models

# field, column, the index Django named for it, on delete, related name, label
FOREIGN_KEYS = [
    (
        "merged_into",
        "merged_into_id",
        "needs_need_merged_into_id_3ad89f9b",
        django.db.models.deletion.PROTECT,
        "merged_needs",
        "merged into",
    ),
    (
        "split_from",
        "split_from_id",
        "needs_need_split_from_id_b3021c28",
        django.db.models.deletion.SET_NULL,
        "split_needs",
        "split from",
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("needs", "0006_history_without_key_indexes"),
        ("reference", "0003_search_keys"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="need", name="needs_need_status_6dfa52_idx"),
        migrations.AddIndex(
            model_name="need",
            index=models.Index(
                condition=models.Q(("status", "merged")),
                fields=["state", "article", "kind"],
                name="need_merged_key",
            ),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="need",
                    name=name,
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=on_delete,
                        related_name=related_name,
                        to="needs.need",
                        verbose_name=label,
                    ),
                )
                for name, _column, _index, on_delete, related_name, label in FOREIGN_KEYS
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{index}"',
                    f'CREATE INDEX "{index}" ON "needs_need" ("{column}")',
                )
                for _name, column, index, _on_delete, _related, _label in FOREIGN_KEYS
            ],
        ),
        migrations.AddIndex(
            model_name="need",
            index=models.Index(
                condition=models.Q(("merged_into__isnull", False)),
                fields=["merged_into"],
                name="need_merged_into",
            ),
        ),
        migrations.AddIndex(
            model_name="need",
            index=models.Index(
                condition=models.Q(("split_from__isnull", False)),
                fields=["split_from"],
                name="need_split_from",
            ),
        ),
    ]
