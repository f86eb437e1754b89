"""The leader's upload form for the register import."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

# A national register is some tens of megabytes; anything far larger is a
# wrong file, not a register.
MAX_UPLOAD_BYTES = 200 * 1024 * 1024


def _csv_file(label: str, help_text: str, *, required: bool = True) -> forms.FileField:
    return forms.FileField(
        label=label,
        help_text=help_text,
        required=required,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv"}),
    )


class RegisterImportForm(forms.Form):
    dwellings = _csv_file(
        _("Boliger (CSV)"),
        _(
            "Kolonner: dwelling_ref, address, postal_code, postal_place, rooms, area_m2, category, "
            "wheelchair_accessible, acquired_on, disposed_on (og eventuelt ownership)."
        ),
    )
    households = _csv_file(
        _("Husstander (CSV)"),
        _(
            "Kolonner: household_ref, first_name, last_name, national_id, adults, children, address, "
            "postal_code, postal_place, phone, email."
        ),
    )
    tenancies = _csv_file(
        _("Leieforhold (CSV)"),
        _("Kolonner: household_ref, dwelling_ref, start_date, end_date, end_reason, monthly_rent."),
    )
    # The optional fourth file, as `import_register --applications`.
    applications = _csv_file(
        _("Søknader om kommunal bolig (CSV, valgfri)"),
        _(
            "Kolonner: application_ref, household_ref, received, decided, outcome (granted, refused, "
            "withdrawn eller tomt når søknaden ikke er avgjort)."
        ),
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        for name in ("dwellings", "households", "tenancies", "applications"):
            upload = cleaned.get(name)
            if upload is not None and upload.size > MAX_UPLOAD_BYTES:
                self.add_error(name, _("Filen er for stor (høyst 200 MB)."))
        return cleaned
