"""Full national identity numbers reach a screen only through the logged reveal.

Personopplysningsloven § 12 and GDPR art. 87 allow the number only where it
is needed for secure identification, and GDPR art. 32 asks us to control and
record who reads it. So:

* every GET page a caseworker or a leader can reach (found from the URL
  configuration, as in test_access) and every admin page of every registered
  model never carries a full number;
* the one place that does, the reveal, writes a PersonalDataAccess row;
* the edit form shows the masked number and asks for the whole number only
  to change it;
* a leader cannot hand out staff, superuser, single permissions or the
  administrator group, and a caseworker who was made staff still cannot use
  the admin.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from housing_office.models import PersonalDataAccess, User
from housing_office.national_id import mask
from housing_office.roles import ADMINISTRATOR, CASEWORKER
from housing_office.scoping import unscoped
from tenants.models import Household, Person, PersonRole

from . import factories
from .test_access import all_pks, build_register, routes, url_for
from .test_households import _form_data, valid_national_id

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("aligned_pks")]


def _body(response) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    return content.decode("utf-8", errors="replace")


def _leaks(body: str, numbers: list[str]) -> list[str]:
    """The numbers found in `body`, written whole or split after the date."""
    found = []
    for number in numbers:
        if number in body or f"{number[:6]} {number[6:]}" in body:
            found.append(number)
    return found


def _give_everyone_numbers(municipality) -> list[str]:
    """A known, distinct, valid number for every person of the municipality,
    saved through the model so the audit trail records them too."""
    household = factories.HouseholdFactory(municipality=municipality, reference="H-FNR")
    factories.PersonFactory(household=household, role=PersonRole.MAIN, first_name="Åse")
    factories.PersonFactory(household=household, role=PersonRole.CO_APPLICANT, first_name="Per")
    factories.PersonFactory(
        household=household,
        role=PersonRole.CHILD,
        first_name="Lille",
        date_of_birth=datetime.date(2015, 1, 1),
    )
    numbers = []
    with unscoped():
        persons = list(Person.objects.filter(household__municipality=municipality).order_by("pk"))
    individual = 100
    for person in persons:
        birth = person.date_of_birth or datetime.date(1985, 5, 17)
        number = valid_national_id(birth.strftime("%d%m%y"), str(individual))
        while number in numbers:
            individual += 1
            number = valid_national_id(birth.strftime("%d%m%y"), str(individual))
        individual = int(number[6:9]) + 1
        person.national_id = number
        person.date_of_birth = birth
        person.save()
        numbers.append(number)
    assert len(numbers) >= 4
    return numbers


# Objects per model whose change and history pages the walk opens: every
# change page of a model is drawn by the same admin class, so a few rows find
# a leak in it; the household whose every member has a number and those
# members are always among them.
ADMIN_ROWS_PER_MODEL = 4


def _admin_urls() -> list[str]:
    numbered = Household.objects.get(reference="H-FNR")
    always = {Household: {numbered.pk}, Person: set(numbered.members.values_list("pk", flat=True))}
    urls = []
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        urls.append(reverse("admin:{}_{}_add".format(*info)))
        manager = getattr(model, "all_objects", model._default_manager)
        pks = set(manager.order_by("pk").values_list("pk", flat=True)[:ADMIN_ROWS_PER_MODEL])
        for pk in sorted(pks | always.get(model, set())):
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[pk]))
            urls.append(reverse("admin:{}_{}_history".format(*info), args=[pk]))
    return urls


@pytest.fixture
def register(municipality):
    build_register(municipality)
    return _give_everyone_numbers(municipality)


def test_no_page_a_caseworker_or_leader_can_reach_shows_a_full_number(client, municipality, register):
    numbers = register
    caseworker = factories.caseworker(municipality)
    leader = factories.leader(municipality, is_staff=True)
    pks = all_pks()
    leaks = []
    for user in (caseworker, leader):
        client.force_login(user)
        for route in routes():
            for pk in pks if route.int_kwargs else [0]:
                url = url_for(route, pk)
                response = client.get(url)
                if found := _leaks(_body(response), numbers):
                    leaks.append((user.username, route.name, url, found))
        # The edit form of the household whose every member has a number.
        household = Household.objects.get(reference="H-FNR")
        response = client.get(reverse("tenants:household-edit", args=[household.pk]))
        assert response.status_code == 200
        if found := _leaks(_body(response), numbers):
            leaks.append((user.username, "tenants:household-edit", "H-FNR", found))
    assert leaks == []
    assert not PersonalDataAccess.objects.filter(action=PersonalDataAccess.Action.VIEW_NATIONAL_ID).exists()


def test_no_admin_page_shows_a_full_number_to_anyone(client, municipality, register):
    numbers = register
    staff_caseworker = factories.caseworker(municipality, is_staff=True)
    leader = factories.leader(municipality, is_staff=True)
    superuser = User.objects.create_superuser("root", "root@example.no", "x-passord-123")
    urls = _admin_urls()
    assert any("/tenants/household/" in u and u.endswith("/change/") for u in urls)
    leaks = []
    for user in (staff_caseworker, leader, superuser):
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code < 500, (user.username, url, response.status_code)
            if found := _leaks(_body(response), numbers):
                leaks.append((user.username, url, found))
    assert leaks == []


def test_the_admin_shows_the_masked_number_on_a_household(client, municipality, register):
    client.force_login(factories.leader(municipality, is_staff=True))
    household = Household.objects.get(reference="H-FNR")
    main = household.members.get(role=PersonRole.MAIN)
    response = client.get(reverse("admin:tenants_household_change", args=[household.pk]))
    assert response.status_code == 200
    body = _body(response)
    assert mask(main.national_id) in body
    assert main.national_id not in body


def test_the_logged_reveal_is_the_only_way_and_writes_a_row(client, municipality, leader_user, register):
    household = Household.objects.get(reference="H-FNR")
    main = household.members.get(role=PersonRole.MAIN)
    client.force_login(leader_user)
    response = client.post(
        reverse("tenants:person-national-id", args=[main.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert main.national_id in _body(response)
    row = PersonalDataAccess.objects.get()
    assert row.user == leader_user
    assert row.action == PersonalDataAccess.Action.VIEW_NATIONAL_ID
    assert row.household == household


def test_a_caseworker_made_staff_cannot_use_the_admin(client, municipality, register):
    caseworker = factories.caseworker(municipality, is_staff=True)
    client.force_login(caseworker)
    household = Household.objects.get(reference="H-FNR")
    for url in (
        reverse("admin:index"),
        reverse("admin:tenants_household_change", args=[household.pk]),
        reverse("admin:tenants_person_changelist"),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url


# The edit form --------------------------------------------------------------


@pytest.fixture
def numbered_household(municipality):
    household = factories.HouseholdFactory(municipality=municipality, reference="H-E")
    main = factories.PersonFactory(
        household=household, role=PersonRole.MAIN, first_name="Åse", national_id=valid_national_id()
    )
    member = factories.PersonFactory(
        household=household,
        role=PersonRole.ADULT,
        first_name="Per",
        date_of_birth=datetime.date(1980, 2, 1),
        national_id=valid_national_id("010280", "200"),
    )
    return household, main, member


def _edit_data(household, member, **overrides):
    data = _form_data(
        reference=household.reference,
        main_first_name="Åse",
        main_last_name="Ødegård",
        main_date_of_birth="1985-05-17",
        **{
            "members-TOTAL_FORMS": "1",
            "members-INITIAL_FORMS": "1",
            "members-0-id": str(member.pk),
            "members-0-household": str(household.pk),
            "members-0-role": "adult",
            "members-0-first_name": "Per",
            "members-0-last_name": member.last_name,
            "members-0-date_of_birth": "1980-02-01",
            "members-0-national_id": "",
        },
    )
    data.update(overrides)
    return data


def test_edit_form_shows_masked_numbers_only(caseworker_client, numbered_household):
    household, main, member = numbered_household
    response = caseworker_client.get(reverse("tenants:household-edit", args=[household.pk]))
    body = _body(response)
    assert response.status_code == 200
    assert main.national_id not in body
    assert member.national_id not in body
    assert mask(main.national_id) in body
    assert mask(member.national_id) in body
    # The field for a new number is empty and says what an empty field means.
    assert response.context["form"]["main_national_id"].value() in (None, "")
    assert "beholde" in body


def test_saving_with_the_new_number_empty_keeps_the_stored_numbers(caseworker_client, numbered_household):
    household, main, member = numbered_household
    old_main, old_member = main.national_id, member.national_id
    response = caseworker_client.post(
        reverse("tenants:household-edit", args=[household.pk]), _edit_data(household, member)
    )
    assert response.status_code == 302, response.context and response.context["form"].errors
    main.refresh_from_db()
    member.refresh_from_db()
    assert main.national_id == old_main
    assert member.national_id == old_member


def test_a_new_valid_number_replaces_the_stored_one(caseworker_client, numbered_household):
    household, main, member = numbered_household
    new_main = valid_national_id("170585", "300")
    new_member = valid_national_id("010280", "400")
    response = caseworker_client.post(
        reverse("tenants:household-edit", args=[household.pk]),
        _edit_data(
            household,
            member,
            main_national_id=new_main[:6] + " " + new_main[6:],
            **{"members-0-national_id": new_member},
        ),
    )
    assert response.status_code == 302
    main.refresh_from_db()
    member.refresh_from_db()
    assert (main.national_id, member.national_id) == (new_main, new_member)


def test_a_new_number_is_validated_as_before(caseworker_client, numbered_household):
    household, main, member = numbered_household
    old = main.national_id
    url = reverse("tenants:household-edit", args=[household.pk])
    response = caseworker_client.post(url, _edit_data(household, member, main_national_id="17058512345"))
    assert response.status_code == 200
    assert "Kontrollsifrene stemmer ikke." in _body(response)
    response = caseworker_client.post(
        url, _edit_data(household, member, **{"members-0-national_id": valid_national_id("170585", "350")})
    )
    assert response.status_code == 200
    assert "passer ikke med fødselsdatoen" in _body(response)
    main.refresh_from_db()
    assert main.national_id == old
    # A kept number still has to match a changed birth date.
    response = caseworker_client.post(url, _edit_data(household, member, main_date_of_birth="1990-01-01"))
    assert response.status_code == 200
    assert old not in _body(response)


def test_a_stored_number_can_be_removed(caseworker_client, numbered_household):
    household, main, member = numbered_household
    response = caseworker_client.post(
        reverse("tenants:household-edit", args=[household.pk]),
        _edit_data(household, member, main_national_id_remove="on", **{"members-0-national_id_remove": "on"}),
    )
    assert response.status_code == 302
    main.refresh_from_db()
    member.refresh_from_db()
    assert (main.national_id, member.national_id) == ("", "")


# The user admin ---------------------------------------------------------------


def _user_data(user: User, **overrides) -> dict:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": "",
        "is_active": "on",
        "groups": [str(Group.objects.get(name=CASEWORKER).pk)],
        "title": "",
        "phone": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def staff_leader(municipality):
    """An office leader the administrator let into the admin."""
    return factories.leader(municipality, is_staff=True)


def test_a_leader_cannot_give_privileges_in_the_user_admin(client, municipality, staff_leader):
    caseworker = factories.caseworker(municipality)
    client.force_login(staff_leader)
    url = reverse("admin:housing_office_user_change", args=[caseworker.pk])
    assert client.get(url).status_code == 200
    permission = Permission.objects.get(codename="view_full_national_id")
    response = client.post(
        url,
        _user_data(
            caseworker,
            first_name="Endret",
            is_staff="on",
            is_superuser="on",
            user_permissions=[str(permission.pk)],
        ),
    )
    assert response.status_code in (302, 200, 403)
    caseworker = User.objects.get(pk=caseworker.pk)
    assert not caseworker.is_staff
    assert not caseworker.is_superuser
    assert not caseworker.user_permissions.exists()
    assert not caseworker.has_perm("housing_office.view_full_national_id")

    # The administrator group is no choice for a leader.
    response = client.post(
        url, _user_data(caseworker, groups=[str(Group.objects.get(name=ADMINISTRATOR).pk)])
    )
    caseworker = User.objects.get(pk=caseworker.pk)
    assert not caseworker.groups.filter(name=ADMINISTRATOR).exists()
    assert not caseworker.has_perm("housing_office.view_full_national_id")


def test_a_leader_cannot_take_over_an_administrator(client, municipality, staff_leader):
    boss = User.objects.create_superuser(
        "sjef", "sjef@example.no", "x-passord-123", municipality=municipality
    )
    client.force_login(staff_leader)
    url = reverse("admin:housing_office_user_change", args=[boss.pk])
    client.post(url, _user_data(boss, first_name="Endret"))
    password_url = reverse("admin:auth_user_password_change", args=[boss.pk])
    response = client.post(password_url, {"password1": "ny-passord-987", "password2": "ny-passord-987"})
    assert response.status_code in (403, 404, 302)
    boss.refresh_from_db()
    assert boss.is_superuser
    assert boss.first_name != "Endret"
    assert boss.check_password("x-passord-123")
