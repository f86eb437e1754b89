"""Individual decisions (*enkeltvedtak*) and complaints (*klage*) against
them: one machinery for every kind of decision the office makes (DESIGN.md
§4 Decision, Complaint; DOMAIN.md §3, forvaltningsloven).

The kind is a code from `decisions.kinds` (registered by the app that owns
the case: `allocation` by applications, `housing_help` here), so the
machinery never imports the apps above it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from housing_office.models import MunicipalityOwned


class Outcome(models.TextChoices):
    GRANTED = "granted", _("Innvilget")
    PARTLY_GRANTED = "partly_granted", _("Delvis innvilget")
    REFUSED = "refused", _("Avslått")


class DecisionStatus(models.TextChoices):
    DRAFT = "draft", _("Utkast")
    DECIDED = "decided", _("Vedtatt")
    # Changed after a complaint (fvl. § 33 annet ledd): the new decision
    # points back here through `replaces`.
    SUPERSEDED = "superseded", _("Erstattet av nytt vedtak")


class Decision(MunicipalityOwned):
    household = models.ForeignKey(
        "tenants.Household", verbose_name=_("husstand"), on_delete=models.PROTECT, related_name="decisions"
    )
    kind = models.CharField(_("vedtakstype"), max_length=40)
    outcome = models.CharField(_("utfall"), max_length=20, choices=Outcome.choices)
    # fvl. § 25 første ledd: the rules the decision is made under.
    legal_basis = models.TextField(_("hjemmel"))
    # fvl. § 25 annet ledd: the facts the decision rests on.
    facts = models.TextField(_("faktiske forhold"), blank=True, default="")
    # fvl. § 25 tredje ledd: the main considerations behind the discretion.
    considerations = models.TextField(_("hovedhensyn"), blank=True, default="")
    status = models.CharField(
        _("status"), max_length=20, choices=DecisionStatus.choices, default=DecisionStatus.DRAFT
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("utkast laget av"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    drafted_at = models.DateTimeField(_("utkast laget"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("vedtatt av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("vedtatt"), null=True, blank=True)
    # The appeal body the letter named, kept as it was when decided (the
    # leader may change the setting later).
    appeal_body = models.CharField(_("klageinstans"), max_length=200, blank=True, default="")
    letter = models.ForeignKey(
        "letters.Letter",
        verbose_name=_("vedtaksbrev"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Three weeks from the assumed receipt of the letter (fvl. § 29, see
    # `decisions.rules.complaint_deadline`).
    complaint_deadline = models.DateField(_("klagefrist"), null=True, blank=True)
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("erstatter vedtak"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
    )
    # The draft form's one-time token: a double submit makes one row
    # (tenants.services.create_once).
    request_token = models.UUIDField(_("skjemanøkkel"), null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("vedtak")
        verbose_name_plural = _("vedtak")
        ordering = ["-drafted_at", "-id"]
        indexes = [models.Index(fields=["municipality", "kind", "status"], name="decision_kind_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="draft")
                | (models.Q(decided_by__isnull=False) & models.Q(decided_at__isnull=False)),
                name="decision_decided_has_who_and_when",
                violation_error_message=_("Et vedtak må ha hvem som fattet det og når."),
            ),
            # fvl. § 24 første ledd: reasons may be left out only when an
            # application is granted in full, so a refusal or a partial grant
            # always carries its grounds (§ 25). The service says so in
            # words; the database makes sure of it.
            models.CheckConstraint(
                condition=~models.Q(outcome__in=["refused", "partly_granted"])
                | (~models.Q(facts="") & ~models.Q(considerations="") & ~models.Q(legal_basis="")),
                name="decision_refusal_has_grounds",
                violation_error_message=_(
                    "Et avslag må begrunnes: fyll ut hjemmel, faktiske forhold og hovedhensyn "
                    "(forvaltningsloven §§ 24 og 25)."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind_label} – {self.household} ({self.get_outcome_display()})"

    @property
    def kind_label(self) -> str:
        from .kinds import kind_label

        return kind_label(self.kind)

    @property
    def is_draft(self) -> bool:
        return self.status == DecisionStatus.DRAFT


class DecisionKindSetting(MunicipalityOwned):
    """The leader's settings for one kind of decision in the municipality:
    the appeal body the letters name (fvl. § 28) and the two-person rule."""

    kind = models.CharField(_("vedtakstype"), max_length=40)
    appeal_body = models.CharField(_("klageinstans"), max_length=200)
    two_person_rule = models.BooleanField(
        _("to-personsregel"),
        default=True,
        help_text=_("Den som fatter vedtaket, kan ikke være den som skrev utkastet."),
    )

    class Meta:
        verbose_name = _("innstilling for vedtakstype")
        verbose_name_plural = _("innstillinger for vedtakstyper")
        ordering = ["kind"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "kind"], name="decision_kind_setting_unique")
        ]

    def __str__(self) -> str:
        from .kinds import kind_label

        return kind_label(self.kind)


class ReviewResult(models.TextChoices):
    UPHELD = "upheld", _("Opprettholdt")
    CHANGED = "changed", _("Endret")


class FinalOutcome(models.TextChoices):
    UPHELD = "upheld", _("Stadfestet")
    CHANGED = "changed", _("Endret")
    QUASHED = "quashed", _("Opphevet")


class Complaint(MunicipalityOwned):
    """A complaint against a decision and its way through the first
    instance (fvl. § 33) to the appeal body (fvl. § 34)."""

    decision = models.ForeignKey(
        Decision, verbose_name=_("vedtak"), on_delete=models.PROTECT, related_name="complaints"
    )
    received_on = models.DateField(_("mottatt"))
    in_time = models.BooleanField(_("kommet i tide"))
    # fvl. § 31: a late complaint may be considered when the party cannot be
    # blamed for the delay, or when there are special reasons.
    late_reason = models.TextField(_("grunn til å behandle klagen selv om den kom for sent"), blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("registrert av"), on_delete=models.PROTECT, related_name="+"
    )
    review_result = models.CharField(
        _("underinstansens vurdering"), max_length=10, choices=ReviewResult.choices, blank=True, default=""
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("vurdert av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("vurdert"), null=True, blank=True)
    new_decision = models.OneToOneField(
        Decision,
        verbose_name=_("nytt vedtak"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changed_by_complaint",
    )
    appeal_body = models.CharField(_("klageinstans"), max_length=200, blank=True, default="")
    forwarded_to_appeal_body_on = models.DateField(_("sendt klageinstansen"), null=True, blank=True)
    forwarding_letter = models.ForeignKey(
        "letters.Letter",
        verbose_name=_("brev om oversendelse"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    final_outcome = models.CharField(
        _("klageinstansens avgjørelse"), max_length=10, choices=FinalOutcome.choices, blank=True, default=""
    )
    final_outcome_on = models.DateField(_("avgjort av klageinstansen"), null=True, blank=True)
    # When the appeal body changed the decision (fvl. § 34 fjerde ledd): the
    # outcome it changed it to.
    appeal_new_outcome = models.CharField(
        _("klageinstansens nye utfall"), max_length=20, choices=Outcome.choices, blank=True, default=""
    )
    final_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("avgjørelsen registrert av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The complaint form's one-time token: a double submit makes one row
    # (tenants.services.create_once).
    request_token = models.UUIDField(_("skjemanøkkel"), null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("klage")
        verbose_name_plural = _("klager")
        ordering = ["received_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(in_time=True) | ~models.Q(late_reason=""),
                name="complaint_late_has_reason",
                violation_error_message=_(
                    "Klagen kom for sent. Skriv hvorfor den likevel behandles (forvaltningsloven § 31)."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(appeal_new_outcome="") | models.Q(final_outcome="changed"),
                name="complaint_new_outcome_only_when_changed",
                violation_error_message=_("Nytt utfall hører bare til et vedtak klageinstansen har endret."),
            ),
        ]

    def __str__(self) -> str:
        return f"Klage {self.received_on:%d.%m.%Y} – {self.decision}"

    @property
    def is_open(self) -> bool:
        """Still with the office or the appeal body."""
        if self.review_result == ReviewResult.CHANGED:
            return False
        return not self.final_outcome

    @property
    def stage_label(self) -> str:
        if not self.review_result:
            return str(_("Til vurdering i underinstansen"))
        if self.review_result == ReviewResult.CHANGED:
            return str(_("Vedtaket er endret"))
        if not self.final_outcome:
            return str(_("Hos klageinstansen"))
        return str(self.get_final_outcome_display())
