"""The decision letter and the complaint-forwarded letter, as kinds of the
one letter pipeline (`letters.kinds`).

* `decision`: the letter of an individual decision, carrying what
  forvaltningsloven §§ 24–27 demand (DOMAIN.md §3): the heading «Vedtak»,
  the outcome, the rules it is made under, the facts and the main
  considerations (§ 25), the right to complain within three weeks from
  receipt (§ 29), where to send the complaint and who decides it (§ 28,
  § 32), the right to see the case documents (§ 18), the right to ask for
  postponed implementation (§ 42) and whom to contact (§ 27 første ledd).
* `complaint_forwarded`: to the party when the office upholds its decision
  after a complaint and sends the case to the appeal body (fvl. § 33 fjerde
  ledd).

Both name a person's circumstances, so they are exempt from public access
(offl. § 13 jf. fvl. § 13) like every letter with personal data; they are
journaled to the household's case file by the archive's hook. The default
bodies are brevtekst in `letters/default_letters/<kind>_{nb,nn}.txt`.
"""

from __future__ import annotations

import datetime
from typing import Any

from housing_office.models import Municipality, WrittenLanguage
from letters.kinds import LetterKindSpec, register_kind
from letters.models import LetterKind
from letters.snapshot import (
    COMMON_FIELD_NAMES,
    COMMON_VARIABLES,
    common_context,
    format_date,
    sample_common_context,
)

from . import rules
from .kinds import KINDS

DECISION = LetterKind.DECISION
COMPLAINT_FORWARDED = LetterKind.COMPLAINT_FORWARDED

OUTCOME_WORDS = {
    WrittenLanguage.BOKMAL: {
        "granted": "innvilget",
        "partly_granted": "delvis innvilget",
        "refused": "avslått",
    },
    WrittenLanguage.NYNORSK: {
        "granted": "innvilga",
        "partly_granted": "delvis innvilga",
        "refused": "avslått",
    },
}

SHARED: dict[str, tuple[str, str]] = {
    "decision_about": (
        "Hva vedtaket gjelder, for eksempel «Tildeling av kommunal bolig»",
        "vedtaket gjelder",
    ),
    "decision_date": ("Datoen vedtaket ble fattet", "vedtaksdato"),
    "appeal_body": ("Klageinstansen (innstilling per vedtakstype)", "klageinstans"),
    "caseworker_name": ("Saksbehandleren husstanden kan kontakte", "saksbehandlers navn"),
    "caseworker_phone": ("Saksbehandlerens telefon (ellers kontorets)", "saksbehandlers telefon"),
}
OWN: dict[str, dict[str, tuple[str, str]]] = {
    DECISION: {
        "outcome": ("Utfallet: «innvilget», «delvis innvilget» eller «avslått»", "utfall"),
        "refused": ("Sant når vedtaket er et avslag", "avslag"),
        "legal_basis": ("Hjemmelen vedtaket er fattet etter (forvaltningsloven § 25)", "hjemmel"),
        "facts": ("De faktiske forholdene vedtaket bygger på (§ 25)", "faktiske forhold"),
        "considerations": ("Hovedhensynene i skjønnet (§ 25)", "hovedhensyn"),
        "decided_by_name": ("Den som fattet vedtaket", "vedtatt av"),
        "complaint_deadline": ("Siste dag en klage i alle fall er i tide", "klagefrist"),
        "replaces_date": ("Datoen for vedtaket dette erstatter (tom ellers)", "erstatter vedtak av"),
    },
    COMPLAINT_FORWARDED: {
        "complaint_received": ("Datoen klagen kom inn", "klage mottatt"),
        "forwarded_on": ("Datoen saken ble sendt klageinstansen", "sendt klageinstansen"),
    },
}
SUBJECTS: dict[str, dict[str, str]] = {
    DECISION: {
        WrittenLanguage.BOKMAL: "Vedtak",
        WrittenLanguage.NYNORSK: "Vedtak",
    },
    COMPLAINT_FORWARDED: {
        WrittenLanguage.BOKMAL: "Klagen er sendt til klageinstansen",
        WrittenLanguage.NYNORSK: "Klaga er send til klageinstansen",
    },
}
FILE_STEMS = {DECISION: "vedtak", COMPLAINT_FORWARDED: "klage-oversendt"}


def _date(day: datetime.date | None, language: str) -> str:
    return format_date(day, language) if day else ""


def _person(user: Any) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


def decision_about(kind_code: str, language: str) -> str:
    kind = KINDS.get(kind_code)
    if kind is None:
        return kind_code
    return kind.label_nn if language == WrittenLanguage.NYNORSK else kind.label


def decision_context(
    *,
    decision: Any,
    household: Any,
    municipality: Municipality,
    letter_date: datetime.date,
    archive_reference: str,
    language: str,
    subject: str = "",
    complaint: Any = None,
    forwarded_on: datetime.date | None = None,
    kind: str = DECISION,
) -> dict[str, Any]:
    """The snapshot a decision letter (or a complaint-forwarded letter) is
    rendered from. The contact is the caseworker who drafted the decision."""
    contact = decision.drafted_by
    context = {
        **common_context(
            household=household,
            municipality=municipality,
            letter_date=letter_date,
            archive_reference=archive_reference,
            language=language,
            subject=subject,
        ),
        "decision_about": decision_about(decision.kind, language),
        "decision_date": _date(decision.decided_at.date() if decision.decided_at else letter_date, language),
        "appeal_body": decision.appeal_body,
        "caseworker_name": _person(contact),
        "caseworker_phone": getattr(contact, "phone", "") or municipality.phone,
    }
    if kind == DECISION:
        replaced = decision.replaces
        context.update(
            {
                "outcome": OUTCOME_WORDS[language][decision.outcome],
                "refused": decision.outcome == "refused",
                "legal_basis": decision.legal_basis,
                "facts": decision.facts,
                "considerations": decision.considerations,
                "decided_by_name": _person(decision.decided_by),
                "complaint_deadline": _date(rules.complaint_deadline(letter_date), language),
                "replaces_date": _date(replaced.decided_at.date(), language) if replaced else "",
            }
        )
    else:
        context.update(
            {
                "complaint_received": _date(complaint.received_on, language),
                "forwarded_on": _date(forwarded_on or letter_date, language),
            }
        )
    return context


def _sample(kind: str):
    def sample(municipality: Municipality, language: str, *, sparse: bool = False, caseworker: Any = None):
        words = OUTCOME_WORDS.get(language, OUTCOME_WORDS[WrittenLanguage.BOKMAL])
        context = {
            **sample_common_context(municipality, language, sparse=sparse),
            "decision_about": "Tildeling av kommunal bolig"
            if language != WrittenLanguage.NYNORSK
            else "Tildeling av kommunal bustad",
            "decision_date": _date(datetime.date(2031, 1, 2), language),
            "appeal_body": "Kommunens klagenemnd",
            "caseworker_name": _person(caseworker) if caseworker is not None else "Siri Saksbehandler",
            "caseworker_phone": municipality.phone or "35 58 10 00",
            "outcome": words["refused"],
            "refused": True,
            "legal_basis": "Kommunens tildelingskriterier for kommunale boliger, punkt 2",
            "facts": "Husstanden har egen leid bolig med kontrakt til 2032.",
            "considerations": "Husstanden kan selv skaffe seg bolig på det private markedet.",
            "decided_by_name": "Per Leder",
            "complaint_deadline": _date(rules.complaint_deadline(datetime.date(2031, 1, 2)), language),
            "replaces_date": _date(datetime.date(2030, 11, 20), language),
            "complaint_received": _date(datetime.date(2031, 1, 15), language),
            "forwarded_on": _date(datetime.date(2031, 2, 1), language),
        }
        if sparse:
            context.update({"replaces_date": "", "refused": False, "outcome": words["granted"]})
        return {
            key: value
            for key, value in context.items()
            if key in SPECS[kind].variables or key in ("language", "subject", "logo")
        }

    return sample


def _build(kind: str):
    def build(**kwargs: Any) -> dict[str, Any]:
        return decision_context(kind=kind, **kwargs)

    return build


SPECS: dict[str, LetterKindSpec] = {
    kind: LetterKindSpec(
        key=kind,
        subjects=SUBJECTS[kind],
        variables={
            **COMMON_VARIABLES,
            **{k: v[0] for k, v in SHARED.items()},
            **{k: v[0] for k, v in OWN[kind].items()},
        },
        field_names={
            **COMMON_FIELD_NAMES,
            **{k: v[1] for k, v in SHARED.items()},
            **{k: v[1] for k, v in OWN[kind].items()},
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
