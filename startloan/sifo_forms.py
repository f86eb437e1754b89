"""The leader's SIFO reference-budget tables on the parameters page: the
per-person items by sex and age band, the household items by size."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.forms import BaseInlineFormSet, inlineformset_factory

from .forms import _money_fields
from .models import LoanParameters, SifoHouseholdRate, SifoPersonRate


class _SifoForm(forms.ModelForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _money_fields(self)
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-select" if name == "sex" else "form-control"
            if name in self._meta.model.ITEMS:
                field.required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # A blank item is an item SIFO gives no amount for.
        for name in self._meta.model.ITEMS:
            if data.get(name) is None:
                data[name] = Decimal("0")
        return data


class SifoPersonForm(_SifoForm):
    class Meta:
        model = SifoPersonRate
        fields = ["sex", "from_age", "to_age", *SifoPersonRate.ITEMS]


class SifoHouseholdForm(_SifoForm):
    class Meta:
        model = SifoHouseholdRate
        fields = ["household_size", *SifoHouseholdRate.ITEMS]


class BaseSifoFormSet(BaseInlineFormSet):
    def rows(self) -> list[dict[str, Any]]:
        return [f.cleaned_data for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]


SifoPersonFormSet = inlineformset_factory(
    LoanParameters,
    SifoPersonRate,
    form=SifoPersonForm,
    formset=BaseSifoFormSet,
    fields=SifoPersonForm.Meta.fields,
    extra=2,
    can_delete=True,
)
SifoHouseholdFormSet = inlineformset_factory(
    LoanParameters,
    SifoHouseholdRate,
    form=SifoHouseholdForm,
    formset=BaseSifoFormSet,
    fields=SifoHouseholdForm.Meta.fields,
    extra=1,
    can_delete=True,
)
