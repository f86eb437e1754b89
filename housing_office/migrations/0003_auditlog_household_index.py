"""An index for a household's audit trail: the entries are found by the
household stamped on them (housing_office/audit.py), a JSON key of
auditlog's table. PostgreSQL only; the SQLite demo does without."""

from django.db import migrations

INDEX = "auditlog_logentry_household_idx"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON auditlog_logentry "
            "((additional_data -> 'household_id'), timestamp DESC, id DESC)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("housing_office", "0002_initial"),
        ("auditlog", "0017_add_actor_email"),
    ]

    operations = [migrations.RunPython(create_index, drop_index)]
