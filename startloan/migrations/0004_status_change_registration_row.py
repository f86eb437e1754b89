"""The row made when a start-loan application is registered has no status
before it: `from_status` may be empty."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("startloan", "0003_decision_letter_moved_to_letters"),
    ]

    operations = [
        migrations.AlterField(
            model_name="applicationstatuschange",
            name="from_status",
            field=models.CharField(
                blank=True,
                choices=[
                    ("received", "Mottatt"),
                    ("in_review", "Under behandling"),
                    ("granted", "Innvilget"),
                    ("rejected", "Avslått"),
                    ("withdrawn", "Trukket"),
                    ("disbursed", "Utbetalt"),
                ],
                default="",
                max_length=10,
                verbose_name="fra status",
            ),
        ),
    ]
