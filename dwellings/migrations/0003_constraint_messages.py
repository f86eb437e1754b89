# The constraints that had no message of their own get one, so a refused
# row says why (housing_office.errors.constraint_message). No change in the
# database.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dwellings", "0002_initial"),
    ]

    operations = [
        migrations.AlterConstraint(
            model_name="dwelling",
            name="dwelling_rooms_positive",
            constraint=models.CheckConstraint(
                condition=models.Q(("rooms__gte", 1)),
                name="dwelling_rooms_positive",
                violation_error_message="En bolig har minst ett rom.",
            ),
        ),
        migrations.AlterConstraint(
            model_name="dwelling",
            name="dwelling_area_positive",
            constraint=models.CheckConstraint(
                condition=models.Q(("area_m2__gt", 0)),
                name="dwelling_area_positive",
                violation_error_message="Arealet må være større enn null.",
            ),
        ),
        migrations.AlterConstraint(
            model_name="stockchange",
            name="stock_change_once_per_kind",
            constraint=models.UniqueConstraint(
                fields=("dwelling", "kind"),
                name="stock_change_once_per_kind",
                violation_error_message="Denne endringen er allerede registrert for boligen.",
            ),
        ),
    ]
