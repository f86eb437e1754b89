"""Tenancies: letting, the rules against double letting and overlaps, ending,
the pathway stage that follows an exit, and rent arrears."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection
from django.urls import reverse

from dwellings import services
from dwellings.forms import TenancyForm
from dwellings.models import ContractType, EndReason, Tenancy
from housing_office.errors import DomainError
from housing_office.scoping import scope
from tenants.models import Household, PathwayStage, PathwayStageChange

from . import factories

pytestmark = pytest.mark.django_db

NEW_HOME = services.NewAddress(address="Solbakken 3", postal_code="3725", postal_place="SKIEN")
NEW_HOME_POST = {"address": "Solbakken 3", "postal_code": "3725", "postal_place": "SKIEN"}
UNKNOWN = services.NewAddress(unknown=True)


def let(dwelling, household, start=datetime.date(2025, 1, 1), **kwargs):
    kwargs.setdefault("monthly_rent", Decimal("9800"))
    kwargs.setdefault("contract_type", ContractType.INDEFINITE)
    return services.let_dwelling(dwelling=dwelling, household=household, start_date=start, **kwargs)


@pytest.fixture
def dwelling(municipality):
    return factories.DwellingFactory(municipality=municipality, reference="B-10")


@pytest.fixture
def household(municipality):
    return factories.HouseholdFactory(municipality=municipality, reference="H-10")


# --- Letting -----------------------------------------------------------------


def test_let_a_vacant_dwelling(dwelling, household):
    tenancy = let(
        dwelling,
        household,
        contract_type=ContractType.FIXED_TERM,
        contract_end=datetime.date(2030, 1, 1),
    )
    assert (tenancy.dwelling, tenancy.household, tenancy.municipality_id) == (
        dwelling,
        household,
        dwelling.municipality_id,
    )
    assert tenancy.end_date is None and tenancy.end_reason == ""
    assert tenancy.contract_end == datetime.date(2030, 1, 1)


def test_indefinite_contract_has_no_contract_end(dwelling, household):
    tenancy = let(dwelling, household, contract_end=datetime.date(2030, 1, 1))
    assert tenancy.contract_end is None


def test_fixed_term_needs_a_contract_end_after_start(dwelling, household):
    with pytest.raises(DomainError, match="tidsbestemt kontrakt må ha en dato") as error:
        let(dwelling, household, contract_type=ContractType.FIXED_TERM)
    assert error.value.field == "contract_end"
    with pytest.raises(DomainError, match="etter startdatoen"):
        let(
            dwelling,
            household,
            contract_type=ContractType.FIXED_TERM,
            contract_end=datetime.date(2024, 12, 1),
        )
    assert not Tenancy.objects.exists()


def test_no_double_letting(dwelling, household, municipality):
    factories.TenancyFactory(
        household__municipality=municipality, household__reference="H-FØRST", dwelling=dwelling
    )
    with pytest.raises(DomainError) as error:
        let(dwelling, household, start=datetime.date(2026, 1, 1))
    assert str(error.value) == "Boligen er allerede utleid til husstand H-FØRST fra 01.01.2020."
    assert error.value.field == "dwelling"
    assert Tenancy.objects.count() == 1


def test_no_overlap_with_the_dwellings_history(dwelling, household, municipality):
    factories.TenancyFactory(
        household__municipality=municipality,
        household__reference="H-GAMMEL",
        dwelling=dwelling,
        start_date=datetime.date(2020, 1, 1),
        end_date=datetime.date(2022, 1, 1),
        end_reason=EndReason.PRIVATE_RENTAL,
    )
    for start in (datetime.date(2021, 6, 1), datetime.date(2019, 1, 1)):
        with pytest.raises(DomainError) as error:
            let(dwelling, household, start=start)
        assert str(error.value) == (
            "Boligen var utleid til husstand H-GAMMEL fra 01.01.2020 til 01.01.2022. "
            "Et nytt leieforhold kan tidligst starte 01.01.2022."
        )
    assert Tenancy.objects.count() == 1
    # Moving in on the day the last tenants moved out is fine.
    let(dwelling, household, start=datetime.date(2022, 1, 1))


def test_no_overlap_for_the_household(dwelling, household, municipality):
    factories.TenancyFactory(household=household, dwelling__reference="B-ANNEN")
    with pytest.raises(DomainError) as error:
        let(dwelling, household)
    assert str(error.value) == (
        "Husstanden leier allerede bolig B-ANNEN fra 01.01.2020. Avslutt det leieforholdet først."
    )
    assert error.value.field == "household"

    other = factories.HouseholdFactory(municipality=municipality)
    factories.TenancyFactory(
        household=other,
        dwelling__reference="B-TIDL",
        start_date=datetime.date(2018, 1, 1),
        end_date=datetime.date(2023, 3, 1),
        end_reason=EndReason.OTHER,
    )
    with pytest.raises(DomainError, match="Husstanden leide bolig B-TIDL fra 01.01.2018 til 01.03.2023"):
        let(dwelling, other, start=datetime.date(2023, 2, 1))
    assert Tenancy.objects.count() == 2


def test_no_letting_a_sold_dwelling(household, municipality):
    sold = factories.DwellingFactory(municipality=municipality, disposed_on=datetime.date(2024, 1, 1))
    with pytest.raises(DomainError) as error:
        let(sold, household)
    assert str(error.value) == "Boligen ble solgt 01.01.2024 og kan ikke leies ut."
    assert not Tenancy.objects.exists()


def test_no_letting_a_dwelling_for_sale(household, municipality):
    for_sale = factories.DwellingFactory(municipality=municipality, for_sale=True)
    with pytest.raises(DomainError, match="lagt ut for salg"):
        let(for_sale, household)
    assert not Tenancy.objects.exists()


def test_no_letting_before_acquisition(household, municipality):
    new = factories.DwellingFactory(municipality=municipality, acquired_on=datetime.date(2025, 3, 1))
    with pytest.raises(DomainError, match=r"før boligen ble anskaffet \(01.03.2025\)"):
        let(new, household, start=datetime.date(2025, 2, 1))


def test_no_letting_across_municipalities(dwelling, other_municipality):
    stranger = factories.HouseholdFactory(municipality=other_municipality)
    with pytest.raises(DomainError, match="ulike kommuner"):
        let(dwelling, stranger)


def test_a_constraint_violation_becomes_a_rule_error(dwelling, household, municipality):
    factories.TenancyFactory(household__municipality=municipality, dwelling=dwelling)
    # Bypass the checks, as a second caseworker racing the first would.
    with pytest.raises(DomainError, match="Boligen har allerede et løpende leieforhold.") as error:
        with services.constraint_errors():
            Tenancy.objects.create(
                municipality=municipality,
                household=household,
                dwelling=dwelling,
                start_date=datetime.date(2025, 1, 1),
                monthly_rent=Decimal("1"),
            )
    assert isinstance(error.value.__cause__, IntegrityError)
    assert error.value.field == "dwelling"
    # The savepoint leaves the transaction usable.
    assert Tenancy.objects.count() == 1
    assert not connection.needs_rollback


# --- The letting page ----------------------------------------------------------


def test_tenancy_create_page_preselects_and_lets(caseworker_client, dwelling, household):
    url = reverse("dwellings:tenancy-create")
    response = caseworker_client.get(url, {"household": household.pk, "dwelling": dwelling.pk})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["household"] == household.pk
    assert form.initial["dwelling"] == dwelling.pk
    html = response.content.decode()
    assert "B-10 – " in html and "(Ledig)" in html

    response = caseworker_client.post(
        url,
        {
            "household": household.pk,
            "dwelling": dwelling.pk,
            "start_date": "2025-02-01",
            "monthly_rent": "10 250,50",
            "contract_type": "fixed_term",
            "contract_end": "2030-01-31",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dwellings:dwelling-detail", args=[dwelling.pk])
    tenancy = Tenancy.objects.get()
    assert tenancy.monthly_rent == Decimal("10250.50")
    assert tenancy.contract_type == "fixed_term"


def test_tenancy_create_page_shows_rule_errors_and_writes_nothing(
    caseworker_client, dwelling, household, municipality
):
    factories.TenancyFactory(
        household__municipality=municipality, household__reference="H-FØRST", dwelling=dwelling
    )
    response = caseworker_client.post(
        reverse("dwellings:tenancy-create"),
        {
            "household": household.pk,
            "dwelling": dwelling.pk,
            "start_date": "2025-02-01",
            "monthly_rent": "9000",
            "contract_type": "indefinite",
        },
    )
    assert response.status_code == 200
    assert "Boligen er allerede utleid til husstand H-FØRST fra 01.01.2020." in response.content.decode()
    assert response.context["form"].errors["dwelling"]
    assert Tenancy.objects.count() == 1


def test_tenancy_form_choices_stay_in_the_municipality(municipality, other_municipality):
    mine = factories.HouseholdFactory(municipality=municipality)
    theirs = factories.HouseholdFactory(municipality=other_municipality)
    my_dwelling = factories.DwellingFactory(municipality=municipality)
    their_dwelling = factories.DwellingFactory(municipality=other_municipality)
    sold = factories.DwellingFactory(municipality=municipality, disposed_on=datetime.date(2020, 1, 1))
    with scope(municipality):
        form = TenancyForm()
        assert list(form.fields["household"].queryset) == [mine]
        assert list(form.fields["dwelling"].queryset) == [my_dwelling]
        form = TenancyForm(
            {
                "household": theirs.pk,
                "dwelling": their_dwelling.pk,
                "start_date": "2025-01-01",
                "monthly_rent": "1",
                "contract_type": "indefinite",
            }
        )
        assert not form.is_valid()
        assert set(form.errors) == {"household", "dwelling"}
    assert sold.pk not in [d.pk for d in TenancyForm().fields["dwelling"].queryset]


def test_household_choice_shows_the_main_persons_name(caseworker_client, household):
    factories.PersonFactory(household=household, first_name="Åse", last_name="Ødegård")
    response = caseworker_client.get(reverse("dwellings:tenancy-create"))
    assert "H-10 – Åse Ødegård" in response.content.decode()


# --- Ending ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "stage", "text"),
    [
        (EndReason.BOUGHT_OWN_HOME, PathwayStage.BOUGHT_HOME, "kjøpt egen bolig"),
        (EndReason.PRIVATE_RENTAL, PathwayStage.PRIVATE_RENTAL, "flyttet til privat leie"),
    ],
)
def test_exit_moves_the_pathway_stage(reason, stage, text, municipality, caseworker_user):
    tenancy = factories.TenancyFactory(
        household__municipality=municipality, household__pathway_stage=PathwayStage.LOAN_GRANTED
    )
    services.end_tenancy(
        tenancy,
        end_date=datetime.date(2025, 5, 31),
        end_reason=reason,
        new_address=NEW_HOME,
        by=caseworker_user,
    )

    tenancy.refresh_from_db()
    assert (tenancy.end_date, tenancy.end_reason) == (datetime.date(2025, 5, 31), reason)
    household = Household.objects.get(pk=tenancy.household_id)
    assert household.pathway_stage == stage
    change = PathwayStageChange.objects.get(household=household)
    assert (change.from_stage, change.to_stage, change.changed_by) == (
        PathwayStage.LOAN_GRANTED,
        stage,
        caseworker_user,
    )
    assert change.reason == f"Leieforholdet ble avsluttet: {text}"


def test_other_end_reasons_leave_the_stage(municipality, caseworker_user):
    tenancy = factories.TenancyFactory(
        household__municipality=municipality, household__pathway_stage=PathwayStage.GUIDANCE
    )
    services.end_tenancy(
        tenancy,
        end_date=datetime.date(2025, 5, 31),
        end_reason=EndReason.DECEASED,
        new_address=UNKNOWN,
        by=caseworker_user,
    )
    assert Household.objects.get(pk=tenancy.household_id).pathway_stage == PathwayStage.GUIDANCE
    assert not PathwayStageChange.objects.exists()


def test_end_not_before_start(municipality, caseworker_user):
    tenancy = factories.TenancyFactory(household__municipality=municipality)
    with pytest.raises(DomainError) as error:
        services.end_tenancy(
            tenancy,
            end_date=datetime.date(2019, 12, 31),
            end_reason=EndReason.BOUGHT_OWN_HOME,
            new_address=NEW_HOME,
            by=caseworker_user,
        )
    assert str(error.value) == "Sluttdatoen kan ikke være før startdatoen (01.01.2020)."
    assert error.value.field == "end_date"
    tenancy.refresh_from_db()
    assert tenancy.end_date is None
    assert Household.objects.get(pk=tenancy.household_id).pathway_stage == PathwayStage.NOT_ASSESSED
    assert not PathwayStageChange.objects.exists()


def test_cannot_end_twice(municipality, caseworker_user):
    tenancy = factories.TenancyFactory(
        household__municipality=municipality,
        end_date=datetime.date(2024, 1, 1),
        end_reason=EndReason.OTHER,
    )
    with pytest.raises(DomainError, match="allerede avsluttet 01.01.2024"):
        services.end_tenancy(
            tenancy,
            end_date=datetime.date(2025, 1, 1),
            end_reason=EndReason.OTHER,
            new_address=UNKNOWN,
            by=caseworker_user,
        )


def test_end_tenancy_page(caseworker_client, caseworker_user, municipality):
    tenancy = factories.TenancyFactory(household__municipality=municipality, household__reference="H-KJØPER")
    url = reverse("dwellings:tenancy-end", args=[tenancy.pk])
    response = caseworker_client.get(url)
    assert response.status_code == 200
    assert "Kjøpt egen bolig" in response.content.decode()

    response = caseworker_client.post(url, {"end_date": "2020-01-01", "end_reason": "", **NEW_HOME_POST})
    assert response.status_code == 200
    assert response.context["form"].errors["end_reason"]

    household_url = f"/husstander/{tenancy.household_id}/"
    response = caseworker_client.post(
        url + f"?next={household_url}",
        {"end_date": "2025-04-30", "end_reason": "bought_own_home", **NEW_HOME_POST},
        follow=True,
    )
    assert response.redirect_chain[0][0] == household_url
    tenancy.refresh_from_db()
    assert tenancy.end_reason == "bought_own_home"
    assert Household.objects.get(pk=tenancy.household_id).pathway_stage == PathwayStage.BOUGHT_HOME

    detail = caseworker_client.get(reverse("dwellings:dwelling-detail", args=[tenancy.dwelling_id]))
    assert detail.context["dwelling"].status == "vacant"
    assert "Ledig" in detail.content.decode()


def test_end_tenancy_page_refuses_a_foreign_next(caseworker_client, municipality):
    tenancy = factories.TenancyFactory(household__municipality=municipality)
    response = caseworker_client.post(
        reverse("dwellings:tenancy-end", args=[tenancy.pk]),
        {
            "end_date": "2025-04-30",
            "end_reason": "other",
            "address_unknown": "on",
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == reverse("dwellings:dwelling-detail", args=[tenancy.dwelling_id])


def test_end_tenancy_page_shows_date_error(caseworker_client, municipality):
    tenancy = factories.TenancyFactory(household__municipality=municipality)
    response = caseworker_client.post(
        reverse("dwellings:tenancy-end", args=[tenancy.pk]),
        {"end_date": "2019-01-01", "end_reason": "bought_own_home", **NEW_HOME_POST},
    )
    assert response.status_code == 200
    assert "Sluttdatoen kan ikke være før startdatoen (01.01.2020)." in response.content.decode()
    tenancy.refresh_from_db()
    assert tenancy.end_date is None
