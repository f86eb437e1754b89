"""Hard rules kept by the database itself, roles, and the scoped admin."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from dwellings.models import Dwelling, DwellingStatus, EndReason, Tenancy
from housing_office.roles import ADMINISTRATOR, CASEWORKER, LEADER
from tenants.models import Household

from . import factories

pytestmark = pytest.mark.django_db


def _violates(callable_) -> bool:
    try:
        with transaction.atomic():
            callable_()
    except IntegrityError:
        return True
    return False


def test_household_reference_unique_per_municipality_case_insensitive(municipality, other_municipality):
    factories.HouseholdFactory(municipality=municipality, reference="H-1")
    assert _violates(lambda: factories.HouseholdFactory(municipality=municipality, reference="h-1"))
    # The same reference in another municipality is fine.
    factories.HouseholdFactory(municipality=other_municipality, reference="H-1")


def test_dwelling_reference_unique_per_municipality(municipality):
    factories.DwellingFactory(municipality=municipality, reference="B-1")
    assert _violates(lambda: factories.DwellingFactory(municipality=municipality, reference="B-1"))


def test_one_running_tenancy_per_dwelling_and_per_household(municipality):
    running = factories.TenancyFactory(household__municipality=municipality)
    other_household = factories.HouseholdFactory(municipality=municipality)
    other_dwelling = factories.DwellingFactory(municipality=municipality)
    assert _violates(lambda: factories.TenancyFactory(household=other_household, dwelling=running.dwelling))
    assert _violates(lambda: factories.TenancyFactory(household=running.household, dwelling=other_dwelling))
    # Ended tenancies do not count.
    factories.TenancyFactory(
        household=other_household,
        dwelling=running.dwelling,
        start_date=datetime.date(2010, 1, 1),
        end_date=datetime.date(2012, 1, 1),
        end_reason=EndReason.PRIVATE_RENTAL,
    )


def test_tenancy_end_not_before_start_and_reason_iff_ended(municipality):
    household = factories.HouseholdFactory(municipality=municipality)
    dwelling = factories.DwellingFactory(municipality=municipality)
    base = {"household": household, "dwelling": dwelling, "start_date": datetime.date(2020, 5, 1)}
    assert _violates(
        lambda: factories.TenancyFactory(**base, end_date=datetime.date(2020, 4, 30), end_reason="other")
    )
    assert _violates(lambda: factories.TenancyFactory(**base, end_date=datetime.date(2021, 1, 1)))
    assert _violates(lambda: factories.TenancyFactory(**base, end_reason="other"))


def test_money_is_never_negative(municipality):
    assert _violates(
        lambda: factories.TenancyFactory(household__municipality=municipality, monthly_rent=Decimal("-1"))
    )
    tenancy = factories.TenancyFactory(household__municipality=municipality)
    assert _violates(lambda: factories.RentArrearsFactory(tenancy=tenancy, amount=Decimal("-100")))
    assert _violates(
        lambda: factories.StartLoanApplicationFactory(
            household=tenancy.household, amount_applied=Decimal("-5")
        )
    )


def test_recommender_cannot_decide_in_the_database(municipality):
    user = factories.caseworker(municipality)
    assert _violates(
        lambda: factories.StartLoanApplicationFactory(
            household__municipality=municipality, recommended_by=user, decided_by=user
        )
    )


def test_constraint_becomes_a_norwegian_validation_message(municipality):
    tenancy = factories.TenancyFactory(household__municipality=municipality)
    duplicate = Tenancy(
        municipality=municipality,
        household=factories.HouseholdFactory(municipality=municipality),
        dwelling=tenancy.dwelling,
        start_date=datetime.date(2024, 1, 1),
        monthly_rent=Decimal("8000"),
    )
    with pytest.raises(ValidationError) as excinfo:
        duplicate.full_clean()
    assert "Boligen har allerede et løpende leieforhold." in str(excinfo.value)


def test_dwelling_status_is_derived_from_tenancies_and_sales(municipality):
    today = datetime.date(2025, 6, 1)
    let = factories.TenancyFactory(household__municipality=municipality).dwelling
    vacant = factories.DwellingFactory(municipality=municipality)
    selling = factories.DwellingFactory(municipality=municipality, for_sale=True)
    sold = factories.DwellingFactory(municipality=municipality, disposed_on=datetime.date(2025, 1, 1))
    statuses = dict(Dwelling.objects.with_status(today).values_list("pk", "status"))
    assert statuses == {
        let.pk: DwellingStatus.LET,
        vacant.pk: DwellingStatus.VACANT,
        selling.pk: DwellingStatus.BEING_SOLD,
        sold.pk: DwellingStatus.SOLD,
    }


def test_roles_exist_with_their_permissions():
    caseworker = Group.objects.get(name=CASEWORKER)
    leader = Group.objects.get(name=LEADER)
    admin = Group.objects.get(name=ADMINISTRATOR)
    cw = set(caseworker.permissions.values_list("codename", flat=True))
    ld = set(leader.permissions.values_list("codename", flat=True))
    assert {"view_household", "change_household", "add_tenancy", "add_journalnote"} <= cw
    assert "lead_office" not in cw and "change_lettertemplate" not in cw
    assert cw < ld and {"lead_office", "change_lettertemplate", "view_full_national_id"} <= ld
    assert admin.permissions.count() > ld.__len__()


def test_caseworker_and_leader_permissions_through_users(municipality):
    cw = factories.caseworker(municipality)
    ld = factories.leader(municipality)
    assert cw.has_perm("tenants.change_household") and not cw.has_perm("housing_office.lead_office")
    assert ld.has_perm("housing_office.lead_office")


def test_admin_changelist_is_scoped_for_staff(client, municipality, other_municipality):
    factories.HouseholdFactory(municipality=municipality, reference="H-EGEN")
    theirs = factories.HouseholdFactory(municipality=other_municipality, reference="H-FREMMED")
    staff = factories.leader(municipality, is_staff=True)
    staff.groups.add(Group.objects.get(name=ADMINISTRATOR))
    client.force_login(staff)
    response = client.get(reverse("admin:tenants_household_changelist"))
    assert response.status_code == 200
    assert "H-EGEN" in response.text and "H-FREMMED" not in response.text
    assert client.get(reverse("admin:tenants_household_change", args=[theirs.pk])).status_code in (302, 404)
    # Creating through the admin fills in the staff member's municipality.
    response = client.post(
        reverse("admin:tenants_household_add"),
        {
            "reference": "H-NY",
            "pathway_stage": "not_assessed",
            "stage_changed_at_0": "01.01.2025",
            "stage_changed_at_1": "10:00:00",
            "members-TOTAL_FORMS": "0",
            "members-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.text[:2000]
    assert Household.all_objects.get(reference="H-NY").municipality == municipality


def test_a_migrate_sets_the_roles_once_with_every_apps_permissions():
    """post_migrate is sent once per app; the roles are set at the last
    sending, after its app's permissions exist, so the administrator has
    every permission there is."""
    from django.contrib.auth.models import Permission
    from django.core.management.sql import emit_post_migrate_signal
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    Group.objects.all().delete()
    Permission.objects.filter(content_type__app_label="auditlog").delete()
    with CaptureQueriesContext(connection) as captured:
        emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    admin = Group.objects.get(name=ADMINISTRATOR)
    assert admin.permissions.count() == Permission.objects.count()
    assert Permission.objects.filter(content_type__app_label="auditlog").exists()
    # Each role is looked up once (it was once for each of nineteen apps).
    looked_up = [q["sql"] for q in captured.captured_queries if 'FROM "auth_group" WHERE' in q["sql"]]
    assert len(looked_up) == 3, looked_up
