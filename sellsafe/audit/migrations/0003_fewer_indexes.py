# Single-column indexes that composite ones already serve, or nothing reads (device: only with
# the account's sign-ins), dropped; the activity log's filter by action gets (shop, action, time).
# On SQLite, altering the columns rebuilds the table, which drops its append-only triggers: they
# are reinstalled last (and first when migrating backwards).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def install_triggers(apps, schema_editor):
    from sellsafe.audit import triggers

    triggers.install(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0002_chain'),
        ('shops', '0003_shop_bank_transfer_details_shop_order_counter_and_more'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, install_triggers),
        migrations.AlterField(
            model_name='auditevent',
            name='action',
            field=models.CharField(max_length=64),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='device',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='subject_user',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(fields=['shop', 'action', '-occurred_at'], name='audit_shop_action'),
        ),
        migrations.RunPython(install_triggers, migrations.RunPython.noop),
    ]
