"""A transfer (a tenant applying to move to another municipal dwelling):
accepting the offer ends the old tenancy the day the new one starts, in the
same transaction, and the yearly figures still equal a hand count."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from applications import services
from applications.figures import application_figures, kostra_applications
from applications.models import ApplicationStatus, Offer
from dwellings.models import ContractType, Dwelling, DwellingStatus, EndReason, Tenancy
from housing_office.errors import DomainError
from reports.kostra import new_households_moved_in

from . import factories
from .factories import tenancy_of

pytestmark = pytest.mark.django_db
D = datetime.date


def _granted(household, received, decided):
    application = services.register_application(household=household, received_on=received, today=received)
    return services.record_outcome(application, outcome="granted", decided_on=decided)


def _accept(offer, start, **kwargs):
    kwargs.setdefault("contract_end", D(2030, 1, 1))
    return services.accept_offer(
        offer, answered_on=offer.offered_on, start_date=start, monthly_rent=Decimal("9000"), **kwargs
    )


@pytest.fixture
def moving(municipality):
    """T has rented A since 2020 and applies to move; B was freed 01.03.2025."""
    caseworker = factories.caseworker(municipality)
    a = factories.DwellingFactory(municipality=municipality, reference="A", address="Gamleveien 1")
    b = factories.DwellingFactory(municipality=municipality, reference="B", address="Nyveien 2")
    t = factories.household_with_members(municipality, reference="T")
    old = tenancy_of(t, a, D(2020, 1, 1))
    tenancy_of(
        factories.HouseholdFactory(municipality=municipality), b, D(2019, 1, 1), D(2025, 3, 1), "moved_away"
    )
    application = _granted(t, D(2025, 3, 1), D(2025, 3, 20))
    offer = services.make_offer(
        application, dwelling=b, on=D(2025, 4, 1), answer_deadline=D(2025, 4, 15), by=caseworker
    )
    return {"a": a, "b": b, "t": t, "old": old, "application": application, "offer": offer, "by": caseworker}


def test_accepting_a_transfer_ends_the_old_tenancy_when_the_new_starts(moving):
    assert moving["application"].is_transfer
    _accept(moving["offer"], D(2025, 5, 1), by=moving["by"])
    old = Tenancy.objects.get(pk=moving["old"].pk)
    assert (old.end_date, old.end_reason) == (D(2025, 5, 1), EndReason.OTHER_MUNICIPAL_DWELLING)
    new = Tenancy.objects.get(dwelling=moving["b"], household=moving["t"])
    assert new.household == moving["t"] and new.start_date == D(2025, 5, 1)
    assert list(Tenancy.objects.filter(household=moving["t"]).running(on=D(2025, 5, 1))) == [new]
    assert list(Tenancy.objects.filter(household=moving["t"]).running(on=D(2025, 4, 30))) == [old]
    moving["t"].refresh_from_db()
    assert moving["t"].address == "Nyveien 2"
    assert Dwelling.objects.with_status(D(2025, 5, 1)).get(pk=moving["a"].pk).status == DwellingStatus.VACANT
    assert Offer.objects.get().tenancy == new
    moving["application"].refresh_from_db()
    assert moving["application"].status == ApplicationStatus.HOUSED


def test_nothing_is_written_when_the_new_tenancy_is_refused(moving):
    with pytest.raises(DomainError, match="tidsbestemt kontrakt"):
        _accept(moving["offer"], D(2025, 5, 1), contract_type=ContractType.FIXED_TERM, contract_end=None)
    assert Tenancy.objects.get(pk=moving["old"].pk).end_date is None
    assert not Tenancy.objects.filter(dwelling=moving["b"], household=moving["t"]).exists()
    assert Offer.objects.get().answer == ""
    moving["t"].refresh_from_db()
    assert moving["t"].address != "Nyveien 2"


def test_a_start_before_the_old_tenancy_began_is_said_on_the_start_date(moving):
    with pytest.raises(DomainError) as info:
        _accept(moving["offer"], D(2019, 6, 1))
    assert info.value.field == "start_date"
    assert "Det nåværende leieforholdet kan ikke avsluttes" in info.value.message
    assert Tenancy.objects.get(pk=moving["old"].pk).end_date is None


def test_the_figures_with_a_transfer_equal_a_hand_count(municipality, moving):
    _accept(moving["offer"], D(2025, 5, 1), by=moving["by"])
    # N, new to municipal housing, granted 15.02.2025, gets A, which T left.
    n = factories.household_with_members(municipality, reference="N")
    application = _granted(n, D(2025, 2, 1), D(2025, 2, 15))
    offer = services.make_offer(
        application, dwelling=moving["a"], on=D(2025, 5, 2), answer_deadline=D(2025, 5, 9)
    )
    _accept(offer, D(2025, 5, 11))

    figures = application_figures(municipality.pk, 2025)
    assert figures == {
        # By hand: T's (01.03) and N's (01.02) applications, both granted in 2025.
        "applications_received": 2,
        "applications_granted": 2,
        "applications_refused": 0,
        # T on 01.05 (42 days after 20.03) and N on 11.05 (85 days after 15.02).
        "housed_from_waiting_list": 2,
        "median_days_waiting_at_housing": 63.5,
        "waiting_list_at_year_end": 0,
        # B empty 01.03–01.05 (61 days), A 01.05–11.05 (10 days).
        "median_days_vacant_before_reletting": 35.5,
    }
    # KOSTRA counts only N as new: T moved from one municipal dwelling to another.
    kostra = kostra_applications(municipality.pk, 2025)
    assert (kostra["new_applications_received"], kostra["new_applications_granted"]) == (1, 1)
    assert kostra["waiting_list"] == 0
    assert new_households_moved_in(municipality, 2025) == 1
