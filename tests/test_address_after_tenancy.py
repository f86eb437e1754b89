"""When a tenancy ends the household leaves the dwelling: the caseworker gives
its new postal address or says it is unknown, in the same transaction, and no
letter is ever addressed to a dwelling the household has left
(`tenants.services.address_left_behind`, used by the summons plan)."""

from __future__ import annotations

import datetime

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from dwellings import services
from dwellings.forms import TenancyEndForm
from dwellings.models import EndReason, Tenancy
from housing_office.errors import DomainError
from letters.snapshot import recipient_names
from letters.summons import plan_summons
from tenants.models import Household, PathwayStage, PersonRole
from tenants.services import address_left_behind, households_with_address_left_behind

from . import factories
from .test_summons import a_monday, at, wizard_data

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def tenancy(municipality):
    """A household living in the municipal flat, with the flat's address as its own."""
    dwelling = factories.DwellingFactory(
        municipality=municipality, reference="B-1204", address="Kongens gate 12", postal_code="3717"
    )
    household = factories.HouseholdFactory(
        municipality=municipality,
        reference="H-TØNNESSEN",
        address="Kongens gate 12",
        postal_code="3717",
        postal_place="SKIEN",
        pathway_stage=PathwayStage.LOAN_GRANTED,
    )
    factories.PersonFactory(
        household=household, first_name="Kari", last_name="Tønnessen", role=PersonRole.MAIN
    )
    factories.PersonFactory(
        household=household, first_name="Ola", last_name="Tønnessen", role=PersonRole.CO_APPLICANT
    )
    return factories.TenancyFactory(
        household=household, dwelling=dwelling, start_date=datetime.date(2019, 8, 1)
    )


def end_url(tenancy: Tenancy) -> str:
    return reverse("dwellings:tenancy-end", args=[tenancy.pk])


def plan_for(household: Household, caseworker):
    return plan_summons([household], [caseworker], first=at(a_monday(), 9), minutes=45)


# --- The page ------------------------------------------------------------------


def test_the_page_names_the_household_and_asks_for_the_new_address(caseworker_client, tenancy):
    html = caseworker_client.get(end_url(tenancy)).content.decode()
    assert "Kari Tønnessen, Ola Tønnessen (medsøker)" in html
    assert "Kongens gate 12, 3717 SKIEN" in html  # where the post goes today
    assert "Husstandens nye postadresse</legend>" in html
    assert 'name="address"' in html and 'name="postal_code"' in html and 'name="postal_place"' in html
    assert "Ny adresse er ukjent" in html


def test_bought_own_home_with_a_new_address_updates_the_household(
    caseworker_client, caseworker_user, tenancy
):
    response = caseworker_client.post(
        end_url(tenancy),
        {
            "end_date": TODAY.isoformat(),
            "end_reason": EndReason.BOUGHT_OWN_HOME,
            "address": " Solbakken 3 ",
            "postal_code": "3725",
            "postal_place": "SKIEN",
        },
        follow=True,
    )
    assert "Ny adresse: Solbakken 3, 3725 SKIEN." in response.content.decode()
    household = Household.objects.get(pk=tenancy.household_id)
    assert (household.address, household.postal_code, household.postal_place) == (
        "Solbakken 3",
        "3725",
        "SKIEN",
    )
    assert not household.address_unknown
    assert household.pathway_stage == PathwayStage.BOUGHT_HOME
    assert "solbakken 3" in household.search_text
    tenancy.refresh_from_db()
    assert tenancy.end_reason == EndReason.BOUGHT_OWN_HOME
    # In the audit trail, by the caseworker, with the old and new address.
    entries = LogEntry.objects.get_for_object(household).filter(action=LogEntry.Action.UPDATE)
    entry = next(e for e in entries if "address" in e.changes_dict)
    assert entry.actor == caseworker_user
    assert entry.changes_dict["address"] == ["Kongens gate 12", "Solbakken 3"]
    # The next summons goes to the new address.
    assert households_with_address_left_behind([household.pk]) == set()


def test_unknown_new_address_leaves_the_household_out_of_the_next_summons(
    caseworker_client, caseworker_user, tenancy
):
    response = caseworker_client.post(
        end_url(tenancy),
        {"end_date": TODAY.isoformat(), "end_reason": EndReason.EVICTION, "address_unknown": "on"},
        follow=True,
    )
    assert "Ny adresse er ukjent" in response.content.decode()
    household = Household.objects.get(pk=tenancy.household_id)
    assert household.address_unknown
    assert (household.address, household.postal_code, household.postal_place) == ("", "", "")
    # Eviction keeps the pathway stage, so only the address keeps it out.
    assert household.pathway_stage == PathwayStage.LOAN_GRANTED

    plan = plan_for(household, caseworker_user)
    assert plan.slots == []
    assert [(item.household, item.reason) for item in plan.left_out] == [(household, "Ny adresse mangler")]

    # And the wizard's plan page says so.
    page = caseworker_client.post(reverse("letters:summons-new"), wizard_data([household], caseworker_user))
    names = " og ".join(recipient_names(household))
    shown = (
        f"<strong>{names}</strong> ({household.reference})"
        if names
        else f"<strong>{household.reference}</strong>"
    )
    assert f"{shown}: Ny adresse mangler" in page.content.decode()


def test_a_new_address_registered_later_lets_the_household_be_summoned_again(caseworker_user, tenancy):
    services.end_tenancy(
        tenancy,
        end_date=TODAY,
        end_reason=EndReason.OTHER,
        new_address=services.NewAddress(unknown=True),
        by=caseworker_user,
    )
    # Filled in on the household's own form, which knows nothing of the flag.
    # (In guidance again: a household granted a loan is past the mapping
    # meeting and never summoned to one, whatever its address.)
    Household.objects.filter(pk=tenancy.household_id).update(
        address="Fjellveien 2", postal_code="3730", postal_place="SKIEN", pathway_stage=PathwayStage.GUIDANCE
    )
    household = Household.objects.get(pk=tenancy.household_id)
    assert plan_for(household, caseworker_user).slots[0].household == household


# --- The form refuses an answer that is not one -----------------------------------


def test_the_form_refuses_neither_an_address_nor_unknown(caseworker_client, tenancy):
    response = caseworker_client.post(
        end_url(tenancy), {"end_date": TODAY.isoformat(), "end_reason": EndReason.BOUGHT_OWN_HOME}
    )
    assert response.status_code == 200
    message = (
        "Fyll ut husstandens nye adresse (adresse, postnummer og poststed), "
        "eller kryss av for at ny adresse er ukjent."
    )
    assert response.context["form"].errors["address"] == [message]
    assert message in response.content.decode()
    tenancy.refresh_from_db()
    assert tenancy.end_date is None
    assert Household.objects.get(pk=tenancy.household_id).address == "Kongens gate 12"


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"address": "Solbakken 3", "address_unknown": "on"},
            {
                "address_unknown": [
                    "Fyll ut den nye adressen eller kryss av for at den er ukjent, ikke begge."
                ]
            },
        ),
        (
            {"address": "Solbakken 3"},
            {"postal_code": ["Skriv postnummeret."], "postal_place": ["Skriv poststedet."]},
        ),
        (
            {"address": "Solbakken 3", "postal_code": "372", "postal_place": "SKIEN"},
            {"postal_code": ["Postnummeret har fire siffer."]},
        ),
        # Four digits, but Arabic-Indic ones: Python's isdigit() and \d take them.
        (
            {"address": "Solbakken 3", "postal_code": "\u0663\u0667\u0661\u0667", "postal_place": "SKIEN"},
            {"postal_code": ["Postnummeret har fire siffer."]},
        ),
    ],
)
def test_the_form_refuses_half_answers(data, errors):
    form = TenancyEndForm({"end_date": TODAY.isoformat(), "end_reason": EndReason.OTHER, **data})
    assert not form.is_valid()
    assert form.errors == errors


def test_the_old_dwellings_address_is_not_a_new_address(caseworker_client, caseworker_user, tenancy):
    with pytest.raises(DomainError, match="adressen til boligen husstanden flytter fra") as error:
        services.end_tenancy(
            tenancy,
            end_date=TODAY,
            end_reason=EndReason.BOUGHT_OWN_HOME,
            new_address=services.NewAddress(
                address="kongens gate 12", postal_code="3717", postal_place="SKIEN"
            ),
            by=caseworker_user,
        )
    assert error.value.field == "address"
    tenancy.refresh_from_db()
    assert tenancy.end_date is None


def test_a_refused_address_ends_nothing(caseworker_user, tenancy):
    """The address is saved in the same transaction as the end: a bad one
    leaves the tenancy running and the stage where it was."""
    with pytest.raises(DomainError) as error:
        services.end_tenancy(
            tenancy,
            end_date=TODAY,
            end_reason=EndReason.BOUGHT_OWN_HOME,
            new_address=services.NewAddress(address="Solbakken 3", postal_code="37", postal_place="SKIEN"),
            by=caseworker_user,
        )
    assert error.value.field == "postal_code"
    tenancy.refresh_from_db()
    household = Household.objects.get(pk=tenancy.household_id)
    assert tenancy.end_date is None
    assert (household.address, household.pathway_stage) == ("Kongens gate 12", PathwayStage.LOAN_GRANTED)


# --- The one rule ------------------------------------------------------------------


def test_the_rule_catches_an_address_left_behind_without_the_form(municipality, caseworker_user, tenancy):
    """Tenancies ended before this form asked (or by the register import) left
    the household at the dwelling's address: the rule finds them too."""
    Tenancy.objects.filter(pk=tenancy.pk).update(end_date=TODAY, end_reason=EndReason.OTHER)
    household = Household.objects.get(pk=tenancy.household_id)
    assert plan_for(household, caseworker_user).left_out[0].reason == "Ny adresse mangler"

    # Not while the tenancy still runs (it ends tomorrow) ...
    Tenancy.objects.filter(pk=tenancy.pk).update(end_date=TODAY + datetime.timedelta(days=1))
    assert not Household.objects.filter(address_left_behind(), pk=household.pk).exists()
    # ... nor for a household living at another address.
    Tenancy.objects.filter(pk=tenancy.pk).update(end_date=TODAY)
    Household.objects.filter(pk=household.pk).update(address="Solbakken 3")
    assert not Household.objects.filter(address_left_behind(), pk=household.pk).exists()


def test_moving_back_into_the_same_dwelling_is_not_left_behind(municipality, caseworker_user, tenancy):
    Tenancy.objects.filter(pk=tenancy.pk).update(
        end_date=datetime.date(2021, 1, 1), end_reason=EndReason.OTHER
    )
    factories.TenancyFactory(
        household=tenancy.household, dwelling=tenancy.dwelling, start_date=datetime.date(2022, 1, 1)
    )
    assert households_with_address_left_behind([tenancy.household_id]) == set()
