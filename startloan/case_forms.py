"""Forms for the case beside the figures: eligibility facts, the
documentation checklist and the leader's checklist."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import modelformset_factory
from django.utils.translation import gettext_lazy as _

from .casework import ELIGIBILITY_FIELDS
from .models import DocumentKind, StartLoanApplication

_DATE = {"type": "date", "class": "form-control"}


class EligibilityForm(forms.ModelForm):
    class Meta:
        model = StartLoanApplication
        fields = list(ELIGIBILITY_FIELDS)
        widgets = {
            "bank_refusal_on": forms.DateInput(attrs=_DATE, format="%Y-%m-%d"),
            "bank_refusal_facts": forms.Textarea(attrs={"rows": 2}),
            "long_term_facts": forms.Textarea(attrs={"rows": 3}),
            "savings_facts": forms.Textarea(attrs={"rows": 3}),
            "exception_facts": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["eligibility_exception"].choices = [("", _("Ingen unntak"))] + [
            c for c in self.fields["eligibility_exception"].choices if c[0]
        ]

    def _post_clean(self) -> None:
        # The service sets and saves the fields.
        pass


class ChecklistForm(forms.Form):
    """One date and note per checklist line (`lines` from
    `services.checklist`): a date means the document is received."""

    def __init__(self, *args: Any, lines: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            kind, document = line["kind"], line["document"]
            self.fields[f"received_{kind.pk}"] = forms.DateField(
                label=_("%(doc)s: mottatt") % {"doc": kind.name},
                required=False,
                initial=document.received_on if document else None,
                widget=forms.DateInput(attrs=_DATE, format="%Y-%m-%d"),
            )
            self.fields[f"note_{kind.pk}"] = forms.CharField(
                label=_("%(doc)s: merknad") % {"doc": kind.name},
                required=False,
                max_length=300,
                initial=document.note if document else "",
                widget=forms.TextInput(attrs={"class": "form-control"}),
            )

    def rows(self) -> dict[int, tuple[Any, str]]:
        data = self.cleaned_data
        return {
            line["kind"].pk: (data[f"received_{line['kind'].pk}"], data[f"note_{line['kind'].pk}"])
            for line in self.lines
        }

    def row_fields(self) -> list[tuple[Any, forms.BoundField, forms.BoundField]]:
        return [
            (line, self[f"received_{line['kind'].pk}"], self[f"note_{line['kind'].pk}"])
            for line in self.lines
        ]


DocumentKindFormSet = modelformset_factory(
    DocumentKind,
    fields=["position", "name", "description", "required", "purchase_only", "active"],
    extra=1,
    can_delete=False,
)
