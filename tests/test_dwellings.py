"""Dwellings: status, vacancies, the list and detail pages, create/edit and the stock-change log."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dwellings import services
from dwellings.models import Dwelling, DwellingCategory, DwellingStatus, EndReason, StockChange
from housing_office.errors import DomainError
from housing_office.scoping import scope

from . import factories

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 6, 15)


def status_of(dwelling: Dwelling, today: datetime.date = TODAY) -> str:
    return Dwelling.objects.with_status(today).get(pk=dwelling.pk).status


# --- Status derivation -------------------------------------------------------


def test_status_vacant_let_being_sold_sold(municipality):
    vacant = factories.DwellingFactory(municipality=municipality)
    let = factories.TenancyFactory(household__municipality=municipality, start_date=datetime.date(2024, 1, 1))
    for_sale = factories.DwellingFactory(municipality=municipality, for_sale=True)
    sold = factories.DwellingFactory(municipality=municipality, disposed_on=datetime.date(2025, 1, 1))

    assert status_of(vacant) == "vacant"
    assert status_of(let.dwelling) == "let"
    assert status_of(for_sale) == "being_sold"
    assert status_of(sold) == "sold"


def test_status_follows_the_dates(municipality):
    ended = factories.TenancyFactory(
        household__municipality=municipality,
        start_date=datetime.date(2020, 1, 1),
        end_date=TODAY,
        end_reason=EndReason.BOUGHT_OWN_HOME,
    )
    future = factories.TenancyFactory(household__municipality=municipality, start_date=TODAY.replace(day=20))
    sold_later = factories.DwellingFactory(municipality=municipality, disposed_on=datetime.date(2026, 1, 1))
    let_and_for_sale = factories.TenancyFactory(household__municipality=municipality)
    Dwelling.objects.filter(pk=let_and_for_sale.dwelling_id).update(for_sale=True)

    # The tenants move out on the end date: the dwelling is free that day.
    assert status_of(ended.dwelling) == "vacant"
    assert status_of(ended.dwelling, TODAY - datetime.timedelta(days=1)) == "let"
    assert status_of(future.dwelling) == "vacant"
    assert status_of(future.dwelling, TODAY.replace(day=20)) == "let"
    assert status_of(sold_later) == "vacant"
    assert status_of(sold_later, datetime.date(2026, 1, 1)) == "sold"
    # Let wins over "for sale": it cannot be sold until the tenancy ends.
    assert status_of(let_and_for_sale.dwelling) == "let"


# --- Vacancy days ------------------------------------------------------------


def test_vacancy_days_since_last_tenancy_or_acquisition(municipality):
    after_tenancy = factories.DwellingFactory(
        municipality=municipality, acquired_on=datetime.date(2010, 1, 1)
    )
    factories.TenancyFactory(
        household__municipality=municipality,
        dwelling=after_tenancy,
        start_date=datetime.date(2015, 1, 1),
        end_date=datetime.date(2018, 1, 1),
        end_reason=EndReason.OTHER,
    )
    factories.TenancyFactory(
        household__municipality=municipality,
        dwelling=after_tenancy,
        start_date=datetime.date(2018, 1, 1),
        end_date=TODAY - datetime.timedelta(days=10),
        end_reason=EndReason.PRIVATE_RENTAL,
    )
    new = factories.DwellingFactory(
        municipality=municipality, acquired_on=TODAY - datetime.timedelta(days=30)
    )
    unknown = factories.DwellingFactory(municipality=municipality)
    let = factories.TenancyFactory(household__municipality=municipality).dwelling
    for_sale = factories.DwellingFactory(municipality=municipality, for_sale=True)
    sold = factories.DwellingFactory(municipality=municipality, disposed_on=datetime.date(2024, 1, 1))
    not_yet_bought = factories.DwellingFactory(
        municipality=municipality, acquired_on=datetime.date(2030, 1, 1)
    )

    rows = {d.pk: d for d in services.vacancies(TODAY)}

    assert set(rows) == {after_tenancy.pk, new.pk, unknown.pk}
    assert rows[after_tenancy.pk].vacant_since == TODAY - datetime.timedelta(days=10)
    assert rows[after_tenancy.pk].vacant_for.days == 10
    assert rows[new.pk].vacant_for.days == 30
    assert rows[unknown.pk].vacant_since is None
    assert rows[unknown.pk].vacant_for is None
    assert {let.pk, for_sale.pk, sold.pk, not_yet_bought.pk}.isdisjoint(rows)


def test_vacancy_page_sorts_longest_vacant_first(caseworker_client, municipality):
    today = timezone.localdate()
    factories.DwellingFactory(
        municipality=municipality, reference="B-NY", acquired_on=today - datetime.timedelta(days=3)
    )
    factories.DwellingFactory(
        municipality=municipality, reference="B-GAMMEL", acquired_on=today - datetime.timedelta(days=400)
    )
    factories.DwellingFactory(municipality=municipality, reference="B-UKJENT")
    factories.TenancyFactory(household__municipality=municipality, dwelling__reference="B-UTLEID")

    response = caseworker_client.get(reverse("dwellings:vacancy-list"))

    assert response.status_code == 200
    refs = [d.reference for d in response.context["page"].object_list]
    assert refs == ["B-GAMMEL", "B-NY", "B-UKJENT"]
    html = response.content.decode()
    assert "Ledige boliger" in html
    assert ">400<" in html
    assert "B-UTLEID" not in html


# --- List page ---------------------------------------------------------------


def test_dwelling_list_shows_status_labels_and_filters(caseworker_client, municipality):
    factories.DwellingFactory(
        municipality=municipality, reference="B-1", address="Ibsens gate 1", wheelchair_accessible=True
    )
    let = factories.TenancyFactory(
        household__municipality=municipality, dwelling__reference="B-2", household__reference="H-LEIER"
    )
    factories.DwellingFactory(
        municipality=municipality, reference="B-3", category=DwellingCategory.CARE, for_sale=True
    )
    factories.DwellingFactory(
        municipality=municipality, reference="B-4", disposed_on=datetime.date(2024, 1, 1)
    )
    url = reverse("dwellings:dwelling-list")

    response = caseworker_client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    for label in ("Ledig", "Utleid", "Under salg", "Solgt"):
        assert label in html
    assert let.household.reference in html

    def refs(**params):
        return [d.reference for d in caseworker_client.get(url, params).context["page"].object_list]

    assert refs(status="let") == ["B-2"]
    assert refs(status="vacant") == ["B-1"]
    assert refs(status="sold") == ["B-4"]
    assert refs(category="care") == ["B-3"]
    assert refs(wheelchair="ja") == ["B-1"]
    assert refs(q="IBSENS gate") == ["B-1"]
    assert refs(q="b-3") == ["B-3"]
    assert refs(sort="-reference") == ["B-4", "B-3", "B-2", "B-1"]


def test_dwelling_list_paginates(caseworker_client, municipality):
    factories.DwellingFactory.create_batch(55, municipality=municipality)
    url = reverse("dwellings:dwelling-list")
    first = caseworker_client.get(url)
    second = caseworker_client.get(url, {"side": 2})
    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 5
    assert 'aria-current="page"' in second.content.decode()


def _fill(municipality, n: int) -> None:
    for i in range(n):
        tenancy = factories.TenancyFactory(household__municipality=municipality)
        if i % 2:
            tenancy.end_date = datetime.date(2024, 1, 1)
            tenancy.end_reason = EndReason.OTHER
            tenancy.save()
        factories.DwellingFactory(municipality=municipality, acquired_on=datetime.date(2023, 1, 1))


@pytest.mark.parametrize("name", ["dwellings:dwelling-list", "dwellings:vacancy-list"])
def test_list_pages_run_a_constant_number_of_queries(
    name, caseworker_client, municipality, django_assert_max_num_queries
):
    url = reverse(name)
    _fill(municipality, 3)
    caseworker_client.get(url)  # warm up: session, permissions cache
    # The page's ids, then its rows' columns (housing_office.paging): one
    # query more than asking at once, and the same at any size.
    with django_assert_max_num_queries(13) as small:
        assert caseworker_client.get(url).status_code == 200
    _fill(municipality, 40)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        response = caseworker_client.get(url)
    assert len(response.context["page"].object_list) > 20
    assert len(large.captured_queries) == len(small.captured_queries)


def test_having_status_picks_the_dwellings_with_status_shows(municipality):
    """The status filter's conditions and the status column agree, for every
    status, on a stock with each kind (and a dwelling let from the future,
    one let until yesterday and one sold with a tenancy still open)."""
    today = timezone.localdate()
    _fill(municipality, 6)
    let_later = factories.DwellingFactory(municipality=municipality)
    factories.TenancyFactory(
        dwelling=let_later,
        household__municipality=municipality,
        start_date=today + datetime.timedelta(days=3),
    )
    ended = factories.DwellingFactory(municipality=municipality, for_sale=True)
    factories.TenancyFactory(
        dwelling=ended,
        household__municipality=municipality,
        start_date=datetime.date(2020, 1, 1),
        end_date=today - datetime.timedelta(days=1),
        end_reason=EndReason.OTHER,
    )
    sold = factories.DwellingFactory(
        municipality=municipality, acquired_on=datetime.date(2010, 1, 1), disposed_on=today
    )
    factories.TenancyFactory(
        dwelling=sold, household__municipality=municipality, start_date=datetime.date(2015, 1, 1)
    )
    with scope(municipality):
        shown = dict(Dwelling.objects.with_status(today).values_list("pk", "status"))
        assert set(shown.values()) == {s.value for s in DwellingStatus}
        for status in DwellingStatus:
            picked = set(Dwelling.objects.having_status(status, today).values_list("pk", flat=True))
            assert picked == {pk for pk, s in shown.items() if s == status}, status


# --- Scoping: every page is a 404 for another municipality's rows -----------


def test_other_municipality_gets_404_everywhere(caseworker_client, other_municipality):
    tenancy = factories.TenancyFactory(household__municipality=other_municipality)
    case = factories.ArrearsCaseFactory(tenancy=tenancy)
    dwelling = tenancy.dwelling
    gets = [
        reverse("dwellings:dwelling-detail", args=[dwelling.pk]),
        reverse("dwellings:dwelling-edit", args=[dwelling.pk]),
        reverse("dwellings:stock-change", args=[dwelling.pk]),
        reverse("dwellings:tenancy-end", args=[tenancy.pk]),
        reverse("arrears:case-open", args=[tenancy.pk]),
        reverse("arrears:case-detail", args=[case.pk]),
    ]
    for url in gets:
        assert caseworker_client.get(url).status_code == 404, url
    posts = {
        reverse("dwellings:dwelling-edit", args=[dwelling.pk]): {"reference": "X"},
        reverse("dwellings:stock-change", args=[dwelling.pk]): {"kind": "disposed", "date": "2025-01-01"},
        reverse("dwellings:dwelling-for-sale", args=[dwelling.pk]): {"for_sale": "on"},
        reverse("dwellings:tenancy-end", args=[tenancy.pk]): {
            "end_date": "2025-01-01",
            "end_reason": "other",
            "address_unknown": "on",
        },
        reverse("arrears:case-open", args=[tenancy.pk]): {"amount": "100", "oldest_due_date": "2025-01-01"},
    }
    for url, data in posts.items():
        assert caseworker_client.post(url, data).status_code == 404, url

    # Nothing changed, and the lists do not show the row either.
    dwelling.refresh_from_db()
    tenancy.refresh_from_db()
    assert not dwelling.for_sale and dwelling.disposed_on is None and tenancy.end_date is None
    assert not StockChange.objects.exists()
    assert (
        dwelling.reference not in caseworker_client.get(reverse("dwellings:dwelling-list")).content.decode()
    )
    assert dwelling.reference not in caseworker_client.get(reverse("dwellings:vacancy-list")).content.decode()
    # Preselecting another municipality's dwelling selects nothing.
    response = caseworker_client.get(reverse("dwellings:tenancy-create"), {"dwelling": dwelling.pk})
    assert response.status_code == 200
    assert response.context["dwelling"] is None
    assert dwelling.reference not in response.content.decode()


def test_pages_need_login(client, municipality):
    dwelling = factories.DwellingFactory(municipality=municipality)
    for url in (
        reverse("dwellings:dwelling-list"),
        reverse("dwellings:vacancy-list"),
        reverse("dwellings:dwelling-detail", args=[dwelling.pk]),
        reverse("dwellings:tenancy-create"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_user_without_a_role_cannot_change(client, municipality):
    dwelling = factories.DwellingFactory(municipality=municipality)
    client.force_login(factories.UserFactory(municipality=municipality))
    assert client.get(reverse("dwellings:dwelling-detail", args=[dwelling.pk])).status_code == 200
    assert client.get(reverse("dwellings:dwelling-edit", args=[dwelling.pk])).status_code == 403
    assert client.get(reverse("dwellings:dwelling-create")).status_code == 403


# --- Detail, create and edit -------------------------------------------------


def test_detail_shows_facts_current_tenancy_history_and_stock(caseworker_client, municipality):
    dwelling = factories.DwellingFactory(municipality=municipality, reference="B-77", rooms=4)
    factories.TenancyFactory(
        household__municipality=municipality,
        household__reference="H-FØR",
        dwelling=dwelling,
        start_date=datetime.date(2015, 1, 1),
        end_date=datetime.date(2019, 12, 31),
        end_reason=EndReason.BOUGHT_OWN_HOME,
    )
    current = factories.TenancyFactory(
        household__municipality=municipality, household__reference="H-NÅ", dwelling=dwelling
    )
    case = factories.ArrearsCaseFactory(tenancy=current, amount=Decimal("1234"))
    factories.StockChangeFactory(dwelling=dwelling, date=datetime.date(2014, 6, 1), price=Decimal("2500000"))

    response = caseworker_client.get(reverse("dwellings:dwelling-detail", args=[dwelling.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["current"] == current
    assert "Utleid" in html and "H-NÅ" in html and "H-FØR" in html
    assert "Kjøpt egen bolig" in html
    assert "Kjøpt / anskaffet" in html
    assert reverse("dwellings:tenancy-end", args=[current.pk]) in html
    assert "1234,00" in html or "1 234,00" in html or "1\xa0234,00" in html
    # The current tenancy's open arrears case, linked (no second one opened by hand).
    assert reverse("arrears:case-detail", args=[case.pk]) in html and "Gå til restansesaken" in html
    assert reverse("arrears:case-open", args=[current.pk]) not in html


def test_create_dwelling(caseworker_client, municipality):
    data = {
        "reference": "B-900",
        "address": "Ibsens gate 3",
        "postal_code": "3717",
        "postal_place": "SKIEN",
        "rooms": "2",
        "area_m2": "48,5",
        "category": "general",
        "ownership": "owned",
        "wheelchair_accessible": "on",
        "acquired_on": "2024-02-01",
    }
    response = caseworker_client.post(reverse("dwellings:dwelling-create"), data)
    dwelling = Dwelling.objects.get(reference="B-900")
    assert response.status_code == 302
    assert response["Location"] == reverse("dwellings:dwelling-detail", args=[dwelling.pk])
    assert dwelling.municipality == municipality
    assert dwelling.area_m2 == Decimal("48.5")
    assert dwelling.wheelchair_accessible

    # The same reference, in other letters, is refused with a message.
    data["reference"] = "b-900"
    response = caseworker_client.post(reverse("dwellings:dwelling-create"), data)
    assert response.status_code == 200
    assert "Det finnes allerede en bolig med denne referansen." in response.content.decode()
    assert Dwelling.objects.count() == 1


def test_same_reference_in_another_municipality_is_fine(caseworker_client, other_municipality):
    factories.DwellingFactory(municipality=other_municipality, reference="B-1")
    data = {
        "reference": "B-1",
        "address": "Ibsens gate 3",
        "postal_code": "3717",
        "postal_place": "SKIEN",
        "rooms": "2",
        "area_m2": "48",
        "category": "general",
        "ownership": "owned",
    }
    assert caseworker_client.post(reverse("dwellings:dwelling-create"), data).status_code == 302


@pytest.mark.parametrize("value", ["0150\n", "\u0663\u0667\u0661\u0667", "015", "01500"])
def test_postal_codes_and_municipality_numbers_are_four_ascii_digits_and_nothing_else(value):
    from django.core.exceptions import ValidationError

    from housing_office.models import municipality_number_validator, postal_code_validator

    for validator in (postal_code_validator, municipality_number_validator):
        validator("0150")
        with pytest.raises(ValidationError):
            validator(value)


@pytest.mark.parametrize("postal_code", ["37", "\u0663\u0667\u0661\u0667"])  # too short; not ASCII digits
def test_create_dwelling_shows_errors_in_norwegian(caseworker_client, postal_code):
    response = caseworker_client.post(
        reverse("dwellings:dwelling-create"), {"reference": "B-1", "postal_code": postal_code, "rooms": "0"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Postnummeret har fire siffer." in html
    assert "Skjemaet ble ikke lagret" in html
    assert not Dwelling.objects.exists()


def test_edit_dwelling(caseworker_client, municipality):
    dwelling = factories.DwellingFactory(municipality=municipality)
    url = reverse("dwellings:dwelling-edit", args=[dwelling.pk])
    assert caseworker_client.get(url).status_code == 200
    data = {
        "reference": dwelling.reference,
        "address": "Ny adresse 5",
        "postal_code": "3718",
        "postal_place": "SKIEN",
        "rooms": "5",
        "area_m2": "90",
        "category": "emergency",
        "ownership": "leased",
    }
    assert caseworker_client.post(url, data).status_code == 302
    dwelling.refresh_from_db()
    assert (dwelling.address, dwelling.rooms, dwelling.category) == ("Ny adresse 5", 5, "emergency")


# --- Stock changes -----------------------------------------------------------


def test_purchase_sets_acquired_on_and_logs_it(municipality, caseworker_user):
    dwelling = factories.DwellingFactory(municipality=municipality)
    change = services.record_stock_change(
        dwelling,
        kind=StockChange.Kind.ACQUIRED,
        date=datetime.date(2024, 5, 1),
        price=Decimal("3100000"),
        note="Kjøpt på det åpne markedet",
        by=caseworker_user,
    )
    dwelling.refresh_from_db()
    assert dwelling.acquired_on == datetime.date(2024, 5, 1)
    assert (change.kind, change.price, change.recorded_by, change.municipality) == (
        "acquired",
        Decimal("3100000"),
        caseworker_user,
        municipality,
    )

    with pytest.raises(DomainError, match="Kjøpet av boligen er allerede registrert."):
        services.record_stock_change(
            dwelling, kind=StockChange.Kind.ACQUIRED, date=datetime.date(2024, 6, 1), by=caseworker_user
        )
    assert StockChange.objects.count() == 1


def test_sale_sets_disposed_on_and_clears_for_sale(municipality, caseworker_user):
    dwelling = factories.DwellingFactory(
        municipality=municipality, for_sale=True, acquired_on=datetime.date(2000, 1, 1)
    )
    factories.TenancyFactory(
        household__municipality=municipality,
        dwelling=dwelling,
        start_date=datetime.date(2010, 1, 1),
        end_date=datetime.date(2024, 1, 1),
        end_reason=EndReason.BOUGHT_OWN_HOME,
    )
    services.record_stock_change(
        dwelling, kind=StockChange.Kind.DISPOSED, date=datetime.date(2024, 3, 1), by=caseworker_user
    )
    dwelling.refresh_from_db()
    assert dwelling.disposed_on == datetime.date(2024, 3, 1)
    assert not dwelling.for_sale
    assert status_of(dwelling) == "sold"


def test_sale_refused_while_let(municipality, caseworker_user):
    tenancy = factories.TenancyFactory(household__municipality=municipality, household__reference="H-BOR")
    dwelling = tenancy.dwelling
    with pytest.raises(DomainError, match="Boligen kan ikke selges mens den er utleid") as error:
        services.record_stock_change(
            dwelling, kind=StockChange.Kind.DISPOSED, date=datetime.date(2025, 1, 1), by=caseworker_user
        )
    assert "H-BOR" in str(error.value)
    dwelling.refresh_from_db()
    assert dwelling.disposed_on is None
    assert not StockChange.objects.exists()


def test_sale_refused_before_a_tenancy_ends(municipality, caseworker_user):
    tenancy = factories.TenancyFactory(
        household__municipality=municipality,
        end_date=datetime.date(2025, 6, 1),
        end_reason=EndReason.PRIVATE_RENTAL,
    )
    with pytest.raises(DomainError):
        services.record_stock_change(
            tenancy.dwelling,
            kind=StockChange.Kind.DISPOSED,
            date=datetime.date(2025, 5, 1),
            by=caseworker_user,
        )
    # On or after the end date, it can be sold.
    services.record_stock_change(
        tenancy.dwelling, kind=StockChange.Kind.DISPOSED, date=datetime.date(2025, 6, 1), by=caseworker_user
    )


def test_sale_not_before_acquisition(municipality, caseworker_user):
    dwelling = factories.DwellingFactory(municipality=municipality, acquired_on=datetime.date(2020, 1, 1))
    with pytest.raises(DomainError, match="Salgsdatoen kan ikke være før anskaffelsesdatoen"):
        services.record_stock_change(
            dwelling, kind=StockChange.Kind.DISPOSED, date=datetime.date(2019, 1, 1), by=caseworker_user
        )
    assert not StockChange.objects.exists()


def test_stock_change_page_records_and_refuses(caseworker_client, caseworker_user, municipality):
    dwelling = factories.DwellingFactory(municipality=municipality)
    url = reverse("dwellings:stock-change", args=[dwelling.pk])
    response = caseworker_client.get(url, {"kind": "disposed"})
    assert response.status_code == 200
    assert response.context["form"].initial["kind"] == "disposed"

    response = caseworker_client.post(url, {"kind": "acquired", "date": "2023-04-01", "price": "2900000"})
    assert response.status_code == 302
    dwelling.refresh_from_db()
    assert dwelling.acquired_on == datetime.date(2023, 4, 1)
    assert StockChange.objects.get().recorded_by == caseworker_user

    factories.TenancyFactory(household__municipality=municipality, dwelling=dwelling)
    response = caseworker_client.post(url, {"kind": "disposed", "date": "2025-01-01"})
    assert response.status_code == 200
    assert "Boligen kan ikke selges mens den er utleid" in response.content.decode()
    assert StockChange.objects.count() == 1


def test_mark_for_sale_and_back(caseworker_client, municipality):
    dwelling = factories.DwellingFactory(municipality=municipality)
    url = reverse("dwellings:dwelling-for-sale", args=[dwelling.pk])
    assert caseworker_client.get(url).status_code == 405
    caseworker_client.post(url, {"for_sale": "on"})
    assert status_of(dwelling, timezone.localdate()) == "being_sold"
    response = caseworker_client.get(reverse("dwellings:dwelling-detail", args=[dwelling.pk]))
    assert "Under salg" in response.content.decode()
    caseworker_client.post(url, {})
    assert status_of(dwelling, timezone.localdate()) == "vacant"


def test_sold_dwelling_cannot_be_put_up_for_sale(municipality):
    dwelling = factories.DwellingFactory(municipality=municipality, disposed_on=datetime.date(2024, 1, 1))
    with scope(municipality), pytest.raises(DomainError, match="allerede solgt"):
        services.set_for_sale(dwelling, True)


def test_htmx_filter_returns_only_the_results(caseworker_client, municipality):
    factories.DwellingFactory(municipality=municipality, reference="B-1")
    factories.DwellingFactory(municipality=municipality, reference="B-2", category=DwellingCategory.CARE)
    for name in ("dwellings:dwelling-list", "dwellings:vacancy-list"):
        response = caseworker_client.get(reverse(name), {"category": "care"}, headers={"HX-Request": "true"})
        html = response.content.decode()
        assert response.status_code == 200
        assert "<html" not in html
        assert "B-2" in html and "B-1" not in html
        assert 'id="result-count" role="status" hx-swap-oob="true"' in html


def test_logged_purchase_fixes_the_acquisition_date_in_the_edit_form(caseworker_client, municipality):
    dwelling = factories.DwellingFactory(municipality=municipality, acquired_on=datetime.date(2017, 6, 1))
    factories.StockChangeFactory(dwelling=dwelling, date=datetime.date(2017, 6, 1))
    url = reverse("dwellings:dwelling-edit", args=[dwelling.pk])
    assert caseworker_client.get(url).context["form"].fields["acquired_on"].disabled
    data = {
        "reference": dwelling.reference,
        "address": dwelling.address,
        "postal_code": dwelling.postal_code,
        "postal_place": dwelling.postal_place,
        "rooms": "3",
        "area_m2": "62,5",
        "category": "general",
        "ownership": "owned",
        "acquired_on": "2020-01-01",
    }
    assert caseworker_client.post(url, data).status_code == 302
    dwelling.refresh_from_db()
    assert dwelling.acquired_on == datetime.date(2017, 6, 1)
