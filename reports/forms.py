from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import YearlyReportText


class ReportYearForm(forms.Form):
    year = forms.TypedChoiceField(label=_("År"), coerce=int)

    def __init__(self, *args, years: list[int] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        years = years or list(range(this_year, this_year - 15, -1))
        self.fields["year"].choices = [(y, str(y)) for y in years]
        self.fields["year"].initial = this_year - 1


class YearlyReportTextForm(forms.ModelForm):
    """The leader's introduction and comments: plain text, paragraphs
    separated by a blank line. Shown escaped; no HTML is ever made of it."""

    class Meta:
        model = YearlyReportText
        fields = YearlyReportText.TEXT_FIELDS
        help_texts = dict.fromkeys(
            YearlyReportText.TEXT_FIELDS, _("Vanlig tekst. La en tom linje skille avsnittene.")
        )
        widgets = {name: forms.Textarea(attrs={"rows": 4}) for name in YearlyReportText.TEXT_FIELDS}
