"""activities 0001_initial to 0012_activity_version_parts in one migration, for new databases (a
database that has applied some of them, not all, goes on with those files). Written from the
old chain's operations, optimized, by the rule in docs/architecture.md (Migrations): the
RunPython that only fix rows already stored are left out. The trigram indexes (PostgreSQL) are
made last, on the final columns.
"""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

from infobase.core.search import trigram_index


class Migration(migrations.Migration):

    replaces = [('activities', '0001_initial'), ('activities', '0002_activity_original_codes'), ('activities', '0003_import_run_end_state'), ('activities', '0004_recipient_region_vocabulary'), ('activities', '0005_search_keys'), ('activities', '0006_import_run_duplicates'), ('activities', '0007_budgets_and_descriptions'), ('activities', '0008_activity_list_order_index'), ('activities', '0009_transaction_type_names'), ('activities', '0010_history_labels'), ('activities', '0011_instruments_in_history'), ('activities', '0012_activity_version_parts')]

    initial = True

    dependencies = [
        ('needs', '0013_programme_and_theme_in_six_languages'),
        ('reference', '0004_stamps'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Activity',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('iati_identifier', models.CharField(max_length=255, unique=True, verbose_name='IATI identifier')),
                ('source', models.CharField(choices=[('manual', 'Entered by hand'), ('iati', 'Imported from IATI'), ('spreadsheet', 'Imported from a spreadsheet')], max_length=20, verbose_name='source')),
                ('provider_kind', models.CharField(choices=[('secretariat', 'Secretariat (UNODC)'), ('state', 'State'), ('un_entity', 'United Nations entity'), ('international', 'International organization'), ('ngo', 'Non-governmental organization'), ('other', 'Other')], max_length=20, verbose_name='kind of provider')),
                ('reporting_org_ref', models.CharField(blank=True, max_length=255, verbose_name='reporting organisation identifier')),
                ('reporting_org_name', models.CharField(blank=True, max_length=500, verbose_name='reporting organisation')),
                ('title', models.JSONField(default=dict, verbose_name='title')),
                ('description', models.JSONField(blank=True, default=dict, verbose_name='description')),
                ('default_language', models.CharField(blank=True, max_length=10, verbose_name='default language')),
                ('status', models.CharField(blank=True, max_length=5, verbose_name='status (IATI ActivityStatus)')),
                ('planned_start', models.DateField(blank=True, null=True, verbose_name='planned start')),
                ('actual_start', models.DateField(blank=True, null=True, verbose_name='actual start')),
                ('planned_end', models.DateField(blank=True, null=True, verbose_name='planned end')),
                ('actual_end', models.DateField(blank=True, null=True, verbose_name='actual end')),
                ('default_currency', models.CharField(blank=True, max_length=3, verbose_name='currency')),
                ('budget', models.DecimalField(blank=True, decimal_places=2, max_digits=18, null=True, verbose_name='total budget')),
                ('disbursed', models.DecimalField(blank=True, decimal_places=2, max_digits=18, null=True, verbose_name='disbursed and spent')),
                ('last_updated', models.DateTimeField(blank=True, null=True, verbose_name='last updated by the publisher')),
                ('iati_version', models.CharField(blank=True, max_length=10, verbose_name='IATI version')),
                ('source_file', models.CharField(blank=True, max_length=300, verbose_name='source file')),
                ('missing_from_source', models.BooleanField(default=False, verbose_name="no longer in the publisher's file")),
                ('relevance', models.JSONField(blank=True, default=list, verbose_name='why it was kept')),
                ('is_demo', models.BooleanField(default=False, verbose_name='illustrative demo record')),
                ('search_text', models.TextField(blank=True, editable=False)),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('instruments', models.ManyToManyField(blank=True, related_name='activities', to='reference.instrument', verbose_name='instruments')),
                ('provider', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='activities', to='reference.organization', verbose_name='provider')),
                ('provider_state', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='provided_activities', to='reference.state', verbose_name='providing State')),
                ('original_codes', models.JSONField(blank=True, default=list, verbose_name='codes as published')),
            ],
            options={
                'verbose_name': 'activity',
                'verbose_name_plural': 'activities',
                'ordering': ['-actual_start', '-planned_start', 'iati_identifier'],
                'indexes': [models.Index(fields=['-actual_start', '-planned_start', 'iati_identifier'], name='activity_list_order')],
            },
        ),
        migrations.CreateModel(
            name='Comment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('text', models.TextField(verbose_name='comment')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('activity', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='comments', to='activities.activity')),
                ('author', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                ('state', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='reference.state')),
            ],
            options={
                'ordering': ['created_at'],
            },
        ),
        migrations.CreateModel(
            name='Document',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('url', models.URLField(max_length=1000)),
                ('title', models.JSONField(blank=True, default=dict)),
                ('category', models.CharField(blank=True, max_length=10)),
                ('format', models.CharField(blank=True, max_length=100)),
                ('activity', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='documents', to='activities.activity')),
            ],
        ),
        migrations.CreateModel(
            name='Participant',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('role', models.CharField(choices=[('1', 'Funding'), ('2', 'Accountable'), ('3', 'Extending'), ('4', 'Implementing')], max_length=2, verbose_name='role')),
                ('ref', models.CharField(blank=True, max_length=255, verbose_name='identifier')),
                ('name', models.CharField(blank=True, max_length=500, verbose_name='name')),
                ('org_type', models.CharField(blank=True, max_length=5, verbose_name='IATI organisation type')),
                ('activity', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='participants', to='activities.activity')),
                ('organization', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='reference.organization')),
            ],
        ),
        migrations.CreateModel(
            name='Sector',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('vocabulary', models.CharField(default='1', max_length=10)),
                ('code', models.CharField(max_length=20)),
                ('percentage', models.DecimalField(blank=True, decimal_places=2, max_digits=6, null=True)),
                ('from_transactions', models.BooleanField(default=False)),
                ('activity', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='sectors', to='activities.activity')),
            ],
        ),
        migrations.CreateModel(
            name='Theme',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(blank=True, choices=[('legislative', 'Legislative advice and drafting'), ('model_legislation', 'Model legislation'), ('training', 'Capacity building and training'), ('institution_building', 'Institution building'), ('onsite_expert', 'On-site expert'), ('good_practices', 'Good practices'), ('technology', 'Technology and equipment'), ('action_plan', 'Action plan'), ('other', 'Other assistance')], max_length=30)),
                ('activity', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='themes', to='activities.activity')),
                ('article', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='reference.article')),
            ],
        ),
        migrations.CreateModel(
            name='HistoricalActivity',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('iati_identifier', models.CharField(db_index=True, max_length=255, verbose_name='IATI identifier')),
                ('source', models.CharField(choices=[('manual', 'Entered by hand'), ('iati', 'Imported from IATI'), ('spreadsheet', 'Imported from a spreadsheet')], max_length=20, verbose_name='source')),
                ('provider_kind', models.CharField(choices=[('secretariat', 'Secretariat (UNODC)'), ('state', 'State'), ('un_entity', 'United Nations entity'), ('international', 'International organization'), ('ngo', 'Non-governmental organization'), ('other', 'Other')], max_length=20, verbose_name='kind of provider')),
                ('reporting_org_ref', models.CharField(blank=True, max_length=255, verbose_name='reporting organisation identifier')),
                ('reporting_org_name', models.CharField(blank=True, max_length=500, verbose_name='reporting organisation')),
                ('title', models.JSONField(default=dict, verbose_name='title')),
                ('description', models.JSONField(blank=True, default=dict, verbose_name='description')),
                ('default_language', models.CharField(blank=True, max_length=10, verbose_name='default language')),
                ('status', models.CharField(blank=True, max_length=5, verbose_name='status (IATI ActivityStatus)')),
                ('planned_start', models.DateField(blank=True, null=True, verbose_name='planned start')),
                ('actual_start', models.DateField(blank=True, null=True, verbose_name='actual start')),
                ('planned_end', models.DateField(blank=True, null=True, verbose_name='planned end')),
                ('actual_end', models.DateField(blank=True, null=True, verbose_name='actual end')),
                ('default_currency', models.CharField(blank=True, max_length=3, verbose_name='currency')),
                ('budget', models.DecimalField(blank=True, decimal_places=2, max_digits=18, null=True, verbose_name='total budget')),
                ('disbursed', models.DecimalField(blank=True, decimal_places=2, max_digits=18, null=True, verbose_name='disbursed and spent')),
                ('last_updated', models.DateTimeField(blank=True, null=True, verbose_name='last updated by the publisher')),
                ('iati_version', models.CharField(blank=True, max_length=10, verbose_name='IATI version')),
                ('source_file', models.CharField(blank=True, max_length=300, verbose_name='source file')),
                ('missing_from_source', models.BooleanField(default=False, verbose_name="no longer in the publisher's file")),
                ('relevance', models.JSONField(blank=True, default=list, verbose_name='why it was kept')),
                ('is_demo', models.BooleanField(default=False, verbose_name='illustrative demo record')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('created_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('provider', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='reference.organization', verbose_name='provider')),
                ('provider_state', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='reference.state', verbose_name='providing State')),
                ('original_codes', models.JSONField(blank=True, default=list, verbose_name='codes as published')),
                ('parts', models.JSONField(default=dict, editable=False)),
            ],
            options={
                'verbose_name': 'historical activity',
                'verbose_name_plural': 'historical activities',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='Recipient',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('region_code', models.CharField(blank=True, max_length=10, verbose_name='IATI region')),
                ('percentage', models.DecimalField(blank=True, decimal_places=2, max_digits=6, null=True)),
                ('from_transactions', models.BooleanField(default=False)),
                ('activity', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='recipients', to='activities.activity')),
                ('state', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='activity_recipients', to='reference.state')),
                ('region_vocabulary', models.CharField(blank=True, default='1', max_length=10, verbose_name='IATI region vocabulary')),
            ],
        ),
        migrations.CreateModel(
            name='ImportRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('started_at', models.DateTimeField(auto_now_add=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('files', models.JSONField(default=list)),
                ('created', models.PositiveIntegerField(default=0)),
                ('updated', models.PositiveIntegerField(default=0)),
                ('unchanged', models.PositiveIntegerField(default=0)),
                ('skipped', models.PositiveIntegerField(default=0)),
                ('rejected', models.PositiveIntegerField(default=0)),
                ('marked_missing', models.PositiveIntegerField(default=0)),
                ('report', models.JSONField(default=list)),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                ('error', models.TextField(blank=True, verbose_name='error')),
                ('heartbeat_at', models.DateTimeField(blank=True, null=True)),
                ('status', models.CharField(choices=[('running', 'Running'), ('finished', 'Finished'), ('failed', 'Failed')], default='running', max_length=10, verbose_name='status')),
                ('duplicates', models.PositiveIntegerField(default=0)),
            ],
            options={
                'ordering': ['-started_at'],
            },
        ),
        migrations.CreateModel(
            name='Budget',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('1', 'Original'), ('2', 'Revised')], default='1', max_length=2, verbose_name='type (IATI BudgetType)')),
                ('status', models.CharField(blank=True, choices=[('1', 'Indicative'), ('2', 'Committed')], max_length=2, verbose_name='status (IATI BudgetStatus)')),
                ('period_start', models.DateField(blank=True, null=True, verbose_name='period start')),
                ('period_end', models.DateField(blank=True, null=True, verbose_name='period end')),
                ('value', models.DecimalField(decimal_places=2, max_digits=18, verbose_name='value')),
                ('currency', models.CharField(blank=True, max_length=3, verbose_name='currency')),
                ('value_date', models.DateField(blank=True, null=True, verbose_name='value date')),
                ('activity', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='budgets', to='activities.activity')),
            ],
            options={
                'ordering': ['period_start', 'kind', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='Description',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('1', 'General'), ('2', 'Objectives'), ('3', 'Target groups'), ('4', 'Other')], max_length=2, verbose_name='type (IATI DescriptionType)')),
                ('texts', models.JSONField(default=dict, verbose_name='text')),
                ('activity', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='descriptions', to='activities.activity')),
            ],
            options={
                'ordering': ['kind', 'pk'],
                'constraints': [models.UniqueConstraint(fields=('activity', 'kind'), name='activity_description_kind')],
            },
        ),
        migrations.CreateModel(
            name='Transaction',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('1', 'Incoming Funds'), ('2', 'Outgoing Commitment'), ('3', 'Disbursement'), ('4', 'Expenditure'), ('5', 'Interest Payment'), ('6', 'Loan Repayment'), ('7', 'Reimbursement'), ('8', 'Purchase of Equity'), ('9', 'Sale of Equity'), ('10', 'Credit Guarantee'), ('11', 'Incoming Commitment'), ('12', 'Outgoing Pledge'), ('13', 'Incoming Pledge')], max_length=5, verbose_name='type (IATI TransactionType)')),
                ('date', models.DateField(blank=True, null=True)),
                ('value', models.DecimalField(decimal_places=2, max_digits=18)),
                ('currency', models.CharField(blank=True, max_length=3)),
                ('value_date', models.DateField(blank=True, null=True)),
                ('provider_ref', models.CharField(blank=True, max_length=255)),
                ('receiver_ref', models.CharField(blank=True, max_length=255)),
                ('activity', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='transactions', to='activities.activity')),
            ],
        ),
        migrations.CreateModel(
            name='HistoricalNeedLink',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('status', models.CharField(choices=[('suggested', 'Suggested'), ('accepted', 'Accepted'), ('rejected', 'Rejected'), ('manual', 'Linked by hand')], max_length=10, verbose_name='status')),
                ('confidence', models.DecimalField(decimal_places=3, default=0, max_digits=4, verbose_name='confidence')),
                ('reasons', models.JSONField(blank=True, default=list, verbose_name='reasons')),
                ('share', models.DecimalField(decimal_places=3, default=1, max_digits=4, verbose_name='share')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='decided on')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('activity', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='activities.activity', verbose_name='activity')),
                ('decided_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('need', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='needs.need', verbose_name='need')),
            ],
            options={
                'verbose_name': 'historical need link',
                'verbose_name_plural': 'historical need links',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='NeedLink',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('suggested', 'Suggested'), ('accepted', 'Accepted'), ('rejected', 'Rejected'), ('manual', 'Linked by hand')], max_length=10, verbose_name='status')),
                ('confidence', models.DecimalField(decimal_places=3, default=0, max_digits=4, verbose_name='confidence')),
                ('reasons', models.JSONField(blank=True, default=list, verbose_name='reasons')),
                ('share', models.DecimalField(decimal_places=3, default=1, max_digits=4, verbose_name='share')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='decided on')),
                ('activity', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='need_links', to='activities.activity', verbose_name='activity')),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by')),
                ('need', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='activity_links', to='needs.need', verbose_name='need')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('need', 'activity'), name='need_link_unique')],
            },
        ),
        migrations.CreateModel(
            name='HistoricalActivity_instruments',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('activity', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='activities.activity')),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='activities.historicalactivity')),
                ('instrument', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='reference.instrument')),
            ],
            options={
                'verbose_name': 'HistoricalActivity_instruments',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        trigram_index("activities.Activity", "search_text", "activities_activity_search_trgm"),
    ]
