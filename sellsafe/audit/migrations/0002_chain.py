# The hash chain, shops, API-token actors, and append-only triggers.
#
# Existing events (all account-level) become the "account" chain in (occurred_at, id) order, with
# hashes computed by the same canonical form as new events. Then the triggers go in, last: on
# SQLite the AlterField/AddField operations above rebuild the table, which drops its triggers.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

BATCH = 2000


def link_existing_events(apps, schema_editor):
    from sellsafe.audit.chain import CONTENT_COLUMNS, canonical, link

    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    db = schema_editor.connection.alias
    events = AuditEvent.objects.using(db).order_by("occurred_at", "id")
    prev = "0" * 64
    seq = 0
    pending = []
    for event in events.iterator(chunk_size=BATCH):
        seq += 1
        event.chain = "account"
        event.seq = seq
        event.prev_hash = prev
        if event.ip:
            event.ip = str(event.ip)
        row = [getattr(event, column) for column in CONTENT_COLUMNS]
        event.hash = prev = link(prev, canonical(row))
        pending.append(event)
        if len(pending) >= BATCH:
            AuditEvent.objects.using(db).bulk_update(pending, ["chain", "seq", "prev_hash", "hash"])
            pending = []
    if pending:
        AuditEvent.objects.using(db).bulk_update(pending, ["chain", "seq", "prev_hash", "hash"])
    if seq:
        AuditChainHead.objects.using(db).create(chain="account", seq=seq, hash=prev)


def install_triggers(apps, schema_editor):
    from sellsafe.audit import triggers

    triggers.install(schema_editor.connection)


def uninstall_triggers(apps, schema_editor):
    from sellsafe.audit import triggers

    triggers.uninstall(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0001_initial"),
        ("shops", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                ("chain", models.CharField(max_length=40, primary_key=True, serialize=False)),
                ("seq", models.PositiveBigIntegerField(default=0)),
                ("hash", models.CharField(default="0000000000000000000000000000000000000000000000000000000000000000", max_length=64)),
            ],
            options={"db_table": "audit_chain_head"},
        ),
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("chain", models.CharField(max_length=40)),
                ("seq", models.PositiveBigIntegerField()),
                ("hash", models.CharField(max_length=64)),
                ("created_at", models.DateTimeField()),
                ("public_key", models.CharField(max_length=64)),
                ("signature", models.CharField(max_length=128)),
            ],
            options={
                "db_table": "audit_checkpoint",
                "constraints": [models.UniqueConstraint(fields=("chain", "seq"), name="audit_checkpoint_chain_seq")],
            },
        ),
        migrations.CreateModel(
            name="AuditPrunePermit",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("chain", models.CharField(max_length=40)),
                ("through_seq", models.PositiveBigIntegerField()),
            ],
            options={"db_table": "audit_prune_permit"},
        ),
        migrations.AddField(
            model_name="auditevent",
            name="actor_token_id",
            field=models.CharField(blank=True, max_length=64, default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="chain",
            field=models.CharField(max_length=40, default="account"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(max_length=64, default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(max_length=64, default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="on_behalf_of",
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="shop",
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="shops.shop"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="actor_user",
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="subject_user",
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to=settings.AUTH_USER_MODEL),
        ),
        migrations.RunPython(link_existing_events, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["shop", "-occurred_at"], name="audit_shop_time"),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(fields=("chain", "seq"), name="audit_event_chain_seq"),
        ),
        migrations.RunPython(install_triggers, uninstall_triggers),
    ]
