"""Dispatch: how each letter leaves the office — digitally through KS Fiks
SvarUt to the household's main person, or on paper in a print file — and
what SvarUt has said about it since.

A letter has at most one `Shipment` (made when it is rendered, see
`dispatch.services.plan_dispatch`); its `ShipmentStatus` rows are the
status history SvarUt reported, oldest first. Letters that fall back to
paper after their batch's print file was written are gathered in a
`PrintFile` of their own.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from housing_office.models import MunicipalityOwned
from housing_office.scoping import ScopedManager


class Channel(models.TextChoices):
    DIGITAL = "digital", _("Digitalt (SvarUt)")
    PRINT = "print", _("Papir")


class PrintReason(models.TextChoices):
    """Why a letter went (or fell back) to paper."""

    OFFICE_CHOSE = "office_chose", _("Kontoret valgte papir")
    OFFICE_CHOSE_LATER = "office_chose_later", _("Kontoret valgte papir før brevet ble sendt")
    NO_NATIONAL_ID = "no_national_id", _("Hovedpersonen har ikke fødselsnummer")
    SEND_REFUSED = "send_refused", _("SvarUt tok ikke imot forsendelsen")
    REJECTED = "rejected", _("SvarUt avviste forsendelsen")
    NOT_DELIVERED = "not_delivered", _("Kunne ikke leveres digitalt")
    NOT_READ = "not_read", _("Ikke åpnet digitalt innen fristen")
    MANUALLY_HANDLED = "manually_handled", _("Manuelt håndtert i SvarUt")


# Reasons that come after a digital attempt: such a letter goes in a
# fallback print file even when it belongs to a batch (whose file may be
# written already).
FALLBACK_REASONS = (
    PrintReason.OFFICE_CHOSE_LATER,
    PrintReason.SEND_REFUSED,
    PrintReason.REJECTED,
    PrintReason.NOT_DELIVERED,
    PrintReason.NOT_READ,
    PrintReason.MANUALLY_HANDLED,
)


class SendState(models.TextChoices):
    """Our side of the call to SvarUt's send endpoint."""

    QUEUED = "queued", _("Venter på sending")
    # The attempt is recorded (with our external reference) and the call is
    # being made; a worker that dies here leaves it for reconciliation.
    SENDING = "sending", _("Sendes")
    # The call timed out or broke off: SvarUt may have the shipment. It is
    # looked up by external reference before anything is sent again.
    UNCERTAIN = "uncertain", _("Uavklart – sjekkes mot SvarUt")
    SENT = "sent", _("Sendt")
    FAILED = "failed", _("Ikke sendt")


class SvarUtStatus(models.TextChoices):
    """Forsendelse status, v3 enum (forsendelse-status-api-v3.json), with
    meanings from KS's status page (see ../shared/reference/svarut/README.md)."""

    MOTTATT = "MOTTATT", _("Mottatt av SvarUt")
    AKSEPTERT = "AKSEPTERT", _("Godtatt av SvarUt")
    AVVIST = "AVVIST", _("Avvist av SvarUt")
    FEILET_UNDER_MOTTAK = "FEILET_UNDER_MOTTAK", _("Feilet under mottak i SvarUt")
    VARSLET = "VARSLET", _("Mottakeren er varslet")
    LEST = "LEST", _("Lest")
    SENDT_PRINT = "SENDT_PRINT", _("Sendt til utskrift hos SvarUt")
    PRINTET = "PRINTET", _("Skrevet ut hos SvarUt")
    MANUELT_HANDTERT = "MANUELT_HANDTERT", _("Manuelt håndtert")
    SENDT_DIGITALT = "SENDT_DIGITALT", _("Sendt digitalt, ikke lest innen fristen")
    SENDT_SDP = "SENDT_SDP", _("Sendt til digital postkasse")
    LEVERT_SDP = "LEVERT_SDP", _("Levert i digital postkasse")
    KLAR_FOR_MOTTAK = "KLAR_FOR_MOTTAK", _("Klar for mottak")
    IKKE_LEVERT = "IKKE_LEVERT", _("Ikke levert")
    SLETTET = "SLETTET", _("Slettet")
    SENDT_NHN_MOTTAKER = "SENDT_NHN_MOTTAKER", _("Sendt via Norsk helsenett")
    LEVERT_NHN_MOTTAKER = "LEVERT_NHN_MOTTAKER", _("Levert via Norsk helsenett")


# After these SvarUt reports nothing more that changes what the office does.
FINAL_STATUSES = frozenset(
    {
        SvarUtStatus.LEST,
        SvarUtStatus.PRINTET,
        SvarUtStatus.SENDT_DIGITALT,
        SvarUtStatus.AVVIST,
        SvarUtStatus.FEILET_UNDER_MOTTAK,
        SvarUtStatus.IKKE_LEVERT,
        SvarUtStatus.MANUELT_HANDTERT,
        SvarUtStatus.SLETTET,
    }
)
# These send the letter to our print file: we ask SvarUt for digital
# delivery only (kunDigitalLevering), so it never prints a letter itself.
# SENDT_DIGITALT is a letter left unopened in Altinn when SvarUt's read
# window ran out (40 hours, ksdif.no's status page); without
# kunDigitalLevering SvarUt would print it then, so we do.
PRINT_FALLBACK_STATUSES: dict[str, str] = {
    SvarUtStatus.AVVIST: PrintReason.REJECTED,
    SvarUtStatus.FEILET_UNDER_MOTTAK: PrintReason.REJECTED,
    SvarUtStatus.IKKE_LEVERT: PrintReason.NOT_DELIVERED,
    SvarUtStatus.SENDT_DIGITALT: PrintReason.NOT_READ,
    SvarUtStatus.MANUELT_HANDTERT: PrintReason.MANUALLY_HANDLED,
}


class PrintFile(MunicipalityOwned):
    """Letters that fell back to paper after their batch's print file was
    made, or that belong to no batch (a single letter), in one PDF."""

    file = models.FileField(_("utskriftsfil"), upload_to="dispatch/print/%Y/%m/")
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    letter_count = models.PositiveIntegerField(_("antall brev"))

    class Meta:
        verbose_name = _("utskriftsfil for papirpost")
        verbose_name_plural = _("utskriftsfiler for papirpost")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return str(_("Utskriftsfil %(n)s (papirpost)") % {"n": self.pk})


class Shipment(MunicipalityOwned):
    """How one letter goes out. For the digital channel, the attempt is
    recorded with `external_reference` before SvarUt is called, so a retried
    send finds the shipment SvarUt already has (`dispatch.services`)."""

    letter = models.OneToOneField(
        "letters.Letter", verbose_name=_("brev"), on_delete=models.PROTECT, related_name="shipment"
    )
    channel = models.CharField(_("kanal"), max_length=10, choices=Channel.choices)
    print_reason = models.CharField(
        _("grunn til papir"), max_length=20, choices=PrintReason.choices, blank=True, default=""
    )
    send_state = models.CharField(
        _("sending"), max_length=10, choices=SendState.choices, blank=True, default=""
    )
    # Ours, unique, sent as eksternReferanse: SvarUt has no idempotency key.
    external_reference = models.CharField(_("ekstern referanse"), max_length=100, unique=True)
    svarut_id = models.UUIDField(_("forsendelses-id i SvarUt"), null=True, blank=True, unique=True)
    svarut_status = models.CharField(
        _("status i SvarUt"), max_length=20, choices=SvarUtStatus.choices, blank=True, default=""
    )
    attempts = models.PositiveSmallIntegerField(_("forsøk"), default=0)
    attempted_at = models.DateTimeField(_("siste forsøk"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sendt"), null=True, blank=True)
    error = models.TextField(_("feil"), blank=True, default="")
    print_batch = models.ForeignKey(
        "letters.SummonsBatch",
        verbose_name=_("i utskriftsfilen til innkallingen"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    print_file = models.ForeignKey(
        PrintFile,
        verbose_name=_("i utskriftsfil"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="shipments",
    )

    class Meta:
        verbose_name = _("utsending")
        verbose_name_plural = _("utsendinger")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(channel="print") | ~models.Q(print_reason=""),
                name="shipment_print_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(print_batch__isnull=True) | models.Q(print_file__isnull=True),
                name="shipment_in_one_print_file",
            ),
        ]
        indexes = [
            models.Index(fields=["send_state", "svarut_status"], name="shipment_poll_idx"),
            models.Index(fields=["channel", "print_file"], name="shipment_print_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} – {self.letter_id}"


class ShipmentStatus(models.Model):
    """One status SvarUt reported for a shipment, with the time SvarUt gives
    for the change (sisteStatusEndring)."""

    shipment = models.ForeignKey(
        Shipment, verbose_name=_("utsending"), on_delete=models.CASCADE, related_name="statuses"
    )
    status = models.CharField(_("status"), max_length=20, choices=SvarUtStatus.choices)
    changed_at = models.DateTimeField(_("endret i SvarUt"))
    recorded_at = models.DateTimeField(_("hentet"), auto_now_add=True)

    municipality_path = "shipment__municipality"
    objects = ScopedManager()
    all_objects = models.Manager()

    class Meta:
        verbose_name = _("status fra SvarUt")
        verbose_name_plural = _("statuser fra SvarUt")
        ordering = ["changed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "status", "changed_at"], name="shipment_status_once")
        ]

    def __str__(self) -> str:
        return f"{self.status} {self.changed_at:%Y-%m-%d %H:%M}"
