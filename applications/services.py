"""Domain logic of the way in: registering an application, the provisional
reply, recording its decision, withdrawal, offers and their answers. No
HTTP here; views call these functions, each in one transaction, every rule
checked before anything is written."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from contextlib import AbstractContextManager
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from dwellings.models import ContractType, Dwelling, DwellingStatus, EndReason, Tenancy
from dwellings.services import NewAddress, end_tenancy, let_dwelling
from housing_office import errors
from housing_office.errors import DomainError
from letters.kinds import get_kind
from letters.letter_templates import current_template, ensure_default_templates
from letters.models import Letter, LetterStatus
from letters.snapshot import letter_language
from letters.tasks import render_now
from tenants.models import Household

from . import letter_kinds
from .deadlines import provisional_reply_due_on  # noqa: F401  (re-exported for views)
from .models import (
    AllocationCriterion,
    Application,
    ApplicationStatus,
    DocumentRequirement,
    Offer,
    OfferAnswer,
    Outcome,
)

CONSTRAINT_FIELDS = {
    "application_reference_unique_per_municipality": "reference",
    "application_decided_not_before_received": "decided_on",
    "application_withdrawn_not_before_received": "withdrawn_on",
    "offer_one_open_per_application": "application",
    "offer_one_open_per_dwelling": "dwelling",
    "offer_deadline_not_before_offer": "answer_deadline",
    "criterion_name_unique_per_municipality": "name",
    "document_requirement_unique_per_municipality": "name",
}
NEED_FIELDS = ("rooms_needed", "wheelchair_needed", "area_wishes", "pets", "other_needs", "is_transfer")


def constraint_errors() -> AbstractContextManager[None]:
    return errors.constraint_errors(
        Application, Offer, AllocationCriterion, DocumentRequirement, fields=CONSTRAINT_FIELDS
    )


def _date(value: datetime.date | None) -> str:
    return formats.date_format(value, "d.m.Y") if value else ""


def next_reference(municipality_id: int, year: int) -> str:
    """S-YYYY-NNNN, the next free number of the year."""
    prefix = f"S-{year}-"
    taken = set(
        Application.all_objects.filter(
            municipality_id=municipality_id, reference__startswith=prefix
        ).values_list("reference", flat=True)
    )
    n = len(taken) + 1
    while f"{prefix}{n:04d}" in taken:
        n += 1
    return f"{prefix}{n:04d}"


def _check_received(received_on: datetime.date, today: datetime.date) -> None:
    if received_on > today:
        raise DomainError(_("Mottatt-datoen kan ikke være frem i tid."), "received_on")


@transaction.atomic
def register_application(
    *,
    household: Household,
    received_on: datetime.date,
    today: datetime.date,
    by: Any = None,
    reference: str = "",
    criteria: Iterable[AllocationCriterion] = (),
    documents: Iterable[DocumentRequirement] = (),
    **needs: Any,
) -> Application:
    """Register an application for a municipal dwelling. A household with a
    running tenancy is applying for a transfer (*bytte*)."""
    _check_received(received_on, today)
    unknown = set(needs) - set(NEED_FIELDS)
    if unknown:
        raise TypeError(f"Unknown needs: {sorted(unknown)}")
    if "is_transfer" not in needs:
        needs["is_transfer"] = household.tenancies.running(on=received_on).exists()
    reference = reference.strip() or next_reference(household.municipality_id, received_on.year)
    with constraint_errors():
        application = Application.objects.create(
            municipality_id=household.municipality_id,
            household=household,
            reference=reference,
            received_on=received_on,
            registered_by=by,
            **needs,
        )
    application.criteria.set(criteria)
    application.documents_received.set(documents)
    return application


@transaction.atomic
def update_application(
    application: Application,
    *,
    received_on: datetime.date,
    today: datetime.date,
    criteria: Iterable[AllocationCriterion] = (),
    documents: Iterable[DocumentRequirement] = (),
    **needs: Any,
) -> Application:
    """Change an application's received date, needs, criteria and documents."""
    _check_received(received_on, today)
    if application.decided_on and received_on > application.decided_on:
        raise DomainError(_("Mottatt-datoen kan ikke være etter vedtaksdatoen."), "received_on")
    for name, value in needs.items():
        if name not in NEED_FIELDS:
            raise TypeError(name)
        setattr(application, name, value)
    application.received_on = received_on
    with constraint_errors():
        application.save()
    application.criteria.set(criteria)
    application.documents_received.set(documents)
    return application


# --- The decision --------------------------------------------------------------


def facts_text(application: Application) -> str:
    """A start for the decision's facts (fvl. § 25): what the application
    says, for the caseworker to complete."""
    parts = [_("Søknaden ble mottatt %(d)s.") % {"d": _date(application.received_on)}]
    if application.is_transfer:
        parts.append(_("Husstanden leier kommunal bolig i dag og søker om å flytte."))
    if application.rooms_needed:
        parts.append(_("Husstanden trenger %(n)s rom.") % {"n": application.rooms_needed})
    if application.wheelchair_needed:
        parts.append(_("Husstanden trenger en bolig som er tilgjengelig for rullestol."))
    if application.area_wishes:
        parts.append(_("Ønsket område: %(a)s.") % {"a": application.area_wishes})
    return " ".join(parts)


def record_outcome(application: Application, *, outcome: str, decided_on: datetime.date) -> Application:
    """Write a decided outcome on the application: granted → on the waiting
    list, refused → closed. Called when the decision is made (and when a
    complaint's new decision replaces it). A housed application stays housed."""
    if outcome not in Outcome.values:
        raise DomainError(_("Ukjent utfall."), "outcome")
    if decided_on < application.received_on:
        raise DomainError(_("Vedtaksdatoen kan ikke være før søknaden ble mottatt."), "decided_on")
    application.outcome = outcome
    application.decided_on = decided_on
    if application.status != ApplicationStatus.HOUSED:
        application.status = (
            ApplicationStatus.GRANTED if outcome == Outcome.GRANTED else ApplicationStatus.REFUSED
        )
    with constraint_errors():
        application.save(update_fields=["outcome", "decided_on", "status", "updated_at"])
    return application


@transaction.atomic
def withdraw_application(application: Application, *, on: datetime.date, by: Any = None) -> Application:
    """The household withdraws its application (or no longer wants a dwelling)."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status in (ApplicationStatus.HOUSED, ApplicationStatus.WITHDRAWN):
        raise DomainError(_("Søknaden er allerede avsluttet."))
    if application.offers.filter(answer="").exists():
        raise DomainError(_("Søknaden har et tilbud som venter på svar. Registrer svaret først."))
    if on < application.received_on:
        raise DomainError(_("Søknaden kan ikke trekkes før den ble mottatt."), "withdrawn_on")
    application.status = ApplicationStatus.WITHDRAWN
    application.withdrawn_on = on
    application.save(update_fields=["status", "withdrawn_on", "updated_at"])
    return application


# --- Letters -----------------------------------------------------------------


def make_letter(application: Application, kind: str, *, by: Any, on: datetime.date, **extra: Any) -> Letter:
    """A letter of `kind` about the application, rendered once the
    transaction commits; the archive journals and numbers it."""
    household = application.household
    municipality = application.municipality
    ensure_default_templates(municipality)
    language = letter_language(household, municipality)
    spec = get_kind(kind)
    template = current_template(municipality, kind, language)
    count = Letter.all_objects.filter(municipality=municipality, kind=kind).count() + 1
    reference = f"{on.year}/S{application.pk}-{count}"
    letter = Letter.all_objects.create(
        municipality=municipality,
        kind=kind,
        household=household,
        template=template,
        status=LetterStatus.PENDING,
        archive_reference=reference,
        created_by=by,
        context=spec.build_context(
            application=application,
            household=household,
            municipality=municipality,
            caseworker=by,
            letter_date=on,
            archive_reference=reference,
            language=language,
            subject=template.subject,
            **extra,
        ),
    )
    transaction.on_commit(lambda: render_now(letter.pk))
    return letter


@transaction.atomic
def send_provisional_reply(
    application: Application, *, by: Any, on: datetime.date, reason: str, expected_by: datetime.date
) -> Letter:
    """The provisional reply of forvaltningsloven § 11 a third paragraph: the
    application could not be answered within a month, so the applicant is
    told why and when a decision can be expected."""
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("household", "municipality")
        .get(pk=application.pk)
    )
    if application.status != ApplicationStatus.RECEIVED:
        raise DomainError(_("Søknaden er allerede avgjort; et foreløpig svar trengs ikke."))
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Skriv hvorfor saken tar tid (forvaltningsloven § 11 a)."), "reason")
    if expected_by <= on:
        raise DomainError(_("Datoen vedtak kan ventes må være etter i dag."), "expected_by")
    letter = make_letter(
        application, letter_kinds.PROVISIONAL_REPLY, by=by, on=on, reason=reason, expected_date=expected_by
    )
    application.provisional_reply_sent_on = on
    application.save(update_fields=["provisional_reply_sent_on", "updated_at"])
    return letter


def provisional_reply_is_due(application: Application, today: datetime.date) -> bool:
    return (
        application.status == ApplicationStatus.RECEIVED
        and application.provisional_reply_sent_on is None
        and today >= provisional_reply_due_on(application.received_on)
    )


# --- Offers ------------------------------------------------------------------


@transaction.atomic
def make_offer(
    application: Application,
    *,
    dwelling: Dwelling,
    on: datetime.date,
    answer_deadline: datetime.date,
    by: Any = None,
) -> Offer:
    """Offer a vacant dwelling to a granted application, with its letter."""
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("household", "municipality")
        .get(pk=application.pk)
    )
    if application.status != ApplicationStatus.GRANTED:
        raise DomainError(_("Bare en innvilget søknad som ikke er bosatt, kan få tilbud om bolig."))
    if answer_deadline < on:
        raise DomainError(_("Svarfristen kan ikke være før tilbudsdatoen."), "answer_deadline")
    status = Dwelling.objects.with_status(on).filter(pk=dwelling.pk).values_list("status", flat=True).first()
    if status != DwellingStatus.VACANT:
        raise DomainError(_("Boligen er ikke ledig."), "dwelling")
    with constraint_errors():
        offer = Offer.objects.create(
            municipality_id=application.municipality_id,
            application=application,
            dwelling=dwelling,
            offered_on=on,
            answer_deadline=answer_deadline,
            made_by=by,
        )
    offer.letter = make_letter(
        application,
        letter_kinds.HOUSING_OFFER,
        by=by,
        on=on,
        dwelling_address=f"{dwelling.address}, {dwelling.postal_code} {dwelling.postal_place}",
        dwelling_rooms=dwelling.rooms,
        dwelling_area=letter_kinds.area_text(dwelling.area_m2),
        answer_deadline=answer_deadline,
        offer_date=on,
    )
    offer.save(update_fields=["letter", "updated_at"])
    return offer


def _open_offer(offer: Offer) -> Offer:
    offer = (
        Offer.objects.select_for_update(of=("self",))
        .select_related("application", "dwelling")
        .get(pk=offer.pk)
    )
    if offer.answer:
        raise DomainError(_("Tilbudet er allerede besvart (%(a)s).") % {"a": offer.get_answer_display()})
    return offer


@transaction.atomic
def accept_offer(
    offer: Offer,
    *,
    answered_on: datetime.date,
    start_date: datetime.date,
    monthly_rent: Decimal,
    contract_type: str = ContractType.FIXED_TERM,
    contract_end: datetime.date | None = None,
    by: Any = None,
) -> Offer:
    """The household accepts: the tenancy starts (the dwellings app's
    letting rules decide, lease length and rent included) and the
    application is closed as housed. A transfer's old tenancy ends on the
    day the new one starts (a tenancy runs up to, not including, its end
    date: the last night in the old dwelling is the night before), for
    the reason "moved to another municipal dwelling", and the household's
    address becomes the new dwelling's; all in this one transaction."""
    offer = _open_offer(offer)
    if answered_on < offer.offered_on:
        raise DomainError(_("Svaret kan ikke være før tilbudet ble gitt."), "answered_on")
    if offer.application.is_transfer:
        _end_old_tenancy(offer, start_date=start_date, by=by)
    tenancy = let_dwelling(
        dwelling=offer.dwelling,
        household=offer.application.household,
        start_date=start_date,
        monthly_rent=monthly_rent,
        contract_type=contract_type,
        contract_end=contract_end,
    )
    offer.answer = OfferAnswer.ACCEPTED
    offer.answered_on = answered_on
    offer.tenancy = tenancy
    offer.save(update_fields=["answer", "answered_on", "tenancy", "updated_at"])
    application = offer.application
    application.status = ApplicationStatus.HOUSED
    application.save(update_fields=["status", "updated_at"])
    return offer


def _end_old_tenancy(offer: Offer, *, start_date: datetime.date, by: Any) -> None:
    """End the running tenancy a transfer moves from. One that already has an
    end date is left alone: if it ends after the new start, letting the new
    dwelling says so."""
    old = (
        Tenancy.objects.filter(household_id=offer.application.household_id, end_date__isnull=True)
        .exclude(dwelling_id=offer.dwelling_id)
        .first()
    )
    if old is None:
        return
    dwelling = offer.dwelling
    try:
        end_tenancy(
            old,
            end_date=start_date,
            end_reason=EndReason.OTHER_MUNICIPAL_DWELLING,
            new_address=NewAddress(
                address=dwelling.address, postal_code=dwelling.postal_code, postal_place=dwelling.postal_place
            ),
            by=by,
        )
    except DomainError as exc:
        # The old tenancy's own rule, said about the field the caseworker fills in here.
        raise DomainError(
            _("Det nåværende leieforholdet kan ikke avsluttes når det nye starter: %(reason)s")
            % {"reason": exc.message},
            "start_date",
        ) from exc


@transaction.atomic
def decline_offer(offer: Offer, *, answered_on: datetime.date, reason: str, by: Any = None) -> Offer:
    """The household says no: the application stays on the waiting list,
    and the reason is kept (it tells the next offer what to avoid)."""
    offer = _open_offer(offer)
    if answered_on < offer.offered_on:
        raise DomainError(_("Svaret kan ikke være før tilbudet ble gitt."), "answered_on")
    if not reason.strip():
        raise DomainError(_("Skriv hvorfor husstanden takket nei."), "reason")
    offer.answer = OfferAnswer.DECLINED
    offer.answered_on = answered_on
    offer.reason = reason.strip()
    offer.save(update_fields=["answer", "answered_on", "reason", "updated_at"])
    return offer


@transaction.atomic
def expire_offer(offer: Offer, *, today: datetime.date) -> Offer:
    """An offer not answered by its deadline lapses; the application stays
    on the waiting list and the dwelling is free to offer again."""
    offer = _open_offer(offer)
    if today <= offer.answer_deadline:
        raise DomainError(_("Svarfristen er ikke ute ennå (%(d)s).") % {"d": _date(offer.answer_deadline)})
    offer.answer = OfferAnswer.EXPIRED
    offer.answered_on = today
    offer.reason = _("Ikke besvart innen svarfristen %(d)s.") % {"d": _date(offer.answer_deadline)}
    offer.save(update_fields=["answer", "answered_on", "reason", "updated_at"])
    return offer


def expire_overdue_offers(today: datetime.date) -> int:
    """Every open offer of the current scope past its deadline lapses."""
    count = 0
    for offer in Offer.objects.filter(answer="", answer_deadline__lt=today):
        expire_offer(offer, today=today)
        count += 1
    return count
