"""Follow-up (*oppfølging*): the work with a household between the mapping
meeting and the move, and the check-ins after it.

A follow-up plan (*oppfølgingsplan*) names the household's goals, the
housing adviser (*boveileder*) who holds the plan — a member of staff
assigned to it, as the household's caseworker is assigned — its start and
end, and the household's contacts at NAV and the bank. Contacts and home
visits, and the actions agreed with the household, hang on the plan.

After the move: a household whose tenancy ended because it bought its own
home is checked on one and three years later (`PostMoveCheckIn`), so the
office learns whether the ownership lasts (issue: follow-up; Husbanken's
«Fra leie til eie» asks the same question).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from housing_office.models import MunicipalityOwned

DEFAULT_NO_CONTACT_DAYS = 60


class FollowUpSetting(MunicipalityOwned):
    """The leader's settings for follow-up in the municipality."""

    no_contact_days = models.PositiveSmallIntegerField(
        _("dager uten kontakt før husstanden kommer på arbeidslisten"),
        default=DEFAULT_NO_CONTACT_DAYS,
        validators=[MinValueValidator(7), MaxValueValidator(365)],
        help_text=_(
            "Husstander i oppfølging som ikke har hatt kontakt på så mange dager, vises på arbeidslisten."
        ),
    )

    class Meta:
        verbose_name = _("innstilling for oppfølging")
        verbose_name_plural = _("innstillinger for oppfølging")
        constraints = [
            models.UniqueConstraint(fields=["municipality"], name="followup_setting_one_per_municipality")
        ]

    def __str__(self) -> str:
        return str(_("Innstillinger for oppfølging"))


class FollowUpPlan(MunicipalityOwned):
    household = models.ForeignKey(
        "tenants.Household",
        verbose_name=_("husstand"),
        on_delete=models.PROTECT,
        related_name="followup_plans",
    )
    goals = models.TextField(_("mål"), help_text=_("Hva husstanden og boveilederen skal arbeide mot."))
    adviser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("boveileder"),
        on_delete=models.PROTECT,
        related_name="followup_plans",
    )
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("slutt"), null=True, blank=True)
    nav_contact_name = models.CharField(_("kontaktperson i NAV"), max_length=200, blank=True, default="")
    nav_contact_organisation = models.CharField(_("NAV-kontor"), max_length=200, blank=True, default="")
    nav_contact_phone = models.CharField(_("telefon til NAV"), max_length=30, blank=True, default="")
    nav_contact_email = models.EmailField(_("e-post til NAV"), blank=True, default="")
    bank_contact_name = models.CharField(_("kontaktperson i banken"), max_length=200, blank=True, default="")
    bank_contact_organisation = models.CharField(_("bank"), max_length=200, blank=True, default="")
    bank_contact_phone = models.CharField(_("telefon til banken"), max_length=30, blank=True, default="")
    bank_contact_email = models.EmailField(_("e-post til banken"), blank=True, default="")
    # The create form's one-time token (tenants.services.create_once).
    request_token = models.UUIDField(_("skjemanøkkel"), null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("oppfølgingsplan")
        verbose_name_plural = _("oppfølgingsplaner")
        ordering = ["-start_date", "-id"]
        indexes = [models.Index(fields=["municipality", "end_date"], name="followup_plan_open_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="followup_plan_ends_after_start",
                violation_error_message=_("Planen kan ikke slutte før den starter."),
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=models.Q(end_date__isnull=True),
                name="followup_plan_one_open_per_household",
                violation_error_message=_("Husstanden har allerede en åpen oppfølgingsplan."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household} {self.start_date:%d.%m.%Y}"

    @property
    def is_open(self) -> bool:
        return self.end_date is None


class ContactKind(models.TextChoices):
    HOME_VISIT = "home_visit", _("Hjemmebesøk")
    PHONE = "phone", _("Telefon")
    MEETING = "meeting", _("Møte")
    DIGITAL = "digital", _("Digitalt")


class FollowUpContact(MunicipalityOwned):
    """A contact with the household: a home visit, a call, a meeting at the
    office or a digital meeting, and what came of it."""

    plan = models.ForeignKey(
        FollowUpPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="contacts"
    )
    date = models.DateField(_("dato"))
    kind = models.CharField(_("type"), max_length=12, choices=ContactKind.choices)
    outcome = models.TextField(_("hva kom ut av det"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("av"), on_delete=models.PROTECT, related_name="+"
    )
    request_token = models.UUIDField(_("skjemanøkkel"), null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("kontakt")
        verbose_name_plural = _("kontakter")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["plan", "date"], name="followup_contact_plan_date_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date:%d.%m.%Y}"


class Responsible(models.TextChoices):
    HOUSEHOLD = "household", _("Husstanden")
    ADVISER = "adviser", _("Boveilederen")
    NAV = "nav", _("NAV")
    BANK = "bank", _("Banken")


class AgreedAction(MunicipalityOwned):
    """Something agreed with the household, who does it and by when."""

    plan = models.ForeignKey(
        FollowUpPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="actions"
    )
    description = models.CharField(_("tiltak"), max_length=300)
    responsible = models.CharField(_("ansvarlig"), max_length=10, choices=Responsible.choices)
    due_on = models.DateField(_("frist"))
    done_on = models.DateField(_("utført"), null=True, blank=True)
    request_token = models.UUIDField(_("skjemanøkkel"), null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("avtalt tiltak")
        verbose_name_plural = _("avtalte tiltak")
        ordering = ["done_on", "due_on", "id"]
        indexes = [models.Index(fields=["municipality", "done_on", "due_on"], name="followup_action_due_idx")]

    def __str__(self) -> str:
        return self.description


class Answer(models.TextChoices):
    YES = "yes", _("Ja")
    NO = "no", _("Nei")
    UNKNOWN = "unknown", _("Vet ikke")


# The check-ins after a purchase, in years after the tenancy ended.
CHECK_IN_YEARS = (1, 3)


class PostMoveCheckIn(MunicipalityOwned):
    """A check-in with a household that left a municipal dwelling for a home
    of its own, one or three years after the tenancy ended."""

    tenancy = models.ForeignKey(
        "dwellings.Tenancy", verbose_name=_("leieforhold"), on_delete=models.PROTECT, related_name="check_ins"
    )
    household = models.ForeignKey(
        "tenants.Household", verbose_name=_("husstand"), on_delete=models.PROTECT, related_name="check_ins"
    )
    years_after = models.PositiveSmallIntegerField(
        _("år etter flytting"), choices=[(n, _("%(n)s år") % {"n": n}) for n in CHECK_IN_YEARS]
    )
    done_on = models.DateField(_("dato"))
    still_owner = models.CharField(
        _("eier husstanden fortsatt boligen?"), max_length=8, choices=Answer.choices
    )
    behind_on_loan = models.CharField(
        _("er husstanden i restanse på startlånet?"), max_length=8, choices=Answer.choices
    )
    needs_help = models.CharField(_("trenger husstanden hjelp igjen?"), max_length=8, choices=Answer.choices)
    note = models.TextField(_("notat"), blank=True, default="")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("registrert av"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("oppfølging etter kjøp")
        verbose_name_plural = _("oppfølginger etter kjøp")
        ordering = ["-done_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenancy", "years_after"],
                name="followup_check_in_once_per_milestone",
                violation_error_message=_("Denne oppfølgingen er allerede registrert."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.household} – {self.years_after} år"
