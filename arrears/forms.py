from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from register_import.parse import CellError, parse_date, parse_decimal

from .models import CloseReason


class StepForm(forms.Form):
    """One form for every step; each step reads the fields it needs."""

    date = forms.DateField(label=_("Dato"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(
        label=_("Merknad / hvordan"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    nav_office = forms.CharField(label=_("NAV-kontor"), required=False, max_length=200)
    nav_address = forms.CharField(label=_("NAV-kontorets postadresse"), required=False, max_length=200)
    nav_postal = forms.CharField(label=_("Postnummer og sted"), required=False, max_length=100)
    bailiff = forms.CharField(label=_("Namsmann"), required=False, max_length=200)
    reason = forms.ChoiceField(
        label=_("Avsluttet fordi"),
        required=False,
        choices=[("", "—")] + [c for c in CloseReason.choices if c[0] != CloseReason.EVICTED],
    )
    instalments = forms.CharField(
        label=_("Avdrag, ett per linje: dato og beløp"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "20.03.2031 2000\n20.04.2031 2000"}),
    )

    def day(self) -> datetime.date:
        return self.cleaned_data.get("date") or timezone.localdate()

    def clean_instalments(self) -> list[tuple[datetime.date, Decimal]]:
        plan = []
        for number, line in enumerate(self.cleaned_data.get("instalments", "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = line.split(None, 1)
            if len(parts) != 2:
                raise forms.ValidationError(_("Linje %(n)s: skriv dato og beløp.") % {"n": number})
            try:
                plan.append((parse_date(parts[0]), parse_decimal(parts[1])))
            except CellError as exc:
                raise forms.ValidationError(_("Linje %(n)s: %(e)s") % {"n": number, "e": exc}) from None
        return plan


class OpenCaseForm(forms.Form):
    """A case opened by hand, before the month's list shows the arrears."""

    amount = forms.DecimalField(
        label=_("Restanse (kr)"), min_value=Decimal("0.01"), max_digits=12, decimal_places=2, localize=True
    )
    oldest_due_date = forms.DateField(
        label=_("Eldste ubetalte forfall"), widget=forms.DateInput(attrs={"type": "date"})
    )


# A month's arrears list is a row per tenancy in arrears: kilobytes. Far
# larger is a wrong file.
MAX_LIST_BYTES = 10 * 1024 * 1024


class ArrearsImportForm(forms.Form):
    file = forms.FileField(
        label=_("Restanseliste (CSV)"),
        help_text=_("Kolonner: dwelling_ref, household_ref, amount, oldest_due_date, as_of."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_LIST_BYTES:
            raise forms.ValidationError(_("Filen er for stor (høyst 10 MB)."))
        return upload
