"""Forms of the decision pages: they parse, the services decide."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.forms import OneTimeTokenForm

from .kinds import household_kinds
from .models import FinalOutcome, Outcome


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DraftForm(OneTimeTokenForm):
    """A draft decision (fvl. § 25: the rules, the facts, the main
    considerations)."""

    kind = forms.ChoiceField(label=_("Vedtakstype"))
    outcome = forms.ChoiceField(label=_("Utfall"), choices=Outcome.choices)
    legal_basis = forms.CharField(
        label=_("Hjemmel"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Reglene vedtaket fattes etter. Tomt: vedtakstypens vanlige hjemmel."),
    )
    facts = forms.CharField(
        label=_("Faktiske forhold"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Må fylles ut ved avslag og delvis innvilgelse (forvaltningsloven § 25)."),
    )
    considerations = forms.CharField(
        label=_("Hovedhensyn"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Hensynene som har vært avgjørende for skjønnet (forvaltningsloven § 25)."),
    )

    def __init__(self, *args, fixed_kind: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.code, k.label) for k in household_kinds()]
        if fixed_kind:
            # A draft keeps its kind; changing it makes no row.
            del self.fields["kind"]
            del self.fields["token"]


class ComplaintForm(OneTimeTokenForm):
    received_on = forms.DateField(label=_("Klagen mottatt"), widget=_date_widget())
    late_reason = forms.CharField(
        label=_("Hvorfor klagen behandles selv om den kom for sent"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Bare når klagen kom etter fristen: parten kan ikke lastes for forsinkelsen, "
            "eller det er særlige grunner (forvaltningsloven § 31)."
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()


class ReviewForm(forms.Form):
    RESULT_CHOICES = [
        ("upheld", _("Opprettholdes – sendes klageinstansen")),
        ("changed", _("Endres – nytt vedtak")),
    ]
    result = forms.ChoiceField(
        label=_("Underinstansens vurdering"), choices=RESULT_CHOICES, widget=forms.RadioSelect
    )
    new_outcome = forms.ChoiceField(
        label=_("Nytt utfall (ved endring)"), choices=[("", "—"), *Outcome.choices], required=False
    )
    new_facts = forms.CharField(
        label=_("Faktiske forhold i det nye vedtaket"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Tomt: som i det gamle vedtaket."),
    )
    new_considerations = forms.CharField(
        label=_("Hovedhensyn i det nye vedtaket"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Tomt: som i det gamle vedtaket."),
    )


class AppealOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Klageinstansens avgjørelse"), choices=FinalOutcome.choices)
    new_outcome = forms.ChoiceField(
        label=_("Nytt utfall (når klageinstansen endret vedtaket)"),
        choices=[("", "—"), *Outcome.choices],
        required=False,
    )
    decided_on = forms.DateField(label=_("Avgjort"), widget=_date_widget())


class KindSettingForm(forms.Form):
    appeal_body = forms.CharField(label=_("Klageinstans"), max_length=200)
    two_person_rule = forms.BooleanField(
        label=_("To-personsregel: en annen enn den som skrev utkastet, må fatte vedtaket"), required=False
    )
