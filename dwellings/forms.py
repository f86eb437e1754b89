"""Forms for dwellings, tenancies, stock changes and rent arrears.

The forms check the shape of the input; the office's rules live in
`dwellings.services`, whose `DomainError` the views put back on the form
(`housing_office.errors.add_to_form`).
"""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from housing_office.models import postal_code_validator
from tenants.models import Household
from tenants.queries import main_person_name

from .models import ContractType, Dwelling, DwellingStatus, EndReason, StockChange


def date_input() -> forms.DateInput:
    # type=date gives the browser's date picker; it always posts ISO dates.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AmountField(forms.DecimalField):
    """A decimal field for Norwegian input: "9 500,50" as well as "9500.50"."""

    def __init__(self, *args: Any, inputmode: str = "decimal", **kwargs: Any) -> None:
        kwargs.setdefault("localize", True)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": inputmode}))
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = "".join(value.split()).replace("kr", "")
        return super().to_python(value)


class _CrispyMixin:
    """Crispy renders the fields; the template owns the <form> and buttons."""

    def _helper(self, *layout: Any) -> FormHelper:
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True
        if layout:
            helper.layout = Layout(*layout)
        return helper


class DwellingForm(_CrispyMixin, forms.ModelForm):
    class Meta:
        model = Dwelling
        fields = [
            "reference",
            "address",
            "postal_code",
            "postal_place",
            "rooms",
            "area_m2",
            "category",
            "ownership",
            "wheelchair_accessible",
            "acquired_on",
        ]
        widgets = {"acquired_on": date_input()}
        # Norwegian users write decimal commas: 48,5 m².
        localized_fields = ["area_m2"]
        help_texts = {
            "reference": _("Kontorets egen referanse, for eksempel B-1024."),
            "acquired_on": _("Når kommunen kjøpte eller tok boligen i bruk. Kan stå tom."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["postal_code"].widget.attrs.update(inputmode="numeric", autocomplete="postal-code")
        self.fields["postal_place"].widget.attrs["autocomplete"] = "address-level2"
        self.fields["area_m2"].widget.attrs["inputmode"] = "decimal"
        self.fields["address"].widget.attrs["autocomplete"] = "street-address"
        # Once a purchase is logged, its date is the acquisition date.
        if self.instance.pk and self.instance.stock_changes.filter(kind=StockChange.Kind.ACQUIRED).exists():
            field = self.fields["acquired_on"]
            field.disabled = True
            field.help_text = _("Satt av det registrerte kjøpet.")
        self.helper = self._helper(
            "reference",
            "address",
            Row(Column("postal_code", css_class="col-sm-4"), Column("postal_place", css_class="col-sm-8")),
            Row(Column("rooms", css_class="col-sm-6"), Column("area_m2", css_class="col-sm-6")),
            Row(Column("category", css_class="col-sm-6"), Column("ownership", css_class="col-sm-6")),
            "wheelchair_accessible",
            "acquired_on",
        )

    def clean_reference(self) -> str:
        reference = self.cleaned_data["reference"].strip()
        # The unique constraint is on (municipality, lower(reference)), which
        # model validation skips here because municipality is not a form field.
        clash = Dwelling.all_objects.filter(
            municipality_id=self.instance.municipality_id, reference__iexact=reference
        ).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("Det finnes allerede en bolig med denne referansen."))
        return reference


class DwellingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Dwelling) -> str:
        status = DwellingStatus(obj.status).label if getattr(obj, "status", None) else ""
        label = f"{obj.reference} – {obj.address}, {obj.rooms} rom"
        return f"{label} ({status})" if status else label


class HouseholdChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Household) -> str:
        name = (getattr(obj, "main_name", "") or "").strip()
        return f"{obj.reference} – {name}" if name else obj.reference


class TenancyForm(_CrispyMixin, forms.Form):
    household = HouseholdChoiceField(
        queryset=Household.objects.none(), label=_("Husstand"), empty_label=_("Velg husstand")
    )
    dwelling = DwellingChoiceField(
        queryset=Dwelling.objects.none(), label=_("Bolig"), empty_label=_("Velg bolig")
    )
    start_date = forms.DateField(label=_("Startdato"), widget=date_input())
    monthly_rent = AmountField(label=_("Månedsleie (kr)"), min_value=0, max_digits=10, decimal_places=2)
    contract_type = forms.ChoiceField(
        label=_("Kontraktstype"),
        choices=ContractType.choices,
        initial=ContractType.FIXED_TERM,
        widget=forms.RadioSelect,
    )
    contract_end = forms.DateField(
        label=_("Kontrakten løper til"),
        required=False,
        widget=date_input(),
        help_text=_("Må fylles ut for tidsbestemte kontrakter."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Built here, during the request, so the scoped managers limit the
        # choices to the user's municipality.
        self.fields["household"].queryset = Household.objects.annotate(main_name=main_person_name()).order_by(
            "reference"
        )
        # Sold dwellings cannot be let at all; the others show their status
        # so the caseworker sees at once which are free.
        self.fields["dwelling"].queryset = (
            Dwelling.objects.with_status().filter(disposed_on__isnull=True).order_by("reference")
        )
        self.helper = self._helper(
            "household",
            "dwelling",
            Row(Column("start_date", css_class="col-sm-6"), Column("monthly_rent", css_class="col-sm-6")),
            "contract_type",
            "contract_end",
        )


def _no_autofill(**attrs: str) -> forms.TextInput:
    # The caseworker types someone else's address: no suggestions from their own.
    return forms.TextInput(attrs={"autocomplete": "off", **attrs})


class TenancyEndForm(_CrispyMixin, forms.Form):
    """The end of a tenancy, and where the household moves: its new postal
    address, or "unknown" said in so many words (a letter must never go to
    the dwelling it has left)."""

    end_date = forms.DateField(label=_("Sluttdato"), widget=date_input(), initial=timezone.localdate)
    end_reason = forms.ChoiceField(
        label=_("Årsak til avslutning"), choices=[("", _("Velg årsak"))] + list(EndReason.choices)
    )
    address = forms.CharField(label=_("Ny adresse"), max_length=200, required=False, widget=_no_autofill())
    postal_code = forms.CharField(
        label=_("Postnummer"),
        max_length=4,
        required=False,
        validators=[postal_code_validator],
        widget=_no_autofill(inputmode="numeric"),
    )
    postal_place = forms.CharField(label=_("Poststed"), max_length=100, required=False, widget=_no_autofill())
    address_unknown = forms.BooleanField(
        label=_("Ny adresse er ukjent"),
        required=False,
        help_text=_(
            "Kryss av hvis husstanden flytter uten at kontoret vet hvor. Da sendes ingen brev "
            "til husstanden før en ny adresse er registrert."
        ),
    )

    ADDRESS_FIELDS = ("address", "postal_code", "postal_place")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = self._helper(
            "end_date",
            "end_reason",
            Fieldset(
                _("Husstandens nye postadresse"),
                "address",
                Row(
                    Column("postal_code", css_class="col-sm-4"), Column("postal_place", css_class="col-sm-8")
                ),
                "address_unknown",
            ),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        given = [name for name in self.ADDRESS_FIELDS if (data.get(name) or "").strip()]
        if data.get("address_unknown"):
            if given:
                self.add_error(
                    "address_unknown",
                    _("Fyll ut den nye adressen eller kryss av for at den er ukjent, ikke begge."),
                )
        elif not given and not any(name in self.errors for name in self.ADDRESS_FIELDS):
            self.add_error(
                "address",
                _(
                    "Fyll ut husstandens nye adresse (adresse, postnummer og poststed), "
                    "eller kryss av for at ny adresse er ukjent."
                ),
            )
        else:
            missing = {
                "address": _("Skriv husstandens nye adresse."),
                "postal_code": _("Skriv postnummeret."),
                "postal_place": _("Skriv poststedet."),
            }
            for name, message in missing.items():
                if name not in given and name not in self.errors:
                    self.add_error(name, message)
        return data


class StockChangeForm(_CrispyMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Hva skal registreres?"), choices=StockChange.Kind.choices, widget=forms.RadioSelect
    )
    date = forms.DateField(label=_("Dato"), widget=date_input())
    price = AmountField(
        label=_("Pris (kr)"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=0,
        inputmode="numeric",
    )
    note = forms.CharField(label=_("Merknad"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = self._helper("kind", "date", "price", "note")


class SaleToTenantForm(_CrispyMixin, forms.Form):
    completion_date = forms.DateField(
        label=_("Overtakelsesdato"),
        widget=date_input(),
        help_text=_("Leieforholdet avsluttes og boligen går ut av boligmassen denne dagen."),
    )
    price = AmountField(
        label=_("Kjøpesum (kr)"), min_value=0, max_digits=12, decimal_places=0, inputmode="numeric"
    )
    valuation = AmountField(
        label=_("Takst (kr)"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=0,
        inputmode="numeric",
    )
    note = forms.CharField(label=_("Merknad"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = self._helper("completion_date", "price", "valuation", "note")


class ForSaleForm(forms.Form):
    for_sale = forms.BooleanField(required=False)
