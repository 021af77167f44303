"""reports 0001_initial to 0003_publication_withdrawal in one migration, for new databases (a
database that has applied some of them, not all, goes on with those files). Written from the
old chain's operations, optimized, by the rule in docs/architecture.md (Migrations): the
RunPython that only fix rows already stored are left out.
"""

import django.db.models.deletion
import infobase.reports.models
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [('reports', '0001_initial'), ('reports', '0002_run_job_lease'), ('reports', '0003_publication_withdrawal')]

    initial = True

    dependencies = [
        ('core', '0003_notices'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Publication',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('report', models.CharField(max_length=50, verbose_name='report')),
                ('params', models.JSONField(default=dict, verbose_name='parameters')),
                ('fingerprint', models.CharField(max_length=64)),
                ('title', models.JSONField(default=dict, verbose_name='title')),
                ('symbol', models.CharField(blank=True, max_length=100, verbose_name='symbol')),
                ('published_at', models.DateTimeField(auto_now_add=True, verbose_name='published')),
                ('withdrawn', models.BooleanField(default=False, verbose_name='withdrawn')),
                ('published_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('withdrawal_reason', models.TextField(blank=True, verbose_name='reason for the withdrawal')),
                ('withdrawn_at', models.DateTimeField(blank=True, null=True, verbose_name='withdrawn on')),
                ('withdrawn_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-published_at'],
            },
        ),
        migrations.CreateModel(
            name='ReportRun',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('report', models.CharField(max_length=50, verbose_name='report')),
                ('params', models.JSONField(default=dict, verbose_name='parameters')),
                ('lang', models.CharField(max_length=10, verbose_name='language')),
                ('fmt', models.CharField(max_length=10, verbose_name='format')),
                ('fingerprint', models.CharField(max_length=64)),
                ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('done', 'Ready'), ('failed', 'Failed')], default='queued', max_length=10, verbose_name='status')),
                ('progress', models.PositiveSmallIntegerField(default=0, verbose_name='progress')),
                ('step', models.CharField(blank=True, max_length=200, verbose_name='step')),
                ('error', models.TextField(blank=True, verbose_name='error')),
                ('file', models.FileField(blank=True, upload_to=infobase.reports.models.run_path, verbose_name='file')),
                ('size', models.PositiveIntegerField(default=0)),
                ('sha256', models.CharField(blank=True, max_length=64)),
                ('task_id', models.CharField(blank=True, max_length=64)),
                ('requested_at', models.DateTimeField(auto_now_add=True, verbose_name='requested')),
                ('started_at', models.DateTimeField(blank=True, null=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished')),
                ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('job', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='report_run', to='core.job')),
            ],
            options={
                'ordering': ['-requested_at'],
                'indexes': [models.Index(fields=['report', 'lang', 'fmt', 'fingerprint'], name='reports_rep_report_d15107_idx')],
            },
        ),
        migrations.CreateModel(
            name='PublicationFile',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('publication', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='files', to='reports.publication')),
                ('run', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='reports.reportrun')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('publication', 'run'), name='publication_run_unique')],
            },
        ),
    ]
