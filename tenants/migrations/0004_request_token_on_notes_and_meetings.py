from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0003_summons_batch_and_letter_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="journalnote",
            name="request_token",
            field=models.UUIDField(
                blank=True, editable=False, null=True, unique=True, verbose_name="skjemanøkkel"
            ),
        ),
        migrations.AddField(
            model_name="outreachmeeting",
            name="request_token",
            field=models.UUIDField(
                blank=True, editable=False, null=True, unique=True, verbose_name="skjemanøkkel"
            ),
        ),
    ]
