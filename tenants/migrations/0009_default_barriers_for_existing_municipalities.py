"""Municipalities made before barriers existed get the four every new one
gets (tenants.services.DEFAULT_BARRIERS, from Melhus kommune's project); the
names are written out here so the migration never changes with the code."""

from django.db import migrations

DEFAULTS = (
    ("Økonomi", "Inntekt, gjeld eller egenkapital holder husstanden tilbake."),
    ("Nabolag og bomiljø", "Husstanden ønsker ikke å flytte fra nabolaget eller bomiljøet."),
    ("Tilhørighet til stedet", "Skole, arbeid, familie eller nettverk binder husstanden til stedet."),
    ("Boligen passer ikke", "Boligen passer ikke husstanden, men en egen bolig er ikke aktuell ennå."),
)


def add_defaults(apps, schema_editor):
    Municipality = apps.get_model("housing_office", "Municipality")
    Barrier = apps.get_model("tenants", "Barrier")
    for municipality in Municipality.objects.all():
        if Barrier.objects.filter(municipality=municipality).exists():
            continue
        Barrier.objects.bulk_create(
            [
                Barrier(municipality=municipality, name=name, description=text, order=i * 10)
                for i, (name, text) in enumerate(DEFAULTS, start=1)
            ]
        )


class Migration(migrations.Migration):
    dependencies = [("tenants", "0008_barriers_and_household_goal"), ("housing_office", "0004_job_task_for_restart")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
