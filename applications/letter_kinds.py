"""The letters of the way in, as kinds of the one letter pipeline:

* `provisional_reply`: the provisional reply (*foreløpig svar*) that
  forvaltningsloven § 11 a third paragraph demands when an application
  cannot be answered within a month: why it takes time, and when a decision
  can be expected;
* `housing_offer`: the offer of a dwelling (*tilbud om bolig*) with the
  answer deadline.

The decision itself (*vedtak*, fvl. §§ 24–27) is the decisions app's letter.
Default bodies: `letters/default_letters/<kind>_{nb,nn}.txt`.
"""

from __future__ import annotations

import datetime
from typing import Any

from housing_office.models import Municipality, WrittenLanguage
from letters.kinds import LetterKindSpec, register_kind
from letters.snapshot import (
    COMMON_FIELD_NAMES,
    COMMON_VARIABLES,
    common_context,
    format_date,
    sample_common_context,
)

PROVISIONAL_REPLY = "provisional_reply"
HOUSING_OFFER = "housing_offer"

SHARED: dict[str, tuple[str, str]] = {
    "application_reference": ("Søknadens referanse", "søknadens referanse"),
    "received_date": ("Datoen søknaden ble mottatt", "søknaden mottatt"),
    "caseworker_name": ("Navnet på saksbehandleren", "saksbehandlers navn"),
    "caseworker_phone": ("Saksbehandlerens telefon (ellers kontorets)", "saksbehandlers telefon"),
}
EXTRA: dict[str, dict[str, tuple[str, str]]] = {
    PROVISIONAL_REPLY: {
        "reason": ("Hvorfor saken tar tid (skrevet av saksbehandleren)", "årsak"),
        "expected_date": ("Når vedtak kan ventes, for eksempel «1. mars 2031»", "forventet vedtak"),
    },
    HOUSING_OFFER: {
        "dwelling_address": ("Adressen til boligen som tilbys", "boligens adresse"),
        "dwelling_rooms": ("Antall rom i boligen", "antall rom"),
        "dwelling_area": ("Boligens areal, for eksempel «54,0 m²»", "areal"),
        "answer_deadline": ("Svarfristen, for eksempel «15. mars 2031»", "svarfrist"),
        "offer_date": ("Datoen tilbudet ble gitt", "tilbudsdato"),
    },
}
SUBJECTS: dict[str, dict[str, str]] = {
    PROVISIONAL_REPLY: {
        WrittenLanguage.BOKMAL: "Foreløpig svar på søknad om kommunal bolig",
        WrittenLanguage.NYNORSK: "Førebels svar på søknad om kommunal bustad",
    },
    HOUSING_OFFER: {
        WrittenLanguage.BOKMAL: "Tilbud om kommunal bolig",
        WrittenLanguage.NYNORSK: "Tilbod om kommunal bustad",
    },
}
FILE_STEMS = {PROVISIONAL_REPLY: "forelopig-svar", HOUSING_OFFER: "tilbud-om-bolig"}


def _date(day: datetime.date | None, language: str) -> str:
    return format_date(day, language) if day else ""


def area_text(area: Any) -> str:
    return f"{area:.1f}".replace(".", ",") + " m²"


def application_context(
    *,
    kind: str,
    application: Any,
    household: Any,
    municipality: Municipality,
    caseworker: Any,
    letter_date: datetime.date,
    archive_reference: str,
    language: str,
    subject: str = "",
    **extra: Any,
) -> dict[str, Any]:
    """The snapshot a letter about an application is rendered from."""
    context = {
        **common_context(
            household=household,
            municipality=municipality,
            letter_date=letter_date,
            archive_reference=archive_reference,
            language=language,
            subject=subject,
        ),
        "application_reference": application.reference,
        "received_date": _date(application.received_on, language),
        "caseworker_name": (caseworker.get_full_name() or caseworker.username) if caseworker else "",
        "caseworker_phone": (getattr(caseworker, "phone", "") or municipality.phone),
    }
    for key in EXTRA[kind]:
        value = extra.get(key, "")
        if isinstance(value, datetime.date):
            value = _date(value, language)
        context[key] = str(value)
    return context


def _sample(kind: str):
    def sample(municipality: Municipality, language: str, *, sparse: bool = False, caseworker: Any = None):
        context = {
            **sample_common_context(municipality, language, sparse=sparse),
            "application_reference": "S-2031-0042",
            "received_date": _date(datetime.date(2031, 1, 6), language),
            "caseworker_name": (caseworker.get_full_name() or caseworker.username)
            if caseworker is not None
            else "Siri Saksbehandler",
            "caseworker_phone": municipality.phone or "35 58 10 00",
            "reason": "Vi venter på opplysninger om inntekt fra NAV.",
            "expected_date": _date(datetime.date(2031, 3, 1), language),
            "dwelling_address": "Eksempelveien 12 B, 3715 SKIEN",
            "dwelling_rooms": "3",
            "dwelling_area": area_text(54),
            "answer_deadline": _date(datetime.date(2031, 3, 15), language),
            "offer_date": _date(datetime.date(2031, 3, 1), language),
        }
        return {
            key: value
            for key, value in context.items()
            if key in SPECS[kind].variables or key in ("language", "subject", "logo")
        }

    return sample


def _build(kind: str):
    def build(**kwargs: Any) -> dict[str, Any]:
        return application_context(kind=kind, **kwargs)

    return build


SPECS: dict[str, LetterKindSpec] = {
    kind: LetterKindSpec(
        key=kind,
        subjects=SUBJECTS[kind],
        variables={
            **COMMON_VARIABLES,
            **{k: v[0] for k, v in SHARED.items()},
            **{k: v[0] for k, v in EXTRA[kind].items()},
        },
        field_names={
            **COMMON_FIELD_NAMES,
            **{k: v[1] for k, v in SHARED.items()},
            **{k: v[1] for k, v in EXTRA[kind].items()},
        },
        build_context=_build(kind),
        sample_context=_sample(kind),
        file_stem=FILE_STEMS[kind],
    )
    for kind in SUBJECTS
}


def register_letter_kinds() -> None:
    for spec in SPECS.values():
        register_kind(spec)
