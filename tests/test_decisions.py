"""Individual decisions and complaints (decisions.services): the rules of
forvaltningsloven the machinery enforces."""

from __future__ import annotations

import datetime

import pytest

from archive.models import RegistryEntry
from decisions import kinds, rules, services
from decisions.models import Complaint, Decision, DecisionStatus, FinalOutcome, ReviewResult
from housing_office.errors import DomainError
from letters.models import Letter

from . import factories

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def household(municipality):
    return factories.household_with_members(municipality, reference="H-1")


@pytest.fixture
def second_user(municipality):
    return factories.caseworker(municipality, username="per", first_name="Per")


@pytest.fixture
def calls(monkeypatch):
    """Record the kind's on_decided calls (the applications app's hook)."""
    seen: list[Decision] = []
    kind = kinds.KINDS[kinds.HOUSING_HELP]
    monkeypatch.setitem(
        kinds.KINDS,
        kinds.HOUSING_HELP,
        kinds.DecisionKind(**{**kind.__dict__, "on_decided": lambda decision: seen.append(decision)}),
    )
    return seen


def draft(household, by, *, outcome="refused", facts="Husstanden har bolig.", considerations="Ikke behov."):
    return services.draft_decision(
        household=household,
        kind=kinds.HOUSING_HELP,
        outcome=outcome,
        legal_basis="Boligsosial lov § 6",
        facts=facts,
        considerations=considerations,
        drafted_by=by,
    )


def decided(household, drafter, decider, when=None, **kwargs):
    return services.decide(draft(household, drafter, **kwargs), decided_by=decider, when=when)


@pytest.mark.parametrize("empty", ["facts", "considerations"])
@pytest.mark.parametrize("outcome", ["refused", "partly_granted"])
def test_a_refusal_without_grounds_cannot_be_saved(household, caseworker_user, empty, outcome):
    with pytest.raises(DomainError) as error:
        draft(household, caseworker_user, outcome=outcome, **{empty: "  "})
    assert "må begrunnes" in error.value.message
    assert error.value.field == empty
    assert not Decision.all_objects.exists()


def test_the_database_refuses_a_refusal_without_grounds_too(household, caseworker_user):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        Decision.all_objects.create(
            municipality=household.municipality,
            household=household,
            kind=kinds.HOUSING_HELP,
            outcome="refused",
            legal_basis="§ 6",
            drafted_by=caseworker_user,
            drafted_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        )


def test_a_full_grant_needs_no_reasons_and_takes_the_default_legal_basis(household, caseworker_user):
    decision = services.draft_decision(
        household=household,
        kind=kinds.HOUSING_HELP,
        outcome="granted",
        legal_basis="",
        facts="",
        considerations="",
        drafted_by=caseworker_user,
    )
    assert decision.status == DecisionStatus.DRAFT
    assert "boligsosial lov) § 6" in decision.legal_basis


def test_an_unknown_kind_is_refused(household, caseworker_user):
    with pytest.raises(DomainError):
        services.draft_decision(
            household=household,
            kind="nope",
            outcome="granted",
            legal_basis="x",
            facts="",
            considerations="",
            drafted_by=caseworker_user,
        )


def test_two_person_rule(household, caseworker_user, second_user, calls):
    decision = draft(household, caseworker_user)
    with pytest.raises(DomainError) as error:
        services.decide(decision, decided_by=caseworker_user)
    assert "to-personsregelen" in error.value.message
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.DRAFT and decision.letter_id is None
    assert calls == []

    services.decide(decision, decided_by=second_user)
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.DECIDED
    assert decision.decided_by == second_user
    assert [d.pk for d in calls] == [decision.pk]


def test_the_leader_may_turn_the_two_person_rule_off(household, caseworker_user, municipality):
    services.save_kind_setting(
        municipality.pk,
        kinds.HOUSING_HELP,
        appeal_body="Statsforvalteren i Vestfold og Telemark",
        two_person_rule=False,
    )
    decision = decided(household, caseworker_user, caseworker_user)
    assert decision.status == DecisionStatus.DECIDED
    assert decision.appeal_body == "Statsforvalteren i Vestfold og Telemark"


def test_default_appeal_body_is_the_kinds(municipality):
    assert services.kind_setting(municipality.pk, kinds.HOUSING_HELP).appeal_body == "Statsforvalteren"
    assert services.kind_setting(municipality.pk, kinds.HOUSING_HELP).two_person_rule is True


def test_deciding_makes_a_journaled_letter_and_sets_the_deadline(household, caseworker_user, second_user):
    decision = decided(household, caseworker_user, second_user, when=D(2026, 3, 2))
    letter = decision.letter
    assert letter.kind == "decision" and letter.household == household
    # Journaled to the household's case file: the letter carries its number.
    entry = RegistryEntry.objects.get(letter=letter)
    assert letter.archive_reference and letter.archive_reference == entry.reference
    # Letter of Monday 2 March 2026, assumed received 9 March, + 3 weeks = 30 March.
    assert decision.complaint_deadline == D(2026, 3, 30)


def test_deadline_on_a_holiday_moves_to_the_next_working_day():
    # Letter 18 March 2026 → receipt 25 March → 15 April; a Wednesday, stays.
    assert rules.complaint_deadline(D(2026, 3, 18)) == D(2026, 4, 15)
    # Letter 9 March 2026 → 16 March → 6 April 2026 is Easter Monday → 7 April.
    assert rules.complaint_deadline(D(2026, 3, 9)) == D(2026, 4, 7)
    # Letter 7 March (Saturday) → 14 March → 4 April (Saturday, Easter Eve) → 7 April.
    assert rules.complaint_deadline(D(2026, 3, 7)) == D(2026, 4, 7)


def test_a_complaint_by_the_deadline_is_in_time(household, caseworker_user, second_user):
    decision = decided(household, caseworker_user, second_user, when=D(2026, 3, 2))
    complaint = services.register_complaint(
        decision, received_on=D(2026, 3, 30), registered_by=caseworker_user
    )
    assert complaint.in_time is True and complaint.late_reason == ""


def test_a_late_complaint_needs_the_reason_it_is_considered(household, caseworker_user, second_user):
    decision = decided(household, caseworker_user, second_user, when=D(2026, 3, 2))
    with pytest.raises(DomainError) as error:
        services.register_complaint(decision, received_on=D(2026, 3, 31), registered_by=caseworker_user)
    assert "§ 31" in error.value.message and error.value.field == "late_reason"
    assert not Complaint.all_objects.exists()

    complaint = services.register_complaint(
        decision, received_on=D(2026, 3, 31), registered_by=caseworker_user, late_reason="Lå på sykehus."
    )
    assert complaint.in_time is False and complaint.late_reason == "Lå på sykehus."


def test_no_complaint_against_a_draft(household, caseworker_user):
    with pytest.raises(DomainError):
        services.register_complaint(
            draft(household, caseworker_user), received_on=D(2026, 3, 3), registered_by=caseworker_user
        )


def test_a_changed_decision_supersedes_the_old_with_its_own_letter(
    household, caseworker_user, second_user, calls, django_capture_on_commit_callbacks
):
    old = decided(household, caseworker_user, second_user, when=D(2026, 3, 2))
    complaint = services.register_complaint(old, received_on=D(2026, 3, 10), registered_by=caseworker_user)
    calls.clear()
    services.review_complaint(
        complaint,
        upheld=False,
        reviewed_by=caseworker_user,
        new_outcome="granted",
        new_facts="Husstanden må flytte innen en måned.",
        new_considerations="Behovet er akutt.",
    )
    complaint.refresh_from_db()
    new = complaint.new_decision
    assert complaint.review_result == ReviewResult.CHANGED
    # The two-person rule is on: the change waits for another person.
    assert new.status == DecisionStatus.DRAFT and new.replaces == old
    old.refresh_from_db()
    assert old.status == DecisionStatus.DECIDED
    assert calls == []

    services.decide(new, decided_by=second_user)
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.status == DecisionStatus.SUPERSEDED and old.replaced_by == new
    assert new.status == DecisionStatus.DECIDED and new.outcome == "granted"
    assert new.letter_id and new.letter_id != old.letter_id
    assert new.letter.context["replaces_date"] == "2. mars 2026"
    assert [d.pk for d in calls] == [new.pk]
    assert not complaint.is_open


def test_a_change_is_decided_at_once_without_the_two_person_rule(
    household, caseworker_user, second_user, calls
):
    services.save_kind_setting(
        household.municipality_id, kinds.HOUSING_HELP, appeal_body="Statsforvalteren", two_person_rule=False
    )
    old = decided(household, caseworker_user, second_user, when=D(2026, 3, 2))
    complaint = services.register_complaint(old, received_on=D(2026, 3, 10), registered_by=caseworker_user)
    services.review_complaint(complaint, upheld=False, reviewed_by=caseworker_user, new_outcome="granted")
    complaint.refresh_from_db()
    assert complaint.new_decision.status == DecisionStatus.DECIDED
    old.refresh_from_db()
    assert old.status == DecisionStatus.SUPERSEDED
    assert calls[-1].pk == complaint.new_decision.pk


def test_upheld_goes_to_the_appeal_body_with_a_letter_and_its_outcome_is_recorded(
    household, caseworker_user, second_user
):
    old = decided(household, caseworker_user, second_user, when=D(2026, 3, 2))
    complaint = services.register_complaint(old, received_on=D(2026, 3, 10), registered_by=caseworker_user)
    with pytest.raises(DomainError):
        services.record_appeal_outcome(
            complaint, outcome=FinalOutcome.UPHELD, decided_on=D(2026, 4, 1), recorded_by=caseworker_user
        )
    services.review_complaint(complaint, upheld=True, reviewed_by=second_user, when=D(2026, 3, 20))
    complaint.refresh_from_db()
    assert complaint.review_result == ReviewResult.UPHELD
    assert complaint.forwarded_to_appeal_body_on == D(2026, 3, 20)
    assert complaint.appeal_body == "Statsforvalteren"
    assert complaint.forwarding_letter.kind == "complaint_forwarded"
    assert complaint.is_open
    with pytest.raises(DomainError):
        services.review_complaint(complaint, upheld=True, reviewed_by=second_user)

    services.record_appeal_outcome(
        complaint, outcome=FinalOutcome.UPHELD, decided_on=D(2026, 4, 20), recorded_by=caseworker_user
    )
    complaint.refresh_from_db()
    assert complaint.final_outcome == FinalOutcome.UPHELD and not complaint.is_open
    assert Letter.all_objects.filter(household=household).count() == 2


def test_whoever_changes_a_draft_becomes_its_drafter(household, caseworker_user, second_user):
    decision = draft(household, caseworker_user)
    services.update_draft(
        decision,
        outcome="refused",
        legal_basis="§ 6",
        facts="Nye fakta.",
        considerations="Nye hensyn.",
        by=second_user,
    )
    decision.refresh_from_db()
    assert decision.drafted_by == second_user
    with pytest.raises(DomainError):
        services.decide(decision, decided_by=second_user)
    services.decide(decision, decided_by=caseworker_user)


def test_a_decided_decision_cannot_be_edited_as_a_draft(household, caseworker_user, second_user):
    decision = decided(household, caseworker_user, second_user)
    with pytest.raises(DomainError):
        services.update_draft(
            decision, outcome="granted", legal_basis="x", facts="", considerations="", by=caseworker_user
        )


def test_the_kind_registry():
    again = kinds.register_decision_kind(
        kinds.HOUSING_HELP,
        label="Bistand etter boligsosial lov § 6",
        label_nn="Bistand etter bustadsosial lov § 6",
        default_legal_basis=kinds.KINDS[kinds.HOUSING_HELP].default_legal_basis,
        default_appeal_body="Statsforvalteren",
        drafted_from_household=True,
    )
    assert again == kinds.get_decision_kind(kinds.HOUSING_HELP)
    with pytest.raises(ValueError):
        kinds.register_decision_kind(kinds.HOUSING_HELP, label="Noe annet", default_legal_basis="x")
    with pytest.raises(LookupError):
        kinds.get_decision_kind("finnes-ikke")
    # A kind registered by another app (allocation) defaults to the klagenemnd
    # and is drafted from that app's pages, not the household's.
    assert kinds.DecisionKind(code="x", label="x", default_legal_basis="x").default_appeal_body == (
        "Kommunens klagenemnd"
    )
    assert kinds.HOUSING_HELP in {k.code for k in kinds.household_kinds()}
