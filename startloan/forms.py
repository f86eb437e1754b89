from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseFormSet, BaseInlineFormSet, formset_factory, inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.models import Household

from . import services
from .affordability import DebtKind, standard_purchase_costs
from .models import (
    ApplicationStatus,
    LivingCostRate,
    LoanParameters,
    RepaymentType,
    StartLoanApplication,
)

_SPACES = re.compile(r"[\s\u00a0\u202f]+")


def _parse_number(value: Any) -> Any:
    """Accept what Norwegians type: "2 000 000", "1 234,50", "4,64 %", "kr 5000"."""
    if isinstance(value, str):
        value = _SPACES.sub("", value).replace("kr", "").replace("%", "").replace("−", "-")
        value = value.replace(",", ".")
    return value


class MoneyField(forms.DecimalField):
    """Whole kroner; øre are rounded half up."""

    widget = forms.TextInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", Decimal("0"))
        kwargs.setdefault("max_digits", 12)
        kwargs.pop("decimal_places", None)
        kwargs.setdefault(
            "error_messages", {"invalid": _("Skriv et beløp i hele kroner, for eksempel 2 500 000.")}
        )
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:
        value = super().to_python(_parse_number(value))
        if value is None:
            return None
        try:
            return value.quantize(Decimal("1"), rounding=ROUND_HALF_UP)
        except InvalidOperation:
            # 1E28 and up cannot be rounded in Decimal's 28 digits: no amount anyone means.
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

    def prepare_value(self, value: Any) -> Any:
        # "3 000 000": readable, and typed back in the same way.
        if isinstance(value, Decimal | int):
            return f"{Decimal(value):,.0f}".replace(",", " ")
        return value

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.pop("step", None)
        attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        return attrs


class PercentField(forms.DecimalField):
    widget = forms.TextInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {"invalid": _("Skriv et tall, for eksempel 4,64.")})
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:
        return super().to_python(_parse_number(value))

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            return f"{value.normalize():f}".replace(".", ",")
        return value

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.pop("step", None)
        attrs.update({"inputmode": "decimal", "autocomplete": "off"})
        return attrs


def _money_fields(model_form: forms.ModelForm) -> None:
    """Swap the model's DecimalFields for MoneyFields, keeping labels and help."""
    for name, field in list(model_form.fields.items()):
        if isinstance(field, forms.DecimalField) and not isinstance(field, MoneyField | PercentField):
            model_field = model_form._meta.model._meta.get_field(name)
            if model_field.decimal_places == 0:
                model_form.fields[name] = MoneyField(
                    label=field.label,
                    help_text=field.help_text,
                    required=field.required,
                    initial=field.initial,
                )
            else:
                model_form.fields[name] = PercentField(
                    label=field.label,
                    help_text=field.help_text,
                    required=field.required,
                    initial=field.initial,
                    max_digits=model_field.max_digits,
                    decimal_places=model_field.decimal_places,
                    validators=model_field.validators,
                )


FIXED_RATE_CHOICES = [("", _("Flytende rente"))] + [
    (str(years), _("%(n)s år") % {"n": years}) for years in services.FIXED_RATE_PERIODS
]


DEBT_KINDS = [
    (DebtKind.STUDENT, _("Studielån")),
    (DebtKind.CAR, _("Billån")),
    (DebtKind.CREDIT, _("Forbrukslån / kredittkort (ramme)")),
    (DebtKind.OTHER, _("Annen gjeld")),
]


class DebtForm(forms.Form):
    """One debt the household keeps. A credit line is entered with its limit
    and serviced over at most 5 years; other debt needs its remaining term or
    its monthly payment."""

    # The browser posts the first kind for the empty extra row: as the
    # initial value it leaves that row unchanged (and skipped), not half-filled.
    kind = forms.ChoiceField(label=_("Type gjeld"), choices=DEBT_KINDS, initial=DebtKind.STUDENT)
    balance = MoneyField(label=_("Restgjeld / kredittramme (kr)"))
    rate = PercentField(
        label=_("Rente (%)"), min_value=Decimal("0"), max_value=Decimal("100"), max_digits=6, decimal_places=3
    )
    term_years = forms.IntegerField(
        label=_("Gjenværende løpetid (år)"), min_value=1, max_value=50, required=False
    )
    monthly_payment = MoneyField(label=_("Terminbeløp per måned (kr)"), required=False)
    fixed_rate = forms.BooleanField(label=_("Fast rente"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if (
            data.get("kind") != DebtKind.CREDIT
            and data.get("balance")
            and data.get("term_years") is None
            and data.get("monthly_payment") is None
        ):
            self.add_error("term_years", _("Oppgi gjenværende løpetid eller terminbeløp."))
        return data

    def stored(self) -> dict[str, Any]:
        """The row as kept in `StartLoanApplication.debts` (JSON)."""
        data = self.cleaned_data
        payment = data.get("monthly_payment")
        return {
            "kind": data["kind"],
            "balance": str(data["balance"]),
            "rate": str(data["rate"]),
            "term_years": data.get("term_years"),
            "monthly_payment": None if payment is None else str(payment),
            "fixed_rate": bool(data.get("fixed_rate")),
        }


class BaseDebtFormSet(BaseFormSet):
    def rows(self) -> list[dict[str, Any]]:
        return [
            form.stored()
            for form in self.forms
            if form.has_changed() and form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


DebtFormSet = formset_factory(
    DebtForm, formset=BaseDebtFormSet, extra=1, can_delete=True, max_num=20, validate_max=True
)


# Amounts a blank means none of.
ZERO_WHEN_BLANK = (
    "common_debt",
    "monthly_common_costs",
    "monthly_child_benefit",
    "monthly_housing_allowance",
    "monthly_child_support",
)


class ApplicationForm(forms.ModelForm):
    """The application's figures, before a decision. The debts the household
    keeps come in `debt_formset` (prefix "debts"); `existing_debt` is their
    sum."""

    household = forms.ModelChoiceField(queryset=Household.objects.none(), widget=forms.HiddenInput)
    fixed_rate_years = forms.TypedChoiceField(
        label=_("Fastrente"),
        choices=FIXED_RATE_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": _("Fastrente kan bindes for 3, 5, 10 eller 20 år.")},
    )

    class Meta:
        model = StartLoanApplication
        fields = [
            "household",
            *(name for name in services.APPLICATION_FIELDS if name not in ("debts", "existing_debt")),
        ]
        widgets = {"received_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The queryset is built here, inside the request's municipality scope.
        self.fields["household"].queryset = Household.objects.all()
        _money_fields(self)
        self.fields["purchase_costs"].required = False
        self.fields["purchase_costs"].initial = None
        self.fields["purchase_costs"].help_text = _(
            "Tom: dokumentavgift 2,5 % for selveier eller fast sum for borettslag beregnes."
        )
        self.fields["term_years"].widget.attrs.update({"min": 1, "max": 50})
        for name in ZERO_WHEN_BLANK:
            self.fields[name].required = False
        self.debt_formset = self._debt_formset()
        self.fields["interest_only_years"].widget.attrs.update({"min": 0, "max": 8})
        instance = self.instance
        if instance.pk and not self.is_bound and instance.purchase_price is not None:
            # Costs equal to the standard were computed: show them blank, so a
            # new price recomputes them.
            params = services.to_affordability(
                services.parameters_for(instance.municipality_id, instance.received_on.year)
            )
            if instance.purchase_costs == standard_purchase_costs(
                instance.purchase_price, instance.ownership_form, params, instance.purpose
            ):
                self.initial["purchase_costs"] = None

    def _debt_formset(self) -> BaseDebtFormSet:
        """Bound to the posted rows; a post without the formset (an older
        client) keeps the application's debts. Unbound: the stored rows, and
        an older application's lump sum as one row to complete."""
        instance = self.instance
        # A re-assessment starts from a saved application's rows (initial).
        stored = list(instance.debts or []) if instance.pk else list(self.initial.get("debts") or [])
        if not stored and instance.pk and instance.existing_debt:
            stored = [{"kind": DebtKind.OTHER, "balance": instance.existing_debt, "rate": None}]
        initial = [
            {
                **row,
                "balance": Decimal(str(row["balance"])),
                "rate": None if row.get("rate") in (None, "") else Decimal(str(row["rate"])),
            }
            for row in stored
            if row.get("balance") not in (None, "")
        ]
        if self.is_bound and "debts-TOTAL_FORMS" in self.data:
            return DebtFormSet(self.data, prefix="debts")
        self._kept_debts = list(instance.debts or []) if instance.pk else []
        return DebtFormSet(prefix="debts", initial=initial)

    def _clean_debts(self, data: dict[str, Any]) -> None:
        formset = self.debt_formset
        if not formset.is_bound:
            if not self.is_bound or not self._kept_debts:
                return  # nothing posted: the stored figures stand
            rows = self._kept_debts
        elif formset.is_valid():
            rows = formset.rows()
        else:
            for number, errors in enumerate(formset.errors, start=1):
                for field, messages in errors.items():
                    label = formset.forms[0].fields[field].label if field in formset.forms[0].fields else ""
                    for message in messages:
                        self.add_error(
                            None,
                            _("Gjeld %(n)s: %(label)s: %(message)s")
                            % {"n": number, "label": label, "message": message},
                        )
            for message in formset.non_form_errors():
                self.add_error(None, message)
            return
        data["debts"] = rows
        data["existing_debt"] = sum((Decimal(row["balance"]) for row in rows), Decimal("0"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name in ZERO_WHEN_BLANK:
            if name in data and data[name] is None:
                data[name] = Decimal("0")
        self._clean_debts(data)
        household = data.get("household")
        if household is None or self.errors:
            return data
        values = dict(data)
        if values.get("purchase_costs") is None and values.get("purchase_price") is not None:
            on = values.get("received_on") or timezone.localdate()
            params = services.to_affordability(services.parameters_for(household.municipality_id, on.year))
            values["standard_costs"] = standard_purchase_costs(
                values["purchase_price"],
                values.get("ownership_form") or "freehold",
                params,
                values.get("purpose") or "purchase",
            )
        for field, messages in services.loan_rule_errors(values).items():
            for message in messages:
                self.add_error(field, message)
        return data

    def _post_clean(self) -> None:
        # The service sets the model's fields and saves; the model's own
        # checks would fail on the blank costs it fills in.
        pass


class FollowUpForm(forms.ModelForm):
    """After the decision: the Startskudd case, the financing certificate and
    the purchase."""

    class Meta:
        model = StartLoanApplication
        fields = [
            "startskudd_case_number",
            "financing_certificate_on",
            "financing_certificate_price_cap",
            "financing_certificate_expires_on",
            "purchased_on",
        ]
        widgets = {
            "financing_certificate_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "financing_certificate_expires_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "purchased_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _money_fields(self)

    def _post_clean(self) -> None:
        pass


class StatusForm(forms.Form):
    to_status = forms.ChoiceField(label=_("Ny status"), choices=())
    comment = forms.CharField(label=_("Kommentar"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, application: StartLoanApplication, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = [
            (value, ApplicationStatus(value).label) for value in services.allowed_transitions(application)
        ]


class RecommendForm(forms.Form):
    recommendation = forms.CharField(
        label=_("Innstilling"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Hva du anbefaler (innvilge eller avslå, beløp og vilkår) og hvorfor."),
        error_messages={"required": _("Skriv innstillingen.")},
    )


class DecisionForm(forms.Form):
    outcome = forms.TypedChoiceField(
        label=_("Vedtak"),
        choices=[("grant", _("Innvilge")), ("reject", _("Avslå"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Velg om søknaden skal innvilges eller avslås.")},
    )
    startskudd_case_number = forms.CharField(
        label=_("Saksnummer i Startskudd"),
        max_length=40,
        error_messages={"required": _("Oppgi saksnummeret vedtaket har i Startskudd.")},
    )
    loan_granted = MoneyField(label=_("Innvilget startlån (kr)"), required=False)
    grant_granted = MoneyField(label=_("Innvilget etableringstilskudd (kr)"), required=False)
    term_years = forms.IntegerField(
        label=_("Nedbetalingstid (år)"), min_value=1, max_value=50, required=False
    )
    interest_only_years = forms.IntegerField(
        label=_("Avdragsfri periode (år)"), min_value=0, max_value=8, required=False
    )
    fixed_rate_years = forms.TypedChoiceField(
        label=_("Rente"),
        choices=[("", _("Flytende"))] + [(str(y), _("Fast i %(y)s år") % {"y": y}) for y in (3, 5, 10, 20)],
        coerce=int,
        empty_value=None,
        required=False,
    )
    repayment_type = forms.ChoiceField(
        label=_("Lånetype"), choices=[("", "—"), *RepaymentType.choices], required=False
    )
    decided_on = forms.DateField(
        label=_("Vedtaksdato"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reasons = forms.CharField(
        label=_("Begrunnelse"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Påkrevd ved avslag og når søknaden ikke innvilges fullt ut (forvaltningsloven § 24)."),
    )


class ParametersForm(forms.ModelForm):
    class Meta:
        model = LoanParameters
        fields = [
            "year",
            "husbanken_rate",
            "municipal_markup",
            "policy_rate",
            "stress_addition",
            "term_fee",
            "fee_documented",
            "fixed_rate_3",
            "fixed_rate_5",
            "fixed_rate_10",
            "fixed_rate_20",
            "document_duty",
            "cooperative_costs",
            "bank_rate",
            "bank_term_years",
            "bank_stress_addition",
            "bank_stress_floor",
            "bank_max_debt_to_income",
            "bank_max_loan_to_value",
            "reduce_from_member",
            "reduction_percent",
            "living_cost_basis",
            "living_cost_basis_date",
            "guideline_date",
            "electricity_up_to_50",
            "electricity_up_to_90",
            "electricity_over_90",
            "electricity_source",
            "electricity_valid_from",
        ]
        widgets = {
            "living_cost_basis_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "guideline_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "electricity_valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _money_fields(self)
        if self.instance.pk:
            self.fields["year"].disabled = True

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        if not 2000 <= year <= 2100:
            raise ValidationError(_("Året må være mellom 2000 og 2100."))
        return year

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # The electricity amounts are the leader's: saved with their source
        # and the date they apply from (DOMAIN §9: SIFO and the guideline
        # exclude electricity, so this line carries real money).
        if not (data.get("electricity_source") or "").strip():
            self.add_error(
                "electricity_source", _("Oppgi hvor strømbeløpene kommer fra (kilde eller egne tall).")
            )
        if not data.get("electricity_valid_from"):
            self.add_error("electricity_valid_from", _("Oppgi datoen strømbeløpene gjelder fra."))
        # Husbanken: a fee only for documented costs beyond what the markup
        # brings in ("Gebyr kommunen kan ta for et startlån",
        # https://www.husbanken.no/kommune/startlaan/veileder/renter-og-avdragsvilkar/fast-eller-flytende-rente/gebyr/).
        if (
            (data.get("term_fee") or 0) > 0
            and (data.get("municipal_markup") or 0) > 0
            and not data.get("fee_documented")
        ):
            self.add_error(
                "term_fee",
                _(
                    "Termingebyr i tillegg til rentepåslaget krever at kommunens kostnader ut over det "
                    "påslaget dekker, er dokumentert. Sett gebyret til 0 eller kryss av for dokumentasjon."
                ),
            )
        return data

    def clean_reduction_percent(self) -> Decimal:
        value = self.cleaned_data["reduction_percent"]
        if value is not None and value > 100:
            raise ValidationError(_("Reduksjonen må være mellom 0 og 100 %."))
        return value


class BaseRateFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        rows = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        for form in self.forms:
            data = form.cleaned_data
            if not data or data.get("DELETE"):
                continue
            if data["member"] == "child" and data.get("from_age") is None:
                form.add_error("from_age", _("Oppgi fra-alder for barn."))
            if data["member"] != "child" and (
                data.get("from_age") is not None or data.get("to_age") is not None
            ):
                form.add_error("from_age", _("Aldersgrenser gjelder bare barn."))
            if (
                data.get("to_age") is not None
                and data.get("from_age") is not None
                and data["to_age"] < data["from_age"]
            ):
                form.add_error("to_age", _("Til-alderen kan ikke være lavere enn fra-alderen."))
        if any(self.errors):
            return
        errors = services.rate_table_errors(rows)
        if errors:
            raise ValidationError(errors)


class RateForm(forms.ModelForm):
    class Meta:
        model = LivingCostRate
        fields = ["table", "member", "from_age", "to_age", "amount"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _money_fields(self)
        for name, field in self.fields.items():
            css = "form-select" if name in ("table", "member") else "form-control"
            field.widget.attrs["class"] = css


RateFormSet = inlineformset_factory(
    LoanParameters,
    LivingCostRate,
    form=RateForm,
    formset=BaseRateFormSet,
    fields=["table", "member", "from_age", "to_age", "amount"],
    extra=1,
    can_delete=True,
)


class NewYearForm(forms.Form):
    year = forms.IntegerField(label=_("År"), min_value=2000, max_value=2100)
