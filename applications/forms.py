"""Forms of the way in: they check the input's shape; the rules live in
`applications.services`, whose `DomainError` the views put on the form."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dwellings.forms import AmountField, date_input
from dwellings.models import ContractType
from tenants.models import Household

from .models import AllocationCriterion, Application, DocumentRequirement


class ApplicationForm(forms.ModelForm):
    household_reference = forms.CharField(
        label=_("Husstandens referanse"),
        max_length=40,
        help_text=_("Referansen husstanden har i registeret, for eksempel H-00042."),
    )

    class Meta:
        model = Application
        fields = [
            "reference",
            "received_on",
            "rooms_needed",
            "wheelchair_needed",
            "area_wishes",
            "pets",
            "other_needs",
            "criteria",
            "documents_received",
        ]
        labels = {"reference": _("Søknadens referanse (tom: lages automatisk)")}
        widgets = {
            "received_on": date_input(),
            "criteria": forms.CheckboxSelectMultiple,
            "documents_received": forms.CheckboxSelectMultiple,
            "other_needs": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reference"].required = False
        self.fields["criteria"].queryset = AllocationCriterion.objects.filter(active=True)
        self.fields["documents_received"].queryset = DocumentRequirement.objects.filter(active=True)
        if self.instance.pk:
            self.fields["household_reference"].initial = self.instance.household.reference
            self.fields["household_reference"].disabled = True
            self.fields["reference"].disabled = True
        elif not self.initial.get("received_on"):
            self.initial["received_on"] = timezone.localdate()

    def clean_household_reference(self) -> str:
        reference = self.cleaned_data["household_reference"].strip()
        if self.instance.pk:
            return reference
        household = Household.objects.filter(reference__iexact=reference).first()
        if household is None:
            raise forms.ValidationError(_("Fant ingen husstand med referansen «%(r)s».") % {"r": reference})
        self.household = household
        return reference

    def needs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            name: data[name]
            for name in ("rooms_needed", "wheelchair_needed", "area_wishes", "pets", "other_needs")
        }


class ProvisionalReplyForm(forms.Form):
    reason = forms.CharField(
        label=_("Hvorfor saken tar tid"),
        widget=forms.Textarea(attrs={"rows": 3}),
        initial=_(
            "Vi har mange søknader til behandling, og vi vurderer hver søknad grundig etter "
            "kommunens tildelingskriterier."
        ),
    )
    expected_by = forms.DateField(label=_("Vedtak kan ventes innen"), widget=date_input())

    def __init__(self, *args: Any, today: datetime.date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = today or timezone.localdate()
        self.fields["expected_by"].initial = today + datetime.timedelta(weeks=4)


class WithdrawForm(forms.Form):
    withdrawn_on = forms.DateField(label=_("Trukket dato"), widget=date_input())


class OfferForm(forms.Form):
    dwelling = forms.ModelChoiceField(label=_("Ledig bolig"), queryset=None)  # type: ignore[arg-type]
    answer_deadline = forms.DateField(label=_("Svarfrist"), widget=date_input())

    def __init__(self, *args: Any, dwellings: Any, today: datetime.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dwelling"].queryset = dwellings
        self.fields["answer_deadline"].initial = today + datetime.timedelta(days=14)


class AcceptOfferForm(forms.Form):
    answered_on = forms.DateField(label=_("Svar mottatt"), widget=date_input())
    start_date = forms.DateField(label=_("Leieforholdet starter"), widget=date_input())
    monthly_rent = AmountField(label=_("Månedsleie (kr)"), min_value=0, max_digits=10, decimal_places=2)
    contract_type = forms.ChoiceField(
        label=_("Kontraktstype"), choices=ContractType.choices, initial=ContractType.FIXED_TERM
    )
    contract_end = forms.DateField(
        label=_("Kontrakten løper til"),
        widget=date_input(),
        required=False,
        help_text=_("For tidsbestemte kontrakter."),
    )


class DeclineOfferForm(forms.Form):
    answered_on = forms.DateField(label=_("Svar mottatt"), widget=date_input())
    reason = forms.CharField(
        label=_("Hvorfor husstanden takket nei"), widget=forms.Textarea(attrs={"rows": 2})
    )


class CriterionForm(forms.ModelForm):
    class Meta:
        model = AllocationCriterion
        fields = ["name", "description", "priority", "active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class DocumentRequirementForm(forms.ModelForm):
    class Meta:
        model = DocumentRequirement
        fields = ["name", "description", "order", "active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class AllocationDraftForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Utfall"),
        choices=[("granted", _("Innvilget")), ("refused", _("Avslått"))],
        widget=forms.RadioSelect,
    )
    legal_basis = forms.CharField(
        label=_("Hjemmel (regelen vedtaket bygger på)"), widget=forms.Textarea(attrs={"rows": 2})
    )
    facts = forms.CharField(
        label=_("Faktiske forhold vedtaket bygger på"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    considerations = forms.CharField(
        label=_("Hovedhensyn i skjønnsutøvelsen"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_(
            "Et avslag må begrunnes: regelen, de faktiske forholdene og hovedhensynene "
            "(forvaltningsloven §§ 24–25)."
        ),
    )
