"""The way in, in the demo: applications for a municipal dwelling consistent
with the tenancies the generator made.

* Every tenancy of a non-care dwelling that started in the last three years
  came from the waiting list: an application received 1–6 months before,
  granted before the start, an accepted offer that started the tenancy (and
  for some an earlier declined offer of another dwelling).
* A few running tenants ask to move (transfers): some granted and waiting
  on the list, one refused.
* A few households whose tenancy ended apply again: waiting on the list,
  undecided (one over a month old with no provisional reply, so the
  worklist warns), withdrawn.
* The municipality's allocation criteria and document checklist.

The recent decisions are real ones (`applications.allocation`): drafted by
a caseworker, decided by the leader (the two-person rule), each with its
decision letter; one refusal has a complaint the office upheld and sent on
to the klagenemnd, which upheld the refusal. Two running tenants have a
decision on help under the boligsosial lov § 6 (appealed to the
Statsforvalteren), one granted and one refused. Deterministic for a seed.
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from applications import allocation
from applications.models import (
    AllocationCriterion,
    Application,
    ApplicationStatus,
    DocumentRequirement,
    Offer,
    OfferAnswer,
    Outcome,
)
from archive.services import follow_letter_day
from decisions import services as decision_services
from decisions.kinds import HOUSING_HELP
from decisions.models import Decision
from decisions.models import Outcome as DecisionOutcome
from dwellings.models import Dwelling, DwellingCategory, Tenancy
from housing_office.models import Municipality
from housing_office.scoping import scope
from letters.models import Letter, LetterStatus
from letters.tasks import render_now
from tenants.models import Household

from .helpers import at
from .plan import Staff

CRITERIA = (
    ("Bostedsløs eller i midlertidig botilbud", "Husstanden har ikke egen bolig.", 1),
    ("Barnefamilie i uegnet bolig", "Barn bor trangt eller i en bolig som ikke er forsvarlig.", 2),
    ("Helse eller funksjonsnedsettelse", "Boligen må være tilpasset helsen eller funksjonsnivået.", 2),
    ("Flyktning som skal bosettes", "Bosetting etter avtale med IMDi.", 3),
    ("Økonomi gjør det vanskelig å skaffe bolig selv", "Lav inntekt og ingen mulighet til startlån.", 4),
)
DOCUMENTS = (
    ("Søknadsskjema, signert", 1),
    ("Siste skattemelding", 2),
    ("Lønnsslipper eller stønadsvedtak, siste to måneder", 3),
    ("Bekreftelse på nåværende bosituasjon", 4),
    ("Legeerklæring (ved helsebehov)", 5),
)
AREAS = ("Sentrum", "Nær skole", "Nær kollektivtransport", "", "", "")
WINDOW_DAYS = 3 * 365


def _days(rng: random.Random, low: int, high: int) -> datetime.timedelta:
    return datetime.timedelta(days=rng.randint(low, high))


def seed_applications(office: Municipality, staff: Staff, today: datetime.date, seed: int) -> dict[str, int]:
    """Write the way in's history for a freshly generated demo municipality.
    Returns counts by what was made."""
    rng = random.Random(f"applications-{seed}")
    criteria = [
        AllocationCriterion.all_objects.create(municipality=office, name=n, description=d, priority=p)
        for n, d, p in CRITERIA
    ]
    documents = [
        DocumentRequirement.all_objects.create(municipality=office, name=n, order=o) for n, o in DOCUMENTS
    ]
    caseworker = staff.caseworkers[0]
    counter = {"n": 0}

    def application(household_id: int, received: datetime.date, **fields) -> Application:
        counter["n"] += 1
        row = Application.all_objects.create(
            municipality=office,
            household_id=household_id,
            reference=f"S-{received.year}-{counter['n']:04d}",
            received_on=received,
            rooms_needed=rng.choice((None, 2, 3)),
            area_wishes=rng.choice(AREAS),
            pets=rng.random() < 0.15,
            registered_by=caseworker,
            **fields,
        )
        row.criteria.set(rng.sample(criteria, rng.choice((0, 1, 1, 2))))
        row.documents_received.set(rng.sample(documents, rng.randint(2, len(documents))))
        return row

    tenancies = Tenancy.all_objects.filter(municipality=office)
    counts = {"applications": 0, "offers": 0, "waiting": 0}
    # 1. Housed from the waiting list.
    recent = tenancies.filter(
        start_date__gt=today - datetime.timedelta(days=WINDOW_DAYS), start_date__lte=today
    )
    recent = recent.exclude(dwelling__category=DwellingCategory.CARE).select_related("dwelling")
    periods: dict[int, list[tuple[datetime.date, datetime.date | None]]] = {}
    for household_id, start, end in tenancies.values_list("household_id", "start_date", "end_date"):
        periods.setdefault(household_id, []).append((start, end))

    def tenant_on(household_id: int, day: datetime.date) -> bool:
        return any(s <= day and (e is None or e > day) for s, e in periods.get(household_id, ()))

    other_dwellings = list(Dwelling.all_objects.filter(municipality=office).values_list("pk", flat=True))
    for tenancy in recent.order_by("start_date", "pk"):
        offered = tenancy.start_date - _days(rng, 7, 21)
        decided = offered - _days(rng, 5, 90)
        received = decided - _days(rng, 10, 60)
        housed = application(
            tenancy.household_id,
            received,
            status=ApplicationStatus.HOUSED,
            outcome=Outcome.GRANTED,
            decided_on=decided,
            is_transfer=tenant_on(tenancy.household_id, received),
            provisional_reply_sent_on=received + datetime.timedelta(days=31)
            if (decided - received).days > 31
            else None,
        )
        if rng.random() < 0.2 and (offered - decided).days > 20:
            first = decided + _days(rng, 3, 10)
            Offer.all_objects.create(
                municipality=office, application=housed, dwelling_id=rng.choice(other_dwellings),
                offered_on=first, answer_deadline=first + datetime.timedelta(days=7),
                answer=OfferAnswer.DECLINED, answered_on=first + datetime.timedelta(days=5),
                reason=rng.choice(("For langt fra barnas skole.", "For liten til familien.", "Ingen heis.")),
                made_by=caseworker,
            )  # fmt: skip
            counts["offers"] += 1
        Offer.all_objects.create(
            municipality=office, application=housed, dwelling=tenancy.dwelling, offered_on=offered,
            answer_deadline=offered + datetime.timedelta(days=7), answer=OfferAnswer.ACCEPTED,
            answered_on=offered + _days(rng, 1, 6), tenancy=tenancy, made_by=caseworker,
        )  # fmt: skip
        counts["offers"] += 1
    # 2. Running tenants asking to move, and earlier tenants applying again.
    running = list(
        tenancies.filter(end_date__isnull=True).order_by("pk").values_list("household_id", "start_date")
    )
    former = list(
        tenancies.filter(end_date__isnull=False, end_date__lt=today - datetime.timedelta(days=330))
        .exclude(household__tenancies__end_date__isnull=True)
        .order_by("pk")
        .values_list("household_id", flat=True)
        .distinct()
    )
    rng.shuffle(running)
    rng.shuffle(former)
    for household_id, start in running[:6]:
        received = max(start, today - datetime.timedelta(days=300)) + _days(rng, 1, 60)
        decided = received + _days(rng, 10, 40)
        if decided > today:
            continue
        outcome = Outcome.REFUSED if not counts.get("refused") else Outcome.GRANTED
        counts["refused"] = counts.get("refused", 0) + (outcome == Outcome.REFUSED)
        application(
            household_id, received, is_transfer=True, status=outcome, outcome=outcome, decided_on=decided
        )
    decided_for_real: list[tuple[Application, str, datetime.date]] = []
    for i, household_id in enumerate(former[:10]):
        if i < 5:  # waiting on the list, decided through the decisions app
            received = today - _days(rng, 40, 300)
            decided = min(today, received + _days(rng, 10, 45))
            decided_for_real.append((application(household_id, received), Outcome.GRANTED, decided))
        elif i < 8:  # not yet decided; the oldest needs a provisional reply
            received = today - datetime.timedelta(days=(45, 20, 5)[i - 5])
            application(household_id, received)
        elif i == 8:
            received = today - _days(rng, 60, 120)
            application(
                household_id, received, status=ApplicationStatus.WITHDRAWN,
                withdrawn_on=received + datetime.timedelta(days=14),
            )  # fmt: skip
        else:
            received = today - _days(rng, 60, 120)
            decided_for_real.append(
                (application(household_id, received), Outcome.REFUSED, received + datetime.timedelta(days=21))
            )
    with scope(office):
        counts["decisions"] = _decide(decided_for_real, staff, today)
        counts["help_decisions"] = _help_decisions(running[6:8], staff, today, rng)
    counts["applications"] = counter["n"]
    counts["waiting"] = Application.all_objects.filter(
        municipality=office, status=ApplicationStatus.GRANTED
    ).count()
    return counts


FACTS = {
    Outcome.GRANTED: "Husstanden har ikke egen bolig og har bodd midlertidig hos familie siden leieforholdet "
    "ble avsluttet. Inntekten er lav, og husstanden har fått avslag på startlån.",
    Outcome.REFUSED: "Husstanden leier en privat bolig med tre rom som er egnet for husstandens størrelse. "
    "Inntekten er over grensen i kommunens tildelingskriterier.",
}
CONSIDERATIONS = {
    Outcome.GRANTED: "Husstanden oppfyller kriteriet om å være uten egen bolig. Vi har lagt vekt på at det "
    "er barn i husstanden.",
    Outcome.REFUSED: "Kommunale boliger skal gå til dem som ikke selv kan skaffe seg en egnet bolig. "
    "Husstanden har en egnet bolig i dag og har inntekt til å beholde den.",
}


def _decide(rows: list[tuple[Application, str, datetime.date]], staff: Staff, today: datetime.date) -> int:
    """Draft (caseworker) and decide (leader) each application's decision on
    its date, with its letter; the refusal gets a complaint that went to the
    klagenemnd, which upheld the refusal."""
    caseworker, leader = staff.caseworkers[0], staff.leader
    for row, outcome, decided in rows:
        allocation.draft_allocation(
            row,
            outcome=outcome,
            legal_basis="",
            facts=FACTS[outcome],
            considerations=CONSIDERATIONS[outcome],
            by=caseworker,
        )
        row.refresh_from_db()
        # Drafted the working day before it was decided, not when the demo is made.
        Decision.all_objects.filter(pk=row.decision_id).update(
            drafted_at=at(decided - datetime.timedelta(days=1), 9)
        )
        decided_decision = decision_services.decide(row.decision, decided_by=leader, when=decided)
        _sent_on(decided_decision.letter_id, decided)
        if outcome == Outcome.REFUSED:
            complaint = decision_services.register_complaint(
                row.decision,
                received_on=min(today, decided + datetime.timedelta(days=10)),
                registered_by=caseworker,
            )
            reviewed = min(today, decided + datetime.timedelta(days=20))
            complaint = decision_services.review_complaint(
                complaint, upheld=True, reviewed_by=leader, when=reviewed
            )
            _sent_on(complaint.forwarding_letter_id, reviewed)
            if reviewed + datetime.timedelta(days=20) <= today:
                decision_services.record_appeal_outcome(
                    complaint,
                    outcome="upheld",
                    decided_on=reviewed + datetime.timedelta(days=20),
                    recorded_by=leader,
                )
    return len(rows)


# Help to get or keep a home under the boligsosial lov § 6, for running
# tenants: one granted, one refused with its grounds (fvl. §§ 24–25); the
# Statsforvalteren is the appeal body the letters name.
HELP_CASES = (
    (
        DecisionOutcome.GRANTED,
        "Husstanden har hatt husleierestanse to ganger det siste året og har bedt om hjelp til å "
        "beholde boligen. Husstanden har ikke oversikt over egen økonomi.",
        "Husstanden får oppfølging i bolig og hjelp til å sette opp et budsjett i seks måneder, "
        "slik at den kan bli boende.",
    ),
    (
        DecisionOutcome.REFUSED,
        "Husstanden har søkt om hjelp til å skaffe en større bolig. Husstanden bor i en kommunal "
        "bolig med tre rom, har ingen restanse og har inntekt til å betale husleien.",
        "Bistand etter § 6 gis til dem som ikke selv kan ivareta sine interesser på boligmarkedet. "
        "Husstanden har en egnet bolig i dag og kan selv søke bytte eller leie privat.",
    ),
)


def _help_decisions(
    candidates: list[tuple[int, datetime.date]], staff: Staff, today: datetime.date, rng: random.Random
) -> int:
    """One or two § 6 decisions for running tenants, drafted by a caseworker
    and decided by the leader on a day while the tenancy ran, each with its
    letter dated that day."""
    caseworker, leader = staff.caseworkers[0], staff.leader
    made = 0
    for (household_id, start), (outcome, facts, considerations) in zip(candidates, HELP_CASES, strict=False):
        decided = today - _days(rng, 20, 150)
        if decided - datetime.timedelta(days=2) < start:
            continue
        decision = decision_services.draft_decision(
            household=Household.all_objects.get(pk=household_id),
            kind=HOUSING_HELP,
            outcome=outcome,
            legal_basis="",
            facts=facts,
            considerations=considerations,
            drafted_by=caseworker,
        )
        Decision.all_objects.filter(pk=decision.pk).update(
            drafted_at=at(decided - datetime.timedelta(days=2), 13)
        )
        decided_decision = decision_services.decide(decision, decided_by=leader, when=decided)
        _sent_on(decided_decision.letter_id, decided)
        made += 1
    return made


def _sent_on(letter_id: int | None, day: datetime.date) -> None:
    """A history letter is dated and rendered when it was sent, not when the
    demo is made (so the same seed makes the same letters), like the
    summons letters of the history."""
    if letter_id is None:
        return
    # Ten in the morning, or just after midnight for a letter of today made
    # before ten: never in the future, and the same for the same seed.
    moment = at(day, 10, 0)
    if moment > timezone.now():
        moment = at(day, 0, 1)
    Letter.all_objects.filter(pk=letter_id).update(created_at=moment)
    follow_letter_day(letter_id)  # the journal registers it on that day too
    render_now(letter_id)
    Letter.all_objects.filter(pk=letter_id, status=LetterStatus.RENDERED).update(
        rendered_at=moment + datetime.timedelta(minutes=2), updated_at=moment + datetime.timedelta(minutes=2)
    )
