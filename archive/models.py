"""The archive (Noark 5): a case file (*saksmappe*) per household, and its
registry entries (*journalposter*), each with one document.

A case file and an entry carry the numbers the journal knows them by: the
case's year and sequence (2026/17), the entry's number in the case (the "3"
of 2026/17-3) and its journal sequence in the year. Their systemIDs are
UUIDs stored on the rows, so every extraction names a unit alike.

The document of an outgoing letter is the letter's own archive copy
(`letters.Letter.pdf` and its SHA-256); an incoming document is uploaded
here and checksummed when it is registered.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from housing_office.models import MunicipalityOwned

# Offentleglova § 13 (duty of confidentiality) read with forvaltningsloven § 13:
# https://lovdata.no/lov/2006-05-19-16/§13 and https://lovdata.no/lov/1967-02-10/§13
SCREENING_BASIS = "Unntatt offentlighet, offl. § 13 jf. fvl. § 13"
MASK = "*****"


class Sequence(MunicipalityOwned):
    """The last number handed out of one series in one year ("case", "journal")."""

    series = models.CharField(_("serie"), max_length=20)
    year = models.PositiveSmallIntegerField(_("år"))
    last = models.PositiveIntegerField(_("siste nummer"), default=0)

    class Meta:
        verbose_name = _("nummerserie")
        verbose_name_plural = _("nummerserier")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "series", "year"], name="archive_sequence_unique")
        ]


class CaseFile(MunicipalityOwned):
    """A household's case file (*saksmappe*). One per household."""

    system_id = models.UUIDField(_("systemID"), default=uuid.uuid4, unique=True, editable=False)
    household = models.OneToOneField(
        "tenants.Household", verbose_name=_("husstand"), on_delete=models.PROTECT, related_name="case_file"
    )
    year = models.PositiveSmallIntegerField(_("saksår"))
    sequence = models.PositiveIntegerField(_("sekvensnummer"))
    title = models.CharField(_("tittel"), max_length=300)
    public_title = models.CharField(_("offentlig tittel"), max_length=300)
    opened_on = models.DateField(_("saksdato"))
    responsible = models.CharField(_("saksansvarlig"), max_length=200)
    closed_at = models.DateTimeField(_("avsluttet"), null=True, blank=True)

    class Meta:
        verbose_name = _("saksmappe")
        verbose_name_plural = _("saksmapper")
        ordering = ["-year", "-sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "year", "sequence"], name="archive_case_number_unique"
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"{self.year}/{self.sequence}"


class EntryType(models.TextChoices):
    INCOMING = "I", _("Inngående dokument")
    OUTGOING = "U", _("Utgående dokument")
    INTERNAL = "N", _("Organinternt dokument uten oppfølging")


class RegistryEntry(MunicipalityOwned):
    """A registry entry (*journalpost*) with its one document
    (*dokumentbeskrivelse* and *dokumentobjekt*)."""

    system_id = models.UUIDField(_("systemID"), default=uuid.uuid4, unique=True, editable=False)
    description_system_id = models.UUIDField(
        _("systemID for dokumentbeskrivelsen"), default=uuid.uuid4, unique=True, editable=False
    )
    object_system_id = models.UUIDField(
        _("systemID for dokumentobjektet"), default=uuid.uuid4, unique=True, editable=False
    )
    case_file = models.ForeignKey(
        CaseFile, verbose_name=_("saksmappe"), on_delete=models.PROTECT, related_name="entries"
    )
    number = models.PositiveIntegerField(_("journalpostnummer i saken"))
    journal_year = models.PositiveSmallIntegerField(_("journalår"))
    journal_sequence = models.PositiveIntegerField(_("journalsekvensnummer"))
    journal_date = models.DateField(_("journaldato"))
    entry_type = models.CharField(_("journalposttype"), max_length=1, choices=EntryType.choices)
    title = models.CharField(_("tittel"), max_length=300)
    public_title = models.CharField(_("offentlig tittel"), max_length=300)
    party_name = models.CharField(_("avsender eller mottaker"), max_length=200)
    screened = models.BooleanField(_("unntatt offentlighet"), default=True)
    document_date = models.DateField(_("dokumentets dato"))
    received_on = models.DateField(_("mottatt"), null=True, blank=True)
    letter = models.OneToOneField(
        "letters.Letter",
        verbose_name=_("brev"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registry_entry",
    )
    document = models.FileField(_("dokument"), upload_to="archive/%Y/%m/", blank=True)
    document_sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, default="")
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registrert av"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The incoming-document form's one-time token (tenants.services.create_once):
    # a double click or a resent upload registers the document once.
    request_token = models.UUIDField(_("skjemanøkkel"), null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("journalpost")
        verbose_name_plural = _("journalposter")
        ordering = ["journal_year", "journal_sequence"]
        constraints = [
            models.UniqueConstraint(fields=["case_file", "number"], name="archive_entry_number_unique"),
            models.UniqueConstraint(
                fields=["municipality", "journal_year", "journal_sequence"],
                name="archive_journal_sequence_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """The reference the letters print: case number and entry number (2026/17-3)."""
        return f"{self.case_file.number}-{self.number}"

    @property
    def journal_number(self) -> str:
        return f"{self.journal_year}/{self.journal_sequence}"

    @property
    def shown_title(self) -> str:
        """The title the public journal shows."""
        return self.public_title if self.screened else self.title

    @property
    def shown_party(self) -> str:
        return MASK if self.screened else self.party_name
