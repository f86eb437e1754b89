"""The way in's yearly figures (DESIGN §5.3) against a hand count: refused,
withdrawn, transfers of existing tenants, year boundaries, ties in medians,
a tenancy counted once."""

from __future__ import annotations

import datetime

import pytest

from applications.figures import application_figures, kostra_applications, waiting_list_on
from dwellings.models import DwellingCategory, EndReason
from reports.throughput import FIGURE_KEYS, throughput_figures

from . import factories
from .factories import housing_application, tenancy_of

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def register(municipality):
    """The hand-counted register (see the comments for each household)."""
    m = municipality
    hh = {n: factories.HouseholdFactory(municipality=m, reference=f"H{n}") for n in range(1, 12)}
    dw = {n: factories.DwellingFactory(municipality=m, reference=f"B{n}") for n in (1, 2, 4, 5)}
    dw[3] = factories.DwellingFactory(municipality=m, reference="B3", category=DwellingCategory.CARE)
    moved = EndReason.MOVED_AWAY
    # B1: two earlier tenancies; the latest ended 10.01.2025 → re-let after 10 days.
    tenancy_of(hh[10], dw[1], D(2015, 1, 1), D(2018, 1, 1), moved)
    tenancy_of(hh[8], dw[1], D(2018, 2, 1), D(2025, 1, 10), moved)
    # H1: received 01.11.2024, granted 10.12.2024, housed in B1 20.01.2025: waited 41 days.
    housing_application(hh[1], D(2024, 11, 1), decided=D(2024, 12, 10), outcome="granted")
    tenancy_of(hh[1], dw[1], D(2025, 1, 20))
    # H2: two granted applications; housed in B2 11.03.2025 (counted once;
    # waited 10 days from the latest grant). B2 was empty since 31.12.2024: 70 days.
    tenancy_of(hh[9], dw[2], D(2019, 1, 1), D(2024, 12, 31), moved)
    housing_application(hh[2], D(2025, 1, 5), decided=D(2025, 2, 1), outcome="granted")
    housing_application(hh[2], D(2025, 2, 10), decided=D(2025, 3, 1), outcome="granted")
    tenancy_of(hh[2], dw[2], D(2025, 3, 11))
    # H3: refused.
    housing_application(hh[3], D(2025, 3, 1), decided=D(2025, 4, 1), outcome="refused")
    # H4: withdrawn before any decision (as the import stores it).
    housing_application(hh[4], D(2025, 5, 1), withdrawn=D(2025, 6, 1))
    # H5: a tenant since 2020 asking to move (transfer), granted, still waiting.
    tenancy_of(hh[5], dw[4], D(2020, 1, 1))
    housing_application(hh[5], D(2025, 6, 1), decided=D(2025, 7, 1), outcome="granted", is_transfer=True)
    # H6: granted on 31.12.2025, housed 15.01.2026 in a care dwelling (B3,
    # empty since 01.06.2025, but care dwellings are left out of re-letting).
    housing_application(hh[6], D(2025, 12, 20), decided=D(2025, 12, 31), outcome="granted")
    tenancy_of(hh[11], dw[3], D(2024, 1, 1), D(2025, 6, 1), moved)
    tenancy_of(hh[6], dw[3], D(2026, 1, 15))
    # H7: moved in (B5, never let before) before the decision: not housed from the list.
    housing_application(hh[7], D(2025, 8, 1), decided=D(2025, 9, 1), outcome="granted")
    tenancy_of(hh[7], dw[5], D(2025, 8, 15))
    # H8 (earlier tenant of B1): granted 01.03.2025, withdrawn 01.10.2025 in the app.
    housing_application(
        hh[8], D(2025, 2, 1), decided=D(2025, 3, 1), outcome="granted", withdrawn=D(2025, 10, 1)
    )
    return m


def test_2025_by_hand(register):
    figures = application_figures(register.pk, 2025)
    assert figures == {
        # H2 ×2, H3, H4, H5, H6, H7, H8 (H1's was received in 2024).
        "applications_received": 8,
        # H2 ×2, H5, H6 (31 December), H7, H8 (later withdrawn: still granted in 2025).
        "applications_granted": 6,
        "applications_refused": 1,
        # H1 and H2 (once); H7 moved in before its decision.
        "housed_from_waiting_list": 2,
        # 41 and 10 days: the median of an even count is the mean of the middle two.
        "median_days_waiting_at_housing": 25.5,
        # H5 (transfer, its tenancy began before it applied) and H6 (granted 31.12.).
        "waiting_list_at_year_end": 2,
        # B1 after 10 days, B2 after 70; B3 is a care dwelling, B5 had no earlier tenancy.
        "median_days_vacant_before_reletting": 40.0,
    }


def test_year_boundaries(register):
    assert application_figures(register.pk, 2024)["waiting_list_at_year_end"] == 1  # H1
    assert application_figures(register.pk, 2024)["applications_granted"] == 1
    later = application_figures(register.pk, 2026)
    assert later["housed_from_waiting_list"] == 1  # H6, 15 days after the grant
    assert later["median_days_waiting_at_housing"] == 15.0
    assert later["median_days_vacant_before_reletting"] is None
    assert later["applications_received"] == 0
    # On 30 September: H5 and H8 (H6 is not granted yet, H7 has moved in).
    # H8 is off the list from its withdrawal on 1 October.
    assert waiting_list_on(register.pk, D(2025, 9, 30)) == 2
    assert waiting_list_on(register.pk, D(2025, 10, 1)) == 1


def test_the_contract_object_carries_the_keys_in_order(register):
    figures = throughput_figures(register, 2025)
    assert list(figures) == list(FIGURE_KEYS)
    assert figures["applications_received"] == 8
    assert figures["median_days_vacant_before_reletting"] == 40.0
    assert figures["tenancies_started"] == 3


def test_odd_count_median_and_ties(municipality):
    """Three re-lettings of 5, 5 and 9 days: the median is 5.0."""
    m = municipality
    for gap in (5, 5, 9):
        dwelling = factories.DwellingFactory(municipality=m)
        before = factories.HouseholdFactory(municipality=m)
        after = factories.HouseholdFactory(municipality=m)
        tenancy_of(before, dwelling, D(2020, 1, 1), D(2025, 3, 1), EndReason.BOUGHT_OWN_HOME)
        tenancy_of(after, dwelling, D(2025, 3, 1) + datetime.timedelta(days=gap))
    assert application_figures(m.pk, 2025)["median_days_vacant_before_reletting"] == 5.0


def test_kostra_leaves_transfers_out(register):
    assert kostra_applications(register.pk, 2025) == {
        "new_applications_received": 7,  # all but H5's transfer
        "new_applications_granted": 5,
        "new_applications_refused": 1,
        "waiting_list": 2,
    }


def test_another_municipality_counts_nothing(register, other_municipality):
    figures = application_figures(other_municipality.pk, 2025)
    assert figures["applications_received"] == 0
    assert figures["median_days_waiting_at_housing"] is None


def test_share_decided_within_a_month(municipality):
    from applications.figures import decided_within_a_month

    h = factories.HouseholdFactory(municipality=municipality)
    # 31 January + one month is 28 February: decided that day is within.
    housing_application(h, D(2025, 1, 31), decided=D(2025, 2, 28), outcome="granted")
    housing_application(h, D(2025, 1, 31), decided=D(2025, 3, 1), outcome="refused")
    housing_application(h, D(2025, 3, 1), decided=D(2025, 3, 20), outcome="granted")
    housing_application(h, D(2025, 3, 1), withdrawn=D(2025, 3, 2))  # not a decision
    assert decided_within_a_month(municipality.pk, 2025) == {"decided": 3, "within": 2, "share": 66.7}
    assert decided_within_a_month(municipality.pk, 2024)["share"] is None
