"""The hand-off to Startskudd: every figure and fact the case holds, in the
order a start-loan case is registered there (applicant and household, the
dwelling and purpose, financing, income, debt, expenses and ability to
service the loan, eligibility, documents, recommendation, and the decision
made in Startskudd), so that nothing is typed twice from memory.

Startskudd is Husbanken's mandatory case system for start loans
(https://www.husbanken.no/kommune/startlaan/veileder/behandle-soknader/startskudd/);
the order follows Husbanken's e-application and case guide as we read
them. Pure: it reads an application, its stored assessment and checklist.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .loan_maths import DebtKind
from .models import EligibilityException, StartLoanApplication

_DEBT_KINDS = {
    DebtKind.STUDENT: gettext_lazy("Studielån"),
    DebtKind.CAR: gettext_lazy("Billån"),
    DebtKind.CREDIT: gettext_lazy("Forbrukslån / kredittkort (ramme)"),
    DebtKind.OTHER: gettext_lazy("Annen gjeld"),
}


def _nok(value: Any) -> str:
    if value in (None, ""):
        return "–"
    whole = Decimal(str(value)).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return f"{whole:,.0f}".replace(",", "\u00a0").replace("-", "−") + "\u00a0kr"


def _pct(value: Any) -> str:
    if value in (None, ""):
        return "–"
    shown = (Decimal(str(value)) * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{shown:f}".replace(".", ",") + "\u00a0%"


def _date(value: Any) -> str:
    return value.strftime("%d.%m.%Y") if value else "–"


def _age(age: int | None) -> str:
    """A child's age when the application came in; a child born since then
    (in the register now, not yet then) has no age to give."""
    if age is None:
        return "?"
    return str(age) if age >= 0 else _("født etter at søknaden kom inn")


def _yes(value: bool) -> str:
    return _("Ja") if value else _("Nei")


def handoff_sections(application: StartLoanApplication, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """[{"title", "rows": [(label, value), …]}, …] in Startskudd's order.
    `lines` is the checklist (`services.checklist`)."""
    app = application
    a = app.assessment or {}
    household = app.household
    ages = a.get("children_ages") or []
    sections: list[dict[str, Any]] = []

    def section(title: str, rows: list[tuple[str, str]]) -> None:
        sections.append({"title": title, "rows": rows})

    section(
        _("1. Søker og husstand"),
        [
            (_("Husstand"), household.reference),
            (_("Voksne"), str(a.get("adults", "–"))),
            (_("Par"), _yes(bool(a.get("couple")))),
            (_("Barn (alder)"), ", ".join(_age(age) for age in ages) or "–"),
            (_("Søknad mottatt"), _date(app.received_on)),
            (_("Saksnummer i Startskudd"), app.startskudd_case_number or "–"),
        ],
    )
    section(
        _("2. Boligen og formålet"),
        [
            (_("Formål"), app.get_purpose_display()),
            (_("Eierform"), app.get_ownership_form_display()),
            (_("Kjøpesum / verdi"), _nok(app.purchase_price)),
            (_("Omkostninger"), _nok(app.purchase_costs)),
            (_("Andel fellesgjeld"), _nok(app.common_debt)),
            (_("Felleskostnader per måned"), _nok(app.monthly_common_costs)),
            (_("Boligens areal"), f"{app.dwelling_area} m²" if app.dwelling_area else "–"),
            (_("Søkeren eier boligen"), _yes(app.owns_home)),
        ],
    )
    section(
        _("3. Finansiering"),
        [
            (_("Egenkapital"), _nok(app.equity)),
            (_("Lån i bank"), _nok(app.bank_loan)),
            (_("Søkt startlån"), _nok(app.amount_applied)),
            (_("Søkt etableringstilskudd"), _nok(app.grant_applied)),
            (_("Lånetype"), app.get_repayment_type_display()),
            (_("Nedbetalingstid"), _("%(n)s år") % {"n": app.term_years}),
            (_("De fire vilkårene for inntil 50 år dokumentert"), _yes(app.long_term_conditions_documented)),
            (_("Avdragsfri periode"), _("%(n)s år") % {"n": app.interest_only_years}),
            (
                _("Rente"),
                _("Fast i %(n)s år") % {"n": app.fixed_rate_years} if app.fixed_rate_years else _("Flytende"),
            ),
        ],
    )
    section(
        _("4. Inntekt"),
        [
            (_("Brutto årsinntekt"), _nok(app.annual_gross_income)),
            (_("Inntekt etter skatt per måned"), _nok(app.monthly_net_income)),
            (_("Barnetrygd per måned"), _nok(app.monthly_child_benefit)),
            (_("Bostøtte per måned"), _nok(app.monthly_housing_allowance)),
            (_("Mottatt barnebidrag per måned"), _nok(app.monthly_child_support)),
        ],
    )
    debts = [
        (
            f"{_DEBT_KINDS.get(row.get('kind'), _('Annen gjeld'))}",
            _("%(balance)s, %(rate)s %%%(term)s%(payment)s%(fixed)s")
            % {
                "balance": _nok(row.get("balance")),
                "rate": str(row.get("rate") or "0").replace(".", ","),
                "term": _(", %(n)s år igjen") % {"n": row["term_years"]} if row.get("term_years") else "",
                "payment": _(", %(p)s per måned") % {"p": _nok(row["monthly_payment"])}
                if row.get("monthly_payment")
                else "",
                "fixed": _(", fast rente") if row.get("fixed_rate") else "",
            },
        )
        for row in app.debts or []
    ]
    section(_("5. Gjeld som beholdes"), debts or [(_("Gjeld"), _("Ingen"))])
    section(
        _("6. Utgifter og betjeningsevne"),
        [
            (_("Levekostnader brukt"), _nok(a.get("living_costs_used"))),
            (_("Grunnlag for levekostnader"), a.get("living_cost_basis") or "–"),
            (_("Gulv (statens veiledende satser)"), _nok(a.get("living_costs_guideline"))),
            (_("Strøm og oppvarming"), _nok(a.get("monthly_electricity"))),
            (_("Kommunale avgifter, forsikring og vedlikehold"), _nok(app.monthly_housing_costs)),
            (_("Faste utgifter"), _nok(app.monthly_fixed_costs)),
            (_("Betjening av gjeld per måned"), _nok(a.get("monthly_debt_payments"))),
            (_("Terminbeløp startlån (første)"), _nok(a.get("payment_first"))),
            (_("Stresstestrente"), _pct(a.get("stress_rate"))),
            (_("Igjen per måned ved stresstest"), _nok(a.get("margin_stress"))),
            (_("Betjeningsevnen holder ved stresstest"), _yes(bool(a.get("passes_stress_test")))),
            (_("Største lån husstanden kan betjene"), _nok(a.get("max_loan_best"))),
            (_("Behov for tilskudd etter lengre løpetid og fastrente"), _nok(a.get("grant_need"))),
        ],
    )
    exception = EligibilityException(app.eligibility_exception).label if app.eligibility_exception else ""
    section(
        _("7. Vilkår (målgruppe)"),
        [
            (_("Bank som har avslått"), app.bank_refusal_bank or "–"),
            (_("Avslaget er datert"), _date(app.bank_refusal_on)),
            (_("Hva banken avslo"), app.bank_refusal_facts or "–"),
            (_("Langvarige problemer med å finansiere egen bolig"), _yes(app.long_term_difficulty)),
            (_("Begrunnelse"), app.long_term_facts or "–"),
            (_("Utnyttet muligheten til å spare"), app.savings_facts or "–"),
            (_("Unntak etter § 5-4 annet ledd"), exception or _("Ingen")),
            (_("Hvorfor unntaket gjelder"), app.exception_facts or "–"),
        ],
    )
    section(
        _("8. Dokumentasjon"),
        [
            (
                line["kind"].name,
                _("Mottatt %(date)s") % {"date": _date(line["document"].received_on)}
                if line["document"]
                else (_("Mangler") if line["kind"].required else _("Ikke mottatt")),
            )
            for line in lines
        ],
    )
    section(
        _("9. Innstilling"),
        [
            (_("Innstilt av"), str(app.recommended_by) if app.recommended_by else "–"),
            (_("Innstilt"), _date(app.recommended_at)),
            (_("Innstilling"), app.recommendation or "–"),
        ],
    )
    if app.decided_by_id:
        section(
            _("10. Vedtak i Startskudd"),
            [
                (_("Saksnummer"), app.startskudd_case_number or "–"),
                (_("Vedtaksdato"), _date(app.decided_on)),
                (_("Utfall"), app.get_status_display()),
                (_("Innvilget startlån"), _nok(app.loan_granted)),
                (_("Innvilget tilskudd"), _nok(app.grant_granted)),
                (
                    _("Vilkår"),
                    _("%(type)s, %(n)s år, %(io)s år avdragsfrihet, %(rate)s")
                    % {
                        "type": app.get_decided_repayment_type_display() or "–",
                        "n": app.decided_term_years or "–",
                        "io": app.decided_interest_only_years or 0,
                        "rate": _("fast i %(n)s år") % {"n": app.decided_fixed_rate_years}
                        if app.decided_fixed_rate_years
                        else _("flytende rente"),
                    },
                ),
                (_("Registrert av"), str(app.decided_by)),
            ],
        )
    return sections
