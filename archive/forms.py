from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.forms import OneTimeTokenForm

MAX_UPLOAD = 20 * 1024 * 1024


class IncomingDocumentForm(OneTimeTokenForm):
    title = forms.CharField(label=_("Tittel"), max_length=300)
    received_on = forms.DateField(
        label=_("Mottatt"), widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate
    )
    sender = forms.CharField(label=_("Avsender"), max_length=200)
    public_title = forms.CharField(
        label=_("Offentlig tittel"),
        max_length=300,
        required=False,
        help_text=_(
            "Tittelen i offentlig journal. Tom: tittelen med navnene i husstanden og avsenderen skjult."
        ),
    )
    screened = forms.BooleanField(
        label=_("Unntatt offentlighet (offl. § 13 jf. fvl. § 13)"), required=False, initial=True
    )
    document = forms.FileField(label=_("Dokument (PDF)"))

    def clean_received_on(self):
        day = self.cleaned_data["received_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("Datoen kan ikke være fram i tid."))
        return day

    def clean_document(self):
        upload = self.cleaned_data["document"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("Filen er større enn 20 MB."))
        head = upload.read(5)
        upload.seek(0)
        if head != b"%PDF-":
            raise forms.ValidationError(_("Filen er ikke en PDF."))
        return upload


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("Fra og med"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Til og med"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("Til-datoen kan ikke være før fra-datoen."))
            if (end - start) > datetime.timedelta(days=366):
                raise forms.ValidationError(_("Velg en periode på høyst ett år."))
        return data


class ExtractionForm(forms.Form):
    year = forms.IntegerField(label=_("År"), min_value=2000, max_value=2999)
