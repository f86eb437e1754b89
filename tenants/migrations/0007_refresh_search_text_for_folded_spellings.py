"""Households saved before the search folded æ/ø/å typed as ae/oe/aa (and
accents) keep their old search text until it is computed again; this does it
once on upgrade, with the fold of this release. It only rewrites a derived
column, so going back needs nothing."""

from django.db import migrations


def refresh(apps, schema_editor):
    from tenants.services import refresh_all_search_text

    refresh_all_search_text(apps.get_model("tenants", "Household"), apps.get_model("tenants", "Person"))


class Migration(migrations.Migration):
    dependencies = [("tenants", "0006_household_address_unknown")]

    operations = [migrations.RunPython(refresh, migrations.RunPython.noop, elidable=True)]
