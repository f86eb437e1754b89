"""A trigram index for the household search (PostgreSQL only).

The household list's search asks `search_text LIKE '%word%'` for each word;
without an index that reads every household (140 ms at national size). The
pg_trgm GIN index answers it from the words' trigrams:
https://www.postgresql.org/docs/15/pgtrgm.html#PGTRGM-INDEX

The index lives in the database only, not in the model's state: the test
databases are built from the models without migrations, where the extension
is not installed, and SQLite has neither. pg_trgm is a trusted extension
(PostgreSQL 13+), so a database owner without superuser rights can create it.
"""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS household_search_trigram ON tenants_household "
    "USING gin (search_text gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS household_search_trigram"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("tenants", "0011_household_index_for_the_list_order")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
