"""A household that moved out with its new address unknown is marked, so that
no letter goes to the dwelling it left (`tenants.services.address_left_behind`)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0005_letter_models_moved_to_letters"),
    ]

    operations = [
        migrations.AddField(
            model_name="household",
            name="address_unknown",
            field=models.BooleanField(default=False, editable=False, verbose_name="ny adresse ukjent"),
        ),
    ]
