"""accounts 0002_initial to 0003_security_events in one migration, for new databases (a database
that has applied some of them, not all, goes on with those files). Written from the old chain's
operations, optimized, by the rule in docs/architecture.md (Migrations): the RunPython that
only fix rows already stored are left out.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [('accounts', '0002_initial'), ('accounts', '0003_security_events')]

    initial = True

    dependencies = [
        ('accounts', '0001_initial'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('reference', '0004_stamps'),
    ]

    operations = [
        migrations.AddField(
            model_name='user',
            name='organization',
            field=models.ForeignKey(blank=True, help_text='The organization a donor acts for.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='users', to='reference.organization', verbose_name='organization'),
        ),
        migrations.AddField(
            model_name='user',
            name='state',
            field=models.ForeignKey(blank=True, help_text='The State a focal point or working-group delegate acts for.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='users', to='reference.state', verbose_name='State'),
        ),
        migrations.AddField(
            model_name='user',
            name='user_permissions',
            field=models.ManyToManyField(blank=True, help_text='Specific permissions for this user.', related_name='user_set', related_query_name='user', to='auth.permission', verbose_name='user permissions'),
        ),
        migrations.AddField(
            model_name='historicaluser',
            name='history_user',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='historicaluser',
            name='organization',
            field=models.ForeignKey(blank=True, db_constraint=False, help_text='The organization a donor acts for.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='reference.organization', verbose_name='organization'),
        ),
        migrations.AddField(
            model_name='historicaluser',
            name='state',
            field=models.ForeignKey(blank=True, db_constraint=False, help_text='The State a focal point or working-group delegate acts for.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='reference.state', verbose_name='State'),
        ),
        migrations.AddConstraint(
            model_name='user',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('role__in', ['focal_point', 'wg_member']), _negated=True), ('state__isnull', False), _connector='OR'), name='user_state_role_has_state'),
        ),
        migrations.AddConstraint(
            model_name='user',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('role', 'donor'), _negated=True), ('organization__isnull', False), _connector='OR'), name='user_donor_has_organization'),
        ),
        migrations.CreateModel(
            name='AuthEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='when')),
                ('kind', models.CharField(choices=[('login', 'Signed in'), ('login_failed', 'Sign-in failed'), ('logout', 'Signed out'), ('locked_out', 'Locked out after repeated failures'), ('password_changed', 'Password changed'), ('password_reset_requested', 'Password reset requested'), ('password_reset', 'Password reset by e-mail link'), ('otp_enrolled', 'Two-factor authentication enrolled'), ('otp_verified', 'Second factor verified'), ('otp_failed', 'Second factor refused'), ('recovery_code_used', 'Recovery code used'), ('session_expired', 'Session expired after inactivity'), ('role_changed', 'Role or permissions changed')], max_length=40, verbose_name='what')),
                ('username', models.CharField(blank=True, max_length=150, verbose_name='username')),
                ('ip_address', models.GenericIPAddressField(blank=True, null=True, verbose_name='IP address')),
                ('detail', models.TextField(blank=True, verbose_name='detail')),
                ('actor', models.ForeignKey(blank=True, help_text='Who made the change, when it was not the user.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='done by')),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='auth_events', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'verbose_name': 'security event',
                'verbose_name_plural': 'security events',
                'ordering': ['-created_at', '-pk'],
            },
        ),
    ]
