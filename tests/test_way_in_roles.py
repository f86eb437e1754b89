"""Roles and the admin for the way in: caseworkers work applications, offers,
decisions and complaints; leaders keep the criteria, the document checklist
and the settings per decision kind; a user without a role is refused; the
admin shows a staff leader only their own municipality's rows."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from applications.models import AllocationCriterion, Offer
from decisions.models import DecisionKindSetting
from housing_office.roles import CASEWORKER, LEADER, role_permissions

from . import factories
from .factories import housing_application

pytestmark = pytest.mark.django_db
D = datetime.date


def test_caseworkers_work_cases_and_leaders_keep_the_lists():
    roles = role_permissions()
    for role in (CASEWORKER, LEADER):
        for codename in (
            "view_application",
            "add_application",
            "change_application",
            "add_offer",
            "change_offer",
        ):
            assert ("applications", codename) in roles[role]
        assert ("applications", "view_allocationcriterion") in roles[role]
        assert ("decisions", "change_complaint") in roles[role]
        # The case's record and the yearly figures: nobody deletes them.
        assert not any(
            app in ("applications", "decisions") and c.startswith("delete_") for app, c in roles[role]
        )
    for codename in ("change_allocationcriterion", "add_documentrequirement", "change_decisionkindsetting"):
        app = "decisions" if "decision" in codename else "applications"
        assert (app, codename) in roles[LEADER]
        assert (app, codename) not in roles[CASEWORKER]


def test_a_user_without_a_role_is_refused_every_page(client, municipality):
    household = factories.HouseholdFactory(municipality=municipality)
    application = housing_application(household, D(2025, 1, 1), decided=D(2025, 1, 20), outcome="granted")
    dwelling = factories.DwellingFactory(municipality=municipality)
    offer = Offer.objects.create(
        municipality=municipality,
        application=application,
        dwelling=dwelling,
        offered_on=D(2025, 2, 1),
        answer_deadline=D(2025, 2, 15),
    )
    client.force_login(factories.UserFactory(municipality=municipality))  # no role
    pages = [
        reverse("applications:list"),
        reverse("applications:create"),
        reverse("applications:waiting-list"),
        reverse("applications:detail", args=[application.pk]),
        reverse("applications:edit", args=[application.pk]),
        reverse("applications:dwelling-fit", args=[dwelling.pk]),
        reverse("applications:offer-answer", args=[offer.pk]),
        reverse("decisions:decision-list"),
        reverse("decisions:complaint-list"),
        reverse("decisions:household-decisions", args=[household.pk]),
    ]
    for url in pages:
        assert client.get(url).status_code == 403, url
    for name in ("withdraw", "make-offer", "draft-decision", "decide", "quick-provisional-reply"):
        url = reverse(f"applications:{name}", args=[application.pk])
        assert client.post(url, {}).status_code == 403, url
    assert (
        client.post(reverse("applications:offer-answer", args=[offer.pk]), {"answer": "expire"}).status_code
        == 403
    )
    assert Offer.objects.get().answer == ""


@pytest.fixture
def staff_leader(municipality):
    return factories.leader(municipality, is_staff=True)


def test_the_admin_keeps_criteria_per_municipality(client, municipality, other_municipality, staff_leader):
    AllocationCriterion.all_objects.create(municipality=other_municipality, name="Deres kriterium")
    client.force_login(staff_leader)
    add = reverse("admin:applications_allocationcriterion_add")
    response = client.post(add, {"name": "Bostedsløs", "description": "", "priority": "1", "active": "on"})
    assert response.status_code == 302, response.text[:2000]
    assert AllocationCriterion.all_objects.get(name="Bostedsløs").municipality == municipality
    # The same name again (any case) is a message on the form, not a database error.
    response = client.post(add, {"name": "bostedsløs", "description": "", "priority": "2"})
    assert response.status_code == 200
    assert "Det finnes allerede et kriterium med dette navnet." in response.text
    # The other municipality's criterion is neither listed nor reachable.
    page = client.get(reverse("admin:applications_allocationcriterion_changelist")).text
    assert "Bostedsløs" in page and "Deres kriterium" not in page
    theirs = AllocationCriterion.all_objects.get(name="Deres kriterium")
    response = client.get(reverse("admin:applications_allocationcriterion_change", args=[theirs.pk]))
    assert response.status_code in (302, 404)


def test_the_admin_only_shows_applications_decisions_and_offers(
    client, municipality, other_municipality, staff_leader
):
    ours = housing_application(
        factories.HouseholdFactory(municipality=municipality), D(2025, 1, 1), reference="S-VÅR"
    )
    housing_application(
        factories.HouseholdFactory(municipality=other_municipality), D(2025, 1, 1), reference="S-DERES"
    )
    client.force_login(staff_leader)
    page = client.get(reverse("admin:applications_application_changelist")).text
    assert "S-VÅR" in page and "S-DERES" not in page
    assert client.get(reverse("admin:applications_application_add")).status_code == 403
    change = reverse("admin:applications_application_change", args=[ours.pk])
    assert client.post(change, {"reference": "S-ENDRET"}).status_code == 403
    for model in ("applications_offer", "decisions_decision", "decisions_complaint"):
        assert client.get(reverse(f"admin:{model}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:{model}_add")).status_code == 403


def test_the_admin_takes_one_setting_per_registered_kind(
    client, municipality, other_municipality, staff_leader
):
    DecisionKindSetting.all_objects.create(
        municipality=other_municipality, kind="allocation", appeal_body="Deres"
    )
    client.force_login(staff_leader)
    add = reverse("admin:decisions_decisionkindsetting_add")
    response = client.post(add, {"kind": "allocation", "appeal_body": "Klagenemnda", "two_person_rule": "on"})
    assert response.status_code == 302, response.text[:2000]
    assert DecisionKindSetting.all_objects.get(municipality=municipality).appeal_body == "Klagenemnda"
    response = client.post(add, {"kind": "allocation", "appeal_body": "Igjen"})
    assert response.status_code == 200 and "errorlist" in response.text
    response = client.post(add, {"kind": "no_such_kind", "appeal_body": "X"})
    assert response.status_code == 200 and "errorlist" in response.text
    assert DecisionKindSetting.all_objects.filter(municipality=municipality).count() == 1
