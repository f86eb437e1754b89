"""The start-loan case beside its figures: eligibility as recorded facts,
the documentation checklist, the history of assessments, the financing
certificate's limits and the hand-off to Startskudd. Plain functions,
re-exported by `startloan.services`.

Startskudd (Husbanken) is where the start-loan decision is made and is
mandatory (https://www.husbanken.no/kommune/startlaan/veileder/behandle-soknader/startskudd/):
this app prepares the case, the office checks the recommendation with two
people, and the decision made in Startskudd is recorded here with its case
number, so the yearly figures count it.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from housing_office.errors import DomainError

from .models import (
    ApplicationDocument,
    ApplicationStatus,
    AssessmentRecord,
    DocumentKind,
    EligibilityException,
    LoanPurpose,
    StartLoanApplication,
)

# The office's first checklist; the leader changes it
# (Husbanken's guide lists what a start-loan case is documented with:
# income and tax, debt, the bank's answer, the dwelling).
DEFAULT_DOCUMENTS: tuple[tuple[str, str, bool, bool], ...] = (
    ("Skattemelding eller skatteoppgjør for siste år", "Alle i husstanden med inntekt.", True, False),
    ("Lønnsslipper for de tre siste månedene", "Eller vedtak om trygd eller pensjon.", True, False),
    ("Utskrift fra Gjeldsregisteret", "Forbrukslån og kredittkort med rammer.", True, False),
    ("Oversikt over annen gjeld", "Studielån, billån og annen gjeld med restgjeld og rente.", True, False),
    ("Avslag eller lånetilbud fra bank", "Kan aldri fravikes.", True, False),
    ("Dokumentasjon av egenkapital og sparing", "Kontoutskrifter.", True, False),
    ("Dokumentasjon av barnetrygd, bostøtte og bidrag", "Der husstanden mottar det.", False, False),
    ("Kjøpekontrakt eller akseptert bud", "", True, True),
    ("Salgsoppgave eller takst", "Med fellesgjeld og felleskostnader for borettslag.", True, True),
)

# How long before its expiry the worklist warns of a financing certificate.
CERTIFICATE_WARNING_DAYS = 30


# --------------------------------------------------------------------------
# Eligibility
# --------------------------------------------------------------------------

ELIGIBILITY_FIELDS = (
    "bank_refusal_bank",
    "bank_refusal_on",
    "bank_refusal_facts",
    "long_term_difficulty",
    "long_term_facts",
    "savings_facts",
    "eligibility_exception",
    "exception_facts",
)


def eligibility_problems(values: Any) -> list[str]:
    """What the recorded facts lack for the target group of forskrift om lån
    fra Husbanken § 5-2 and its exceptions in § 5-4 (2). `values` is an
    application or a mapping of ELIGIBILITY_FIELDS (and `purpose`).

    The bank's refusal must always be documented: it can never be waived.
    The long-term problem and the use of the ability to save may be waived
    only under an exception, and then its facts are stated.
    """

    def get(name: str) -> Any:
        return values.get(name) if isinstance(values, Mapping) else getattr(values, name, None)

    problems = []
    if not (get("bank_refusal_bank") or "").strip() or not get("bank_refusal_on"):
        problems.append(_("Bankens avslag må være dokumentert med bank og dato; kravet kan aldri fravikes."))
    exception = get("eligibility_exception") or ""
    if exception:
        if not (get("exception_facts") or "").strip():
            problems.append(_("Skriv hvorfor unntaket etter § 5-4 annet ledd gjelder."))
        if exception == EligibilityException.FORCED_SALE and get("purpose") != LoanPurpose.REFINANCE:
            problems.append(_("Unntaket for å unngå tvangssalg gjelder bare refinansiering."))
    else:
        if not get("long_term_difficulty") or not (get("long_term_facts") or "").strip():
            problems.append(
                _(
                    "Skriv hvorfor husstanden har langvarige problemer med å finansiere egen bolig, "
                    "eller velg et unntak."
                )
            )
        if not (get("savings_facts") or "").strip():
            problems.append(
                _("Skriv hvordan husstanden har utnyttet sin mulighet til å spare, eller velg et unntak.")
            )
    return problems


@transaction.atomic
def save_eligibility(application: StartLoanApplication, values: Mapping[str, Any], *, by) -> None:
    """Record the eligibility facts; a decided application keeps them."""
    locked = StartLoanApplication.objects.select_for_update().get(pk=application.pk)
    if locked.decided_by_id is not None:
        raise DomainError(_("Søknaden er avgjort; vilkårene vedtaket bygger på, kan ikke endres."))
    refusal_on = values.get("bank_refusal_on")
    if refusal_on and refusal_on > timezone.localdate():
        raise DomainError(_("Avslaget fra banken kan ikke være datert fram i tid."), "bank_refusal_on")
    for name in ELIGIBILITY_FIELDS:
        value = values.get(name)
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    locked.save(update_fields=[*ELIGIBILITY_FIELDS, "updated_at"])
    for name in ELIGIBILITY_FIELDS:
        setattr(application, name, getattr(locked, name))


# --------------------------------------------------------------------------
# The documentation checklist
# --------------------------------------------------------------------------


@transaction.atomic
def ensure_document_kinds(municipality) -> None:
    """The default checklist, made once per municipality. Idempotent."""
    municipality_id = getattr(municipality, "pk", municipality)
    if DocumentKind.all_objects.filter(municipality_id=municipality_id).exists():
        return
    DocumentKind.all_objects.bulk_create(
        DocumentKind(
            municipality_id=municipality_id,
            name=name,
            description=description,
            required=required,
            purchase_only=purchase_only,
            position=10 * (index + 1),
        )
        for index, (name, description, required, purchase_only) in enumerate(DEFAULT_DOCUMENTS)
    )


def checklist(application: StartLoanApplication) -> list[dict[str, Any]]:
    """Each checklist line that applies to the application, with the
    document received for it (or None). Two queries."""
    ensure_document_kinds(application.municipality_id)
    received = {d.kind_id: d for d in ApplicationDocument.all_objects.filter(application=application)}
    kinds = DocumentKind.all_objects.filter(municipality_id=application.municipality_id)
    lines = []
    for kind in kinds:
        document = received.get(kind.pk)
        applies = kind.active and (not kind.purchase_only or application.purpose == LoanPurpose.PURCHASE)
        if applies or document is not None:
            lines.append({"kind": kind, "document": document})
    return lines


def missing_documents(lines: list[dict[str, Any]]) -> list[DocumentKind]:
    return [line["kind"] for line in lines if line["kind"].required and line["document"] is None]


@transaction.atomic
def save_checklist(
    application: StartLoanApplication, rows: Mapping[int, tuple[datetime.date | None, str]], *, by
) -> None:
    """Set the documents received: kind id → (date received or None, note)."""
    kinds = {k.pk: k for k in DocumentKind.all_objects.filter(municipality_id=application.municipality_id)}
    today = timezone.localdate()
    for kind_id, (received_on, note) in rows.items():
        if kind_id not in kinds:
            raise DomainError(_("Ukjent dokument i sjekklisten."))
        if received_on and received_on > today:
            raise DomainError(_("«%(doc)s» kan ikke være mottatt fram i tid.") % {"doc": kinds[kind_id].name})
        existing = ApplicationDocument.all_objects.filter(application=application, kind_id=kind_id)
        if received_on is None:
            existing.delete()
        else:
            ApplicationDocument.all_objects.update_or_create(
                application=application,
                kind_id=kind_id,
                defaults={"received_on": received_on, "note": (note or "").strip()},
            )


# --------------------------------------------------------------------------
# The history of assessments
# --------------------------------------------------------------------------


def record_assessment(application: StartLoanApplication, *, by) -> AssessmentRecord | None:
    """Keep the application's current assessment in its history."""
    if not application.assessment:
        return None
    return AssessmentRecord.objects.create(
        application=application, made_by=by, snapshot=application.assessment
    )


def mark_decided(application: StartLoanApplication, *, by) -> AssessmentRecord | None:
    """Mark the latest assessment as the one the decision was made on (kept
    from the application's snapshot if the history has none)."""
    latest = AssessmentRecord.objects.filter(application=application).first()
    if latest is None or latest.snapshot != application.assessment:
        latest = record_assessment(application, by=by)
    if latest is not None:
        latest.decided = True
        latest.save(update_fields=["decided"])
    return latest


REASSESS_FIELDS_SKIPPED = ("received_on", "startskudd_case_number")


def reassessment_initial(application: StartLoanApplication) -> dict[str, Any]:
    """A new application's figures taken from a saved one, so a later
    re-assessment starts from what was entered and only new figures are
    typed."""
    from .assessment import APPLICATION_FIELDS

    initial = {
        name: getattr(application, name) for name in APPLICATION_FIELDS if name not in REASSESS_FIELDS_SKIPPED
    }
    initial["household"] = application.household_id
    return initial


# --------------------------------------------------------------------------
# The financing certificate (finansieringsbevis)
# --------------------------------------------------------------------------


def certificate_problems(application: StartLoanApplication, values: Mapping[str, Any]) -> list[str]:
    issued = values.get("financing_certificate_on")
    expires = values.get("financing_certificate_expires_on")
    cap = values.get("financing_certificate_price_cap")
    problems = []
    if issued and not expires:
        problems.append(_("Oppgi hvor lenge finansieringsbeviset gjelder."))
    if issued and cap is None:
        problems.append(_("Oppgi prisgrensen i finansieringsbeviset."))
    if issued and expires and expires <= issued:
        problems.append(_("Finansieringsbeviset må gjelde til en dato etter at det ble utstedt."))
    if (expires or cap is not None) and not issued:
        problems.append(_("Oppgi når finansieringsbeviset ble utstedt."))
    if cap is not None and issued and application.purpose == LoanPurpose.PURCHASE:
        # The cap is a price: what the household may bid with the loans and
        # its own money, the purchase costs set aside.
        most = certificate_price_cap(application)
        if cap > most:
            problems.append(
                _(
                    "Prisgrensen kan ikke være høyere enn lån, tilskudd og egenkapital "
                    "minus omkostninger (%(most)s kr)."
                )
                % {"most": f"{most:,.0f}".replace(",", "\u00a0")}
            )
    return problems


def certificate_price_cap(application: StartLoanApplication) -> Decimal:
    """The highest price the certificate can name: what the household may
    bid with the loans granted, the bank loan and its own money, the
    purchase costs set aside."""
    granted = (application.loan_granted or Decimal(0)) + (application.grant_granted or Decimal(0))
    return granted + application.bank_loan + application.equity - application.purchase_costs


def follow_up_initial(application: StartLoanApplication) -> dict[str, Any]:
    """What the follow-up form can start from, so no figure the decision
    already holds is typed again: a granted purchase's certificate is issued
    on the decision's day for the price the decided financing reaches. Only
    blank fields are filled; the expiry is the caseworker's to enter."""
    initial: dict[str, Any] = {}
    granted = application.status == ApplicationStatus.GRANTED
    if not granted or application.purpose != LoanPurpose.PURCHASE:
        return initial
    if application.financing_certificate_on is None and application.decided_on:
        initial["financing_certificate_on"] = application.decided_on
    if application.financing_certificate_price_cap is None:
        initial["financing_certificate_price_cap"] = certificate_price_cap(application)
    return initial


def certificates_expiring(on: datetime.date | None = None) -> QuerySet[StartLoanApplication]:
    """Granted applications whose financing certificate runs out within
    CERTIFICATE_WARNING_DAYS (or has run out) with no purchase recorded,
    soonest first. The caller's scoped manager keeps it to one municipality."""
    on = on or timezone.localdate()
    return StartLoanApplication.objects.filter(
        status=ApplicationStatus.GRANTED,
        purchased_on__isnull=True,
        financing_certificate_expires_on__isnull=False,
        financing_certificate_expires_on__lte=on + datetime.timedelta(days=CERTIFICATE_WARNING_DAYS),
    ).order_by("financing_certificate_expires_on", "pk")
