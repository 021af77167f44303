"""funding 0001_initial to 0005_project_states_on_purpose in one migration, for new databases (a
database that has applied some of them, not all, goes on with those files). Written from the
old chain's operations, optimized, by the rule in docs/architecture.md (Migrations): the
RunPython that only fix rows already stored are left out.
"""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [('funding', '0001_initial'), ('funding', '0002_labels_in_history'), ('funding', '0003_history_labels'), ('funding', '0004_lists_in_history'), ('funding', '0005_project_states_on_purpose')]

    initial = True

    dependencies = [
        ('activities', '0012_activity_version_parts'),
        ('needs', '0013_programme_and_theme_in_six_languages'),
        ('reference', '0004_stamps'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ExchangeRate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('currency', models.CharField(max_length=3, verbose_name='currency')),
                ('per_usd', models.DecimalField(decimal_places=6, max_digits=18, verbose_name='units per US dollar')),
                ('valid_from', models.DateField(verbose_name='valid from')),
                ('source', models.CharField(blank=True, max_length=300, verbose_name='source')),
            ],
            options={
                'verbose_name': 'exchange rate',
                'verbose_name_plural': 'exchange rates',
                'ordering': ['currency', '-valid_from'],
                'constraints': [models.UniqueConstraint(fields=('currency', 'valid_from'), name='rate_unique_day')],
            },
        ),
        migrations.CreateModel(
            name='HistoricalExchangeRate',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('currency', models.CharField(max_length=3, verbose_name='currency')),
                ('per_usd', models.DecimalField(decimal_places=6, max_digits=18, verbose_name='units per US dollar')),
                ('valid_from', models.DateField(verbose_name='valid from')),
                ('source', models.CharField(blank=True, max_length=300, verbose_name='source')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical exchange rate',
                'verbose_name_plural': 'historical exchange rates',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalProject',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('code', models.SlugField(verbose_name='code')),
                ('title', models.JSONField(default=dict, verbose_name='title')),
                ('description', models.JSONField(blank=True, default=dict, verbose_name='description')),
                ('status', models.CharField(choices=[('concept', 'Concept'), ('approved', 'Approved'), ('funded', 'Funded'), ('in_delivery', 'In delivery'), ('closed', 'Closed')], default='concept', max_length=12, verbose_name='status')),
                ('outputs', models.TextField(blank=True, verbose_name='outputs')),
                ('starts', models.DateField(blank=True, null=True, verbose_name='start')),
                ('ends', models.DateField(blank=True, null=True, verbose_name='end')),
                ('currency', models.CharField(default='USD', max_length=3, verbose_name='budget currency')),
                ('is_demo', models.BooleanField(default=False, verbose_name='illustrative demo record')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('created_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical project',
                'verbose_name_plural': 'historical projects',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='Project',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(unique=True, verbose_name='code')),
                ('title', models.JSONField(default=dict, verbose_name='title')),
                ('description', models.JSONField(blank=True, default=dict, verbose_name='description')),
                ('status', models.CharField(choices=[('concept', 'Concept'), ('approved', 'Approved'), ('funded', 'Funded'), ('in_delivery', 'In delivery'), ('closed', 'Closed')], default='concept', max_length=12, verbose_name='status')),
                ('outputs', models.TextField(blank=True, verbose_name='outputs')),
                ('starts', models.DateField(blank=True, null=True, verbose_name='start')),
                ('ends', models.DateField(blank=True, null=True, verbose_name='end')),
                ('currency', models.CharField(default='USD', max_length=3, verbose_name='budget currency')),
                ('is_demo', models.BooleanField(default=False, verbose_name='illustrative demo record')),
                ('activities', models.ManyToManyField(blank=True, related_name='projects', to='activities.activity', verbose_name='delivery')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('lessons', models.ManyToManyField(blank=True, related_name='projects', to='needs.lessonlearned', verbose_name='lessons learned')),
                ('needs', models.ManyToManyField(blank=True, related_name='projects', to='needs.need', verbose_name='needs addressed')),
                ('states', models.ManyToManyField(blank=True, related_name='projects', to='reference.state', verbose_name='beneficiary States')),
                ('states_on_purpose', models.ManyToManyField(blank=True, related_name='+', to='reference.state', verbose_name='beneficiary States named on purpose')),
            ],
            options={
                'verbose_name': 'project',
                'verbose_name_plural': 'projects',
                'ordering': ['code'],
            },
        ),
        migrations.CreateModel(
            name='Pledge',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=18, verbose_name='amount')),
                ('currency', models.CharField(max_length=3, verbose_name='currency')),
                ('pledged_on', models.DateField(verbose_name='date')),
                ('status', models.CharField(choices=[('pledged', 'Pledged'), ('agreed', 'Agreed'), ('received', 'Received')], max_length=10, verbose_name='status')),
                ('earmark', models.CharField(choices=[('none', 'Not earmarked'), ('thematic', 'Thematic'), ('geographic', 'Geographic'), ('project', 'A named project')], default='none', max_length=12, verbose_name='earmarking')),
                ('kind', models.CharField(blank=True, choices=[('legislative', 'Legislative advice and drafting'), ('model_legislation', 'Model legislation'), ('training', 'Capacity building and training'), ('institution_building', 'Institution building'), ('onsite_expert', 'On-site expert'), ('good_practices', 'Good practices'), ('technology', 'Technology and equipment'), ('action_plan', 'Action plan'), ('other', 'Other assistance')], max_length=30, verbose_name='kind of assistance')),
                ('regional_group', models.CharField(blank=True, choices=[('african', 'African States'), ('asia_pacific', 'Asia-Pacific States'), ('eastern_european', 'Eastern European States'), ('latin_american_caribbean', 'Latin American and Caribbean States'), ('weog', 'Western European and other States')], max_length=30, verbose_name='regional group')),
                ('notes', models.TextField(blank=True, verbose_name='notes')),
                ('is_demo', models.BooleanField(default=False, verbose_name='illustrative demo record')),
                ('article', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='reference.article', verbose_name='article')),
                ('donor', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='pledges', to='reference.organization', verbose_name='donor')),
                ('instrument', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='reference.instrument', verbose_name='instrument')),
                ('states', models.ManyToManyField(blank=True, related_name='earmarked_pledges', to='reference.state', verbose_name='States')),
                ('project', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='earmarked_pledges', to='funding.project', verbose_name='project')),
            ],
            options={
                'verbose_name': 'pledge',
                'verbose_name_plural': 'pledges',
                'ordering': ['-pledged_on', 'donor__name_en'],
            },
        ),
        migrations.CreateModel(
            name='Proposal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('method', models.CharField(max_length=20)),
                ('parameters', models.JSONField(default=dict)),
                ('status', models.CharField(max_length=50)),
                ('objective', models.DecimalField(decimal_places=4, default=0, max_digits=18)),
                ('report', models.JSONField(default=dict)),
                ('accepted_at', models.DateTimeField(blank=True, null=True)),
                ('accepted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created_at'],
            },
        ),
        migrations.CreateModel(
            name='ProposalLine',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('amount_usd', models.DecimalField(decimal_places=2, max_digits=18)),
                ('need', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='needs.need')),
                ('pledge', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='funding.pledge')),
                ('project', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='funding.project')),
                ('proposal', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='funding.proposal')),
            ],
        ),
        migrations.CreateModel(
            name='HistoricalPledge',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=18, verbose_name='amount')),
                ('currency', models.CharField(max_length=3, verbose_name='currency')),
                ('pledged_on', models.DateField(verbose_name='date')),
                ('status', models.CharField(choices=[('pledged', 'Pledged'), ('agreed', 'Agreed'), ('received', 'Received')], max_length=10, verbose_name='status')),
                ('earmark', models.CharField(choices=[('none', 'Not earmarked'), ('thematic', 'Thematic'), ('geographic', 'Geographic'), ('project', 'A named project')], default='none', max_length=12, verbose_name='earmarking')),
                ('kind', models.CharField(blank=True, choices=[('legislative', 'Legislative advice and drafting'), ('model_legislation', 'Model legislation'), ('training', 'Capacity building and training'), ('institution_building', 'Institution building'), ('onsite_expert', 'On-site expert'), ('good_practices', 'Good practices'), ('technology', 'Technology and equipment'), ('action_plan', 'Action plan'), ('other', 'Other assistance')], max_length=30, verbose_name='kind of assistance')),
                ('regional_group', models.CharField(blank=True, choices=[('african', 'African States'), ('asia_pacific', 'Asia-Pacific States'), ('eastern_european', 'Eastern European States'), ('latin_american_caribbean', 'Latin American and Caribbean States'), ('weog', 'Western European and other States')], max_length=30, verbose_name='regional group')),
                ('notes', models.TextField(blank=True, verbose_name='notes')),
                ('is_demo', models.BooleanField(default=False, verbose_name='illustrative demo record')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('article', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='reference.article', verbose_name='article')),
                ('donor', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='reference.organization', verbose_name='donor')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('instrument', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='reference.instrument', verbose_name='instrument')),
                ('project', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='funding.project', verbose_name='project')),
            ],
            options={
                'verbose_name': 'historical pledge',
                'verbose_name_plural': 'historical pledges',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='Allocation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=18, verbose_name='amount')),
                ('allocated_on', models.DateField(verbose_name='allocated on')),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by')),
                ('pledge', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='allocations', to='funding.pledge', verbose_name='pledge')),
                ('project', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='allocations', to='funding.project', verbose_name='project')),
                ('proposal', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='allocations', to='funding.proposal', verbose_name='allocation proposal')),
            ],
            options={
                'ordering': ['-allocated_on'],
            },
        ),
        migrations.CreateModel(
            name='BudgetLine',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('description', models.CharField(max_length=300, verbose_name='description')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=18, verbose_name='amount')),
                ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='budget_lines', to='funding.project', verbose_name='project')),
            ],
            options={
                'ordering': ['project', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='HistoricalAllocation',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=18, verbose_name='amount')),
                ('allocated_on', models.DateField(verbose_name='allocated on')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('decided_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('pledge', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='funding.pledge', verbose_name='pledge')),
                ('project', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='funding.project', verbose_name='project')),
                ('proposal', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='funding.proposal', verbose_name='allocation proposal')),
            ],
            options={
                'verbose_name': 'historical allocation',
                'verbose_name_plural': 'historical allocations',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalBudgetLine',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('description', models.CharField(max_length=300, verbose_name='description')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=18, verbose_name='amount')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('project', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='funding.project', verbose_name='project')),
            ],
            options={
                'verbose_name': 'historical budget line',
                'verbose_name_plural': 'historical budget lines',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalPledge_states',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='funding.historicalpledge')),
                ('pledge', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='funding.pledge')),
                ('state', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='reference.state')),
            ],
            options={
                'verbose_name': 'HistoricalPledge_states',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalProject_activities',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('activity', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='activities.activity')),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='funding.historicalproject')),
                ('project', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='funding.project')),
            ],
            options={
                'verbose_name': 'HistoricalProject_activities',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalProject_lessons',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='funding.historicalproject')),
                ('lessonlearned', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='needs.lessonlearned')),
                ('project', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='funding.project')),
            ],
            options={
                'verbose_name': 'HistoricalProject_lessons',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalProject_needs',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='funding.historicalproject')),
                ('need', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='needs.need')),
                ('project', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='funding.project')),
            ],
            options={
                'verbose_name': 'HistoricalProject_needs',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalProject_states',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='funding.historicalproject')),
                ('project', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='funding.project')),
                ('state', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='reference.state')),
            ],
            options={
                'verbose_name': 'HistoricalProject_states',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalProject_states_on_purpose',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='funding.historicalproject')),
                ('project', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='funding.project')),
                ('state', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='reference.state')),
            ],
            options={
                'verbose_name': 'HistoricalProject_states_on_purpose',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
    ]
