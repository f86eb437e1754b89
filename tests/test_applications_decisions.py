"""An application decided through the decisions machinery (kind
`allocation`), a complaint that changes it, and the way in's own letters
(provisional reply, offer) by their extracted PDF text in nb and nn."""

from __future__ import annotations

import datetime
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from applications import allocation, services
from applications.models import Application, ApplicationStatus
from decisions import services as decision_services
from decisions.kinds import get_decision_kind
from decisions.models import DecisionStatus
from housing_office.errors import DomainError
from letters.models import LetterStatus

from . import factories
from .factories import housing_application

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def pdf_text(letter) -> str:
    letter.refresh_from_db()
    assert letter.status == LetterStatus.RENDERED, letter.error
    return " ".join(
        subprocess.run(
            ["pdftotext", letter.pdf.path, "-"], check=True, capture_output=True, text=True
        ).stdout.split()
    )


def test_the_kind_is_registered_with_the_klagenemnd():
    kind = get_decision_kind(allocation.ALLOCATION)
    assert kind.default_appeal_body == "kommunens klagenemnd"
    assert kind.on_decided is allocation.on_allocation_decided


def test_grant_through_the_two_person_rule(
    caseworker_client, caseworker_user, municipality, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    application = housing_application(
        factories.household_with_members(municipality), today - datetime.timedelta(days=10)
    )
    url = reverse("applications:draft-decision", args=[application.pk])
    # A refusal without grounds cannot be saved (fvl. §§ 24–25).
    response = caseworker_client.post(url, {"outcome": "refused", "legal_basis": allocation.LEGAL_BASIS})
    assert response.status_code == 400
    application.refresh_from_db()
    assert application.decision is None
    response = caseworker_client.post(
        url,
        {
            "outcome": "granted",
            "legal_basis": allocation.LEGAL_BASIS,
            "facts": "Familie på fire i en ettromsleilighet.",
            "considerations": "Barna trenger egne rom.",
        },
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.decision.status == DecisionStatus.DRAFT
    # The drafter may not decide it too.
    caseworker_client.post(reverse("applications:decide", args=[application.pk]))
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RECEIVED
    # Another caseworker decides: the application is granted, on the list.
    other = factories.caseworker(municipality, username="kollega")
    with django_capture_on_commit_callbacks(execute=True):
        allocation.decide_allocation(application, by=other)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.GRANTED
    assert application.outcome == "granted" and application.decided_on == today
    assert application.decision.letter.kind == "decision"
    assert application.decision.appeal_body.lower() == "kommunens klagenemnd"


def test_a_complaint_changes_a_refusal_into_a_grant(municipality, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    application = housing_application(
        factories.household_with_members(municipality), today - datetime.timedelta(days=20)
    )
    drafter, decider = factories.caseworker(municipality), factories.caseworker(municipality)
    allocation.draft_allocation(
        application,
        outcome="refused",
        legal_basis=allocation.LEGAL_BASIS,
        facts="Husstanden har egen leid bolig.",
        considerations="Boligen er egnet for husstanden.",
        by=drafter,
    )
    application.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        allocation.decide_allocation(application, by=decider)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REFUSED
    refused = application.decision
    complaint = decision_services.register_complaint(refused, received_on=today, registered_by=drafter)
    with django_capture_on_commit_callbacks(execute=True):
        decision_services.review_complaint(
            complaint,
            upheld=False,
            reviewed_by=drafter,
            new_outcome="granted",
            new_considerations="Ny legeerklæring.",
        )
        complaint.refresh_from_db()
        if complaint.new_decision.status == DecisionStatus.DRAFT:
            decision_services.decide(complaint.new_decision, decided_by=decider)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.GRANTED
    assert application.decision_id == complaint.new_decision_id


def test_only_an_undecided_application_gets_a_draft(municipality):
    application = housing_application(
        factories.HouseholdFactory(municipality=municipality),
        D(2025, 1, 1),
        decided=D(2025, 2, 1),
        outcome="granted",
    )
    with pytest.raises(DomainError, match="allerede avgjort"):
        allocation.draft_allocation(
            application, outcome="granted", legal_basis="x", facts="", considerations="", by=None
        )


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_provisional_reply_letter_says_why_and_when(
    municipality, language, django_capture_on_commit_callbacks
):
    household = factories.household_with_members(municipality, letter_language=language)
    application = housing_application(household, D(2026, 1, 5))
    application = Application.objects.get(pk=application.pk)
    with django_capture_on_commit_callbacks(execute=True):
        letter = services.send_provisional_reply(
            application,
            by=factories.caseworker(municipality),
            on=D(2026, 2, 10),
            reason="Vi venter på opplysninger fra NAV.",
            expected_by=D(2026, 3, 15),
        )
    text = pdf_text(letter)
    assert "Vi venter på opplysninger fra NAV." in text
    assert "15. mars 2026" in text
    assert "§ 11 a" in text
    assert application.reference in text
    assert ("Foreløpig svar" if language == "nb" else "Førebels svar") in text


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_offer_letter_names_the_dwelling_and_the_deadline(
    municipality, language, django_capture_on_commit_callbacks
):
    household = factories.household_with_members(municipality, letter_language=language)
    application = housing_application(household, D(2026, 1, 5), decided=D(2026, 1, 20), outcome="granted")
    dwelling = factories.DwellingFactory(municipality=municipality, address="Kirkegata 9", rooms=3)
    with django_capture_on_commit_callbacks(execute=True):
        offer = services.make_offer(
            application, dwelling=dwelling, on=D(2026, 2, 1), answer_deadline=D(2026, 2, 15)
        )
    text = pdf_text(offer.letter)
    assert "Kirkegata 9" in text
    assert "15. februar 2026" in text
    assert "Svarfrist" in text
    assert ("ventelisten" if language == "nb" else "ventelista") in text
