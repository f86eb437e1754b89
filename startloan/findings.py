"""The affordability assessment in words: the findings shown beside the
figures, in Norwegian, most important first. Pure, like
`startloan.affordability`, which computes the facts they are made from."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from .loan_maths import _kr


class Level(StrEnum):
    """How a finding reads: shown with a word and an icon, never colour alone."""

    OK = "ok"
    INFO = "info"
    WARNING = "warning"
    PROBLEM = "problem"


@dataclass(frozen=True)
class Finding:
    level: str
    text: str


def _nok(amount: Decimal) -> str:
    """'1 234 567 kr' with non-breaking spaces, for the findings' text."""
    whole = f"{_kr(amount):,.0f}".replace(",", "\u00a0").replace("-", "−")
    return f"{whole}\u00a0kr"


def _pct(rate: Decimal) -> str:
    text = f"{(rate * 100).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):f}".replace(".", ",")
    return f"{text}\u00a0%"


# Net income a year above gross income cannot be (tax-free income has lines
# of its own); below this share of gross it is unusually low.
_LOWEST_NET_SHARE = Decimal("0.55")


def overfinancing_text(overfinancing: Decimal, total_cost: Decimal) -> str:
    return (
        f"Overfinansiering: startlån, tilskudd, banklån og egenkapital er til sammen "
        f"{_nok(overfinancing)} mer enn kjøpesum og omkostninger ({_nok(total_cost)}). "
        f"Reduser startlånet eller tilskuddet; beregningen kan ikke brukes som grunnlag for vedtak."
    )


def findings(inputs: Any, p: Any, f: Any) -> list[Finding]:
    """`inputs` and `p` are the assessment's Inputs and Parameters, `f` the
    facts `affordability.assess` computed."""
    out: list[Finding] = []
    stress = _pct(p.stress_rate)
    if f.overfinancing > 0:
        out.append(Finding(Level.PROBLEM, overfinancing_text(f.overfinancing, f.total_cost)))
    if f.passes:
        out.append(
            Finding(
                Level.OK,
                f"Betjeningsevnen holder ved stresstest ({stress}): {_nok(f.margin)} igjen per måned.",
            )
        )
    else:
        out.append(
            Finding(
                Level.PROBLEM,
                f"Betjeningsevnen holder ikke ved stresstest ({stress}): "
                f"det mangler {_nok(-f.margin)} per måned.",
            )
        )
    if inputs.amount_applied > _kr(f.max_loan):
        out.append(
            Finding(
                Level.WARNING,
                f"Søkt startlån ({_nok(inputs.amount_applied)}) er høyere enn det husstanden kan "
                f"betjene ved stresstest ({_nok(f.max_loan)}).",
            )
        )
    gross, net = inputs.annual_gross_income, inputs.monthly_net_income * 12
    if gross > 0 and net > gross:
        out.append(
            Finding(
                Level.WARNING,
                f"Inntekt etter skatt ({_nok(net)} i året) er høyere enn brutto årsinntekt ({_nok(gross)}). "
                "Kontroller tallene; skattefri inntekt som barnetrygd og bostøtte føres på egne linjer.",
            )
        )
    elif gross > 0 and net < gross * _LOWEST_NET_SHARE:
        out.append(
            Finding(
                Level.WARNING,
                f"Inntekt etter skatt ({_nok(net)} i året) er under {int(_LOWEST_NET_SHARE * 100)} % "
                f"av brutto årsinntekt ({_nok(gross)}). Kontroller tallene.",
            )
        )
    if f.floor_applied:
        source = (
            "faktiske levekostnader"
            if inputs.monthly_living_costs is not None
            else (f.living_basis or "standardbudsjettet")
        )
        out.append(
            Finding(Level.INFO, f"Levekostnadene er satt til sosialhjelpssatsen fordi {source} var lavere.")
        )
    if f.unspecified_debt > 0:
        out.append(
            Finding(
                Level.WARNING,
                f"Annen gjeld på {_nok(f.unspecified_debt)} er ikke spesifisert; den er regnet som "
                "nedbetalt over 5 år. Registrer hver gjeld med rente og løpetid eller terminbeløp.",
            )
        )
    if f.assumed_terms:
        out.append(
            Finding(
                Level.WARNING,
                f"{f.assumed_terms} gjeldspost(er) mangler løpetid og terminbeløp; "
                "regnet som nedbetalt over 5 år.",
            )
        )
    if f.electricity_standard:
        where = (
            "boligens størrelse"
            if inputs.dwelling_area is not None
            else "største bolig (areal er ikke oppgitt)"
        )
        if p.electricity_basis:
            out.append(
                Finding(
                    Level.INFO,
                    f"Strøm og oppvarming er satt til standardbeløpet for {where} ({p.electricity_basis}).",
                )
            )
        else:
            out.append(
                Finding(
                    Level.WARNING,
                    f"Strøm og oppvarming er satt til standardbeløpet for {where}, et anslag uten kilde "
                    "og dato: lederen må oppgi kilde og dato i årets satser, eller før inn husstandens "
                    "faktiske strømutgift.",
                )
            )
    if f.fixed_unknown:
        out.append(
            Finding(
                Level.WARNING,
                f"Fastrente for {inputs.fixed_rate_years} år er ikke lagt inn i årets satser; "
                "flytende rente er brukt.",
            )
        )
    missing = inputs.household.children_without_age
    if missing:
        out.append(
            Finding(
                Level.WARNING, f"Fødselsdato mangler for {missing} barn; den høyeste barnesatsen er brukt."
            )
        )
    if inputs.household.adults < 1:
        out.append(Finding(Level.WARNING, "Husstanden har ingen registrerte voksne."))
    if _kr(f.grant_need) > 0:
        steps = [f"{_nok(f.normal)} over 30 år"]
        if f.extended is not None:
            steps.append(f"{_nok(f.extended)} over 50 år")
        if f.best_fixed is not None:
            steps.append(f"{_nok(f.best_fixed)} med {f.best_fixed_years} års fastrente")
        out.append(
            Finding(
                Level.INFO,
                f"Største startlån: {', '.join(steps)}. Beregnet behov for etableringstilskudd etter "
                f"dette: {_nok(f.grant_need)}.",
            )
        )
    if inputs.grant_applied > _kr(f.grant_need):
        out.append(
            Finding(
                Level.WARNING,
                f"Søkt tilskudd ({_nok(inputs.grant_applied)}) er høyere enn beregnet behov "
                f"({_nok(f.grant_need)}).",
            )
        )
    if _kr(f.financing_gap) > 0:
        out.append(
            Finding(
                Level.WARNING,
                f"Finansieringen dekker ikke kjøpesum og omkostninger ({_nok(f.total_cost)}): "
                f"det mangler {_nok(f.financing_gap)}.",
            )
        )
    if f.has_bank_loan:
        out += _bank_findings(p, f)
    if inputs.interest_only_years:
        out.append(
            Finding(
                Level.INFO,
                f"Betjeningsevnen er vurdert mot terminbeløpet etter den avdragsfrie perioden "
                f"({inputs.interest_only_years} år).",
            )
        )
    if p.term_fee > 0 and p.municipal_markup > 0 and not p.fee_documented:
        out.append(
            Finding(
                Level.WARNING,
                "Satsene har både rentepåslag og termingebyr. Husbanken tillater gebyr bare for dokumenterte "
                "kostnader ut over det påslaget dekker.",
            )
        )
    if not p.reviewed:
        out.append(
            Finding(Level.WARNING, "Satsene er standardverdier som leder ennå ikke har kontrollert for året.")
        )
    return out


def _bank_findings(p: Any, f: Any) -> list[Finding]:
    out: list[Finding] = []
    times = p.bank_max_debt_to_income.normalize()
    if not f.debt_limit_ok:
        out.append(
            Finding(
                Level.WARNING,
                f"Banklånet overstiger {times} × inntekt: samlet gjeld (banklån, startlån, fellesgjeld "
                f"og annen gjeld) er over {times} ganger brutto årsinntekt.",
            )
        )
    if not f.ltv_ok:
        out.append(
            Finding(
                Level.WARNING, f"Banklånet overstiger {_pct(p.bank_max_loan_to_value)} av boligens verdi."
            )
        )
    if f.bank_stress_ok:
        out.append(Finding(Level.OK, f"Banklånet tåler bankens stresstest ({_pct(p.bank_stress_rate)})."))
    else:
        out.append(
            Finding(Level.WARNING, f"Banklånet tåler ikke bankens stresstest ({_pct(p.bank_stress_rate)}).")
        )
    return out
