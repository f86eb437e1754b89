"""The household budget form: the same money fields and debt rows as the
application form, so a figure reads and is typed the same way in both."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import DebtFormSet, _money_fields
from .guidance import BUDGET_FIELDS
from .models import HouseholdBudget

# Amounts a blank means none of.
ZERO_WHEN_BLANK = (
    "annual_gross_income",
    "monthly_child_benefit",
    "monthly_housing_allowance",
    "monthly_child_support",
    "monthly_rent",
    "monthly_fixed_costs",
    "savings_now",
    "monthly_saving",
    "savings_target",
    "target_owner_costs",
)


class BudgetForm(forms.ModelForm):
    """One version of the budget; the debts come in `debt_formset` (prefix
    "debts"), and `existing_debt` is their sum."""

    class Meta:
        model = HouseholdBudget
        fields = [name for name in BUDGET_FIELDS if name not in ("debts", "existing_debt")]
        widgets = {
            "made_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, electricity_required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _money_fields(self)
        for name in ZERO_WHEN_BLANK:
            self.fields[name].required = False
        if electricity_required:
            # Asked for, and checked by `guidance.save_budget` for the
            # budget's own date.
            self.fields["monthly_electricity"].help_text = _(
                "Årets standardbeløp for strøm har ingen oppgitt kilde: skriv husstandens egen strømregning."
            )
        stored = self.initial.get("debts") or []
        initial = [
            {
                **row,
                "balance": Decimal(str(row["balance"])),
                "rate": None if row.get("rate") in (None, "") else Decimal(str(row["rate"])),
            }
            for row in stored
            if row.get("balance") not in (None, "")
        ]
        self.debt_formset = (
            DebtFormSet(self.data, prefix="debts")
            if self.is_bound
            else DebtFormSet(prefix="debts", initial=initial)
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name in ZERO_WHEN_BLANK:
            if name in data and data[name] is None:
                data[name] = Decimal("0")
        formset = self.debt_formset
        if formset.is_valid():
            rows = formset.rows()
            data["debts"] = rows
            data["existing_debt"] = sum((Decimal(row["balance"]) for row in rows), Decimal("0"))
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
        return data

    def _post_clean(self) -> None:
        # The service builds and saves the version.
        pass
