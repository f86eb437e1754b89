"""The follow-up pages' forms. They parse; the rules are in services."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from housing_office.forms import OneTimeTokenForm
from housing_office.models import User

from .models import CHECK_IN_YEARS, Answer, ContactKind, FollowUpPlan, FollowUpSetting, Responsible
from .services import PLAN_FIELDS


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AdviserField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return str(obj)


class PlanForm(forms.ModelForm):
    # The create page's one-time token (tenants.services.create_once).
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = FollowUpPlan
        fields = list(PLAN_FIELDS)
        widgets = {
            "goals": forms.Textarea(attrs={"rows": 4}),
            "start_date": _date_widget(),
            "end_date": _date_widget(),
        }
        help_texts = {"end_date": _("Fyll ut når oppfølgingen avsluttes.")}

    def __init__(self, *args: Any, municipality: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["adviser"] = AdviserField(
            label=_("Boveileder"),
            queryset=User.objects.filter(municipality=municipality, is_active=True).order_by(
                "first_name", "last_name", "username"
            ),
            help_text=_("Den på kontoret som har ansvaret for oppfølgingen."),
        )
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4())

    def clean_token(self) -> uuid.UUID | None:
        try:
            return uuid.UUID(str(self.cleaned_data.get("token") or ""))
        except ValueError:
            return None

    def plan_data(self) -> dict[str, Any]:
        return {key: self.cleaned_data.get(key) for key in PLAN_FIELDS}


class ContactForm(OneTimeTokenForm):
    date = forms.DateField(label=_("Dato"), widget=_date_widget())
    kind = forms.ChoiceField(label=_("Type kontakt"), choices=ContactKind.choices)
    outcome = forms.CharField(
        label=_("Hva kom ut av det"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ActionForm(OneTimeTokenForm):
    description = forms.CharField(label=_("Hva er avtalt"), max_length=300)
    responsible = forms.ChoiceField(label=_("Ansvarlig"), choices=Responsible.choices)
    due_on = forms.DateField(label=_("Frist"), widget=_date_widget())


class ActionDoneForm(forms.Form):
    done_on = forms.DateField(label=_("Utført dato"), widget=_date_widget())


def _answer_field(label: Any) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=Answer.choices, widget=forms.RadioSelect)


class CheckInForm(forms.Form):
    years_after = forms.TypedChoiceField(
        label=_("Oppfølging"),
        coerce=int,
        choices=[(n, _("Etter %(n)s år") % {"n": n}) for n in CHECK_IN_YEARS],
    )
    done_on = forms.DateField(label=_("Dato for oppfølgingen"), widget=_date_widget())
    still_owner = _answer_field(_("Eier husstanden fortsatt boligen?"))
    behind_on_loan = _answer_field(_("Er husstanden i restanse på startlånet?"))
    needs_help = _answer_field(_("Trenger husstanden hjelp fra kontoret igjen?"))
    note = forms.CharField(
        label=_("Notat"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class SettingForm(forms.ModelForm):
    class Meta:
        model = FollowUpSetting
        fields = ["no_contact_days"]
        labels = {"no_contact_days": _("Dager uten kontakt")}
