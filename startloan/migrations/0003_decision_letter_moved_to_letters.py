"""The decision letter's model moved from tenants to letters; the column and
its foreign key are unchanged, so this changes Django's state only."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('letters', '0001_initial'),
        ('startloan', '0002_loan_parameters_and_living_cost_rates'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='startloanapplication',
                    name='decision_letter',
                    field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='loan_application', to='letters.letter', verbose_name='vedtaksbrev'),
                ),
            ],
        ),
    ]
