"""Forms of the caseworker's household pages."""

from __future__ import annotations

import datetime
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms
from django.db.models.functions import Lower
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from housing_office.forms import OneTimeTokenForm
from housing_office.models import Municipality, User
from housing_office.national_id import InvalidNationalId, compact, mask, parse

from .barrier_forms import add_coded_outcome_fields
from .models import Household, MeetingStatus, OutreachMeeting, PathwayStage, Person, PersonRole
from .services import RECORDABLE_STATUSES

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def municipality_users(municipality: Municipality | None):
    """Active users of one municipality. Users are not municipality-owned
    rows, so the scoping manager does not filter them: this does."""
    if municipality is None:
        return User.objects.none()
    return User.objects.filter(municipality=municipality, is_active=True).order_by(
        "first_name", "last_name", "username"
    )


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return str(obj)


def clean_national_id(value: str, date_of_birth: datetime.date | None) -> tuple[str, datetime.date | None]:
    """Validate a typed national identity number against the birth date.

    Returns the number without spaces and the birth date (taken from the
    number when none was typed). Raises forms.ValidationError.
    """
    number = compact(value or "")
    if not number:
        return "", date_of_birth
    try:
        parsed = parse(number)
    except InvalidNationalId as exc:
        raise forms.ValidationError(str(exc), code="invalid_national_id") from exc
    if parsed.birth_date and date_of_birth and parsed.birth_date != date_of_birth:
        raise forms.ValidationError(
            _("Fødselsnummeret passer ikke med fødselsdatoen."), code="birth_date_mismatch"
        )
    return number, date_of_birth or parsed.birth_date


class _WithoutInitialBoundField(forms.BoundField):
    """Renders what the user typed, never an initial value."""

    @property
    def initial(self) -> str:
        return ""


class NewNationalIdField(forms.CharField):
    """Where a whole national identity number is typed in: to register one or
    to replace the stored one.

    The full number may reach a screen only through the logged reveal
    (personopplysningsloven § 12, GDPR art. 32), so this field never renders
    an initial value, whatever a form passes it: a stored number can never be
    prefilled into the page. What the user typed on a failed submit is shown
    back, as it came from them.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 14)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def get_bound_field(self, form: forms.BaseForm, field_name: str) -> forms.BoundField:
        return _WithoutInitialBoundField(form, self, field_name)

    def has_changed(self, initial: Any, data: Any) -> bool:
        return bool(compact(data or ""))


NEW_NUMBER_HELP = _("11 siffer. Valgfritt; fyll ut bare når det trengs for sikker identifisering.")


def national_id_help(stored: str) -> str:
    """The help text under a national-id field: the masked stored number and
    what an empty field means."""
    if not stored:
        return str(NEW_NUMBER_HELP)
    return _(
        "Registrert: %(masked)s. La feltet stå tomt for å beholde nummeret, "
        "eller skriv hele det nye nummeret (11 siffer) for å endre det."
    ) % {"masked": mask(stored)}


def remove_national_id_field() -> forms.BooleanField:
    return forms.BooleanField(
        label=_("Fjern det registrerte fødselsnummeret"),
        required=False,
    )


def resolve_national_id(
    *,
    stored: str,
    new: str,
    remove: bool,
    date_of_birth: datetime.date | None,
) -> tuple[str, datetime.date | None]:
    """The number to save after an edit, and the birth date.

    An empty new number keeps the stored one; `remove` clears it; a typed
    number is validated as on registration. Returns (number, birth date
    taken from the number when none was given). Raises forms.ValidationError.
    """
    typed = compact(new or "")
    if remove and typed:
        raise forms.ValidationError(
            _("Skriv et nytt fødselsnummer eller fjern det registrerte, ikke begge deler."),
            code="remove_and_new",
        )
    if remove:
        return "", date_of_birth
    if typed:
        return clean_national_id(typed, date_of_birth)
    if not stored:
        return "", date_of_birth
    # The kept number is checked against a changed birth date as before; a
    # stored number that no longer parses is left for the user to replace.
    try:
        parsed = parse(stored)
    except InvalidNationalId:
        return stored, date_of_birth
    if parsed.birth_date and date_of_birth and parsed.birth_date != date_of_birth:
        raise forms.ValidationError(
            _("Fødselsdatoen passer ikke med det registrerte fødselsnummeret."),
            code="birth_date_mismatch",
        )
    return stored, date_of_birth or parsed.birth_date


class HouseholdForm(forms.ModelForm):
    """A household and its main person, on one form."""

    main_first_name = forms.CharField(label=_("Fornavn"), max_length=100)
    main_last_name = forms.CharField(label=_("Etternavn"), max_length=100)
    main_date_of_birth = forms.DateField(label=_("Fødselsdato"), required=False, widget=DATE_WIDGET)
    main_national_id = NewNationalIdField(label=_("Fødselsnummer"), help_text=NEW_NUMBER_HELP)
    main_national_id_remove = remove_national_id_field()

    class Meta:
        model = Household
        fields = [
            "reference",
            "caseworker",
            "address",
            "postal_code",
            "postal_place",
            "phone",
            "email",
            "letter_language",
            "interpreter_language",
        ]
        widgets = {
            "postal_code": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        }

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        self.fields["caseworker"] = UserChoiceField(
            label=_("Saksbehandler"),
            queryset=municipality_users(municipality),
            required=False,
            empty_label=_("Ingen"),
        )
        if self.instance.pk:
            self.fields["caseworker"].initial = self.instance.caseworker_id
            main = self.main_person
            if main is not None:
                self.initial.setdefault("main_first_name", main.first_name)
                self.initial.setdefault("main_last_name", main.last_name)
                self.initial.setdefault("main_date_of_birth", main.date_of_birth)
        stored = self.stored_national_id
        if stored:
            self.fields["main_national_id"].label = _("Nytt fødselsnummer")
            self.fields["main_national_id"].help_text = national_id_help(stored)
        else:
            del self.fields["main_national_id_remove"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        # The page's <form> carries the token.
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Fieldset(
                _("Husstanden"),
                Div(
                    Div("reference", css_class="col-md-4"),
                    Div("caseworker", css_class="col-md-4"),
                    css_class="row",
                ),
                Div(
                    Div("address", css_class="col-md-6"),
                    Div("postal_code", css_class="col-md-2"),
                    Div("postal_place", css_class="col-md-4"),
                    css_class="row",
                ),
                Div(Div("phone", css_class="col-md-4"), Div("email", css_class="col-md-8"), css_class="row"),
                Div(
                    Div("letter_language", css_class="col-md-4"),
                    Div("interpreter_language", css_class="col-md-8"),
                    css_class="row",
                ),
            ),
            Fieldset(
                _("Hovedperson"),
                Div(
                    Div("main_first_name", css_class="col-md-6"),
                    Div("main_last_name", css_class="col-md-6"),
                    css_class="row",
                ),
                Div(
                    Div("main_date_of_birth", css_class="col-md-4"),
                    Div(
                        "main_national_id",
                        *(["main_national_id_remove"] if stored else []),
                        css_class="col-md-8",
                    ),
                    css_class="row",
                ),
            ),
        )

    @property
    def main_person(self) -> Person | None:
        if not self.instance.pk:
            return None
        if not hasattr(self, "_main_person"):
            self._main_person = self.instance.members.filter(role=PersonRole.MAIN).first()
        return self._main_person

    @property
    def stored_national_id(self) -> str:
        main = self.main_person
        return main.national_id if main is not None else ""

    def clean_reference(self) -> str:
        reference = self.cleaned_data["reference"].strip()
        if not reference:
            raise forms.ValidationError(_("Skriv en referanse."), code="required")
        # The database constraint compares lower-cased references within one
        # municipality; ask the same question first so the user gets a message.
        taken = (
            Household.all_objects.filter(municipality=self.municipality)
            .annotate(reference_lower=Lower("reference"))
            .filter(reference_lower=reference.lower())
            .exclude(pk=self.instance.pk)
            .exists()
        )
        if taken:
            raise forms.ValidationError(
                _("Det finnes allerede en husstand med denne referansen."), code="reference_taken"
            )
        return reference

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if "main_national_id" in cleaned:
            typed = bool(compact(cleaned.get("main_national_id") or ""))
            try:
                number, born = resolve_national_id(
                    stored=self.stored_national_id,
                    new=cleaned.get("main_national_id", ""),
                    remove=bool(cleaned.get("main_national_id_remove")),
                    date_of_birth=cleaned.get("main_date_of_birth"),
                )
            except forms.ValidationError as exc:
                # A kept number that no longer matches belongs to the birth date.
                kept = not typed and bool(self.stored_national_id)
                self.add_error("main_date_of_birth" if kept else "main_national_id", exc)
            else:
                cleaned["main_national_id"], cleaned["main_date_of_birth"] = number, born
        return cleaned

    def save_main_person(self, household: Household) -> Person:
        main = self.main_person or Person(household=household, role=PersonRole.MAIN)
        main.first_name = self.cleaned_data["main_first_name"].strip()
        main.last_name = self.cleaned_data["main_last_name"].strip()
        main.date_of_birth = self.cleaned_data.get("main_date_of_birth")
        main.national_id = self.cleaned_data.get("main_national_id", "")
        main.save()
        return main


class MemberForm(forms.ModelForm):
    # Not a model field of the form: the stored number is never its initial
    # value. `clean` decides what is saved.
    national_id = NewNationalIdField(label=_("Fødselsnummer"), help_text=NEW_NUMBER_HELP)
    national_id_remove = remove_national_id_field()

    class Meta:
        model = Person
        fields = ["role", "first_name", "last_name", "date_of_birth"]
        widgets = {"date_of_birth": DATE_WIDGET}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The main person is on the household form; here come the others.
        self.fields["role"].choices = [(v, label) for v, label in PersonRole.choices if v != PersonRole.MAIN]
        self.stored_national_id = self.instance.national_id if self.instance.pk else ""
        if self.stored_national_id:
            self.fields["national_id"].label = _("Nytt fødselsnummer")
            self.fields["national_id"].help_text = national_id_help(self.stored_national_id)
        else:
            del self.fields["national_id_remove"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        # The page's <form> carries the token.
        self.helper.disable_csrf = True

    def has_changed(self) -> bool:
        # A blank new row still posts the role its select shows; that alone
        # is not a person. For a saved member a new role is a real change.
        if self.instance.pk:
            return super().has_changed()
        return any(name != "role" for name in self.changed_data)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if "national_id" in cleaned:
            typed = bool(compact(cleaned.get("national_id") or ""))
            try:
                number, born = resolve_national_id(
                    stored=self.stored_national_id,
                    new=cleaned.get("national_id", ""),
                    remove=bool(cleaned.get("national_id_remove")),
                    date_of_birth=cleaned.get("date_of_birth"),
                )
            except forms.ValidationError as exc:
                kept = not typed and bool(self.stored_national_id)
                self.add_error("date_of_birth" if kept else "national_id", exc)
            else:
                cleaned["national_id"], cleaned["date_of_birth"] = number, born
                self.instance.national_id, self.instance.date_of_birth = number, born
        if (
            self.has_changed()
            and not cleaned.get("DELETE")
            and not (cleaned.get("first_name") or cleaned.get("last_name"))
        ):
            self.add_error("first_name", _("Skriv fornavn eller etternavn."))
        return cleaned


class BaseMemberFormSet(BaseInlineFormSet):
    def get_queryset(self):
        return super().get_queryset().exclude(role=PersonRole.MAIN)


MemberFormSet = inlineformset_factory(
    Household,
    Person,
    form=MemberForm,
    formset=BaseMemberFormSet,
    extra=1,
    can_delete=True,
    max_num=30,
    validate_max=True,
)


class StageChangeForm(forms.Form):
    to_stage = forms.ChoiceField(label=_("Ny fase"), choices=PathwayStage.choices)
    reason = forms.CharField(
        label=_("Begrunnelse"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Skriv en begrunnelse for faseendringen.")},
        max_length=2000,
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, household: Household | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if household is not None and not self.is_bound:
            self.fields["to_stage"].initial = household.pathway_stage
        self.helper = FormHelper()
        self.helper.form_tag = False
        # The page's <form> carries the token.
        self.helper.disable_csrf = True


class JournalNoteForm(OneTimeTokenForm):
    text = forms.CharField(
        label=_("Nytt notat"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Notatet er tomt.")},
        max_length=10000,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        # The page's <form> carries the token.
        self.helper.disable_csrf = True


def _crispy_helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    # The page's <form> carries the token.
    helper.disable_csrf = True
    return helper


OUTCOME_NOTES_FIELD = {
    "label": _("Hva kom fram"),
    "required": False,
    "max_length": 10000,
    "widget": forms.Textarea(attrs={"rows": 4}),
}
NEXT_STEPS_FIELD = {
    "label": _("Videre oppfølging"),
    "required": False,
    "max_length": 10000,
    "widget": forms.Textarea(attrs={"rows": 3}),
}


CHOOSE_RESULT = _("Velg om samtalen ble gjennomført, om husstanden ikke møtte, eller om den ble avlyst.")


class MeetingRecordForm(forms.Form):
    """How a meeting went. A plain form, not a model form: validating it
    never touches the meeting, so a refused save leaves the page showing
    the meeting as it is stored (`tenants.services.record_meeting` saves)."""

    status = forms.ChoiceField(
        label=_("Hvordan gikk det?"),
        widget=forms.RadioSelect,
        error_messages={"required": CHOOSE_RESULT},
    )
    outcome_notes = forms.CharField(**OUTCOME_NOTES_FIELD)
    next_steps = forms.CharField(**NEXT_STEPS_FIELD)

    def __init__(self, *args: Any, meeting: OutreachMeeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            (v, label) for v, label in MeetingStatus.choices if v in RECORDABLE_STATUSES
        ]
        add_coded_outcome_fields(self, meeting.municipality_id)
        self.order_fields(["status", "outcome_notes", "barriers", "household_goal", "next_steps"])
        if not self.is_bound:
            if meeting.status != MeetingStatus.PLANNED:
                self.initial["status"] = meeting.status
            self.initial["outcome_notes"] = meeting.outcome_notes
            self.initial["next_steps"] = meeting.next_steps
            self.initial["household_goal"] = meeting.household_goal
            if meeting.pk:
                self.initial["barriers"] = list(meeting.barriers.values_list("pk", flat=True))
        self.helper = _crispy_helper()


PLAN, HELD = "plan", "held"
MEETING_KINDS = [
    (PLAN, _("Planlegg en samtale")),
    (HELD, _("Registrer en samtale som er holdt")),
]


class MeetingForm(OneTimeTokenForm):
    """A new meeting: planned ahead, or one that has already taken place (a
    walk-in, the same day, yesterday) registered directly as held with what
    came out of it. A form without a kind plans, as the form always did."""

    kind = forms.ChoiceField(
        label=_("Hva vil du gjøre?"), choices=MEETING_KINDS, widget=forms.RadioSelect, required=False
    )
    date = forms.DateField(label=_("Dato"), widget=DATE_WIDGET)
    time = forms.TimeField(
        label=_("Klokkeslett"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    duration_minutes = forms.IntegerField(
        label=_("Varighet (minutter)"), min_value=5, max_value=480, initial=45
    )
    place = forms.CharField(label=_("Sted"), max_length=200)
    caseworker = UserChoiceField(label=_("Saksbehandler"), queryset=User.objects.none())
    outcome_notes = forms.CharField(
        **{**OUTCOME_NOTES_FIELD, "help_text": _("Bare for en samtale som er holdt.")}
    )
    next_steps = forms.CharField(**{**NEXT_STEPS_FIELD, "help_text": _("Bare for en samtale som er holdt.")})

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("kind", PLAN)
        self.fields["caseworker"].queryset = municipality_users(municipality)
        add_coded_outcome_fields(self, municipality.pk)
        self.helper = _crispy_helper()
        self.helper.layout = Layout(
            "token",
            "kind",
            Fieldset(
                _("Tid og sted"),
                Div(
                    Div("date", css_class="col-sm-6"),
                    Div("time", css_class="col-sm-6"),
                    css_class="row",
                ),
                Div(
                    Div("duration_minutes", css_class="col-sm-6"),
                    Div("caseworker", css_class="col-sm-6"),
                    css_class="row",
                ),
                "place",
            ),
            Fieldset(
                _("Hva kom fram (for en samtale som er holdt)"),
                "outcome_notes",
                "barriers",
                "household_goal",
                "next_steps",
            ),
        )

    def clean_kind(self) -> str:
        return self.cleaned_data.get("kind") or PLAN

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("kind") == PLAN:
            if cleaned.get("barriers"):
                self.add_error(
                    "barriers",
                    _(
                        "En samtale som er planlagt, er ikke holdt ennå. Velg «Registrer en samtale "
                        "som er holdt», eller fjern kryssene."
                    ),
                )
            for name in ("outcome_notes", "household_goal", "next_steps"):
                if (cleaned.get(name) or "").strip():
                    # Saying nothing would drop what the user wrote.
                    self.add_error(
                        name,
                        _(
                            "En samtale som er planlagt, er ikke holdt ennå. Velg «Registrer en samtale "
                            "som er holdt», eller tøm feltet."
                        ),
                    )
        return cleaned

    @property
    def is_held(self) -> bool:
        return self.cleaned_data.get("kind") == HELD

    @property
    def starts_at(self) -> datetime.datetime:
        return timezone.make_aware(
            datetime.datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"])
        )


class CandidateSettingsForm(forms.ModelForm):
    candidate_min_years = forms.IntegerField(
        label=_("Kommunens standard for botid (år)"),
        min_value=1,
        max_value=50,
        help_text=_("Gjelder for alle i kommunen når de åpner kandidatlisten."),
    )

    class Meta:
        model = Municipality
        fields = ["candidate_min_years"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        # The page's <form> carries the token.
        self.helper.disable_csrf = True
