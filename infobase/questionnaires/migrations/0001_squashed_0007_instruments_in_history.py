"""questionnaires 0001_initial to 0007_instruments_in_history in one migration, for new databases
(a database that has applied some of them, not all, goes on with those files). Written from the
old chain's operations, optimized, by the rule in docs/architecture.md (Migrations): the
RunPython that only fix rows already stored are left out.
"""

import django.db.models.deletion
import django.utils.timezone
import infobase.core.uploads
import infobase.questionnaires.models
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [('questionnaires', '0001_initial'), ('questionnaires', '0002_upload_policy'), ('questionnaires', '0003_labels_in_history'), ('questionnaires', '0004_history_labels'), ('questionnaires', '0005_state_files_quota'), ('questionnaires', '0006_cycle_names'), ('questionnaires', '0007_instruments_in_history')]

    initial = True

    dependencies = [
        ('reference', '0004_stamps'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ChoiceList',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200, verbose_name='list name')),
            ],
            options={
                'ordering': ['questionnaire', 'name'],
            },
        ),
        migrations.CreateModel(
            name='ReportingCycle',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveSmallIntegerField(unique=True, verbose_name='cycle')),
                ('starts_on', models.DateField(blank=True, null=True, verbose_name='starts on')),
                ('ends_on', models.DateField(blank=True, null=True, verbose_name='ends on')),
                ('name', models.JSONField(default=dict, verbose_name='name')),
            ],
            options={
                'verbose_name': 'reporting cycle',
                'verbose_name_plural': 'reporting cycles',
                'ordering': ['number'],
            },
        ),
        migrations.CreateModel(
            name='Assignment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('not_started', 'Not started'), ('in_progress', 'In progress'), ('submitted', 'Submitted'), ('returned', 'Returned for clarification'), ('validated', 'Validated')], default='not_started', max_length=20, verbose_name='status')),
                ('deadline', models.DateField(verbose_name='deadline')),
                ('dispatched_at', models.DateTimeField(verbose_name='dispatched')),
                ('submitted_at', models.DateTimeField(blank=True, null=True, verbose_name='submitted')),
                ('validated_at', models.DateTimeField(blank=True, null=True, verbose_name='validated')),
                ('state', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='assignments', to='reference.state')),
            ],
            options={
                'verbose_name': 'assignment',
                'verbose_name_plural': 'assignments',
                'ordering': ['questionnaire', 'state__name_en'],
            },
        ),
        migrations.CreateModel(
            name='Choice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveIntegerField(default=0)),
                ('name', models.CharField(max_length=200, verbose_name='name')),
                ('label', models.JSONField(default=dict, verbose_name='label')),
                ('extra', models.JSONField(blank=True, default=dict)),
                ('choice_list', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='choices', to='questionnaires.choicelist')),
            ],
            options={
                'ordering': ['choice_list', 'position'],
            },
        ),
        migrations.CreateModel(
            name='Notification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('dispatch', 'Questionnaire sent'), ('reminder_before', 'Reminder before the deadline'), ('reminder_after', 'Reminder after the deadline'), ('manual_reminder', 'Reminder sent by the secretariat'), ('returned', 'Returned for clarification'), ('validated', 'Submission validated')], max_length=20)),
                ('sent_at', models.DateTimeField(auto_now_add=True)),
                ('sent_on', models.DateField(default=django.utils.timezone.localdate)),
                ('recipients', models.JSONField(default=list)),
                ('language', models.CharField(max_length=10)),
                ('assignment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='questionnaires.assignment')),
            ],
            options={
                'ordering': ['-sent_at'],
            },
        ),
        migrations.CreateModel(
            name='Questionnaire',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(max_length=80, unique=True, verbose_name='code')),
                ('title', models.JSONField(default=dict, verbose_name='title')),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('published', 'Published'), ('closed', 'Closed')], default='draft', max_length=20, verbose_name='status')),
                ('default_language', models.CharField(default='en', max_length=20, verbose_name='default language')),
                ('languages', models.JSONField(default=list, verbose_name='languages')),
                ('form_id', models.CharField(blank=True, max_length=200, verbose_name='form id')),
                ('version', models.CharField(blank=True, max_length=100, verbose_name='version')),
                ('xlsform_settings', models.JSONField(blank=True, default=dict, verbose_name='other settings')),
                ('source_filename', models.CharField(blank=True, max_length=300, verbose_name='imported from')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('is_demo', models.BooleanField(default=False, verbose_name='illustrative demo record')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                ('instruments', models.ManyToManyField(blank=True, related_name='questionnaires', to='reference.instrument', verbose_name='instruments')),
                ('cycle', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='questionnaires', to='questionnaires.reportingcycle', verbose_name='reporting cycle')),
            ],
            options={
                'verbose_name': 'questionnaire',
                'verbose_name_plural': 'questionnaires',
                'ordering': ['-cycle__number', 'code'],
            },
        ),
        migrations.CreateModel(
            name='Item',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveIntegerField(verbose_name='row')),
                ('kind', models.CharField(choices=[('group', 'Section'), ('repeat', 'Repeated section'), ('status', 'Implementation status'), ('select_one', 'Select one'), ('select_multiple', 'Select many'), ('integer', 'Whole number'), ('decimal', 'Number'), ('date', 'Date'), ('text', 'Text'), ('file', 'Attachment'), ('note', 'Note'), ('calculate', 'Calculation'), ('meta', 'Metadata (not asked)'), ('other', 'Other (kept for export, not asked on the web)')], max_length=20, verbose_name='kind')),
                ('xlsform_type', models.CharField(max_length=200, verbose_name='XLSForm type')),
                ('name', models.CharField(max_length=200, verbose_name='name')),
                ('label', models.JSONField(blank=True, default=dict, verbose_name='label')),
                ('hint', models.JSONField(blank=True, default=dict, verbose_name='hint')),
                ('required', models.BooleanField(default=False, verbose_name='required')),
                ('required_message', models.JSONField(blank=True, default=dict)),
                ('relevant', models.TextField(blank=True, verbose_name='relevance')),
                ('constraint', models.TextField(blank=True, verbose_name='constraint')),
                ('constraint_message', models.JSONField(blank=True, default=dict)),
                ('choice_filter', models.TextField(blank=True, verbose_name='choice filter')),
                ('appearance', models.CharField(blank=True, max_length=200, verbose_name='appearance')),
                ('calculation', models.TextField(blank=True, verbose_name='calculation')),
                ('default', models.CharField(blank=True, max_length=500, verbose_name='default')),
                ('read_only', models.BooleanField(default=False, verbose_name='read only')),
                ('paragraph', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='paragraph')),
                ('role', models.CharField(blank=True, choices=[('', 'None'), ('status', 'Implementation status of the article'), ('explanation', 'Explanation of the status'), ('challenges', 'Challenges reported'), ('ta_needed', 'Technical assistance needed'), ('ta_kinds', 'Kinds of technical assistance'), ('ta_priority', 'Priority of the assistance')], max_length=20, verbose_name='role')),
                ('extra', models.JSONField(blank=True, default=dict)),
                ('article', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='items', to='reference.article', verbose_name='article')),
                ('choice_list', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.RESTRICT, related_name='items', to='questionnaires.choicelist')),
                ('parent', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='children', to='questionnaires.item')),
                ('questionnaire', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='questionnaires.questionnaire')),
            ],
            options={
                'ordering': ['questionnaire', 'position'],
                'indexes': [models.Index(fields=['questionnaire', 'name'], name='questionnai_questio_2af356_idx')],
                'constraints': [models.UniqueConstraint(fields=('questionnaire', 'position'), name='item_unique_row')],
            },
        ),
        migrations.CreateModel(
            name='HistoricalAssignment',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('status', models.CharField(choices=[('not_started', 'Not started'), ('in_progress', 'In progress'), ('submitted', 'Submitted'), ('returned', 'Returned for clarification'), ('validated', 'Validated')], default='not_started', max_length=20, verbose_name='status')),
                ('deadline', models.DateField(verbose_name='deadline')),
                ('dispatched_at', models.DateTimeField(verbose_name='dispatched')),
                ('submitted_at', models.DateTimeField(blank=True, null=True, verbose_name='submitted')),
                ('validated_at', models.DateTimeField(blank=True, null=True, verbose_name='validated')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('state', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='reference.state')),
                ('questionnaire', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='questionnaires.questionnaire')),
            ],
            options={
                'verbose_name': 'historical assignment',
                'verbose_name_plural': 'historical assignments',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AddField(
            model_name='choicelist',
            name='questionnaire',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='choice_lists', to='questionnaires.questionnaire'),
        ),
        migrations.AddField(
            model_name='assignment',
            name='questionnaire',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='assignments', to='questionnaires.questionnaire'),
        ),
        migrations.CreateModel(
            name='ReviewComment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('text', models.TextField(verbose_name='comment')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('assignment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='comments', to='questionnaires.assignment')),
                ('author', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                ('item', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, to='questionnaires.item')),
            ],
            options={
                'ordering': ['created_at'],
            },
        ),
        migrations.CreateModel(
            name='ArticleImplementation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('paragraph', models.PositiveSmallIntegerField(default=0)),
                ('status', models.CharField(blank=True, choices=[('yes', 'Implemented'), ('partly', 'Partly implemented'), ('no', 'Not implemented'), ('na', 'Not applicable')], max_length=10)),
                ('explanation', models.TextField(blank=True)),
                ('challenges', models.TextField(blank=True)),
                ('confidential', models.BooleanField(default=False)),
                ('article', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='reference.article')),
                ('state', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='reference.state')),
                ('assignment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='article_statuses', to='questionnaires.assignment')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('assignment', 'article', 'paragraph'), name='article_impl_unique')],
            },
        ),
        migrations.CreateModel(
            name='Answer',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('repeat_path', models.CharField(blank=True, default='', max_length=100)),
                ('value', models.JSONField(blank=True, null=True, verbose_name='answer')),
                ('confidential', models.BooleanField(default=False, verbose_name='confidential')),
                ('version', models.PositiveIntegerField(default=1)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('assignment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='answers', to='questionnaires.assignment')),
                ('item', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='answers', to='questionnaires.item')),
            ],
            options={
                'verbose_name': 'answer',
                'verbose_name_plural': 'answers',
                'ordering': ['assignment', 'item__position', 'repeat_path'],
                'constraints': [models.UniqueConstraint(fields=('assignment', 'item', 'repeat_path'), name='answer_unique')],
            },
        ),
        migrations.AddConstraint(
            model_name='choicelist',
            constraint=models.UniqueConstraint(fields=('questionnaire', 'name'), name='choicelist_unique'),
        ),
        migrations.AddConstraint(
            model_name='assignment',
            constraint=models.UniqueConstraint(fields=('questionnaire', 'state'), name='assignment_unique'),
        ),
        migrations.CreateModel(
            name='StatedNeed',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('legislative', 'Legislative advice and drafting'), ('model_legislation', 'Model legislation'), ('training', 'Capacity building and training'), ('institution_building', 'Institution building'), ('onsite_expert', 'On-site expert'), ('good_practices', 'Good practices'), ('technology', 'Technology and equipment'), ('action_plan', 'Action plan'), ('other', 'Other assistance')], max_length=30)),
                ('priority', models.CharField(blank=True, choices=[('high', 'High'), ('medium', 'Medium'), ('low', 'Low')], max_length=10)),
                ('confidential', models.BooleanField(default=False)),
                ('article', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='reference.article')),
                ('assignment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='stated_needs', to='questionnaires.assignment')),
                ('state', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='reference.state')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('assignment', 'article', 'kind'), name='stated_need_unique')],
            },
        ),
        migrations.CreateModel(
            name='HistoricalAnswer',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('repeat_path', models.CharField(blank=True, default='', max_length=100)),
                ('value', models.JSONField(blank=True, null=True, verbose_name='answer')),
                ('confidential', models.BooleanField(default=False, verbose_name='confidential')),
                ('version', models.PositiveIntegerField(default=1)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('assignment', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='questionnaires.assignment')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('updated_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('item', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='questionnaires.item')),
            ],
            options={
                'verbose_name': 'historical answer',
                'verbose_name_plural': 'historical answers',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalQuestionnaire',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('code', models.SlugField(max_length=80, verbose_name='code')),
                ('title', models.JSONField(default=dict, verbose_name='title')),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('published', 'Published'), ('closed', 'Closed')], default='draft', max_length=20, verbose_name='status')),
                ('default_language', models.CharField(default='en', max_length=20, verbose_name='default language')),
                ('languages', models.JSONField(default=list, verbose_name='languages')),
                ('form_id', models.CharField(blank=True, max_length=200, verbose_name='form id')),
                ('version', models.CharField(blank=True, max_length=100, verbose_name='version')),
                ('xlsform_settings', models.JSONField(blank=True, default=dict, verbose_name='other settings')),
                ('source_filename', models.CharField(blank=True, max_length=300, verbose_name='imported from')),
                ('is_demo', models.BooleanField(default=False, verbose_name='illustrative demo record')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('created_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('cycle', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='questionnaires.reportingcycle', verbose_name='reporting cycle')),
            ],
            options={
                'verbose_name': 'historical questionnaire',
                'verbose_name_plural': 'historical questionnaires',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='AnswerFile',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('file', models.FileField(upload_to=infobase.questionnaires.models.attachment_path, validators=[infobase.core.uploads.UploadValidator('ATTACHMENTS')], verbose_name='file')),
                ('original_name', models.CharField(max_length=300, verbose_name='file name')),
                ('uploaded_at', models.DateTimeField(auto_now_add=True)),
                ('answer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='files', to='questionnaires.answer')),
                ('uploaded_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('size', models.PositiveBigIntegerField(default=0, editable=False, verbose_name='size in bytes')),
            ],
        ),
        migrations.CreateModel(
            name='HistoricalQuestionnaire_instruments',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='questionnaires.historicalquestionnaire')),
                ('instrument', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='reference.instrument')),
                ('questionnaire', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='questionnaires.questionnaire')),
            ],
            options={
                'verbose_name': 'HistoricalQuestionnaire_instruments',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
    ]
