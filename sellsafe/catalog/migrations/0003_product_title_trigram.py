"""A pg_trgm GIN index on UPPER(title), so the product list's title search
(`UPPER(title) LIKE UPPER('%word%')`, Django's `icontains` on PostgreSQL) is an index scan instead
of a walk over the whole catalogue. PostgreSQL only: on SQLite this migration does nothing. It is
not a Meta index because it must not exist on other databases (and `makemigrations --check` stays
clean). Creating the extension needs a role allowed to (superuser, or the database owner on
PostgreSQL 13+ where pg_trgm is a trusted extension)."""

from django.db import migrations

INDEX = "product_title_trgm"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON catalog_product "
        "USING gin (UPPER(title) gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")  # the extension may serve others


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_product_price_range"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
