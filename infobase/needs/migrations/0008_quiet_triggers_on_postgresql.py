"""PostgreSQL: the change log's triggers skip the derivation's own writes in their ``WHEN``.

Until now each trigger called its PL/pgSQL function for every row the derivation wrote, only
for the function to find the ``needs_derivationrunning`` row and log nothing (~8 µs a row,
about 2 s of a full derivation at world scale). ``WHEN`` takes no subquery, so the derivation
also sets the transaction-local setting ``infobase.quiet`` (``changes.quiet``), which the
condition reads; the functions keep their own check of the running row. SQLite's triggers
already skip in their ``WHEN``.
"""

import importlib

from django.db import migrations

SETTING = "infobase.quiet"
QUIET = f"current_setting('{SETTING}', true) IS DISTINCT FROM 'on'"

# The triggers as migration 0005 made them (frozen there: names, tables, events, conditions).
_source_changes = importlib.import_module("infobase.needs.migrations.0005_source_changes")


def _recreate(schema_editor, *, quiet: bool) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, event, condition, _inserts in _source_changes._triggers():
        parts = [QUIET] if quiet else []
        if condition:
            parts.append(f"({condition})")
        when = f"WHEN ({' AND '.join(parts)}) " if parts else ""
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        schema_editor.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW "
            f"{when}EXECUTE FUNCTION {name}()"
        )


def forwards(apps, schema_editor):
    _recreate(schema_editor, quiet=True)


def backwards(apps, schema_editor):
    _recreate(schema_editor, quiet=False)


class Migration(migrations.Migration):
    dependencies = [("needs", "0007_merged_key_index")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
