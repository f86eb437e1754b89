"""The klagenemnd's outcome reaches the application (fvl. § 34): the
decisions app calls the kind's `on_appeal_outcome`, registered by
applications from its AppConfig.ready(), in the same transaction."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from applications import allocation
from applications.models import Application, ApplicationStatus, Offer
from applications.waiting_list import waiting_list
from decisions import services as decision_services
from decisions.kinds import get_decision_kind
from decisions.models import Complaint, DecisionStatus, FinalOutcome
from housing_office.errors import DomainError

from . import factories
from .factories import housing_application

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture
def appealed(municipality):
    """A refusal 20 days ago, complained against, upheld by the office and
    sent to the klagenemnd 10 days ago (letters are not rendered here)."""
    today = timezone.localdate()
    drafter, decider = factories.caseworker(municipality), factories.caseworker(municipality)
    application = housing_application(factories.household_with_members(municipality), today - 30 * DAY)
    allocation.draft_allocation(
        application,
        outcome="refused",
        legal_basis=allocation.LEGAL_BASIS,
        facts="Husstanden har egen leid bolig.",
        considerations="Boligen er egnet for husstanden.",
        by=drafter,
    )
    application.refresh_from_db()
    decision_services.decide(application.decision, decided_by=decider, when=today - 20 * DAY)
    complaint = decision_services.register_complaint(
        application.decision, received_on=today - 15 * DAY, registered_by=drafter
    )
    decision_services.review_complaint(complaint, upheld=True, reviewed_by=decider, when=today - 10 * DAY)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REFUSED
    return {"application": application, "complaint": complaint, "by": decider, "today": today}


def _record(appealed, outcome, **kwargs):
    return decision_services.record_appeal_outcome(
        appealed["complaint"],
        outcome=outcome,
        decided_on=appealed["today"],
        recorded_by=appealed["by"],
        **kwargs,
    )


def test_the_hook_is_registered_by_the_owning_app():
    assert get_decision_kind(allocation.ALLOCATION).on_appeal_outcome is allocation.on_allocation_appealed


def test_a_refusal_reversed_puts_the_application_on_the_waiting_list(appealed):
    _record(appealed, FinalOutcome.CHANGED, new_outcome="granted")
    application = appealed["application"]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.GRANTED
    # Granted from the appeal body's date: the wait on the list starts then.
    assert (application.outcome, application.decided_on) == ("granted", appealed["today"])
    assert application in waiting_list()
    # The refusal no longer stands: no further complaint lies against it.
    assert application.decision.status == DecisionStatus.SUPERSEDED
    with pytest.raises(DomainError):
        decision_services.register_complaint(
            application.decision, received_on=appealed["today"], registered_by=appealed["by"]
        )


def test_upheld_leaves_the_refusal(appealed):
    _record(appealed, FinalOutcome.UPHELD)
    application = appealed["application"]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REFUSED
    assert application.decision.status == DecisionStatus.DECIDED


def test_quashed_sends_the_case_back_for_a_new_decision(appealed):
    _record(appealed, FinalOutcome.QUASHED)
    application = appealed["application"]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RECEIVED
    assert (application.outcome, application.decided_on, application.decision) == ("", None, None)
    # The office decides it again.
    decision = allocation.draft_allocation(
        application, outcome="granted", legal_basis="", facts="", considerations="", by=appealed["by"]
    )
    assert decision.status == DecisionStatus.DRAFT


def test_changed_needs_the_new_outcome_and_nothing_is_written_without_it(appealed):
    with pytest.raises(DomainError) as info:
        _record(appealed, FinalOutcome.CHANGED)
    assert info.value.field == "new_outcome"
    assert Complaint.objects.get().final_outcome == ""
    appealed["application"].refresh_from_db()
    assert appealed["application"].status == ApplicationStatus.REFUSED


def test_an_open_offer_stops_the_outcome_in_the_same_transaction(appealed, municipality):
    # (Granted since by another way – e.g. an import – with an offer waiting.)
    application = appealed["application"]
    Application.objects.filter(pk=application.pk).update(status=ApplicationStatus.GRANTED)
    Offer.objects.create(
        municipality=municipality,
        application=application,
        dwelling=factories.DwellingFactory(municipality=municipality),
        offered_on=appealed["today"],
        answer_deadline=appealed["today"] + 7 * DAY,
    )
    with pytest.raises(DomainError, match="venter på svar"):
        _record(appealed, FinalOutcome.QUASHED)
    assert Complaint.objects.get().final_outcome == ""
    application.decision.refresh_from_db()
    assert application.decision.status == DecisionStatus.DECIDED


def test_the_page_records_a_reversal(caseworker_client, appealed):
    complaint = appealed["complaint"]
    url = reverse("decisions:complaint-appeal-outcome", args=[complaint.pk])
    response = caseworker_client.post(
        url, {"outcome": "changed", "decided_on": appealed["today"].isoformat()}
    )
    assert response.status_code == 400
    assert "Velg hva klageinstansen endret vedtaket til." in response.content.decode()
    response = caseworker_client.post(
        url, {"outcome": "changed", "new_outcome": "granted", "decided_on": appealed["today"].isoformat()}
    )
    assert response.status_code == 302
    page = caseworker_client.get(reverse("decisions:complaint-detail", args=[complaint.pk])).content.decode()
    assert "Endret (til innvilget)" in page
    appealed["application"].refresh_from_db()
    assert appealed["application"].status == ApplicationStatus.GRANTED
