"""The letter models moved to the letters app (letters 0001): take them out of
tenants' state, and point the meeting's summons letter at letters.Letter. The
tables and columns stay as they are, so the database is not touched, except
that the models' content types follow them to the new app."""

import django.db.models.deletion
from django.db import migrations, models


MOVED_MODELS = ("letter", "lettertemplate", "summonsbatch")


def move_content_types(apps, schema_editor):
    """Give the moved models' content types to the letters app, so that the
    audit trail's entries for letters and the permissions on them (both point
    at a content type) stay with their models. A fresh database has no
    content types yet: they are made after migrate, under letters."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MOVED_MODELS:
        if not ContentType.objects.using(db).filter(app_label="letters", model=model).exists():
            ContentType.objects.using(db).filter(app_label="tenants", model=model).update(app_label="letters")


def move_content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MOVED_MODELS:
        if not ContentType.objects.using(db).filter(app_label="tenants", model=model).exists():
            ContentType.objects.using(db).filter(app_label="letters", model=model).update(app_label="tenants")


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('letters', '0001_initial'),
        ('startloan', '0003_decision_letter_moved_to_letters'),
        ('tenants', '0004_request_token_on_notes_and_meetings'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='outreachmeeting',
                    name='summons_letter',
                    field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='meeting', to='letters.letter', verbose_name='innkalling'),
                ),
                migrations.RemoveField(
                    model_name='lettertemplate',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='lettertemplate',
                    name='municipality',
                ),
                migrations.RemoveField(
                    model_name='summonsbatch',
                    name='caseworkers',
                ),
                migrations.RemoveField(
                    model_name='summonsbatch',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='summonsbatch',
                    name='job',
                ),
                migrations.RemoveField(
                    model_name='summonsbatch',
                    name='municipality',
                ),
                migrations.DeleteModel(
                    name='Letter',
                ),
                migrations.DeleteModel(
                    name='LetterTemplate',
                ),
                migrations.DeleteModel(
                    name='SummonsBatch',
                ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
