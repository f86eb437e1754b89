"""Trigram indexes for the dwelling search (PostgreSQL only).

The dwelling list's search asks `UPPER(column) LIKE UPPER('%word%')` on the
reference, the address and the postal place (Django's icontains); pg_trgm
GIN indexes on the same expressions answer it without reading every
dwelling: https://www.postgresql.org/docs/15/pgtrgm.html#PGTRGM-INDEX

As in tenants 0012, the indexes live in the database only (the test
databases are built from the models, without the extension).
"""

from django.db import migrations

COLUMNS = ["reference", "address", "postal_place"]
CREATE = ["CREATE EXTENSION IF NOT EXISTS pg_trgm"] + [
    f"CREATE INDEX IF NOT EXISTS dwelling_{column}_trigram ON dwellings_dwelling "
    f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
    for column in COLUMNS
]
DROP = [f"DROP INDEX IF EXISTS dwelling_{column}_trigram" for column in COLUMNS]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("dwellings", "0005_dwelling_index_for_the_list_order")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
