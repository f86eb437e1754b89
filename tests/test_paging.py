"""Pages whose cost does not grow with the register (housing_office.paging):
the ids first, the columns for the page's rows, and a count that stops at a
cap and says "over"."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dwellings.models import Dwelling, EndReason
from housing_office import paging
from housing_office.paging import CappedPaginator, ids_first_page
from housing_office.scoping import scope
from tenants.models import PathwayStage

from . import factories


@pytest.fixture
def cap_of_three(monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 3)


def test_the_count_is_exact_up_to_the_cap_and_then_says_over(municipality, cap_of_three):
    factories.DwellingFactory.create_batch(3, municipality=municipality)
    with scope(municipality):
        at_cap = CappedPaginator(Dwelling.objects.order_by("reference"), 2)
        assert (at_cap.count, at_cap.capped, at_cap.num_pages) == (3, False, 2)
        factories.DwellingFactory.create_batch(2, municipality=municipality)
        over = CappedPaginator(Dwelling.objects.order_by("reference"), 2)
        # Only the first three rows are paged through; the last page is the
        # third row, not the fifth.
        assert (over.capped, over.count, over.num_pages) == (True, 3, 2)
        assert len(over.page(2).object_list) == 1


def test_ids_first_page_keeps_the_order_and_takes_the_rows_from_rows(municipality):
    dwellings = [
        factories.DwellingFactory(municipality=municipality, reference=f"B-{n}", rooms=n)
        for n in (3, 1, 2, 5, 4)
    ]
    asked: list[list[int]] = []

    def rows(ids):
        asked.append(list(ids))
        return Dwelling.objects.filter(pk__in=ids).order_by("-pk")  # any order: the page puts it right

    with scope(municipality):
        page = ids_first_page(Dwelling.objects.order_by("rooms"), 2, 2, rows)
    assert [d.rooms for d in page.object_list] == [3, 4]
    assert asked == [[dwellings[0].pk, dwellings[4].pk]]
    assert (page.paginator.count, page.paginator.num_pages, page.paginator.capped) == (5, 3, False)


def test_one_query_pages_count_and_read_the_page_in_one_statement(municipality, monkeypatch):
    refs = {
        n: factories.DwellingFactory(municipality=municipality, rooms=1 + n % 4, reference=f"B-{n:02}")
        for n in range(11)
    }
    in_order = [d.pk for d in sorted(refs.values(), key=lambda d: (d.rooms, d.reference))]

    def page(number, per_page=4):
        with scope(municipality), CaptureQueriesContext(connection) as captured:
            ordered = Dwelling.objects.order_by("rooms", "reference")
            found = ids_first_page(
                ordered, per_page, number, lambda ids: Dwelling.objects.filter(pk__in=ids), True
            )
        # The ids are numbered and cut to the page in the database: only the
        # page's ids leave it, however many rows pass the filter.
        assert "row_number() OVER ()" in captured[0]["sql"]
        return found, len(captured)

    # Every page in the order, the count with the first: the ids and the
    # count in one statement, the rows in the other.
    pages = [page(n) for n in (1, 2, 3)]
    assert [d.pk for found, _ in pages for d in found.object_list] == in_order
    assert [queries for _, queries in pages] == [2, 2, 2]
    first = pages[0][0]
    assert (first.paginator.count, first.paginator.num_pages, first.paginator.capped) == (11, 3, False)
    # Past the end or not a number, as Django's get_page: the last page (one
    # more statement for its window) or the first.
    last, queries = page(9)
    assert (last.number, [d.pk for d in last.object_list], queries) == (3, in_order[8:], 3)
    assert [d.pk for d in page("x")[0].object_list] == in_order[:4]
    # Over the cap: the count says so, and the last page stops at the cap.
    monkeypatch.setattr(paging, "COUNT_CAP", 6)
    capped, _ = page(2)
    assert (capped.paginator.count, capped.paginator.capped) == (6, True)
    assert [d.pk for d in capped.object_list] == in_order[4:6]
    with scope(municipality):
        ids = paging.CountedIds(Dwelling.objects.order_by("rooms", "reference"), slice(0, 4))
        assert ids.count_to(100) == 7 and ids[0:3] == in_order[:3] and ids[5:7] == in_order[5:7]


def test_the_household_list_says_over_the_cap_and_pages_the_first(
    caseworker_client, municipality, cap_of_three
):
    for n in range(5):
        factories.HouseholdFactory(
            municipality=municipality,
            reference=f"H-{n}",
            pathway_stage=PathwayStage.SUMMONED if n == 1 else PathwayStage.NOT_ASSESSED,
        )
    response = caseworker_client.get(reverse("tenants:household-list"))
    page = response.content.decode()
    assert "Over 3 husstander" in page and "5 husstander" not in page
    assert response.context["page"].paginator.capped
    response = caseworker_client.get(reverse("tenants:household-list"), {"stage": "summoned"})
    assert "1 husstand" in response.content.decode()
    assert not response.context["page"].paginator.capped


def test_candidates_and_dwellings_say_over_the_cap(caseworker_client, municipality, cap_of_three):
    start = datetime.date(2010, 1, 1)
    for _n in range(5):
        factories.TenancyFactory(household__municipality=municipality, start_date=start)
    page = caseworker_client.get(reverse("tenants:candidate-list")).content.decode()
    assert "Over 3 kandidater" in page
    page = caseworker_client.get(reverse("dwellings:dwelling-list")).content.decode()
    assert "Over 3 boliger" in page
    # Filtered below the cap, the count is exact again.
    ended = Dwelling.all_objects.filter(municipality=municipality).first()
    tenancy = ended.tenancies.get()
    tenancy.end_date, tenancy.end_reason = datetime.date(2020, 1, 1), EndReason.OTHER
    tenancy.save()
    page = caseworker_client.get(reverse("dwellings:dwelling-list"), {"status": "vacant"}).content.decode()
    assert "1 bolig" in page and "Over" not in page


def test_the_start_page_says_over_the_cap_of_candidates_and_counts_mine(
    caseworker_client, caseworker_user, municipality, cap_of_three
):
    for n in range(5):
        factories.TenancyFactory(
            household__municipality=municipality,
            household__caseworker=caseworker_user if n < 2 else None,
            start_date=datetime.date(2010, 1, 1),
        )
    response = caseworker_client.get(reverse("home"))
    caseload = response.context["caseload"]
    assert (caseload.candidates, caseload.candidates_over, caseload.my_candidates) == (3, True, 2)
    assert "over 3" in response.content.decode()


@pytest.mark.parametrize("cap, expected, readings", [(3, (3, True, 2), 2), (10, (5, False, 2), 1)])
def test_the_start_page_reads_the_candidates_once_under_the_cap(
    caseworker_client, caseworker_user, municipality, monkeypatch, cap, expected, readings
):
    monkeypatch.setattr(paging, "COUNT_CAP", cap)
    for n in range(5):
        factories.TenancyFactory(
            household__municipality=municipality,
            household__caseworker=caseworker_user if n < 2 else None,
            start_date=datetime.date(2010, 1, 1),
        )
    with CaptureQueriesContext(connection) as captured:
        response = caseworker_client.get(reverse("home"))
    caseload = response.context["caseload"]
    assert (caseload.candidates, caseload.candidates_over, caseload.my_candidates) == expected
    # The office's count and the user's own come from one reading of the
    # candidates; only past the cap are the user's own read again.
    candidate_readings = [
        q for q in captured if 'NOT EXISTS(SELECT 1 AS "a" FROM "tenants_letter"' in q["sql"]
    ]
    assert len(candidate_readings) == readings


def test_the_board_counts_each_column_to_the_cap(caseworker_client, municipality, cap_of_three):
    for n in range(5):
        factories.HouseholdFactory(
            municipality=municipality,
            pathway_stage=PathwayStage.NOT_ASSESSED if n < 4 else PathwayStage.MAPPED,
        )
    response = caseworker_client.get(reverse("tenants:pathway-board"))
    columns = {col["stage"].value: col for col in response.context["columns"]}
    assert (columns["not_assessed"]["count"], columns["not_assessed"]["over"]) == (3, True)
    assert (columns["mapped"]["count"], columns["mapped"]["over"]) == (1, False)
    page = response.content.decode()
    assert "Over 4 husstander i alt" in page and "over 3" in page


def test_chained_ids_page_across_the_parts_and_count_to_the_cap(municipality, cap_of_three):
    refs = {
        n: factories.DwellingFactory(municipality=municipality, reference=f"B-{n}", rooms=n).pk
        for n in range(1, 6)
    }
    with scope(municipality):
        small = Dwelling.objects.filter(rooms__lte=3).order_by("-rooms")  # 3, 2, 1
        large = Dwelling.objects.filter(rooms__gt=3).order_by("rooms")  # 4, 5
        chained = paging.ChainedIds(small, large)
        assert chained[0:5] == [refs[3], refs[2], refs[1], refs[4], refs[5]]
        assert chained[2:4] == [refs[1], refs[4]]
        assert chained[3:5] == [refs[4], refs[5]]
        assert chained[4:9] == [refs[5]]
        assert chained.count_to(10) == 5 and chained.count_to(4) == 4
        paginator = CappedPaginator(chained, 2)
        assert (paginator.count, paginator.capped) == (3, True)
        assert list(paginator.page(2).object_list) == [refs[1]]
        # Counted from the whole when given: the same number.
        whole = paging.ChainedIds(small, large, whole=Dwelling.objects.all())
        assert whole.count_to(10) == 5 and whole.count_to(4) == 4


def test_the_household_list_by_botid_puts_those_without_a_tenancy_last(caseworker_client, municipality):
    starts = {
        "H-old": datetime.date(2001, 5, 1),
        "H-mid": datetime.date(2012, 5, 1),
        "H-new": datetime.date(2024, 5, 1),
    }
    for reference, start in starts.items():
        factories.TenancyFactory(
            household__municipality=municipality, household__reference=reference, start_date=start
        )
    factories.TenancyFactory(
        household__municipality=municipality,
        household__reference="H-ended",
        start_date=datetime.date(1999, 1, 1),
        end_date=datetime.date(2020, 1, 1),
        end_reason=EndReason.OTHER,
    )
    factories.HouseholdFactory(municipality=municipality, reference="H-none")
    url = reverse("tenants:household-list")

    def order(sort):
        page = caseworker_client.get(url, {"sort": sort}).context["page"]
        assert (page.paginator.count, page.paginator.capped) == (5, False)
        return [h.reference for h in page.object_list]

    assert order("-botid") == ["H-old", "H-mid", "H-new", "H-ended", "H-none"]
    assert order("botid") == ["H-new", "H-mid", "H-old", "H-ended", "H-none"]
