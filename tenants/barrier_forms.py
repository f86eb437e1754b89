"""Forms for the coded outcome of a held meeting: the barriers found (the
municipality's own list, kept by the leader) and the household's own goal."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Barrier


def add_coded_outcome_fields(form: forms.Form, municipality_id: int) -> None:
    """The coded outcome of a held meeting: the barriers found (the
    municipality's own list, `Barrier`) and the household's own goal."""
    form.fields["barriers"] = forms.ModelMultipleChoiceField(
        label=_("Hva holder husstanden tilbake?"),
        queryset=Barrier.all_objects.filter(municipality_id=municipality_id, active=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Kryss av for det som kom fram i samtalen. Lederen holder listen ved like."),
    )
    form.fields["household_goal"] = forms.CharField(
        label=_("Husstandens eget mål"),
        max_length=300,
        required=False,
        help_text=_("Med husstandens egne ord, for eksempel «Eie egen bolig innen to år»."),
    )


class BarrierForm(forms.ModelForm):
    class Meta:
        model = Barrier
        fields = ["name", "description", "order", "active"]
        labels = {
            "name": _("Navn"),
            "description": _("Beskrivelse"),
            "order": _("Rekkefølge"),
            "active": _("I bruk"),
        }


# Barriers are retired, never deleted: meetings refer to them.
BarrierFormSet = forms.modelformset_factory(Barrier, form=BarrierForm, extra=1, can_delete=False)
