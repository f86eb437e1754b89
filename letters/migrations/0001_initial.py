"""The letter models, moved here from the tenants app, in Django's state only.

Their tables were made by tenants' migrations 0001 and 0003 and keep their
names (`db_table`), so no row moves and nothing in the database changes:
tenants 0005 takes the models out of tenants' state.
"""

import datetime
import django.db.models.deletion
import django.utils.timezone
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('housing_office', '0004_job_task_for_restart'),
        ('tenants', '0004_request_token_on_notes_and_meetings'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='LetterTemplate',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='opprettet')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='endret')),
                        ('kind', models.CharField(choices=[('summons', 'Innkalling til kartleggingssamtale')], max_length=20, verbose_name='brevtype')),
                        ('language', models.CharField(choices=[('nb', 'Bokmål'), ('nn', 'Nynorsk')], max_length=2, verbose_name='målform')),
                        ('version', models.PositiveIntegerField(verbose_name='versjon')),
                        ('subject', models.CharField(max_length=200, verbose_name='overskrift')),
                        ('body', models.TextField(help_text='Django-mal. Variabler står i {{ … }}.', verbose_name='brevtekst')),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='laget av')),
                        ('municipality', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='housing_office.municipality', verbose_name='kommune')),
                    ],
                    options={
                        'verbose_name': 'brevmal',
                        'verbose_name_plural': 'brevmaler',
                        'db_table': 'tenants_lettertemplate',
                        'ordering': ['kind', 'language', '-version'],
                    },
                ),
                migrations.CreateModel(
                    name='Letter',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='opprettet')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='endret')),
                        ('kind', models.CharField(choices=[('summons', 'Innkalling til kartleggingssamtale')], max_length=20, verbose_name='brevtype')),
                        ('status', models.CharField(choices=[('pending', 'Venter på utskrift'), ('rendered', 'Laget'), ('failed', 'Feilet')], default='pending', max_length=10, verbose_name='status')),
                        ('context', models.JSONField(blank=True, default=dict, verbose_name='innhold')),
                        ('pdf', models.FileField(blank=True, upload_to='letters/%Y/%m/', verbose_name='PDF')),
                        ('sha256', models.CharField(blank=True, default='', max_length=64, verbose_name='SHA-256')),
                        ('archive_reference', models.CharField(blank=True, default='', max_length=40, verbose_name='arkivreferanse')),
                        ('batch_key', models.CharField(blank=True, default='', help_text='Samme pulje og husstand gir aldri to brev.', max_length=64, verbose_name='puljenøkkel')),
                        ('error', models.TextField(blank=True, default='', verbose_name='feil')),
                        ('rendered_at', models.DateTimeField(blank=True, null=True, verbose_name='laget')),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='laget av')),
                        ('household', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='letters', to='tenants.household', verbose_name='husstand')),
                        ('municipality', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='housing_office.municipality', verbose_name='kommune')),
                        ('template', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='letters', to='letters.lettertemplate', verbose_name='mal')),
                    ],
                    options={
                        'verbose_name': 'brev',
                        'verbose_name_plural': 'brev',
                        'db_table': 'tenants_letter',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='SummonsBatch',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='opprettet')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='endret')),
                        ('request_token', models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name='skjemanøkkel')),
                        ('place', models.CharField(max_length=200, verbose_name='sted')),
                        ('first_slot', models.DateTimeField(verbose_name='første samtale')),
                        ('slot_minutes', models.PositiveSmallIntegerField(verbose_name='minutter per samtale')),
                        ('day_starts', models.TimeField(default=datetime.time(8, 0), verbose_name='første samtale på dagen')),
                        ('day_ends', models.TimeField(default=datetime.time(15, 30), verbose_name='siste samtale slutter')),
                        ('letter_date', models.DateField(verbose_name='brevdato')),
                        ('letter_count', models.PositiveIntegerField(default=0, verbose_name='antall brev')),
                        ('left_out', models.JSONField(blank=True, default=list, verbose_name='utelatt')),
                        ('print_file', models.FileField(blank=True, upload_to='letters/print/%Y/%m/', verbose_name='utskriftsfil')),
                        ('print_sha256', models.CharField(blank=True, default='', max_length=64, verbose_name='SHA-256 for utskriftsfilen')),
                        ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='ferdig')),
                        ('caseworkers', models.ManyToManyField(related_name='summons_batches', to=settings.AUTH_USER_MODEL, verbose_name='saksbehandlere')),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='laget av')),
                        ('job', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='summons_batch', to='housing_office.job', verbose_name='jobb')),
                        ('municipality', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='housing_office.municipality', verbose_name='kommune')),
                    ],
                    options={
                        'verbose_name': 'innkallingspulje',
                        'verbose_name_plural': 'innkallingspuljer',
                        'db_table': 'tenants_summonsbatch',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='lettertemplate',
                    constraint=models.UniqueConstraint(fields=('municipality', 'kind', 'language', 'version'), name='letter_template_version_unique'),
                ),
                migrations.AddConstraint(
                    model_name='lettertemplate',
                    constraint=models.CheckConstraint(condition=models.Q(('version__gte', 1)), name='letter_template_version_positive'),
                ),
                migrations.AddIndex(
                    model_name='letter',
                    index=models.Index(fields=['batch_key', 'status'], name='letter_batch_status_idx'),
                ),
                migrations.AddConstraint(
                    model_name='letter',
                    constraint=models.UniqueConstraint(condition=models.Q(('batch_key', ''), _negated=True), fields=('household', 'batch_key'), name='letter_one_per_household_and_batch'),
                ),
                migrations.AddConstraint(
                    model_name='letter',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'rendered'), _negated=True), models.Q(models.Q(('pdf', ''), _negated=True), models.Q(('sha256', ''), _negated=True)), _connector='OR'), name='letter_rendered_has_pdf_and_checksum'),
                ),
                migrations.AddConstraint(
                    model_name='summonsbatch',
                    constraint=models.CheckConstraint(condition=models.Q(('slot_minutes__gte', 5)), name='summons_batch_slot_at_least_5_minutes'),
                ),
                migrations.AddConstraint(
                    model_name='summonsbatch',
                    constraint=models.CheckConstraint(condition=models.Q(('day_ends__gt', models.F('day_starts'))), name='summons_batch_day_ends_after_start'),
                ),
            ],
        ),
    ]
