"""Stock strategy: the tenant buys the dwelling they rent, the reinvestment
ledger, needs against stock, and the forecast with its back-test – each
against registers counted by hand."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from dwellings.models import DwellingCategory, EndReason, Ownership, StockChange
from dwellings.services import record_stock_change, vacancies
from dwellings.stock import sell_to_tenant
from housing_office.errors import DomainError
from reports.dashboard import vacancies as dashboard_vacancies
from reports.forecast import MIN_GROUP, Estimate, StageCounts, backtest, exits_estimate, forecast_from
from reports.kostra import dwelling_stock
from reports.stock_plan import needs_against_stock, reinvestment_ledger
from reports.throughput import throughput_figures
from tenants.models import PathwayStage, PersonRole

from . import factories
from .factories import household_with_members as household
from .factories import housing_application
from .factories import tenancy_of as tenancy

pytestmark = pytest.mark.django_db

D = datetime.date


def dwelling(municipality, **kwargs):
    return factories.DwellingFactory(municipality=municipality, **kwargs)


# --- The tenant buys the dwelling --------------------------------------------


def test_sale_to_tenant_ends_the_tenancy_and_disposes_of_the_dwelling(municipality, leader_user):
    h = household(municipality, pathway_stage=PathwayStage.GUIDANCE)
    address = h.address
    d = dwelling(municipality, acquired_on=D(2015, 1, 1))
    t = tenancy(h, d, D(2020, 3, 1))

    done = sell_to_tenant(
        t,
        completion_date=D(2025, 6, 1),
        price=Decimal("2100000"),
        valuation=Decimal("2200000"),
        by=leader_user,
    )

    t.refresh_from_db()
    d.refresh_from_db()
    h.refresh_from_db()
    assert (t.end_date, t.end_reason) == (D(2025, 6, 1), EndReason.BOUGHT_OWN_HOME)
    assert d.disposed_on == D(2025, 6, 1) and not d.for_sale
    sale = StockChange.objects.get(dwelling=d)
    assert sale == done.sale
    assert (sale.kind, sale.buyer_household, sale.price, sale.valuation) == (
        StockChange.Kind.DISPOSED,
        h,
        Decimal("2100000"),
        Decimal("2200000"),
    )
    assert h.pathway_stage == PathwayStage.BOUGHT_HOME
    # The household lives on where it lived: its address is untouched.
    assert h.address == address and not h.address_unknown


def test_sold_dwelling_is_no_vacancy(municipality):
    d = dwelling(municipality, rooms=2)
    t = tenancy(household(municipality), d, D(2020, 1, 1))
    sell_to_tenant(t, completion_date=D(2025, 6, 1), price=Decimal("1"))
    day = D(2025, 9, 1)
    assert d not in vacancies(day)
    summary, listed = dashboard_vacancies(municipality, day)
    assert summary["count"] == 0 and listed == []


def test_sale_to_tenant_refusals_write_nothing(municipality):
    d = dwelling(municipality)
    h = household(municipality)
    t = tenancy(h, d, D(2020, 1, 1), D(2024, 1, 1), EndReason.PRIVATE_RENTAL)
    with pytest.raises(DomainError, match="avsluttet"):
        sell_to_tenant(t, completion_date=D(2024, 6, 1), price=Decimal("1"))

    running = tenancy(household(municipality), d, D(2024, 2, 1))
    with pytest.raises(DomainError, match="før leieforholdet startet"):
        sell_to_tenant(running, completion_date=D(2024, 1, 15), price=Decimal("1"))
    with pytest.raises(DomainError, match="kjøpesummen"):
        sell_to_tenant(running, completion_date=D(2025, 1, 15), price=None)

    # Sold already (e.g. the office registered the sale by hand): nothing
    # of the tenancy changes either.
    other = dwelling(municipality)
    t2 = tenancy(household(municipality), other, D(2020, 1, 1))
    StockChange.objects.create(
        municipality=municipality, dwelling=other, kind=StockChange.Kind.DISPOSED, date=D(2030, 1, 1)
    )
    with pytest.raises(DomainError, match="allerede registrert"):
        sell_to_tenant(t2, completion_date=D(2025, 1, 1), price=Decimal("1"))
    t2.refresh_from_db()
    assert t2.end_date is None
    running.refresh_from_db()
    assert running.end_date is None
    assert StockChange.objects.filter(dwelling=d).count() == 0

    # A leased dwelling is the owner's to sell, not the municipality's.
    leased = dwelling(municipality, ownership=Ownership.LEASED)
    t3 = tenancy(household(municipality), leased, D(2020, 1, 1))
    with pytest.raises(DomainError, match="innleid"):
        sell_to_tenant(t3, completion_date=D(2025, 1, 1), price=Decimal("1"))
    t3.refresh_from_db()
    assert t3.end_date is None and not StockChange.objects.filter(dwelling=leased).exists()


def test_a_planned_next_tenancy_blocks_the_sale(municipality):
    d = dwelling(municipality)
    t = tenancy(household(municipality), d, D(2020, 1, 1))
    # Data from an import may hold a running tenancy and a later one.
    tenancy(household(municipality), d, D(2026, 1, 1), D(2027, 1, 1), EndReason.OTHER)
    with pytest.raises(DomainError, match="annet leieforhold"):
        sell_to_tenant(t, completion_date=D(2026, 6, 1), price=Decimal("1"))
    assert not StockChange.objects.exists()


def test_let_dwelling_is_not_sold_to_a_third_party_but_a_vacant_one_is(municipality):
    let = dwelling(municipality)
    tenancy(household(municipality), let, D(2020, 1, 1))
    with pytest.raises(DomainError, match="kan ikke selges mens den er utleid.*Leietakeren kjøper boligen"):
        record_stock_change(let, kind=StockChange.Kind.DISPOSED, date=D(2025, 1, 1), price=Decimal("1"))
    vacant = dwelling(municipality)
    sale = record_stock_change(
        vacant,
        kind=StockChange.Kind.DISPOSED,
        date=D(2025, 1, 1),
        price=Decimal("9"),
        valuation=Decimal("10"),
    )
    assert sale.buyer_household is None and sale.valuation == Decimal("10")


def test_throughput_and_kostra_treat_the_sale_to_the_tenant_by_hand_count(municipality, other_municipality):
    m = municipality
    bought = dwelling(m, reference="KJOPT-AV-LEIETAKER", acquired_on=D(2010, 1, 1))
    freed = dwelling(m, reference="FRIGJORT", acquired_on=D(2010, 1, 1))
    vacant_sold = dwelling(m, reference="SOLGT-LEDIG", acquired_on=D(2010, 1, 1))
    kept = dwelling(m, reference="UTLEID", acquired_on=D(2010, 1, 1))
    buyer = household(m, adults=2, children=1)
    sell_to_tenant(
        tenancy(buyer, bought, D(2019, 1, 1)), completion_date=D(2025, 5, 1), price=Decimal("2000000")
    )
    tenancy(household(m), freed, D(2018, 1, 1), D(2025, 3, 1), EndReason.PRIVATE_RENTAL)
    tenancy(household(m), freed, D(2025, 3, 11))  # re-let after 10 days
    record_stock_change(
        vacant_sold, kind=StockChange.Kind.DISPOSED, date=D(2025, 8, 1), price=Decimal("1500000")
    )
    tenancy(household(m), kept, D(2021, 1, 1))
    # Another municipality's sale to its tenant counts there only.
    sell_to_tenant(
        tenancy(household(other_municipality), dwelling(other_municipality), D(2020, 1, 1)),
        completion_date=D(2025, 5, 1),
        price=Decimal("1"),
    )

    f = throughput_figures(m, 2025)
    assert f["moved_to_ownership"] == 1
    assert f["moved_to_private_rental"] == 1
    # The bought dwelling left the stock: only FRIGJORT was freed.
    assert f["dwellings_freed"] == 1
    assert f["persons_moved_out"] == 3 + 1
    assert f["dwellings_disposed"] == 2
    assert f["dwellings_sold_to_tenants"] == 1
    assert f["tenancies_started"] == 1
    assert f["median_days_vacant_before_reletting"] == 10.0
    stock = dwelling_stock(m, D(2025, 12, 31))
    assert stock["total"] == 2  # FRIGJORT and UTLEID


# --- The reinvestment ledger -------------------------------------------------


def test_ledger_against_hand_sums_across_year_boundaries(municipality, other_municipality):
    m = municipality

    def bought(day, price, **kwargs):
        d = dwelling(m, **kwargs)
        record_stock_change(d, kind=StockChange.Kind.ACQUIRED, date=day, price=price)
        return d

    bought(D(2024, 12, 31), Decimal("2000000"), rooms=2, area_m2=Decimal("50"), postal_place="SKIEN")
    bought(
        D(2025, 1, 1),
        Decimal("3000000"),
        rooms=4,
        area_m2=Decimal("90"),
        wheelchair_accessible=True,
        postal_place="GJERPEN",
    )
    # Acquired without a log row: counted by its date, with no price.
    dwelling(m, rooms=1, area_m2=Decimal("30"), acquired_on=D(2025, 12, 31), postal_place="SKIEN")
    old = dwelling(m, rooms=1, area_m2=Decimal("28"), acquired_on=D(2000, 1, 1))
    record_stock_change(old, kind=StockChange.Kind.DISPOSED, date=D(2025, 12, 31), price=Decimal("1500000"))
    let = dwelling(m, rooms=2, area_m2=Decimal("45"), acquired_on=D(2000, 1, 1))
    sell_to_tenant(
        tenancy(household(m), let, D(2020, 1, 1)), completion_date=D(2025, 6, 1), price=Decimal("1800000")
    )
    late = dwelling(m, rooms=3, acquired_on=D(2000, 1, 1))
    record_stock_change(late, kind=StockChange.Kind.DISPOSED, date=D(2026, 1, 1), price=Decimal("999"))
    other = dwelling(other_municipality)
    record_stock_change(other, kind=StockChange.Kind.ACQUIRED, date=D(2025, 5, 5), price=Decimal("7"))

    y2024, y2025 = reinvestment_ledger(m, 2024, 2025)
    assert (y2024.acquired.count, y2024.acquired.price_total, y2024.disposed.count) == (1, 2000000, 0)
    assert y2025.acquired.count == 2 and y2025.acquired.priced == 1 and y2025.acquired.unpriced == 1
    assert y2025.acquired.price_total == 3000000
    assert y2025.acquired.by_rooms == {4: 1, 1: 1} and y2025.acquired.wheelchair == 1
    assert y2025.acquired.average_area == 60.0 and y2025.acquired.by_place == {"GJERPEN": 1, "SKIEN": 1}
    assert y2025.disposed.count == 2 and y2025.disposed.to_tenants == 1
    assert y2025.disposed.price_total == 3300000
    assert y2025.disposed.by_rooms == {1: 1, 2: 1} and y2025.disposed.rooms_total == 3
    assert y2025.net_stock_change == 0 and y2025.net_proceeds == 300000
    # The ledger's counts are the yearly figures' counts.
    f = throughput_figures(m, 2025)
    assert (f["dwellings_acquired"], f["dwellings_disposed"]) == (2, 2)


# --- Needs against stock -------------------------------------------------------


def test_needs_against_stock_by_hand(municipality, other_municipality):
    m = municipality
    day = D(2025, 6, 1)
    one_a = dwelling(m, rooms=1, wheelchair_accessible=True, acquired_on=D(2000, 1, 1))
    dwelling(m, rooms=1, acquired_on=D(2000, 1, 1))
    three = dwelling(m, rooms=3, acquired_on=D(2000, 1, 1))
    dwelling(m, rooms=6, acquired_on=D(2000, 1, 1))
    care = dwelling(m, rooms=1, category="care", acquired_on=D(2000, 1, 1))
    dwelling(m, rooms=2, acquired_on=D(2000, 1, 1), disposed_on=D(2025, 1, 1))  # sold: not held
    dwelling(other_municipality, rooms=1)

    # A couple with two children (needs 4 rooms) crowded into a 1-room flat.
    family = household(m, children=2)
    factories.PersonFactory(household=family, role=PersonRole.CO_APPLICANT)
    tenancy(family, one_a, D(2020, 1, 1))
    # A person alone (needs 1) in a 3-room flat.
    tenancy(household(m), three, D(2020, 1, 1))
    # Care dwellings and their tenants are kept apart.
    tenancy(household(m, children=3), care, D(2020, 1, 1))

    # Waiting: a single parent with one child (norm: 3 rooms); a person who
    # asked for 2 rooms and wheelchair access; a granted application after
    # the day is not on the list yet; a refused one never.
    housing_application(household(m, children=1), D(2025, 1, 1), decided=D(2025, 2, 1), outcome="granted")
    housing_application(
        household(m),
        D(2025, 1, 1),
        decided=D(2025, 2, 1),
        outcome="granted",
        rooms_needed=2,
        wheelchair_needed=True,
    )
    housing_application(household(m), D(2025, 5, 1), decided=D(2025, 7, 1), outcome="granted")
    housing_application(household(m), D(2025, 1, 1), decided=D(2025, 2, 1), outcome="refused")

    needs = needs_against_stock(m, day)
    table = {r.rooms: (r.dwellings, r.dwellings_wheelchair, r.tenants, r.waiting) for r in needs.rows}
    assert table == {
        1: (2, 1, 1, 0),
        2: (0, 0, 0, 1),
        3: (1, 0, 0, 1),
        4: (0, 0, 1, 0),
        5: (1, 0, 0, 0),
    }
    rows = {r.rooms: r for r in needs.rows}
    assert rows[4].tenants_with_children == 1 and rows[3].waiting_with_children == 1
    assert rows[2].waiting_wheelchair == 1 and rows[2].balance == -1 and rows[1].balance == 1
    assert (needs.crowded, needs.under_occupied) == (1, 1)
    assert needs.wheelchair_balance == 0


# --- The forecast and its back-test ----------------------------------------------


KEYS = (
    "moved_to_ownership",
    "moved_to_private_rental",
    "dwellings_freed",
    "housed_from_waiting_list",
    "applications_granted",
    "waiting_list_at_year_end",
)
SERIES = {
    year: dict(zip(KEYS, values, strict=True))
    for year, values in {
        2020: (2, 1, 3, 3, 6, 9),
        2021: (1, 2, 4, 2, 6, 11),
        2022: (4, 1, 5, 5, 8, 10),
        2023: (2, 2, 6, 6, 9, 13),
    }.items()
}
G, L = PathwayStage.GUIDANCE.value, PathwayStage.LOAN_GRANTED.value
# Households in a municipal dwelling at each stage on 1 January (all of them
# 3 years or more in the dwelling), and how many of them bought (own), moved
# to private rental, or freed a dwelling that year.
G3, L3 = (G, 3), (L, 3)
COHORTS = {
    2020: {G3: StageCounts(5, own=0, private=1, freed=1), L3: StageCounts(5, own=2, private=0, freed=2)},
    2021: {G3: StageCounts(4, own=0, private=2, freed=2), L3: StageCounts(4, own=1, private=0, freed=1)},
    2022: {G3: StageCounts(5, own=1, private=1, freed=2), L3: StageCounts(5, own=3, private=0, freed=3)},
    2023: {G3: StageCounts(6, own=0, private=2, freed=2), L3: StageCounts(4, own=2, private=0, freed=2)},
}


def test_backtest_by_hand():
    """2023 as it looked on 1 January 2023: shares of 2020-2022, 6 households
    at guidance and 4 with a loan granted that day, 10 on the list at the end
    of 2022.

    Ownership. Guidance: yearly shares 0/5, 0/4, 1/5; pooled 1/14.
    Loan granted: 2/5, 1/4, 3/5; pooled 6/14.
      mid  6*1/14 + 4*6/14 = 30/14 = 2.14 -> 2
      low  6*0    + 4*1/4  = 1
      high 6*1/5  + 4*3/5  = 3.6 -> 4
    Private rental. Guidance: 1/5, 2/4, 1/5; pooled 4/14. Loan granted: 0.
      mid 6*4/14 = 1.71 -> 2, low 6*1/5 = 1.2 -> 1, high 6*2/4 = 3
    Freed. Guidance: 1/5, 2/4, 2/5; pooled 5/14. Loan granted: 2/5, 1/4, 3/5; pooled 6/14.
      mid 6*5/14 + 4*6/14 = 54/14 = 3.86 -> 4
      low 6*1/5 + 4*1/4 = 2.2 -> 2, high 6*2/4 + 4*3/5 = 5.4 -> 5
    Housed: freed times the share let to the list, 3/3, 2/4, 5/5; pooled 10/12.
      mid 4*10/12 = 3.33 -> 3, low 2*2/4 = 1, high 5*5/5 = 5
    Granted 6, 6, 8: mean 6.67 -> 7, range 6-8.
    Waiting list at the end: 10 + granted - housed:
      low 10+6-5 = 11, mid 10+7-3 = 14, high 10+8-1 = 17
    """
    rows = {(r.year, r.key): r for r in backtest(SERIES, COHORTS, [2023])}
    assert {y for y, _ in rows} == {2023}
    got = {key: (r.predicted, r.actual, r.error, r.hit) for (_, key), r in rows.items()}
    assert got == {
        "moved_to_ownership": (Estimate(1, 2, 4), 2, 0, True),
        "moved_to_private_rental": (Estimate(1, 2, 3), 2, 0, True),
        "dwellings_freed": (Estimate(2, 4, 5), 6, 2, False),
        "housed_from_waiting_list": (Estimate(1, 3, 5), 6, 3, False),
        "waiting_list_at_year_end": (Estimate(11, 14, 17), 13, -1, True),
    }
    # 2020 has no year before it in the series: no row, no guess.
    assert backtest(SERIES, COHORTS, [2020]) == []


def test_forecast_moves_with_the_leaders_assumptions():
    now = {G3: 6, L3: 4}
    plain = forecast_from(SERIES, COHORTS, 2023, now, 10, days_vacant=61)
    assert plain.based_on == (2020, 2021, 2022)
    assert plain.flows["housed_from_waiting_list"] == Estimate(1, 3, 5)
    # 10 ahead over the housed a year, plus 61 days vacant (2.0 months):
    # 12*10/3 + 2 = 42, 12*10/5 + 2 = 26, 12*10/1 + 2 = 122.
    assert plain.waiting_months == Estimate(26, 42, 122)
    # Three purchases and one sale of a vacant dwelling: one dwelling fewer
    # freed, the housed +3 -1, so two fewer on the list at the end.
    planned = forecast_from(
        SERIES, COHORTS, 2023, now, 10, days_vacant=61, planned_purchases=3, planned_sales=1
    )
    assert planned.flows["dwellings_freed"] == Estimate(1, 3, 4)
    assert planned.flows["housed_from_waiting_list"] == Estimate(3, 5, 7)
    assert planned.waiting_at_end == Estimate(9, 12, 15)  # 10+6-7, 10+7-5, 10+8-3
    # 12*10/5 + 2 = 26; 12*10/7 + 2 = 19.1; 12*10/3 + 2 = 42.
    assert planned.waiting_months == Estimate(19, 26, 42)
    # The exits do not depend on the assumptions; the stage table shows the pooled shares.
    assert planned.flows["moved_to_ownership"] == plain.flows["moved_to_ownership"] == Estimate(1, 2, 4)
    stages = {s.stage: s for s in planned.stages}
    assert (stages[L].now, stages[L].own_share) == (4, Decimal(6) / Decimal(14))
    # By time in the dwelling: everyone 3 years or more; bought 0+0+1 + 2+1+3 of 28.
    assert [(b.stage, b.now, b.own_share) for b in planned.bands] == [(3, 10, Decimal("0.25"))]


def test_time_in_the_dwelling_splits_the_shares():
    # Half of those under a year in the dwelling moved to private rental, the others stayed.
    history = [{(G, 0): StageCounts(10, private=5), G3: StageCounts(10), (G, 1): StageCounts(2, private=2)}]
    assert exits_estimate(history, {(G, 0): 2, G3: 1}, "private") == Estimate(1, 1, 1)  # 2*5/10 + 1*0/10
    # A group of fewer than MIN_GROUP households takes its stage's shares
    # (7 of 22), not its own 2 of 2; so does a group nobody was in; a stage
    # nobody was at adds nothing.
    assert MIN_GROUP == 10
    assert exits_estimate(history, {(G, 1): 11}, "private") == Estimate(4, 4, 4)  # 11*7/22 = 3.5
    assert exits_estimate(history, {(G, 3): 0, (G, 2): 11, (L, 1): 5}, "private") == Estimate(4, 4, 4)


def test_years_before_the_waiting_list_was_kept_here_are_no_evidence():
    """2019 has no application granted and nobody housed from the list: the
    office kept its waiting list elsewhere. The housed and the granted rest
    on 2020-2022 only, so the forecast for 2023 is the same as from those."""
    series = {**SERIES, 2019: {**SERIES[2020], "applications_granted": 0, "housed_from_waiting_list": 0}}
    cohorts = {**COHORTS, 2019: COHORTS[2020]}
    now = {G3: 6, L3: 4}
    with_gap = forecast_from(series, cohorts, 2022, now, 10)
    assert with_gap.based_on == (2019, 2020, 2021)
    # Granted 6 and 6 (2020, 2021); housed per freed 3/3 and 2/4.
    assert with_gap.flows["applications_granted"] == Estimate(6, 6, 6)
    freed = with_gap.flows["dwellings_freed"]
    assert with_gap.flows["housed_from_waiting_list"].mid == round(freed.mid * 5 / 7)
    assert with_gap.flows["housed_from_waiting_list"].low == round(freed.low * 2 / 4)
    # A municipality that never kept its list here: nothing predicted, and
    # the back-test compares only the exits, not a guess of zero housed.
    never = {y: {**v, "applications_granted": 0, "housed_from_waiting_list": 0} for y, v in SERIES.items()}
    blind = forecast_from(never, COHORTS, 2023, now, 0)
    assert not blind.waiting_list_kept and with_gap.waiting_list_kept
    # The page says so rather than show a bare zero.
    from django.template.loader import render_to_string

    said = "Ventelisten er ikke ført i Boligkontoret"
    assert said in render_to_string("reports/_forecast_table.html", {"f": blind})
    assert said not in render_to_string("reports/_forecast_table.html", {"f": with_gap})
    assert blind.flows["applications_granted"] == blind.flows["housed_from_waiting_list"] == Estimate(0, 0, 0)
    assert {r.key for r in backtest(never, COHORTS, [2023])} == {
        "moved_to_ownership",
        "moved_to_private_rental",
        "dwellings_freed",
    }


def test_stage_cohort_counts_by_the_stage_on_1_january(municipality, other_municipality):
    from django.utils import timezone

    from reports.forecast import stage_cohort
    from tenants.models import PathwayStageChange

    def change(h, frm, to, day):
        at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
        PathwayStageChange.all_objects.create(
            household=h, from_stage=frm, to_stage=to, changed_at=at, reason="-"
        )

    # Bought in 2022; at "loan granted" on 1 January by the change of May 2021.
    h1 = household(municipality, pathway_stage=PathwayStage.BOUGHT_HOME)
    change(h1, G, L, D(2021, 5, 1))
    change(h1, L, PathwayStage.BOUGHT_HOME, D(2022, 6, 1))
    tenancy(h1, dwelling(municipality), D(2020, 1, 1), D(2022, 6, 30), EndReason.BOUGHT_OWN_HOME)
    # No change ever: the stage it has now.
    tenancy(household(municipality, pathway_stage=G), dwelling(municipality), D(2021, 3, 1))
    # Its first change after 1 January says where it was: guidance. Left a
    # care dwelling for private rental – an exit, but no dwelling freed.
    h3 = household(municipality, pathway_stage=PathwayStage.PRIVATE_RENTAL)
    change(h3, G, PathwayStage.PRIVATE_RENTAL, D(2022, 3, 1))
    care = dwelling(municipality, category=DwellingCategory.CARE)
    tenancy(h3, care, D(2018, 6, 1), D(2022, 4, 1), EndReason.PRIVATE_RENTAL)
    # Left in 2023: at risk in 2022, no exit within it.
    h4 = household(municipality, pathway_stage=G)
    tenancy(h4, dwelling(municipality), D(2018, 6, 1), D(2023, 2, 1), EndReason.PRIVATE_RENTAL)
    # Moved in after 1 January, and moved out the day before: neither counts.
    tenancy(household(municipality, pathway_stage=G), dwelling(municipality), D(2022, 2, 1))
    tenancy(
        household(municipality, pathway_stage=G),
        dwelling(municipality),
        D(2019, 1, 1),
        D(2021, 12, 31),
        EndReason.BOUGHT_OWN_HOME,
    )
    # Bought the dwelling it rented: owned, but the dwelling left the stock.
    sold = dwelling(municipality, disposed_on=D(2022, 9, 1))
    h7 = household(municipality, pathway_stage=L)
    tenancy(h7, sold, D(2018, 6, 1), D(2022, 9, 1), EndReason.BOUGHT_OWN_HOME)
    tenancy(household(other_municipality, pathway_stage=G), dwelling(other_municipality), D(2019, 1, 1))

    # By time in the dwelling on 1 January 2022: h2 10 months (under 1
    # year), h1 2 years (1-3), h3, h4 and h7 3.6 years (3 or more).
    assert stage_cohort(municipality.pk, D(2022, 1, 1)) == {
        (G, 0): StageCounts(1),
        (G, 3): StageCounts(2, own=0, private=1, freed=0),
        (L, 1): StageCounts(1, own=1, private=0, freed=1),
        (L, 3): StageCounts(1, own=1, private=0, freed=0),
    }
    # 365 days lived is under a year (365/365.25), 366 is not.
    h8 = household(municipality, pathway_stage=L)
    tenancy(h8, dwelling(municipality), D(2022, 1, 1) - datetime.timedelta(days=365))
    h9 = household(other_municipality, pathway_stage=L)
    tenancy(h9, dwelling(other_municipality), D(2022, 1, 1) - datetime.timedelta(days=366))
    assert stage_cohort(municipality.pk, D(2022, 1, 1))[(L, 0)] == StageCounts(1)
    assert stage_cohort(other_municipality.pk, D(2022, 1, 1))[(L, 1)] == StageCounts(1)


# --- Pages -----------------------------------------------------------------------


def test_sale_to_tenant_page(leader_client, municipality, other_municipality):
    d = dwelling(municipality)
    t = tenancy(household(municipality), d, D(2020, 1, 1))
    url = reverse("dwellings:sale-to-tenant", args=[t.pk])
    page = leader_client.get(reverse("dwellings:dwelling-detail", args=[d.pk]))
    assert url in page.content.decode()
    response = leader_client.post(
        url, {"completion_date": "01.06.2025", "price": "2 000 000", "valuation": ""}
    )
    assert response.status_code == 302
    sale = StockChange.objects.get(dwelling=d)
    assert sale.buyer_household_id == t.household_id and sale.price == Decimal("2000000")
    # Another municipality's tenancy is not found.
    foreign = tenancy(household(other_municipality), dwelling(other_municipality), D(2020, 1, 1))
    assert leader_client.get(reverse("dwellings:sale-to-tenant", args=[foreign.pk])).status_code == 404
    # A bad date: a Norwegian message, nothing written.
    t2 = tenancy(household(municipality), dwelling(municipality), D(2020, 1, 1))
    response = leader_client.post(
        reverse("dwellings:sale-to-tenant", args=[t2.pk]), {"completion_date": "01.01.2019", "price": "1"}
    )
    assert response.status_code == 200
    assert "før leieforholdet startet" in response.content.decode()
    assert not StockChange.objects.filter(dwelling=t2.dwelling).exists()


def test_stock_plan_page_is_the_leaders_scoped_and_constant_in_queries(
    client, leader_user, caseworker_user, municipality, other_municipality, django_assert_max_num_queries
):
    with time_machine.travel(datetime.datetime(2026, 11, 30, 12, tzinfo=datetime.UTC), tick=False):
        client.force_login(caseworker_user)
        assert client.get(reverse("reports:stock-plan")).status_code == 403
        client.force_login(leader_user)

        def add(n):
            for i in range(n):
                d = dwelling(municipality, rooms=1 + i % 5, acquired_on=D(2000, 1, 1))
                record_stock_change(d, kind=StockChange.Kind.DISPOSED, date=D(2022 + i % 4, 3, 1), price=i)
                h = household(municipality, children=i % 2)
                housing_application(h, D(2025, 1, 1), decided=D(2025, 2, 1), outcome="granted")
                tenancy(household(municipality), dwelling(municipality, rooms=2), D(2021, 1, 1))

        add(2)
        foreign = dwelling(other_municipality, postal_place="ÅLESUND-ONLY", acquired_on=D(2000, 1, 1))
        record_stock_change(foreign, kind=StockChange.Kind.DISPOSED, date=D(2025, 1, 1), price=1)
        with django_assert_max_num_queries(60) as small:
            response = client.get(reverse("reports:stock-plan"), {"kjop": "2", "salg": "1"})
        assert response.status_code == 200
        assert "ÅLESUND-ONLY" not in response.content.decode()
        add(6)
        with django_assert_max_num_queries(len(small.captured_queries)):
            response = client.get(reverse("reports:stock-plan"))
        assert response.status_code == 200
        text = response.content.decode()
        assert "Behov mot boligmasse" in text and "chart-needs" in text
        # The forecast shows the households at each pathway stage today.
        assert "Husstander i dag" in text and "Hvor godt traff metoden før?" in text
        bad = client.get(reverse("reports:stock-plan"), {"kjop": "-3"})
        assert bad.status_code == 200 and "is-invalid" in bad.content.decode()


def test_leader_publishes_the_stock_plan_pdf(
    leader_client, leader_user, municipality, settings, tmp_path, django_capture_on_commit_callbacks
):
    import subprocess

    from housing_office.models import Job, JobState

    settings.MEDIA_ROOT = tmp_path / "media"
    d = dwelling(municipality, rooms=1, acquired_on=D(2000, 1, 1))
    record_stock_change(d, kind=StockChange.Kind.DISPOSED, date=D(2025, 3, 1), price=Decimal("1234000"))
    with django_capture_on_commit_callbacks(execute=True):
        response = leader_client.post(
            reverse("reports:stock-plan-publish"),
            {"kjop": "2", "salg": "", "text": "Vi selger ettromsleiligheter."},
        )
    job = Job.objects.get(kind="stock_plan")
    assert response.status_code == 302 and response["Location"] == reverse("job-detail", args=[job.pk])
    assert job.state == JobState.DONE, job.error
    assert job.params["planned_purchases"] == 2 and job.created_by == leader_user
    pdf = tmp_path / "plan.pdf"
    with job.result_file.open("rb") as stored:
        pdf.write_bytes(stored.read())
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Vi selger ettromsleiligheter." in text
    assert "1 234 000" in text and "Behov mot boligmasse" in text and "Hvor godt traff metoden" in text
    download = leader_client.get(reverse("job-download", args=[job.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    download.close()


def test_sales_to_tenants_carry_the_buyers_start_loan(municipality, other_municipality):
    from reports.stock_plan import sales_to_tenants
    from startloan.models import ApplicationStatus

    with_loan = household(municipality, reference="H-LAN")
    factories.StartLoanApplicationFactory(
        household=with_loan,
        received_on=D(2024, 9, 1),
        status=ApplicationStatus.GRANTED,
        decided_on=D(2024, 10, 1),
        loan_granted=Decimal("1900000"),
    )
    # A later or rejected application is not the loan the purchase used.
    factories.StartLoanApplicationFactory(
        household=with_loan,
        received_on=D(2025, 8, 1),
        status=ApplicationStatus.REJECTED,
        decided_on=D(2025, 9, 1),
    )
    without = household(municipality, reference="H-UTEN")
    sell_to_tenant(
        tenancy(with_loan, dwelling(municipality, reference="B-LAN"), D(2019, 1, 1)),
        completion_date=D(2025, 2, 1),
        price=Decimal("2000000"),
        valuation=Decimal("2100000"),
    )
    sell_to_tenant(
        tenancy(without, dwelling(municipality, reference="B-UTEN"), D(2019, 1, 1)),
        completion_date=D(2025, 3, 1),
        price=Decimal("1500000"),
    )
    rows = sales_to_tenants(municipality, 2025, 2025)
    assert [(r["dwelling__reference"], r["buyer_household__reference"], r["loan_amount"]) for r in rows] == [
        ("B-LAN", "H-LAN", Decimal("1900000")),
        ("B-UTEN", "H-UTEN", None),
    ]
    assert rows[0]["valuation"] == Decimal("2100000") and rows[0]["loan_decided_on"] == D(2024, 10, 1)
    assert sales_to_tenants(other_municipality, 2025, 2025) == []
