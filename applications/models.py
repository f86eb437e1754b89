"""Applications for a municipal dwelling (*søknad om kommunal bolig*), the
municipality's allocation criteria and document checklist, and offers of a
vacant dwelling (*tilbud om bolig*). DESIGN §4 names them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from housing_office.models import MunicipalityOwned


class AllocationCriterion(MunicipalityOwned):
    """A criterion for allocation as the council adopted it (*tildelingskriterium*).
    The leader keeps the list; a lower priority number comes first on the
    waiting list."""

    name = models.CharField(_("navn"), max_length=120)
    description = models.TextField(_("beskrivelse"), blank=True, default="")
    priority = models.PositiveSmallIntegerField(
        _("prioritet"), default=10, help_text=_("1 er høyest prioritet. Avgjør rekkefølgen på ventelisten.")
    )
    active = models.BooleanField(_("i bruk"), default=True)

    class Meta:
        verbose_name = _("tildelingskriterium")
        verbose_name_plural = _("tildelingskriterier")
        ordering = ["priority", "name"]
        constraints = [
            models.UniqueConstraint(
                "municipality",
                Lower("name"),
                name="criterion_name_unique_per_municipality",
                violation_error_message=_("Det finnes allerede et kriterium med dette navnet."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DocumentRequirement(MunicipalityOwned):
    """A document an application should have (the leader's checklist)."""

    name = models.CharField(_("dokument"), max_length=120)
    description = models.TextField(_("beskrivelse"), blank=True, default="")
    order = models.PositiveSmallIntegerField(_("rekkefølge"), default=10)
    active = models.BooleanField(_("i bruk"), default=True)

    class Meta:
        verbose_name = _("dokumentkrav")
        verbose_name_plural = _("dokumentkrav")
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(
                "municipality",
                Lower("name"),
                name="document_requirement_unique_per_municipality",
                violation_error_message=_("Dette dokumentet står allerede på listen."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ApplicationStatus(models.TextChoices):
    RECEIVED = "received", _("Mottatt")
    GRANTED = "granted", _("Innvilget")
    REFUSED = "refused", _("Avslått")
    HOUSED = "housed", _("Bosatt")
    WITHDRAWN = "withdrawn", _("Trukket")


class Outcome(models.TextChoices):
    GRANTED = "granted", _("Innvilget")
    REFUSED = "refused", _("Avslått")


class Application(MunicipalityOwned):
    """An application for a municipal dwelling.

    `outcome` and `decided_on` record the decision (grant or refusal) and never
    change when the household is later housed or withdraws; `status` follows
    the application's life: received → granted / refused → housed, or withdrawn
    (`withdrawn_on`)."""

    reference = models.CharField(_("referanse"), max_length=40)
    household = models.ForeignKey(
        "tenants.Household",
        verbose_name=_("husstand"),
        on_delete=models.PROTECT,
        related_name="housing_applications",
    )
    received_on = models.DateField(_("mottatt"))
    is_transfer = models.BooleanField(
        _("bytte for nåværende leietaker"),
        default=False,
        help_text=_("Husstanden leier allerede kommunal bolig og søker om å flytte."),
    )
    rooms_needed = models.PositiveSmallIntegerField(_("antall rom husstanden trenger"), null=True, blank=True)
    wheelchair_needed = models.BooleanField(_("trenger bolig tilgjengelig for rullestol"), default=False)
    area_wishes = models.CharField(_("ønsket område"), max_length=200, blank=True, default="")
    pets = models.BooleanField(_("har husdyr"), default=False)
    other_needs = models.TextField(_("andre behov"), blank=True, default="")
    criteria = models.ManyToManyField(
        AllocationCriterion, verbose_name=_("tildelingskriterier"), blank=True, related_name="applications"
    )
    documents_received = models.ManyToManyField(
        DocumentRequirement, verbose_name=_("dokumenter mottatt"), blank=True, related_name="applications"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.RECEIVED
    )
    outcome = models.CharField(_("utfall"), max_length=10, choices=Outcome.choices, blank=True, default="")
    decided_on = models.DateField(_("vedtaksdato"), null=True, blank=True)
    withdrawn_on = models.DateField(_("trukket"), null=True, blank=True)
    provisional_reply_sent_on = models.DateField(_("foreløpig svar sendt"), null=True, blank=True)
    # The decision (enkeltvedtak) on the application: its draft until it is
    # decided, and after a complaint changes it, the new decision.
    decision = models.ForeignKey(
        "decisions.Decision",
        verbose_name=_("vedtak"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registrert av"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("søknad om kommunal bolig")
        verbose_name_plural = _("søknader om kommunal bolig")
        ordering = ["received_on", "id"]
        constraints = [
            models.UniqueConstraint(
                "municipality",
                Lower("reference"),
                name="application_reference_unique_per_municipality",
                violation_error_message=_("Det finnes allerede en søknad med denne referansen."),
            ),
            models.CheckConstraint(
                condition=(Q(outcome="") & Q(decided_on__isnull=True))
                | (~Q(outcome="") & Q(decided_on__isnull=False)),
                name="application_decided_iff_outcome",
                violation_error_message=_("En avgjort søknad har både utfall og vedtaksdato, og bare den."),
            ),
            models.CheckConstraint(
                condition=Q(decided_on__isnull=True) | Q(decided_on__gte=models.F("received_on")),
                name="application_decided_not_before_received",
                violation_error_message=_("Vedtaksdatoen kan ikke være før søknaden ble mottatt."),
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=models.F("received_on")),
                name="application_withdrawn_not_before_received",
                violation_error_message=_("Søknaden kan ikke trekkes før den ble mottatt."),
            ),
            models.CheckConstraint(
                condition=(Q(status="withdrawn") & Q(withdrawn_on__isnull=False))
                | (~Q(status="withdrawn") & Q(withdrawn_on__isnull=True)),
                name="application_withdrawn_iff_status",
                violation_error_message=_("En trukket søknad har en dato den ble trukket, og bare den."),
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "received_on"]),
            models.Index(fields=["municipality", "decided_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.get_status_display()})"


class OfferAnswer(models.TextChoices):
    ACCEPTED = "accepted", _("Takket ja")
    DECLINED = "declined", _("Takket nei")
    EXPIRED = "expired", _("Ikke besvart innen fristen")


class Offer(MunicipalityOwned):
    """An offer of a vacant dwelling to a granted application."""

    application = models.ForeignKey(
        Application, verbose_name=_("søknad"), on_delete=models.PROTECT, related_name="offers"
    )
    dwelling = models.ForeignKey(
        "dwellings.Dwelling", verbose_name=_("bolig"), on_delete=models.PROTECT, related_name="offers"
    )
    offered_on = models.DateField(_("tilbudt"))
    answer_deadline = models.DateField(_("svarfrist"))
    answer = models.CharField(_("svar"), max_length=10, choices=OfferAnswer.choices, blank=True, default="")
    answered_on = models.DateField(_("besvart"), null=True, blank=True)
    reason = models.TextField(_("begrunnelse"), blank=True, default="")
    tenancy = models.OneToOneField(
        "dwellings.Tenancy",
        verbose_name=_("leieforhold"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="offer",
    )
    letter = models.ForeignKey(
        "letters.Letter", verbose_name=_("tilbudsbrev"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("gitt av"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("tilbud om bolig")
        verbose_name_plural = _("tilbud om bolig")
        ordering = ["-offered_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(answer=""),
                name="offer_one_open_per_application",
                violation_error_message=_("Søknaden har allerede et tilbud som ikke er besvart."),
            ),
            models.UniqueConstraint(
                fields=["dwelling"],
                condition=Q(answer=""),
                name="offer_one_open_per_dwelling",
                violation_error_message=_("Boligen er allerede tilbudt en annen husstand."),
            ),
            models.CheckConstraint(
                condition=Q(answer_deadline__gte=models.F("offered_on")),
                name="offer_deadline_not_before_offer",
                violation_error_message=_("Svarfristen kan ikke være før tilbudsdatoen."),
            ),
            models.CheckConstraint(
                condition=(Q(answer="") & Q(answered_on__isnull=True))
                | (~Q(answer="") & Q(answered_on__isnull=False)),
                name="offer_answered_iff_answer",
                violation_error_message=_("Et besvart tilbud har både svar og dato."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application.reference}: {self.dwelling.reference}"
