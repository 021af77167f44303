"""The change log of the needs derivation: tables and the triggers that fill it.

The triggers log every insert, update and delete of the rows the derivation reads (only the
columns it reads, for updates), unless the derivation itself is writing (a row in
``needs_derivationrunning``). Their definitions are frozen here, not imported: a later change
is a new migration.
"""

from django.db import migrations, models

RUNNING = "needs_derivationrunning"
LOG = "needs_sourcechange"

# table, events, the columns whose update counts, what one changed row logs:
# (origin, key, other key) with "{row}" standing for NEW or OLD.
TRIGGERS = [
    (
        "questionnaires_statedneed",
        ("INSERT", "UPDATE", "DELETE"),
        ("assignment_id", "state_id", "article_id", "kind", "confidential"),
        [("'S'", "{row}.id", "NULL")],
    ),
    (
        "questionnaires_articleimplementation",
        ("INSERT", "UPDATE", "DELETE"),
        ("assignment_id", "article_id", "paragraph", "status"),
        [("'I'", "{row}.assignment_id", "{row}.article_id")],
    ),
    (
        "questionnaires_assignment",
        ("UPDATE",),
        ("status", "validated_at"),
        [("'A'", "{row}.id", "NULL")],
    ),
    (
        "needs_assistancerequest",
        ("UPDATE",),
        ("state_id", "status", "confidential", "received_on"),
        [("'R'", "{row}.id", "NULL")],
    ),
    (
        "needs_requestline",
        ("INSERT", "UPDATE", "DELETE"),
        ("request_id", "article_id", "kind"),
        [("'L'", "{row}.id", "NULL")],
    ),
    (
        "needs_needevidence",
        ("INSERT", "UPDATE", "DELETE"),
        ("need_id", "stated_need_id", "request_line_id"),
        [
            (
                "CASE WHEN {row}.stated_need_id IS NULL THEN 'ER' ELSE 'EA' END",
                "COALESCE({row}.stated_need_id, {row}.request_line_id)",
                "{row}.need_id",
            )
        ],
    ),
    (
        "needs_need",
        ("INSERT", "UPDATE", "DELETE"),
        (
            "state_id",
            "article_id",
            "kind",
            "status",
            "merged_into_id",
            "has_evidence",
            "confidential",
        ),
        [("'N'", "{row}.id", "NULL")],
    ),
]


def _triggers():
    """(name, table, event, update condition or None, INSERT statements)."""
    for table, events, columns, logged in TRIGGERS:
        for event in events:
            rows = {"INSERT": ["NEW"], "DELETE": ["OLD"], "UPDATE": ["OLD", "NEW"]}[event]
            if event == "UPDATE" and logged[0][1] == "{row}.id":
                rows = ["NEW"]  # the same row either way: the key does not change
            inserts = [
                f"INSERT INTO {LOG} (origin, row_key, other_key) VALUES "
                f"({origin.format(row=r)}, {key.format(row=r)}, {other.format(row=r)})"
                for r in rows
                for origin, key, other in logged
            ]
            condition = (
                " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
                if event == "UPDATE"
                else None
            )
            yield f"{table}_log_{event.lower()}", table, event, condition, inserts


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name, table, event, condition, inserts in _triggers():
        if vendor == "sqlite":
            when = f"NOT EXISTS (SELECT 1 FROM {RUNNING})"
            if condition:
                when += f" AND ({condition.replace('IS DISTINCT FROM', 'IS NOT')})"
            body = "".join(f"{sql}; " for sql in inserts)
            schema_editor.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW "
                f"WHEN {when} BEGIN {body}END"
            )
        elif vendor == "postgresql":
            # PostgreSQL's WHEN takes no subquery: the running row is looked for inside.
            body = "".join(f"{sql}; " for sql in inserts)
            schema_editor.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF NOT EXISTS (SELECT 1 FROM {RUNNING}) THEN {body}END IF; "
                "RETURN NULL; END $$"
            )
            when = f"WHEN ({condition}) " if condition else ""
            schema_editor.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW "
                f"{when}EXECUTE FUNCTION {name}()"
            )
        else:
            raise NotImplementedError(f"no change log triggers for {vendor}")


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name, table, _event, _condition, _inserts in _triggers():
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")
        else:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("needs", "0004_need_scores"),
        ("questionnaires", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="DerivationRunning",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("started_at", models.DateTimeField(auto_now_add=True)),
            ],
        ),
        migrations.CreateModel(
            name="SourceChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("origin", models.CharField(max_length=2)),
                ("row_key", models.BigIntegerField()),
                ("other_key", models.BigIntegerField(null=True)),
            ],
        ),
        migrations.RunPython(create, drop),
    ]
