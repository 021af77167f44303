"""core 0001_jobs_and_locks to 0003_notices in one migration, for new databases (a database that
has applied some of them, not all, goes on with those files). Written from the old chain's
operations, optimized, by the rule in docs/architecture.md (Migrations): the RunPython that
only fix rows already stored are left out.
"""

import django.db.models.deletion
import django.utils.timezone
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [('core', '0001_jobs_and_locks'), ('core', '0002_once_tokens'), ('core', '0003_notices')]

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Lock',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200, unique=True)),
                ('holder', models.CharField(max_length=200)),
                ('acquired_at', models.DateTimeField(auto_now_add=True)),
            ],
        ),
        migrations.CreateModel(
            name='Job',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('kind', models.CharField(max_length=100, verbose_name='kind')),
                ('params', models.JSONField(default=dict, verbose_name='parameters')),
                ('dedupe_key', models.CharField(blank=True, max_length=200)),
                ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed')], default='queued', max_length=10, verbose_name='status')),
                ('progress', models.PositiveSmallIntegerField(default=0, verbose_name='progress')),
                ('step', models.CharField(blank=True, max_length=200, verbose_name='step')),
                ('error', models.TextField(blank=True, verbose_name='error')),
                ('result', models.JSONField(blank=True, default=dict, verbose_name='result')),
                ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                ('max_attempts', models.PositiveSmallIntegerField(default=3, verbose_name='maximum attempts')),
                ('task_id', models.CharField(blank=True, max_length=64)),
                ('worker', models.CharField(blank=True, max_length=200)),
                ('lang', models.CharField(blank=True, max_length=10, verbose_name='language')),
                ('requested_at', models.DateTimeField(auto_now_add=True, verbose_name='requested')),
                ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='started')),
                ('heartbeat_at', models.DateTimeField(blank=True, null=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished')),
                ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'job',
                'verbose_name_plural': 'jobs',
                'ordering': ['-requested_at'],
                'indexes': [models.Index(fields=['dedupe_key', 'status'], name='core_job_dedupe__4ce420_idx'), models.Index(fields=['status', 'heartbeat_at'], name='core_job_status_e32d2d_idx')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('status__in', ['queued', 'running']), models.Q(('dedupe_key', ''), _negated=True)), fields=('dedupe_key',), name='job_one_live_per_dedupe_key')],
            },
        ),
        migrations.CreateModel(
            name='OnceToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('token', models.CharField(max_length=64, unique=True)),
                ('result_url', models.CharField(blank=True, max_length=500)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'form token',
            },
        ),
        migrations.CreateModel(
            name='Notice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('submitted', 'Answers submitted'), ('returned', 'Answers returned for clarification'), ('validated', 'Answers validated'), ('request_filed', 'Request for assistance filed'), ('request_updated', 'Request for assistance updated')], max_length=30, verbose_name='kind')),
                ('text', models.TextField(verbose_name='text')),
                ('url', models.CharField(blank=True, max_length=500, verbose_name='link')),
                ('created_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='when')),
                ('read_at', models.DateTimeField(blank=True, null=True, verbose_name='read')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notices', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'verbose_name': 'notification',
                'verbose_name_plural': 'notifications',
                'ordering': ['-created_at', '-pk'],
                'indexes': [models.Index(fields=['user', 'read_at'], name='core_notice_unread')],
            },
        ),
    ]
