"""needs 0001_initial to 0013_programme_and_theme_in_six_languages in one migration, for new
databases (a database that has applied some of them, not all, goes on with those files).
Written from the old chain's operations, optimized, by the rule in docs/architecture.md
(Migrations): the RunPython that only fix rows already stored are left out. The trigram indexes
(PostgreSQL) are made last, on the final columns. The change log's triggers are made last, once
every table they watch is final, as migrations 0005 and 0008 left them.
"""

import django.db.models.deletion
import infobase.core.uploads
import infobase.needs.models
import simple_history.models
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models

from infobase.core.search import trigram_index

# The change log of the needs derivation (migrations 0005 and 0008, frozen here as they made
# it): the triggers log every insert, update and delete of the rows the derivation reads, unless
# the derivation itself is writing (a row in ``needs_derivationrunning``; on PostgreSQL also the
# transaction-local setting ``infobase.quiet``, read in the trigger's ``WHEN``).
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


QUIET = "current_setting('infobase.quiet', true) IS DISTINCT FROM 'on'"


def create_change_log_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name, table, event, condition, inserts in _triggers():
        body = "".join(f"{sql}; " for sql in inserts)
        if vendor == "sqlite":
            when = f"NOT EXISTS (SELECT 1 FROM {RUNNING})"
            if condition:
                when += f" AND ({condition.replace('IS DISTINCT FROM', 'IS NOT')})"
            schema_editor.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW "
                f"WHEN {when} BEGIN {body}END"
            )
        elif vendor == "postgresql":
            # PostgreSQL's WHEN takes no subquery: the running row is looked for inside.
            schema_editor.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF NOT EXISTS (SELECT 1 FROM {RUNNING}) THEN {body}END IF; "
                "RETURN NULL; END $$"
            )
            when = " AND ".join([QUIET] + ([f"({condition})"] if condition else []))
            schema_editor.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW "
                f"WHEN ({when}) EXECUTE FUNCTION {name}()"
            )
        else:
            raise NotImplementedError(f"no change log triggers for {vendor}")


def drop_change_log_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name, table, _event, _condition, _inserts in _triggers():
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")
        else:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):

    replaces = [('needs', '0001_initial'), ('needs', '0002_search_keys'), ('needs', '0003_derivation_state'), ('needs', '0004_need_scores'), ('needs', '0005_source_changes'), ('needs', '0006_history_without_key_indexes'), ('needs', '0007_merged_key_index'), ('needs', '0008_quiet_triggers_on_postgresql'), ('needs', '0009_upload_policy'), ('needs', '0010_history_labels'), ('needs', '0011_state_files_quota'), ('needs', '0012_lesson_lists_in_history'), ('needs', '0013_programme_and_theme_in_six_languages')]

    initial = True

    dependencies = [
        ('questionnaires', '0007_instruments_in_history'),
        ('reference', '0004_stamps'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ScoringWeights',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('session', models.CharField(max_length=200, unique=True, verbose_name='working-group session')),
                ('programme', models.DecimalField(decimal_places=2, default=Decimal('3'), max_digits=5, verbose_name='work programme')),
                ('severity', models.DecimalField(decimal_places=2, default=Decimal('2'), max_digits=5, verbose_name='severity')),
                ('breadth_region', models.DecimalField(decimal_places=2, default=Decimal('1'), max_digits=5, verbose_name='breadth in the region')),
                ('breadth_overall', models.DecimalField(decimal_places=2, default=Decimal('1'), max_digits=5, verbose_name='breadth overall')),
                ('urgency', models.DecimalField(decimal_places=2, default=Decimal('1.5'), max_digits=5, verbose_name="State's urgency")),
                ('coverage', models.DecimalField(decimal_places=2, default=Decimal('2'), max_digits=5, verbose_name='coverage by current activities')),
                ('age', models.DecimalField(decimal_places=2, default=Decimal('0.5'), max_digits=5, verbose_name='age')),
                ('is_active', models.BooleanField(default=False, verbose_name='in use')),
            ],
            options={
                'verbose_name': 'scoring weights',
                'verbose_name_plural': 'scoring weights',
                'ordering': ['-is_active', 'session'],
            },
        ),
        migrations.CreateModel(
            name='WorkProgramme',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name_en', models.CharField(max_length=300, verbose_name='name (en)')),
                ('approved_at', models.CharField(max_length=200, verbose_name='approved at (session)')),
                ('approved_on', models.DateField(blank=True, null=True, verbose_name='approved on')),
                ('starts', models.PositiveSmallIntegerField(verbose_name='first year')),
                ('ends', models.PositiveSmallIntegerField(verbose_name='last year')),
                ('description_en', models.TextField(blank=True, verbose_name='description (en)')),
                ('is_active', models.BooleanField(default=True, verbose_name='guides the current priorities')),
                ('is_demo', models.BooleanField(default=False, verbose_name='illustrative demo record')),
                ('description_ar', models.TextField(blank=True, verbose_name='description (ar)')),
                ('description_es', models.TextField(blank=True, verbose_name='description (es)')),
                ('description_fr', models.TextField(blank=True, verbose_name='description (fr)')),
                ('description_ru', models.TextField(blank=True, verbose_name='description (ru)')),
                ('description_zh', models.TextField(blank=True, verbose_name='description (zh)')),
                ('name_ar', models.CharField(blank=True, max_length=300, verbose_name='name (ar)')),
                ('name_es', models.CharField(blank=True, max_length=300, verbose_name='name (es)')),
                ('name_fr', models.CharField(blank=True, max_length=300, verbose_name='name (fr)')),
                ('name_ru', models.CharField(blank=True, max_length=300, verbose_name='name (ru)')),
                ('name_zh', models.CharField(blank=True, max_length=300, verbose_name='name (zh)')),
            ],
            options={
                'verbose_name': 'multi-year work programme',
                'verbose_name_plural': 'multi-year work programmes',
                'ordering': ['-starts'],
            },
        ),
        migrations.CreateModel(
            name='AssistanceRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(max_length=300, verbose_name='title')),
                ('description', models.TextField(verbose_name='description')),
                ('language', models.CharField(blank=True, max_length=10, verbose_name='language of the request')),
                ('urgency', models.CharField(choices=[('high', 'High'), ('medium', 'Medium'), ('low', 'Low')], max_length=10, verbose_name='urgency')),
                ('received_on', models.DateField(verbose_name='received on')),
                ('needed_by', models.DateField(blank=True, null=True, verbose_name='needed by')),
                ('status', models.CharField(choices=[('received', 'Received'), ('under_review', 'Under review'), ('matched', 'Matched with a provider'), ('in_delivery', 'In delivery'), ('met', 'Met'), ('withdrawn', 'Withdrawn'), ('declined', 'Declined')], default='received', max_length=20, verbose_name='status')),
                ('matched_on', models.DateField(blank=True, null=True, verbose_name='matched on')),
                ('follow_up_sent_on', models.DateField(blank=True, null=True, verbose_name='follow-up sent on')),
                ('source', models.CharField(choices=[('web', 'Filed on the web by the State'), ('note_verbale', 'Note verbale recorded by the secretariat'), ('spreadsheet', 'Imported from a spreadsheet')], max_length=20, verbose_name='source')),
                ('reference', models.CharField(blank=True, max_length=200, verbose_name='reference (e.g. note verbale number)')),
                ('document', models.FileField(blank=True, upload_to=infobase.needs.models.request_document_path, validators=[infobase.core.uploads.UploadValidator('DOCUMENTS')], verbose_name='document')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('confidential', models.BooleanField(default=False, help_text='Visible only to the State and the secretariat; counted only in aggregates.', verbose_name='confidential')),
                ('is_demo', models.BooleanField(default=False, verbose_name='illustrative demo record')),
                ('search_text', models.TextField(blank=True, editable=False)),
                ('filed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('instrument', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='reference.instrument', verbose_name='instrument')),
                ('state', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='assistance_requests', to='reference.state', verbose_name='State')),
                ('document_size', models.PositiveBigIntegerField(editable=False, null=True)),
            ],
            options={
                'verbose_name': 'request for technical assistance',
                'verbose_name_plural': 'requests for technical assistance',
                'ordering': ['-received_on', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='HistoricalScoringWeights',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('session', models.CharField(db_index=True, max_length=200, verbose_name='working-group session')),
                ('programme', models.DecimalField(decimal_places=2, default=Decimal('3'), max_digits=5, verbose_name='work programme')),
                ('severity', models.DecimalField(decimal_places=2, default=Decimal('2'), max_digits=5, verbose_name='severity')),
                ('breadth_region', models.DecimalField(decimal_places=2, default=Decimal('1'), max_digits=5, verbose_name='breadth in the region')),
                ('breadth_overall', models.DecimalField(decimal_places=2, default=Decimal('1'), max_digits=5, verbose_name='breadth overall')),
                ('urgency', models.DecimalField(decimal_places=2, default=Decimal('1.5'), max_digits=5, verbose_name="State's urgency")),
                ('coverage', models.DecimalField(decimal_places=2, default=Decimal('2'), max_digits=5, verbose_name='coverage by current activities')),
                ('age', models.DecimalField(decimal_places=2, default=Decimal('0.5'), max_digits=5, verbose_name='age')),
                ('is_active', models.BooleanField(default=False, verbose_name='in use')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical scoring weights',
                'verbose_name_plural': 'historical scoring weights',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='Need',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('legislative', 'Legislative advice and drafting'), ('model_legislation', 'Model legislation'), ('training', 'Capacity building and training'), ('institution_building', 'Institution building'), ('onsite_expert', 'On-site expert'), ('good_practices', 'Good practices'), ('technology', 'Technology and equipment'), ('action_plan', 'Action plan'), ('other', 'Other assistance')], max_length=30, verbose_name='kind of assistance')),
                ('status', models.CharField(choices=[('open', 'Open'), ('met', 'Met'), ('not_relevant', 'No longer relevant'), ('merged', 'Merged into another need')], default='open', max_length=20, verbose_name='status')),
                ('decision_reason', models.TextField(blank=True, verbose_name='reason for the last decision')),
                ('pinned', models.BooleanField(default=False, verbose_name='pinned by the working group')),
                ('excluded', models.BooleanField(default=False, verbose_name='excluded from the ranking')),
                ('ranking_reason', models.TextField(blank=True, verbose_name='reason for pinning or excluding')),
                ('first_seen', models.DateField(verbose_name='first identified')),
                ('has_evidence', models.BooleanField(default=True, verbose_name='has current evidence')),
                ('confidential', models.BooleanField(default=False, verbose_name='confidential')),
                ('is_manual', models.BooleanField(default=False, verbose_name='created by hand')),
                ('article', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='needs', to='reference.article', verbose_name='article')),
                ('merged_into', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='merged_needs', to='needs.need', verbose_name='merged into')),
                ('split_from', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='split_needs', to='needs.need', verbose_name='split from')),
                ('state', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='needs', to='reference.state', verbose_name='State')),
            ],
            options={
                'verbose_name': 'need',
                'verbose_name_plural': 'needs',
                'ordering': ['state__name_en', 'article__instrument__position', 'article__number', 'kind'],
                'indexes': [models.Index(condition=models.Q(('status', 'merged')), fields=['state', 'article', 'kind'], name='need_merged_key'), models.Index(condition=models.Q(('merged_into__isnull', False)), fields=['merged_into'], name='need_merged_into'), models.Index(condition=models.Q(('split_from__isnull', False)), fields=['split_from'], name='need_split_from')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('status', 'merged'), _negated=True), fields=('state', 'article', 'kind'), name='need_unique_key_unless_merged')],
            },
        ),
        migrations.CreateModel(
            name='RequestLine',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('paragraph', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('kind', models.CharField(choices=[('legislative', 'Legislative advice and drafting'), ('model_legislation', 'Model legislation'), ('training', 'Capacity building and training'), ('institution_building', 'Institution building'), ('onsite_expert', 'On-site expert'), ('good_practices', 'Good practices'), ('technology', 'Technology and equipment'), ('action_plan', 'Action plan'), ('other', 'Other assistance')], max_length=30, verbose_name='kind of assistance')),
                ('article', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='reference.article')),
                ('request', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='needs.assistancerequest')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('request', 'article', 'kind'), name='request_line_unique')],
            },
        ),
        migrations.CreateModel(
            name='NeedEvidence',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('answer', 'Questionnaire answer'), ('request', 'Request for assistance')], max_length=10)),
                ('linked_at', models.DateTimeField(auto_now_add=True)),
                ('need', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='evidence', to='needs.need')),
                ('stated_need', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='evidence', to='questionnaires.statedneed')),
                ('request_line', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='evidence', to='needs.requestline')),
            ],
            options={
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('stated_need__isnull', False), ('request_line__isnull', True)), models.Q(('stated_need__isnull', True), ('request_line__isnull', False)), _connector='OR'), name='evidence_has_one_source')],
            },
        ),
        migrations.CreateModel(
            name='DerivationState',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=50, unique=True)),
                ('fingerprint', models.CharField(max_length=64)),
                ('data', models.JSONField(default=dict)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
        ),
        migrations.CreateModel(
            name='NeedScore',
            fields=[
                ('need', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='stored_score', serialize=False, to='needs.need')),
                ('total', models.DecimalField(decimal_places=3, max_digits=9)),
                ('severity', models.CharField(blank=True, max_length=10)),
                ('urgency', models.CharField(blank=True, max_length=10)),
                ('breadth_overall', models.PositiveIntegerField(default=0)),
                ('breadth_overall_max', models.PositiveIntegerField(default=0)),
                ('breadth_region', models.PositiveIntegerField(default=0)),
                ('breadth_region_max', models.PositiveIntegerField(default=0)),
                ('coverage', models.DecimalField(decimal_places=6, default=Decimal('0'), max_digits=7)),
                ('age_days', models.IntegerField(default=0)),
                ('pinned', models.BooleanField(default=False)),
                ('excluded', models.BooleanField(default=False)),
                ('state_iso3', models.CharField(max_length=3)),
                ('instrument_position', models.PositiveSmallIntegerField(default=0)),
                ('article_number', models.PositiveSmallIntegerField(default=0)),
                ('kind', models.CharField(max_length=30)),
                ('computed_at', models.DateTimeField()),
                ('fingerprint', models.CharField(max_length=32)),
            ],
            options={
                'indexes': [models.Index(fields=['excluded', '-pinned', '-total', 'state_iso3', 'instrument_position', 'article_number', 'kind', 'need'], name='needscore_rank'), models.Index(fields=['urgency', '-total'], name='needscore_urgency'), models.Index(fields=['coverage', '-total'], name='needscore_coverage')],
            },
        ),
        migrations.CreateModel(
            name='DerivationRunning',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('started_at', models.DateTimeField(auto_now_add=True)),
            ],
        ),
        migrations.CreateModel(
            name='SourceChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('origin', models.CharField(max_length=2)),
                ('row_key', models.BigIntegerField()),
                ('other_key', models.BigIntegerField(null=True)),
            ],
        ),
        migrations.CreateModel(
            name='HistoricalNeed',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('kind', models.CharField(choices=[('legislative', 'Legislative advice and drafting'), ('model_legislation', 'Model legislation'), ('training', 'Capacity building and training'), ('institution_building', 'Institution building'), ('onsite_expert', 'On-site expert'), ('good_practices', 'Good practices'), ('technology', 'Technology and equipment'), ('action_plan', 'Action plan'), ('other', 'Other assistance')], max_length=30, verbose_name='kind of assistance')),
                ('status', models.CharField(choices=[('open', 'Open'), ('met', 'Met'), ('not_relevant', 'No longer relevant'), ('merged', 'Merged into another need')], default='open', max_length=20, verbose_name='status')),
                ('decision_reason', models.TextField(blank=True, verbose_name='reason for the last decision')),
                ('pinned', models.BooleanField(default=False, verbose_name='pinned by the working group')),
                ('excluded', models.BooleanField(default=False, verbose_name='excluded from the ranking')),
                ('ranking_reason', models.TextField(blank=True, verbose_name='reason for pinning or excluding')),
                ('first_seen', models.DateField(verbose_name='first identified')),
                ('has_evidence', models.BooleanField(default=True, verbose_name='has current evidence')),
                ('confidential', models.BooleanField(default=False, verbose_name='confidential')),
                ('is_manual', models.BooleanField(default=False, verbose_name='created by hand')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('article', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='reference.article', verbose_name='article')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('state', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='reference.state', verbose_name='State')),
                ('merged_into', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='needs.need', verbose_name='merged into')),
                ('split_from', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='needs.need', verbose_name='split from')),
            ],
            options={
                'verbose_name': 'historical need',
                'verbose_name_plural': 'historical needs',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalAssistanceRequest',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('title', models.CharField(max_length=300, verbose_name='title')),
                ('description', models.TextField(verbose_name='description')),
                ('language', models.CharField(blank=True, max_length=10, verbose_name='language of the request')),
                ('urgency', models.CharField(choices=[('high', 'High'), ('medium', 'Medium'), ('low', 'Low')], max_length=10, verbose_name='urgency')),
                ('received_on', models.DateField(verbose_name='received on')),
                ('needed_by', models.DateField(blank=True, null=True, verbose_name='needed by')),
                ('status', models.CharField(choices=[('received', 'Received'), ('under_review', 'Under review'), ('matched', 'Matched with a provider'), ('in_delivery', 'In delivery'), ('met', 'Met'), ('withdrawn', 'Withdrawn'), ('declined', 'Declined')], default='received', max_length=20, verbose_name='status')),
                ('matched_on', models.DateField(blank=True, null=True, verbose_name='matched on')),
                ('follow_up_sent_on', models.DateField(blank=True, null=True, verbose_name='follow-up sent on')),
                ('source', models.CharField(choices=[('web', 'Filed on the web by the State'), ('note_verbale', 'Note verbale recorded by the secretariat'), ('spreadsheet', 'Imported from a spreadsheet')], max_length=20, verbose_name='source')),
                ('reference', models.CharField(blank=True, max_length=200, verbose_name='reference (e.g. note verbale number)')),
                ('document', models.TextField(blank=True, max_length=100, validators=[infobase.core.uploads.UploadValidator('DOCUMENTS')], verbose_name='document')),
                ('confidential', models.BooleanField(default=False, help_text='Visible only to the State and the secretariat; counted only in aggregates.', verbose_name='confidential')),
                ('is_demo', models.BooleanField(default=False, verbose_name='illustrative demo record')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('filed_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('instrument', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='reference.instrument', verbose_name='instrument')),
                ('state', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='reference.state', verbose_name='State')),
            ],
            options={
                'verbose_name': 'historical request for technical assistance',
                'verbose_name_plural': 'historical requests for technical assistance',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalLessonLearned',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('title', models.CharField(max_length=300, verbose_name='title')),
                ('activity', models.CharField(help_text='The delivered activity or project, with its identifier if it has one.', max_length=300, verbose_name='activity or project')),
                ('delivered_on', models.DateField(blank=True, null=True, verbose_name='delivered on')),
                ('what_worked', models.TextField(blank=True, verbose_name='what worked')),
                ('what_did_not', models.TextField(blank=True, verbose_name='what did not work')),
                ('recommendations', models.TextField(blank=True, verbose_name='recommendations')),
                ('language', models.CharField(blank=True, max_length=10, verbose_name='language')),
                ('relevance', models.PositiveSmallIntegerField(blank=True, choices=[(1, 'Unsatisfactory'), (2, 'Partly satisfactory'), (3, 'Satisfactory'), (4, 'Highly satisfactory')], null=True, verbose_name='relevance')),
                ('coherence', models.PositiveSmallIntegerField(blank=True, choices=[(1, 'Unsatisfactory'), (2, 'Partly satisfactory'), (3, 'Satisfactory'), (4, 'Highly satisfactory')], null=True, verbose_name='coherence')),
                ('effectiveness', models.PositiveSmallIntegerField(blank=True, choices=[(1, 'Unsatisfactory'), (2, 'Partly satisfactory'), (3, 'Satisfactory'), (4, 'Highly satisfactory')], null=True, verbose_name='effectiveness')),
                ('efficiency', models.PositiveSmallIntegerField(blank=True, choices=[(1, 'Unsatisfactory'), (2, 'Partly satisfactory'), (3, 'Satisfactory'), (4, 'Highly satisfactory')], null=True, verbose_name='efficiency')),
                ('impact', models.PositiveSmallIntegerField(blank=True, choices=[(1, 'Unsatisfactory'), (2, 'Partly satisfactory'), (3, 'Satisfactory'), (4, 'Highly satisfactory')], null=True, verbose_name='impact')),
                ('sustainability', models.PositiveSmallIntegerField(blank=True, choices=[(1, 'Unsatisfactory'), (2, 'Partly satisfactory'), (3, 'Satisfactory'), (4, 'Highly satisfactory')], null=True, verbose_name='sustainability')),
                ('kinds', models.JSONField(blank=True, default=list, verbose_name='kinds of assistance')),
                ('evaluation', models.TextField(blank=True, max_length=100, validators=[infobase.core.uploads.UploadValidator('DOCUMENTS')], verbose_name='evaluation report')),
                ('is_demo', models.BooleanField(default=False, verbose_name='illustrative demo record')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('recorded_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical lesson learned',
                'verbose_name_plural': 'historical lessons learned',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='LessonLearned',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(max_length=300, verbose_name='title')),
                ('activity', models.CharField(help_text='The delivered activity or project, with its identifier if it has one.', max_length=300, verbose_name='activity or project')),
                ('delivered_on', models.DateField(blank=True, null=True, verbose_name='delivered on')),
                ('what_worked', models.TextField(blank=True, verbose_name='what worked')),
                ('what_did_not', models.TextField(blank=True, verbose_name='what did not work')),
                ('recommendations', models.TextField(blank=True, verbose_name='recommendations')),
                ('language', models.CharField(blank=True, max_length=10, verbose_name='language')),
                ('relevance', models.PositiveSmallIntegerField(blank=True, choices=[(1, 'Unsatisfactory'), (2, 'Partly satisfactory'), (3, 'Satisfactory'), (4, 'Highly satisfactory')], null=True, verbose_name='relevance')),
                ('coherence', models.PositiveSmallIntegerField(blank=True, choices=[(1, 'Unsatisfactory'), (2, 'Partly satisfactory'), (3, 'Satisfactory'), (4, 'Highly satisfactory')], null=True, verbose_name='coherence')),
                ('effectiveness', models.PositiveSmallIntegerField(blank=True, choices=[(1, 'Unsatisfactory'), (2, 'Partly satisfactory'), (3, 'Satisfactory'), (4, 'Highly satisfactory')], null=True, verbose_name='effectiveness')),
                ('efficiency', models.PositiveSmallIntegerField(blank=True, choices=[(1, 'Unsatisfactory'), (2, 'Partly satisfactory'), (3, 'Satisfactory'), (4, 'Highly satisfactory')], null=True, verbose_name='efficiency')),
                ('impact', models.PositiveSmallIntegerField(blank=True, choices=[(1, 'Unsatisfactory'), (2, 'Partly satisfactory'), (3, 'Satisfactory'), (4, 'Highly satisfactory')], null=True, verbose_name='impact')),
                ('sustainability', models.PositiveSmallIntegerField(blank=True, choices=[(1, 'Unsatisfactory'), (2, 'Partly satisfactory'), (3, 'Satisfactory'), (4, 'Highly satisfactory')], null=True, verbose_name='sustainability')),
                ('kinds', models.JSONField(blank=True, default=list, verbose_name='kinds of assistance')),
                ('evaluation', models.FileField(blank=True, upload_to=infobase.needs.models.evaluation_path, validators=[infobase.core.uploads.UploadValidator('DOCUMENTS')], verbose_name='evaluation report')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('is_demo', models.BooleanField(default=False, verbose_name='illustrative demo record')),
                ('search_text', models.TextField(blank=True, editable=False)),
                ('articles', models.ManyToManyField(blank=True, related_name='lessons', to='reference.article', verbose_name='articles')),
                ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('states', models.ManyToManyField(blank=True, related_name='lessons', to='reference.state', verbose_name='States')),
            ],
            options={
                'verbose_name': 'lesson learned',
                'verbose_name_plural': 'lessons learned',
                'ordering': ['-delivered_on', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='HistoricalLessonLearned_articles',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('article', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='reference.article')),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='needs.historicallessonlearned')),
                ('lessonlearned', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='needs.lessonlearned')),
            ],
            options={
                'verbose_name': 'HistoricalLessonLearned_articles',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalLessonLearned_states',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='needs.historicallessonlearned')),
                ('lessonlearned', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='needs.lessonlearned')),
                ('state', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='reference.state')),
            ],
            options={
                'verbose_name': 'HistoricalLessonLearned_states',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalPriorityTheme',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('title_en', models.CharField(max_length=300, verbose_name='title (en)')),
                ('kind', models.CharField(blank=True, choices=[('legislative', 'Legislative advice and drafting'), ('model_legislation', 'Model legislation'), ('training', 'Capacity building and training'), ('institution_building', 'Institution building'), ('onsite_expert', 'On-site expert'), ('good_practices', 'Good practices'), ('technology', 'Technology and equipment'), ('action_plan', 'Action plan'), ('other', 'Other assistance')], max_length=30, verbose_name='kind of assistance')),
                ('regional_group', models.CharField(blank=True, choices=[('african', 'African States'), ('asia_pacific', 'Asia-Pacific States'), ('eastern_european', 'Eastern European States'), ('latin_american_caribbean', 'Latin American and Caribbean States'), ('weog', 'Western European and other States')], max_length=30, verbose_name='regional group')),
                ('weight', models.DecimalField(decimal_places=2, default=Decimal('1'), max_digits=5, verbose_name='weight')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('instrument', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='reference.instrument', verbose_name='instrument')),
                ('programme', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='needs.workprogramme', verbose_name='multi-year work programme')),
                ('title_ar', models.CharField(blank=True, max_length=300, verbose_name='title (ar)')),
                ('title_es', models.CharField(blank=True, max_length=300, verbose_name='title (es)')),
                ('title_fr', models.CharField(blank=True, max_length=300, verbose_name='title (fr)')),
                ('title_ru', models.CharField(blank=True, max_length=300, verbose_name='title (ru)')),
                ('title_zh', models.CharField(blank=True, max_length=300, verbose_name='title (zh)')),
            ],
            options={
                'verbose_name': 'historical priority theme',
                'verbose_name_plural': 'historical priority themes',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalWorkProgramme',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('name_en', models.CharField(max_length=300, verbose_name='name (en)')),
                ('approved_at', models.CharField(max_length=200, verbose_name='approved at (session)')),
                ('approved_on', models.DateField(blank=True, null=True, verbose_name='approved on')),
                ('starts', models.PositiveSmallIntegerField(verbose_name='first year')),
                ('ends', models.PositiveSmallIntegerField(verbose_name='last year')),
                ('description_en', models.TextField(blank=True, verbose_name='description (en)')),
                ('is_active', models.BooleanField(default=True, verbose_name='guides the current priorities')),
                ('is_demo', models.BooleanField(default=False, verbose_name='illustrative demo record')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('description_ar', models.TextField(blank=True, verbose_name='description (ar)')),
                ('description_es', models.TextField(blank=True, verbose_name='description (es)')),
                ('description_fr', models.TextField(blank=True, verbose_name='description (fr)')),
                ('description_ru', models.TextField(blank=True, verbose_name='description (ru)')),
                ('description_zh', models.TextField(blank=True, verbose_name='description (zh)')),
                ('name_ar', models.CharField(blank=True, max_length=300, verbose_name='name (ar)')),
                ('name_es', models.CharField(blank=True, max_length=300, verbose_name='name (es)')),
                ('name_fr', models.CharField(blank=True, max_length=300, verbose_name='name (fr)')),
                ('name_ru', models.CharField(blank=True, max_length=300, verbose_name='name (ru)')),
                ('name_zh', models.CharField(blank=True, max_length=300, verbose_name='name (zh)')),
            ],
            options={
                'verbose_name': 'historical multi-year work programme',
                'verbose_name_plural': 'historical multi-year work programmes',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='PriorityTheme',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title_en', models.CharField(max_length=300, verbose_name='title (en)')),
                ('kind', models.CharField(blank=True, choices=[('legislative', 'Legislative advice and drafting'), ('model_legislation', 'Model legislation'), ('training', 'Capacity building and training'), ('institution_building', 'Institution building'), ('onsite_expert', 'On-site expert'), ('good_practices', 'Good practices'), ('technology', 'Technology and equipment'), ('action_plan', 'Action plan'), ('other', 'Other assistance')], max_length=30, verbose_name='kind of assistance')),
                ('regional_group', models.CharField(blank=True, choices=[('african', 'African States'), ('asia_pacific', 'Asia-Pacific States'), ('eastern_european', 'Eastern European States'), ('latin_american_caribbean', 'Latin American and Caribbean States'), ('weog', 'Western European and other States')], max_length=30, verbose_name='regional group')),
                ('weight', models.DecimalField(decimal_places=2, default=Decimal('1'), max_digits=5, verbose_name='weight')),
                ('articles', models.ManyToManyField(blank=True, related_name='+', to='reference.article')),
                ('instrument', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to='reference.instrument', verbose_name='instrument')),
                ('programme', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='themes', to='needs.workprogramme', verbose_name='multi-year work programme')),
                ('title_ar', models.CharField(blank=True, max_length=300, verbose_name='title (ar)')),
                ('title_es', models.CharField(blank=True, max_length=300, verbose_name='title (es)')),
                ('title_fr', models.CharField(blank=True, max_length=300, verbose_name='title (fr)')),
                ('title_ru', models.CharField(blank=True, max_length=300, verbose_name='title (ru)')),
                ('title_zh', models.CharField(blank=True, max_length=300, verbose_name='title (zh)')),
            ],
            options={
                'verbose_name': 'priority theme',
                'verbose_name_plural': 'priority themes',
                'ordering': ['programme', '-weight', 'title_en'],
            },
        ),
        trigram_index("needs.AssistanceRequest", "search_text", "needs_request_search_trgm"),
        trigram_index("needs.LessonLearned", "search_text", "needs_lesson_search_trgm"),
        migrations.RunPython(
            create_change_log_triggers, drop_change_log_triggers, elidable=False
        ),
    ]
