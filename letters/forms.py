"""Forms for letter templates and the summons wizard."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from housing_office.models import User
from housing_office.roles import CASEWORKER, LEADER
from tenants.holidays import OFFICE_CLOSES, OFFICE_OPENS
from tenants.models import Household

from .engine import TemplateRefused
from .letter_templates import check_template
from .models import TemplateFormat


class LetterTemplateForm(forms.Form):
    """The template editor. The leader writes brevtekst (`letters.markup`);
    a version stored as HTML before brevtekst is edited as HTML
    (`format`). A post without `format` is HTML, as before brevtekst."""

    subject = forms.CharField(
        label=_("Overskrift"),
        max_length=200,
        help_text=_("Står øverst i brevet. Du kan bruke felt, for eksempel [mottakers navn]."),
    )
    body = forms.CharField(
        label=_("Brevtekst"),
        widget=forms.Textarea(attrs={"rows": 28, "spellcheck": "true"}),
    )
    format = forms.ChoiceField(choices=TemplateFormat.choices, required=False, widget=forms.HiddenInput)
    caseworker = forms.ModelChoiceField(
        label=_("Saksbehandler i forhåndsvisningen"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Meg selv"),
        widget=forms.Select(attrs={"class": "form-select"}),
        help_text=_("Navn, stilling, telefon og e-post i forhåndsvisningen er denne personens."),
    )

    def __init__(
        self, *args: Any, municipality: Any, kind: str, language: str, user: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        self.kind = kind
        self.language = language
        if user is not None:
            self.fields["caseworker"].queryset = caseworker_choices(user)
            self.fields["caseworker"].label_from_instance = caseworker_label

    def clean_format(self) -> str:
        return self.cleaned_data.get("format") or TemplateFormat.HTML

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "subject" in data and "body" in data:
            try:
                check_template(
                    data["subject"],
                    data["body"],
                    municipality=self.municipality,
                    language=self.language,
                    kind=self.kind,
                    text_format=data.get("format") or TemplateFormat.HTML,
                )
            except TemplateRefused as exc:
                self.add_error("body", exc.messages[0])
        return data


def caseworker_choices(user: Any):
    """Staff of the user's own municipality who hold meetings. Users are not
    municipality-owned rows, so this one filter is by hand."""
    return (
        User.objects.filter(municipality_id=user.municipality_id, is_active=True)
        .filter(Q(groups__name__in=[CASEWORKER, LEADER]) | Q(pk=user.pk))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def caseworker_label(obj: User) -> str:
    name = obj.get_full_name() or obj.username
    return f"{name} ({obj.title})" if obj.title else name


class CaseworkerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return caseworker_label(obj)


class SummonsForm(forms.Form):
    token = forms.UUIDField(widget=forms.HiddenInput)
    households = forms.ModelMultipleChoiceField(
        label=_("Husstander"),
        queryset=Household.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Velg minst én husstand.")},
    )
    place = forms.CharField(
        label=_("Sted for samtalene"),
        max_length=200,
        help_text=_("Står i brevet. For eksempel «Rådhuset, møterom 2, Henrik Ibsens gate 2»."),
    )
    first_date = forms.DateField(
        label=_("Første dag"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    first_time = forms.TimeField(
        label=_("Første samtale klokken"),
        initial=datetime.time(9, 0),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    slot_minutes = forms.IntegerField(
        label=_("Minutter per samtale"), min_value=15, max_value=240, initial=45
    )
    caseworkers = CaseworkerChoiceField(
        label=_("Saksbehandlere"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Med flere saksbehandlere fordeles samtalene på omgang, og de kan gå samtidig."),
        error_messages={"required": _("Velg minst én saksbehandler.")},
    )
    day_starts = forms.TimeField(
        label=_("Første samtale på dagen tidligst"),
        initial=OFFICE_OPENS,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    day_ends = forms.TimeField(
        label=_("Siste samtale slutter senest"),
        initial=OFFICE_CLOSES,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    letter_date = forms.DateField(
        label=_("Brevdato"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    print_only = forms.BooleanField(
        label=_("Send alle brevene på papir"),
        required=False,
        help_text=_(
            "Uten avkryssing går brevene digitalt gjennom SvarUt til dem som har fødselsnummer, "
            "og på papir til resten."
        ),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        # The scoped manager keeps the choices to the user's municipality.
        self.fields["households"].queryset = Household.objects.all()
        self.fields["caseworkers"].queryset = caseworker_choices(user)
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4())
            self.initial.setdefault("letter_date", timezone.localdate())
            self.initial.setdefault("caseworkers", [user.pk])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        starts, ends, minutes = data.get("day_starts"), data.get("day_ends"), data.get("slot_minutes")
        if starts and ends:
            if ends <= starts:
                self.add_error("day_ends", _("Siste samtale må slutte etter at den første begynner."))
            elif minutes:
                span = datetime.datetime.combine(datetime.date.min, ends) - datetime.datetime.combine(
                    datetime.date.min, starts
                )
                if datetime.timedelta(minutes=minutes) > span:
                    self.add_error("slot_minutes", _("En samtale må få plass innenfor dagen."))
        first_date, first_time = data.get("first_date"), data.get("first_time")
        if first_date and first_time:
            first = timezone.make_aware(datetime.datetime.combine(first_date, first_time))
            if first < timezone.now():
                self.add_error("first_date", _("Første samtale kan ikke være tilbake i tid."))
            data["first"] = first
        letter_date = data.get("letter_date")
        if letter_date and first_date and letter_date > first_date:
            self.add_error("letter_date", _("Brevet må være datert før den første samtalen."))
        return data
