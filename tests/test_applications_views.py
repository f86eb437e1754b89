"""The way in's pages: register, worklist with the provisional reply, the
waiting list, fit for a vacant dwelling, offers and their answers, the
leader's lists; scoping (404) and constant query counts."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from applications import services
from applications.models import AllocationCriterion, Application, ApplicationStatus, Offer, OfferAnswer
from dwellings.models import Tenancy

from . import factories
from .factories import housing_application

pytestmark = pytest.mark.django_db
D = datetime.date
JANUARY_2025 = datetime.date(2025, 1, 1)


def _granted(municipality, n: int, *, decided=JANUARY_2025, adults=2):
    out = []
    for _i in range(n):
        household = factories.household_with_members(municipality, adults=adults)
        out.append(housing_application(household, D(2024, 12, 1), decided=decided, outcome="granted"))
    return out


def test_register_an_application(caseworker_client, municipality):
    household = factories.HouseholdFactory(municipality=municipality, reference="H-77")
    criterion = AllocationCriterion.objects.create(municipality=municipality, name="Bostedsløs", priority=1)
    today = timezone.localdate()
    response = caseworker_client.post(
        reverse("applications:create"),
        {
            "household_reference": "h-77",
            "received_on": today.isoformat(),
            "rooms_needed": "2",
            "wheelchair_needed": "on",
            "area_wishes": "Sentrum",
            "other_needs": "",
            "criteria": [criterion.pk],
        },
    )
    application = Application.objects.get()
    assert response.status_code == 302
    assert application.household == household
    assert application.reference == f"S-{today.year}-0001"
    assert application.wheelchair_needed and application.rooms_needed == 2
    assert list(application.criteria.all()) == [criterion]
    assert not application.is_transfer


def test_register_refuses_an_unknown_household_and_a_future_date(caseworker_client, municipality):
    factories.HouseholdFactory(municipality=municipality, reference="H-1")
    future = timezone.localdate() + datetime.timedelta(days=3)
    response = caseworker_client.post(
        reverse("applications:create"), {"household_reference": "H-404", "received_on": "2025-01-01"}
    )
    assert "Fant ingen husstand med referansen «H-404»" in response.content.decode()
    response = caseworker_client.post(
        reverse("applications:create"), {"household_reference": "H-1", "received_on": future.isoformat()}
    )
    assert "Mottatt-datoen kan ikke være frem i tid." in response.content.decode()
    assert not Application.objects.exists()


def test_a_running_tenant_applying_is_a_transfer(municipality):
    household = factories.HouseholdFactory(municipality=municipality)
    factories.tenancy_of(household, factories.DwellingFactory(municipality=municipality), D(2020, 1, 1))
    application = services.register_application(
        household=household, received_on=D(2025, 1, 1), today=D(2025, 1, 2)
    )
    assert application.is_transfer


def test_worklist_warns_when_a_provisional_reply_is_due(caseworker_client, municipality):
    today = timezone.localdate()
    old = housing_application(
        factories.HouseholdFactory(municipality=municipality), today - datetime.timedelta(days=40)
    )
    housing_application(
        factories.HouseholdFactory(municipality=municipality), today - datetime.timedelta(days=3)
    )
    page = caseworker_client.get(reverse("applications:list")).content.decode()
    assert page.count("Må sendes nå: over en måned uten vedtak") == 1
    assert f"Send foreløpig svar ({old.reference})" in page


def test_one_click_provisional_reply(caseworker_client, municipality, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    application = housing_application(
        factories.household_with_members(municipality), today - datetime.timedelta(days=40)
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = caseworker_client.post(
            reverse("applications:quick-provisional-reply", args=[application.pk])
        )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.provisional_reply_sent_on == today
    letter = application.household.letters.get(kind="provisional_reply")
    assert letter.context["expected_date"]
    assert "mange søknader" in letter.context["reason"]
    page = caseworker_client.get(reverse("applications:list")).content.decode()
    assert "Må sendes nå" not in page


def test_scoping_answers_404(caseworker_client, other_municipality):
    other = housing_application(factories.HouseholdFactory(municipality=other_municipality), D(2025, 1, 1))
    for name in ("applications:detail", "applications:edit"):
        assert caseworker_client.get(reverse(name, args=[other.pk])).status_code == 404
    assert (
        caseworker_client.post(reverse("applications:quick-provisional-reply", args=[other.pk])).status_code
        == 404
    )
    dwelling = factories.DwellingFactory(municipality=other_municipality)
    assert caseworker_client.get(reverse("applications:dwelling-fit", args=[dwelling.pk])).status_code == 404


def test_waiting_list_order_and_constant_queries(
    caseworker_client, municipality, django_assert_max_num_queries
):
    urgent = AllocationCriterion.objects.create(municipality=municipality, name="Akutt", priority=1)
    late, early = _granted(municipality, 1, decided=D(2025, 3, 1)) + _granted(
        municipality, 1, decided=D(2025, 1, 1)
    )
    first = _granted(municipality, 1, decided=D(2025, 6, 1))[0]
    first.criteria.add(urgent)
    page = caseworker_client.get(reverse("applications:waiting-list")).content.decode()
    assert page.index(first.reference) < page.index(early.reference) < page.index(late.reference)

    with django_assert_max_num_queries(16) as small:
        caseworker_client.get(reverse("applications:waiting-list"))
    for application in _granted(municipality, 20):
        application.criteria.add(urgent)
    with django_assert_max_num_queries(len(small.captured_queries)):
        caseworker_client.get(reverse("applications:waiting-list"))


def test_worklist_constant_queries(caseworker_client, municipality, django_assert_max_num_queries):
    for _ in range(2):
        housing_application(factories.HouseholdFactory(municipality=municipality), D(2025, 1, 1))
    with django_assert_max_num_queries(16) as small:
        caseworker_client.get(reverse("applications:list"))
    for _ in range(15):
        housing_application(factories.HouseholdFactory(municipality=municipality), D(2025, 1, 1))
    with django_assert_max_num_queries(len(small.captured_queries)):
        caseworker_client.get(reverse("applications:list"))


def test_fit_for_a_vacant_dwelling_with_reasons(caseworker_client, municipality):
    dwelling = factories.DwellingFactory(municipality=municipality, rooms=2, wheelchair_accessible=False)
    fits = _granted(municipality, 1, adults=2)[0]
    big = _granted(municipality, 1, adults=6)[0]  # 6 persons in 2 rooms: overcrowded
    wheelchair = _granted(municipality, 1, adults=2)[0]
    Application.objects.filter(pk=wheelchair.pk).update(wheelchair_needed=True)
    page = caseworker_client.get(reverse("applications:dwelling-fit", args=[dwelling.pk])).content.decode()
    assert fits.reference in page
    assert "2 personer i husstanden passer til 2 rom." in page
    assert big.reference not in page and wheelchair.reference not in page


def test_offer_accept_starts_the_tenancy(
    caseworker_client, caseworker_user, municipality, django_capture_on_commit_callbacks
):
    application = _granted(municipality, 1)[0]
    dwelling = factories.DwellingFactory(municipality=municipality)
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        response = caseworker_client.post(
            reverse("applications:make-offer", args=[application.pk]),
            {"dwelling": dwelling.pk, "answer_deadline": (today + datetime.timedelta(days=14)).isoformat()},
        )
    assert response.status_code == 302
    offer = Offer.objects.get()
    assert offer.letter.kind == "housing_offer"
    assert offer.letter.context["dwelling_address"].startswith(dwelling.address)
    response = caseworker_client.post(
        reverse("applications:offer-answer", args=[offer.pk]),
        {
            "answer": "accept",
            "answered_on": today.isoformat(),
            "start_date": today.isoformat(),
            "monthly_rent": "8 500",
            "contract_type": "fixed_term",
            "contract_end": (today + datetime.timedelta(days=3 * 365)).isoformat(),
        },
    )
    assert response.status_code == 302
    offer.refresh_from_db()
    application.refresh_from_db()
    assert offer.answer == OfferAnswer.ACCEPTED and offer.tenancy.dwelling == dwelling
    assert offer.tenancy.monthly_rent == Decimal("8500")
    assert application.status == ApplicationStatus.HOUSED
    assert Tenancy.objects.get().household == application.household


def test_decline_keeps_the_household_on_the_list_and_expiry(caseworker_client, municipality):
    application = _granted(municipality, 1)[0]
    dwelling = factories.DwellingFactory(municipality=municipality)
    offer = services.make_offer(
        application, dwelling=dwelling, on=D(2025, 2, 1), answer_deadline=D(2025, 2, 15)
    )
    response = caseworker_client.post(
        reverse("applications:offer-answer", args=[offer.pk]),
        {"answer": "decline", "answered_on": "2025-02-10", "reason": "For langt fra skolen"},
    )
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.answer == OfferAnswer.DECLINED and offer.reason == "For langt fra skolen"
    application.refresh_from_db()
    assert application.status == ApplicationStatus.GRANTED
    # A second offer, never answered: the worklist says the deadline has passed.
    second = services.make_offer(
        application, dwelling=dwelling, on=D(2025, 3, 1), answer_deadline=D(2025, 3, 15)
    )
    page = caseworker_client.get(reverse("applications:list")).content.decode()
    assert "Tilbud med utløpt svarfrist" in page
    caseworker_client.post(reverse("applications:offer-answer", args=[second.pk]), {"answer": "expire"})
    second.refresh_from_db()
    assert second.answer == OfferAnswer.EXPIRED
    assert (
        "Tilbud med utløpt svarfrist"
        not in caseworker_client.get(reverse("applications:list")).content.decode()
    )


def test_an_offer_needs_a_vacant_dwelling(municipality):
    application = _granted(municipality, 1)[0]
    dwelling = factories.DwellingFactory(municipality=municipality)
    factories.tenancy_of(factories.HouseholdFactory(municipality=municipality), dwelling, D(2020, 1, 1))
    with pytest.raises(services.DomainError, match="Boligen er ikke ledig"):
        services.make_offer(application, dwelling=dwelling, on=D(2025, 2, 1), answer_deadline=D(2025, 2, 15))


def test_leader_keeps_criteria_caseworker_may_not(leader_client, caseworker_user, municipality):
    from django.test import Client

    caseworker = Client()
    caseworker.force_login(caseworker_user)
    assert caseworker.get(reverse("applications:criteria")).status_code == 403
    response = leader_client.post(
        reverse("applications:criteria"),
        {"name": "Barnefamilie", "description": "", "priority": "2", "active": "on"},
    )
    assert response.status_code == 302
    assert AllocationCriterion.objects.get().name == "Barnefamilie"
    response = leader_client.post(
        reverse("applications:criteria"), {"name": "barnefamilie", "description": "", "priority": "3"}
    )
    assert "Det finnes allerede et kriterium med dette navnet." in response.content.decode()
    response = leader_client.post(
        reverse("applications:documents"),
        {"name": "Lønnsslipp", "description": "", "order": "1", "active": "on"},
    )
    assert response.status_code == 302
