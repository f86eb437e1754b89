"""The arrears letters, as kinds of the one letter pipeline (`letters.kinds`).

Five kinds, each a spec with its snapshot; the default bodies are brevtekst in
`letters/default_letters/<kind>_{nb,nn}.txt`:

* `arrears_reminder`: the reminder (purring) on the first missed rent;
* `arrears_agreement`: the payment agreement's instalments, confirmed;
* `arrears_notice_4_18`: the notice under tvangsfullbyrdelsesloven § 4-18
  (pay within 14 days from receipt, or eviction is requested);
* `arrears_nav_office`: the notice to NAV under husleieloven § 9-11, a
  letter of its own addressed to the NAV office (NAV is the recipient, not
  the household; the archive journals NAV as the party);
* `arrears_nav_notice`: the tenant's copy of that notice: § 9-11 annet ledd
  says the tenant gets a copy or its content, and may reserve against
  such notices;
* `eviction_request`: the request for eviction (*begjæring om fravikelse*)
  to the bailiff under tvangsfullbyrdelsesloven § 13-2 (3) a, listing the
  attachments it needs (the lease, the § 4-18 notice, proof of receipt).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from housing_office.models import Municipality, WrittenLanguage
from letters.kinds import LetterKindSpec, register_kind
from letters.snapshot import (
    COMMON_FIELD_NAMES,
    COMMON_VARIABLES,
    address_context,
    common_context,
    format_date,
    sample_common_context,
)

REMINDER = "arrears_reminder"
AGREEMENT = "arrears_agreement"
NOTICE_4_18 = "arrears_notice_4_18"
NAV_NOTICE = "arrears_nav_notice"
NAV_OFFICE = "arrears_nav_office"
EVICTION_REQUEST = "eviction_request"

CASE_VARIABLES: dict[str, str] = {
    **COMMON_VARIABLES,
    "amount": "Restansen, for eksempel «12 345,00 kr»",
    "oldest_due_date": "Eldste ubetalte forfall, for eksempel «1. mars 2031»",
    "list_date": "Datoen restansen er oppgitt per",
    "dwelling_address": "Adressen til boligen leieforholdet gjelder",
    "monthly_rent": "Månedsleien, for eksempel «9 500,00 kr»",
    "caseworker_name": "Navnet på saksbehandleren",
    "caseworker_phone": "Saksbehandlerens telefon (ellers kontorets)",
}
CASE_FIELD_NAMES: dict[str, str] = {
    **COMMON_FIELD_NAMES,
    "amount": "restanse",
    "oldest_due_date": "eldste forfall",
    "list_date": "restanse per dato",
    "dwelling_address": "boligens adresse",
    "monthly_rent": "månedsleie",
    "caseworker_name": "saksbehandlers navn",
    "caseworker_phone": "saksbehandlers telefon",
}
EXTRA: dict[str, dict[str, tuple[str, str]]] = {
    REMINDER: {},
    AGREEMENT: {
        "instalment_plan": ("Avdragene, for eksempel «1 000,00 kr innen 1. april 2031; …»", "avdragene"),
        "instalment_total": ("Summen av avdragene", "sum avdrag"),
        "agreed_date": ("Dagen avtalen ble inngått", "avtaledato"),
    },
    NOTICE_4_18: {},
    NAV_OFFICE: {
        "nav_office": ("NAV-kontoret som varsles (mottakeren)", "NAV-kontor"),
        "tenant_name": ("Leietakerens navn", "leietakers navn"),
        "notice_date": ("Datoen varselet etter § 4-18 ble sendt (kan være tom)", "dato for varsel"),
    },
    NAV_NOTICE: {
        "nav_office": ("NAV-kontoret som varsles", "NAV-kontor"),
        "notice_date": ("Datoen varselet etter § 4-18 ble sendt (kan være tom)", "dato for varsel"),
    },
    EVICTION_REQUEST: {
        "bailiff": ("Namsmannen begjæringen sendes til", "namsmann"),
        "notice_date": ("Datoen varselet etter § 4-18 ble sendt", "dato for varsel"),
        "notice_received": ("Datoen leietakeren mottok varselet (kan være tom)", "varsel mottatt"),
        "nav_notice_date": ("Datoen NAV ble varslet (kan være tom)", "dato for NAV-varsel"),
        "tenancy_start": ("Leieforholdets startdato", "leieforholdet startet"),
    },
}
OPTIONAL_KEYS = ("notice_date", "notice_received", "nav_notice_date")

SUBJECTS: dict[str, dict[str, str]] = {
    REMINDER: {
        WrittenLanguage.BOKMAL: "Påminnelse om ubetalt husleie",
        WrittenLanguage.NYNORSK: "Påminning om ubetalt husleige",
    },
    AGREEMENT: {
        WrittenLanguage.BOKMAL: "Bekreftelse av betalingsavtale for husleie",
        WrittenLanguage.NYNORSK: "Stadfesting av betalingsavtale for husleige",
    },
    NOTICE_4_18: {
        WrittenLanguage.BOKMAL: "Varsel etter tvangsfullbyrdelsesloven § 4-18",
        WrittenLanguage.NYNORSK: "Varsel etter tvangsfullføringslova § 4-18",
    },
    NAV_OFFICE: {
        WrittenLanguage.BOKMAL: "Varsel etter husleieloven § 9-11 om mislighold av leieavtale",
        WrittenLanguage.NYNORSK: "Varsel etter husleigelova § 9-11 om mishald av leigeavtale",
    },
    NAV_NOTICE: {
        # «kopi til deg», or «dere» to several (nynorsk «dykk»).
        WrittenLanguage.BOKMAL: "Varsel til NAV etter husleieloven § 9-11 – kopi til {{ deg }}",
        WrittenLanguage.NYNORSK: "Varsel til NAV etter husleigelova § 9-11 – kopi til {{ deg }}",
    },
    EVICTION_REQUEST: {
        WrittenLanguage.BOKMAL: "Begjæring om fravikelse",
        WrittenLanguage.NYNORSK: "Begjæring om fråviking",
    },
}
FILE_STEMS = {
    REMINDER: "purring",
    AGREEMENT: "betalingsavtale",
    NOTICE_4_18: "varsel-4-18",
    NAV_OFFICE: "varsel-til-nav",
    NAV_NOTICE: "varsel-nav-kopi",
    EVICTION_REQUEST: "begjaering-fravikelse",
}


def format_amount(value: Decimal) -> str:
    """Norwegian money: «12 345,00 kr» (a no-break space between thousands)."""
    text = f"{value:,.2f}".replace(",", "\u00a0").replace(".", ",")
    return f"{text} kr"


def _date(day: datetime.date | None, language: str) -> str:
    return format_date(day, language) if day else ""


def instalment_plan(instalments: list[tuple[datetime.date, Decimal]], language: str) -> str:
    word = "innen"
    return "; ".join(f"{format_amount(amount)} {word} {_date(due, language)}" for due, amount in instalments)


def case_context(
    *,
    kind: str,
    case: Any,
    household: Any,
    municipality: Municipality,
    caseworker: Any,
    letter_date: datetime.date,
    archive_reference: str,
    language: str,
    subject: str = "",
    address_checked: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    """The snapshot an arrears letter is rendered from. `address_checked`:
    the caller addresses the tenant's letter itself (the demo's history,
    sent to the dwelling the household rented then), see `common_context`."""
    tenancy = case.tenancy
    context = {
        **common_context(
            household=household,
            municipality=municipality,
            letter_date=letter_date,
            archive_reference=archive_reference,
            language=language,
            subject=subject,
            address_checked=address_checked,
        ),
        "amount": format_amount(case.amount),
        "oldest_due_date": _date(case.oldest_due_date, language),
        "list_date": _date(case.as_of, language),
        "dwelling_address": f"{tenancy.dwelling.address}, {tenancy.dwelling.postal_code} "
        f"{tenancy.dwelling.postal_place}",
        "monthly_rent": format_amount(tenancy.monthly_rent),
        "caseworker_name": (caseworker.get_full_name() or caseworker.username) if caseworker else "",
        "caseworker_phone": (getattr(caseworker, "phone", "") or municipality.phone),
    }
    if kind == NAV_OFFICE:
        # Addressed to the NAV office: NAV is the recipient, the household
        # the subject of the letter (husleieloven § 9-11 første ledd).
        context["tenant_name"] = context["recipient_name"]
        context.update(
            {
                "recipient_name": extra.get("nav_office", ""),
                "recipient_address": extra.get("nav_address", ""),
                "recipient_postal": extra.get("nav_postal", ""),
                "journal_party": extra.get("nav_office", ""),
                "interpreter_language": "",
                **address_context(language, several=False),
            }
        )
    for key in EXTRA[kind]:
        if key == "tenant_name":
            continue
        value = extra.get(key, "")
        if isinstance(value, datetime.date):
            value = _date(value, language)
        elif isinstance(value, Decimal):
            value = format_amount(value)
        elif key == "instalment_plan" and isinstance(value, list):
            value = instalment_plan(value, language)
        context[key] = value
    return context


def _sample(kind: str):
    def sample(municipality: Municipality, language: str, *, sparse: bool = False, caseworker: Any = None):
        context = {
            **sample_common_context(municipality, language, sparse=sparse),
            "amount": format_amount(Decimal("19000")),
            "oldest_due_date": _date(datetime.date(2031, 1, 1), language),
            "list_date": _date(datetime.date(2031, 2, 5), language),
            "dwelling_address": "Eksempelveien 12 B, 3715 SKIEN",
            "monthly_rent": format_amount(Decimal("9500")),
            "caseworker_name": (caseworker.get_full_name() or caseworker.username)
            if caseworker is not None
            else "Siri Saksbehandler",
            "caseworker_phone": municipality.phone or "35 58 10 00",
            "instalment_plan": instalment_plan(
                [
                    (datetime.date(2031, 3, 20), Decimal("2000")),
                    (datetime.date(2031, 4, 20), Decimal("2000")),
                ],
                language,
            ),
            "instalment_total": format_amount(Decimal("4000")),
            "agreed_date": _date(datetime.date(2031, 2, 10), language),
            "nav_office": "NAV Skien",
            "tenant_name": "Kari Nordmann",
            "bailiff": "Namsfogden i Telemark",
            "notice_date": _date(datetime.date(2031, 2, 6), language),
            "notice_received": _date(datetime.date(2031, 2, 8), language),
            "nav_notice_date": _date(datetime.date(2031, 2, 10), language),
            "tenancy_start": _date(datetime.date(2024, 8, 1), language),
        }
        context = {
            key: value
            for key, value in context.items()
            if key in SPECS[kind].variables or key in ("language", "subject", "logo")
        }
        if kind == NAV_OFFICE:
            context.update(
                recipient_name="NAV Skien",
                recipient_address="Postboks 2000",
                recipient_postal="3702 SKIEN",
                **address_context(language, several=False),
            )
        if sparse:
            context.update({key: "" for key in OPTIONAL_KEYS if key in context})
        return context

    return sample


def _build(kind: str):
    def build(**kwargs: Any) -> dict[str, Any]:
        return case_context(kind=kind, **kwargs)

    return build


SPECS: dict[str, LetterKindSpec] = {
    kind: LetterKindSpec(
        key=kind,
        subjects=SUBJECTS[kind],
        variables={**CASE_VARIABLES, **{k: v[0] for k, v in EXTRA[kind].items()}},
        field_names={**CASE_FIELD_NAMES, **{k: v[1] for k, v in EXTRA[kind].items()}},
        build_context=_build(kind),
        sample_context=_sample(kind),
        file_stem=FILE_STEMS[kind],
    )
    for kind in SUBJECTS
}


def register_letter_kinds() -> None:
    for spec in SPECS.values():
        register_kind(spec)
