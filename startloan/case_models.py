"""A start-loan case as the office works it beside the figures: the
documentation checklist the leader keeps and each application's documents,
and every assessment made of an application, the one decided on marked.
(Re-exported from `startloan.models`.)"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from housing_office.models import MunicipalityOwned
from housing_office.scoping import ScopedManager


class DocumentKind(MunicipalityOwned):
    """One line of the leader's documentation checklist."""

    name = models.CharField(_("dokument"), max_length=150)
    description = models.CharField(_("forklaring"), max_length=300, blank=True, default="")
    position = models.PositiveSmallIntegerField(_("rekkefølge"), default=0)
    required = models.BooleanField(_("påkrevd"), default=True)
    purchase_only = models.BooleanField(_("bare ved kjøp"), default=False)
    active = models.BooleanField(_("i bruk"), default=True)

    class Meta:
        verbose_name = _("dokument i sjekklisten")
        verbose_name_plural = _("sjekkliste for dokumentasjon")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"],
                name="document_kind_unique_name",
                violation_error_message=_("Dokumentet står allerede i sjekklisten."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class ApplicationDocument(models.Model):
    """A checklist document received for an application."""

    application = models.ForeignKey(
        "startloan.StartLoanApplication",
        verbose_name=_("søknad"),
        on_delete=models.CASCADE,
        related_name="documents",
    )
    kind = models.ForeignKey(DocumentKind, verbose_name=_("dokument"), on_delete=models.PROTECT)
    received_on = models.DateField(_("mottatt"))
    note = models.CharField(_("merknad"), max_length=300, blank=True, default="")

    municipality_path = "application__municipality"
    objects = ScopedManager()
    all_objects = models.Manager()

    class Meta:
        verbose_name = _("mottatt dokument")
        verbose_name_plural = _("mottatte dokumenter")
        ordering = ["kind__position", "kind_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "kind"],
                name="application_document_once",
                violation_error_message=_("Dokumentet er allerede registrert på søknaden."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.received_on:%d.%m.%Y}"

    # For the audit trail, which files an entry under its municipality and
    # household.
    @property
    def municipality_id(self) -> int:
        return self.application.municipality_id

    @property
    def household_id(self) -> int:
        return self.application.household_id


class AssessmentRecord(models.Model):
    """One assessment of an application, as it was made: every save of new
    figures adds one; the one the decision was made on is marked."""

    application = models.ForeignKey(
        "startloan.StartLoanApplication",
        verbose_name=_("søknad"),
        on_delete=models.CASCADE,
        related_name="assessment_records",
    )
    made_at = models.DateTimeField(_("beregnet"), default=timezone.now)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("beregnet av"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    snapshot = models.JSONField(_("beregning"), default=dict)
    decided = models.BooleanField(_("lagt til grunn for vedtaket"), default=False)

    municipality_path = "application__municipality"
    objects = ScopedManager()
    all_objects = models.Manager()

    class Meta:
        verbose_name = _("vurdering av betjeningsevne")
        verbose_name_plural = _("vurderinger av betjeningsevne")
        ordering = ["-made_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=models.Q(decided=True),
                name="assessment_record_one_decided",
                violation_error_message=_("Bare én vurdering kan være lagt til grunn for vedtaket."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.made_at:%d.%m.%Y %H:%M}"
