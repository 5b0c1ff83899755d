"""Trigram indexes for the counter's search on PostgreSQL (any part of a name, member number
or phone number): without them every search read the whole member table. Needs the pg_trgm
extension (shipped with PostgreSQL; creating it needs a role allowed to, or create it once
by hand as the README says). Nothing to do on SQLite."""

from django.db import migrations

INDEXES = [
    ("member_name_trgm", "membership_member", "UPPER(name::text) gin_trgm_ops"),
    ("member_number_trgm", "membership_member", "UPPER(number::text) gin_trgm_ops"),
    ("user_phone_trgm", "membership_user", "(phone::text) gin_trgm_ops"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, expression in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({expression})"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("membership", "0009_tier_movement_rules")]

    operations = [migrations.RunPython(create, drop)]
