"""The decision pages: drafting and deciding through the browser under the
two-person rule, complaints through to the appeal body, the leader's
settings, scoping, and a constant number of queries on the worklist."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from decisions import kinds, services
from decisions.models import Complaint, Decision, DecisionKindSetting, DecisionStatus

from . import factories

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def household(municipality):
    return factories.household_with_members(municipality, reference="H-1")


DRAFT = {
    "kind": kinds.HOUSING_HELP,
    "outcome": "refused",
    "legal_basis": "Boligsosial lov § 6",
    "facts": "Husstanden har bolig.",
    "considerations": "Ikke behov for bistand.",
}


def decided(household, drafter, decider, when=None):
    decision = services.draft_decision(household=household, drafted_by=drafter, **DRAFT)
    return services.decide(decision, decided_by=decider, when=when or D(2026, 3, 2))


def test_draft_and_decide_in_the_browser(client, household, caseworker_user, municipality):
    client.force_login(caseworker_user)
    url = reverse("decisions:draft-create", args=[household.pk])
    assert client.get(url).status_code == 200
    # A refusal without grounds is refused, in Norwegian, and nothing is saved.
    response = client.post(url, {**DRAFT, "considerations": ""})
    assert response.status_code == 400
    assert "må begrunnes" in response.content.decode()
    assert not Decision.objects.exists()

    response = client.post(url, DRAFT)
    decision = Decision.objects.get()
    assert response["Location"] == reverse("decisions:decision-detail", args=[decision.pk])
    page = client.get(response["Location"]).content.decode()
    # The drafter sees why they may not decide, and no button.
    assert "to-personsregelen" in page
    assert reverse("decisions:decision-decide", args=[decision.pk]) not in page
    client.post(reverse("decisions:decision-decide", args=[decision.pk]))
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.DRAFT

    other = factories.caseworker(municipality, username="per")
    client.force_login(other)
    page = client.get(reverse("decisions:decision-detail", args=[decision.pk])).content.decode()
    assert reverse("decisions:decision-decide", args=[decision.pk]) in page
    client.post(reverse("decisions:decision-decide", args=[decision.pk]))
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.DECIDED and decision.decided_by == other
    assert decision.letter is not None
    household_page = client.get(reverse("tenants:household-detail", args=[household.pk])).content.decode()
    assert reverse("decisions:decision-detail", args=[decision.pk]) in household_page


def test_a_complaint_through_to_the_appeal_body(client, household, caseworker_user, municipality):
    other = factories.caseworker(municipality, username="per")
    decision = decided(household, caseworker_user, other)
    client.force_login(caseworker_user)
    url = reverse("decisions:complaint-create", args=[decision.pk])
    # Late without a reason: refused with § 31.
    response = client.post(url, {"received_on": "2026-04-15", "late_reason": ""})
    assert response.status_code == 400 and "§ 31" in response.content.decode()
    assert not Complaint.objects.exists()
    response = client.post(url, {"received_on": "2026-03-20"})
    complaint = Complaint.objects.get()
    assert complaint.in_time
    assert response["Location"] == reverse("decisions:complaint-detail", args=[complaint.pk])

    response = client.post(reverse("decisions:complaint-review", args=[complaint.pk]), {"result": "upheld"})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.forwarded_to_appeal_body_on is not None
    assert complaint.forwarding_letter is not None

    response = client.post(
        reverse("decisions:complaint-appeal-outcome", args=[complaint.pk]),
        {"outcome": "upheld", "decided_on": datetime.date.today().isoformat()},
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.final_outcome == "upheld"
    # Closed: gone from the worklist.
    assert (
        complaint.decision.household.reference
        not in client.get(reverse("decisions:complaint-list")).content.decode()
    )


def test_a_changed_decision_in_the_browser_waits_for_a_second_person(
    client, household, caseworker_user, municipality
):
    other = factories.caseworker(municipality, username="per")
    decision = decided(household, caseworker_user, other)
    complaint = services.register_complaint(
        decision, received_on=D(2026, 3, 20), registered_by=caseworker_user
    )
    client.force_login(caseworker_user)
    response = client.post(
        reverse("decisions:complaint-review", args=[complaint.pk]),
        {"result": "changed", "new_outcome": "granted"},
    )
    complaint.refresh_from_db()
    new = complaint.new_decision
    assert response["Location"] == reverse("decisions:decision-detail", args=[new.pk])
    assert new.is_draft and new.replaces == decision
    client.force_login(other)
    client.post(reverse("decisions:decision-decide", args=[new.pk]))
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.SUPERSEDED


def test_the_leader_keeps_the_settings_and_a_caseworker_may_not(
    client, municipality, caseworker_user, leader_user
):
    url = reverse("decisions:kind-settings")
    client.force_login(caseworker_user)
    assert client.get(url).status_code == 403
    client.force_login(leader_user)
    page = client.get(url).content.decode()
    assert "Statsforvalteren" in page
    prefix = kinds.HOUSING_HELP
    response = client.post(
        url, {"kind": prefix, f"{prefix}-appeal_body": "", f"{prefix}-two_person_rule": "on"}
    )
    assert response.status_code == 400
    assert not DecisionKindSetting.objects.exists()
    response = client.post(
        url, {"kind": prefix, f"{prefix}-appeal_body": "Statsforvalteren i Vestfold og Telemark"}
    )
    assert response.status_code == 302
    setting = DecisionKindSetting.objects.get()
    assert setting.appeal_body == "Statsforvalteren i Vestfold og Telemark"
    assert setting.two_person_rule is False


def test_another_municipality_gets_404(client, household, caseworker_user, municipality, other_caseworker):
    decision = decided(household, caseworker_user, factories.caseworker(municipality, username="per"))
    complaint = services.register_complaint(
        decision, received_on=D(2026, 3, 20), registered_by=caseworker_user
    )
    client.force_login(other_caseworker)
    for url in (
        reverse("decisions:decision-detail", args=[decision.pk]),
        reverse("decisions:household-decisions", args=[household.pk]),
        reverse("decisions:draft-create", args=[household.pk]),
        reverse("decisions:complaint-create", args=[decision.pk]),
        reverse("decisions:complaint-detail", args=[complaint.pk]),
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        reverse("decisions:decision-decide", args=[decision.pk]),
        reverse("decisions:complaint-review", args=[complaint.pk]),
        reverse("decisions:complaint-appeal-outcome", args=[complaint.pk]),
    ):
        assert client.post(url, {"result": "upheld"}).status_code == 404, url
    listing = client.get(reverse("decisions:complaint-list")).content.decode()
    assert "H-1" not in listing
    assert "H-1" not in client.get(reverse("decisions:decision-list")).content.decode()


def _complaints(municipality, n):
    drafter = factories.caseworker(municipality)
    decider = factories.caseworker(municipality)
    for i in range(n):
        household = factories.household_with_members(municipality, reference=f"K-{i}")
        decision = decided(household, drafter, decider)
        complaint = services.register_complaint(decision, received_on=D(2026, 3, 20), registered_by=drafter)
        if i % 2:
            services.review_complaint(complaint, upheld=True, reviewed_by=decider, when=D(2026, 3, 25))


@pytest.mark.parametrize("size", [2, 12])
def test_the_complaints_worklist_runs_a_constant_number_of_queries(
    client, municipality, caseworker_user, size, django_assert_max_num_queries
):
    _complaints(municipality, size)
    client.force_login(caseworker_user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("decisions:complaint-list"))
    assert response.status_code == 200
    assert response.content.decode().count("K-") == size


@pytest.mark.parametrize("size", [2, 12])
def test_the_decision_list_runs_a_constant_number_of_queries(
    client, municipality, caseworker_user, size, django_assert_max_num_queries
):
    _complaints(municipality, size)
    client.force_login(caseworker_user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("decisions:decision-list"))
    assert response.status_code == 200
    assert response.content.decode().count("K-") == size


def _token(response) -> str:
    token = response.context["form"]["token"].value()
    assert f'name="token" value="{token}"' in response.content.decode()
    return str(token)


def test_a_double_submit_makes_one_draft_and_one_complaint(client, household, caseworker_user, municipality):
    client.force_login(caseworker_user)
    url = reverse("decisions:draft-create", args=[household.pk])
    data = {**DRAFT, "token": _token(client.get(url))}
    first, second = client.post(url, data), client.post(url, data)
    assert first["Location"] == second["Location"]
    assert Decision.objects.count() == 1

    decision = services.decide(Decision.objects.get(), decided_by=factories.caseworker(municipality))
    url = reverse("decisions:complaint-create", args=[decision.pk])
    data = {"received_on": datetime.date.today().isoformat(), "token": _token(client.get(url))}
    first, second = client.post(url, data), client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Complaint.objects.count() == 1
