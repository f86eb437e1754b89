"""Follow-up: plans, contacts, agreed actions, the worklist, the check-ins
after a purchase, and the figures (persons assisted, check-ins) against
hand counts."""

from __future__ import annotations

import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from decisions import services as decision_services
from followup import services
from followup.figures import followup_figures, persons_assisted
from followup.models import AgreedAction, FollowUpContact, FollowUpPlan, FollowUpSetting, PostMoveCheckIn
from followup.worklist import actions_due, check_ins_due, quiet_plans
from housing_office.errors import DomainError
from reports.throughput import throughput_figures

from . import factories

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
TODAY = datetime.date(2026, 6, 15)


def make_plan(household, adviser, start=datetime.date(2026, 1, 10), end=None, **kwargs) -> FollowUpPlan:
    kwargs.setdefault("goals", "Eie egen bolig innen to år.")
    return services.create_plan(household, adviser=adviser, start_date=start, end_date=end, **kwargs)


def bought(household, end: datetime.date):
    dwelling = factories.DwellingFactory(municipality=household.municipality)
    return factories.tenancy_of(household, dwelling, end - 2000 * DAY, end, "bought_own_home")


def housing_help(household, outcome: str, decided_at: datetime.datetime, *, decide: bool = True):
    m = household.municipality
    drafter, decider = factories.caseworker(m), factories.caseworker(m)
    grounds = {"legal_basis": "§ 6", "facts": "Fakta.", "considerations": "Hensyn."}
    decision = decision_services.draft_decision(
        household=household, kind="housing_help", outcome=outcome, drafted_by=drafter, **grounds
    )
    if decide:
        decision_services.decide(decision, decided_by=decider, when=decided_at.date())
        # The decision's moment, to the minute, for the year-boundary tests.
        type(decision).all_objects.filter(pk=decision.pk).update(decided_at=decided_at)
    return decision


def local(y, m, d, hh=12, mm=0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(y, m, d, hh, mm))


# -- plans, contacts, actions ---------------------------------------------------


def test_a_household_has_at_most_one_open_plan(municipality, caseworker_user):
    household = factories.household_with_members(municipality)
    make_plan(household, caseworker_user)
    with pytest.raises(DomainError, match="allerede en åpen"):
        make_plan(household, caseworker_user)
    # An ended plan beside the open one is fine.
    make_plan(household, caseworker_user, start=datetime.date(2024, 1, 1), end=datetime.date(2024, 12, 31))
    assert FollowUpPlan.objects.count() == 2


def test_the_adviser_is_staff_of_the_same_office(municipality, other_caseworker):
    household = factories.household_with_members(municipality)
    with pytest.raises(DomainError) as caught:
        make_plan(household, other_caseworker)
    assert caught.value.field == "adviser"
    assert not FollowUpPlan.objects.exists()


def test_a_plan_cannot_end_before_it_starts_nor_before_its_last_contact(municipality, caseworker_user):
    household = factories.household_with_members(municipality)
    with pytest.raises(DomainError, match="slutte før den starter"):
        make_plan(household, caseworker_user, end=datetime.date(2026, 1, 1))
    plan = make_plan(household, caseworker_user)
    services.add_contact(
        plan, date=datetime.date(2026, 3, 1), kind="phone", outcome="Ringte.", by=caseworker_user, today=TODAY
    )
    data = {key: getattr(plan, key) for key in services.PLAN_FIELDS}
    with pytest.raises(DomainError, match="siste registrerte kontakten"):
        services.update_plan(plan, **{**data, "end_date": datetime.date(2026, 2, 1)})
    services.update_plan(plan, **{**data, "end_date": datetime.date(2026, 3, 1)})
    assert FollowUpPlan.objects.get().end_date == datetime.date(2026, 3, 1)


def test_contact_rules(municipality, caseworker_user):
    plan = make_plan(factories.household_with_members(municipality), caseworker_user)
    add = {"kind": "home_visit", "outcome": "Besøk hjemme.", "by": caseworker_user, "today": TODAY}
    with pytest.raises(DomainError, match="fram i tid"):
        services.add_contact(plan, date=TODAY + DAY, **add)
    with pytest.raises(DomainError, match="før planen startet"):
        services.add_contact(plan, date=datetime.date(2026, 1, 9), **add)
    with pytest.raises(DomainError, match="Skriv hva"):
        services.add_contact(plan, date=TODAY, **{**add, "outcome": "  "})
    services.add_contact(plan, date=TODAY, **add)
    assert FollowUpContact.objects.get().by == caseworker_user


def test_a_resent_contact_form_makes_one_row(municipality, caseworker_user):
    import uuid

    plan = make_plan(factories.household_with_members(municipality), caseworker_user)
    token = uuid.uuid4()
    for _ in range(2):
        services.add_contact(
            plan, date=TODAY, kind="phone", outcome="Ringte.", by=caseworker_user, today=TODAY, token=token
        )
    assert FollowUpContact.objects.count() == 1


def test_action_rules_and_done(municipality, caseworker_user):
    plan = make_plan(factories.household_with_members(municipality), caseworker_user)
    with pytest.raises(DomainError, match="før planen startet"):
        services.add_action(
            plan, description="Søke NAV", responsible="household", due_on=datetime.date(2025, 1, 1)
        )
    with pytest.raises(DomainError, match="ansvarlig"):
        services.add_action(plan, description="Søke NAV", responsible="mayor", due_on=TODAY)
    action = services.add_action(plan, description="Søke NAV", responsible="nav", due_on=TODAY)
    with pytest.raises(DomainError, match="fram i tid"):
        services.mark_action_done(action, done_on=TODAY + DAY, today=TODAY)
    services.mark_action_done(action, done_on=TODAY, today=TODAY)
    # Marking it again keeps the first date.
    assert services.mark_action_done(action, done_on=TODAY - DAY, today=TODAY).done_on == TODAY


def test_no_new_action_on_an_ended_plan(municipality, caseworker_user):
    plan = make_plan(
        factories.household_with_members(municipality), caseworker_user, end=datetime.date(2026, 2, 1)
    )
    with pytest.raises(DomainError, match="avsluttet"):
        services.add_action(plan, description="Noe", responsible="adviser", due_on=TODAY)


# -- the worklist ---------------------------------------------------------------------


def test_actions_due_and_overdue_of_open_plans(municipality, caseworker_user):
    plan = make_plan(factories.household_with_members(municipality), caseworker_user)
    overdue = services.add_action(plan, description="Forfalt", responsible="household", due_on=TODAY - DAY)
    soon = services.add_action(plan, description="Snart", responsible="bank", due_on=TODAY + 7 * DAY)
    services.add_action(plan, description="Senere", responsible="bank", due_on=TODAY + 8 * DAY)
    done = services.add_action(plan, description="Gjort", responsible="adviser", due_on=TODAY - DAY)
    services.mark_action_done(done, done_on=TODAY, today=TODAY)
    assert list(actions_due(TODAY)) == [overdue, soon]
    other = factories.caseworker(municipality)
    assert list(actions_due(TODAY, adviser=other)) == []


def test_households_without_contact_for_the_leaders_number_of_days(municipality, caseworker_user):
    start = TODAY - 200 * DAY
    quiet = make_plan(factories.household_with_members(municipality), caseworker_user, start=start)
    services.add_contact(
        quiet, date=TODAY - 61 * DAY, kind="phone", outcome="x", by=caseworker_user, today=TODAY
    )
    recent = make_plan(factories.household_with_members(municipality), caseworker_user, start=start)
    services.add_contact(
        recent, date=TODAY - 60 * DAY, kind="phone", outcome="x", by=caseworker_user, today=TODAY
    )
    never = make_plan(factories.household_with_members(municipality), caseworker_user, start=TODAY - 61 * DAY)
    new = make_plan(factories.household_with_members(municipality), caseworker_user, start=TODAY - 10 * DAY)
    make_plan(
        factories.household_with_members(municipality), caseworker_user, start=start, end=TODAY - 100 * DAY
    )
    days = services.no_contact_days(municipality.pk)
    assert days == 60
    assert list(quiet_plans(TODAY, days)) == [quiet, never]
    FollowUpSetting.objects.create(municipality=municipality, no_contact_days=9)
    assert set(quiet_plans(TODAY, services.no_contact_days(municipality.pk))) == {quiet, recent, never, new}


def test_check_ins_due_after_one_and_three_years(municipality, caseworker_user):
    def household_bought(end):
        return bought(factories.household_with_members(municipality), end)

    one_due = household_bought(datetime.date(2025, 6, 15))  # one year ago today
    household_bought(datetime.date(2025, 6, 16))  # not yet
    one_missed = household_bought(datetime.date(2024, 6, 15))  # a year past due: missed
    three_due = household_bought(datetime.date(2023, 6, 1))
    dwelling = factories.DwellingFactory(municipality=municipality)
    factories.tenancy_of(
        factories.household_with_members(municipality),
        dwelling,
        datetime.date(2020, 1, 1),
        datetime.date(2025, 1, 1),
        "private_rental",
    )
    due = [(c.tenancy, c.years_after) for c in check_ins_due(TODAY)]
    assert due == [(three_due, 3), (one_due, 1)]
    assert (one_missed, 1) not in due
    services.record_check_in(
        one_due,
        years_after=1,
        done_on=TODAY,
        still_owner="yes",
        behind_on_loan="no",
        needs_help="no",
        note="",
        by=caseworker_user,
        today=TODAY,
    )
    assert [(c.tenancy, c.years_after) for c in check_ins_due(TODAY)] == [(three_due, 3)]


def test_check_in_rules(municipality, caseworker_user):
    tenancy = bought(factories.household_with_members(municipality), datetime.date(2025, 6, 15))
    answers = {
        "still_owner": "yes",
        "behind_on_loan": "no",
        "needs_help": "unknown",
        "note": "",
        "by": caseworker_user,
    }
    with pytest.raises(DomainError, match="ikke aktuell før 15.06.2026"):
        services.record_check_in(tenancy, years_after=1, done_on=TODAY - DAY, today=TODAY, **answers)
    with pytest.raises(DomainError, match="ikke aktuell før"):
        services.record_check_in(tenancy, years_after=3, done_on=TODAY, today=TODAY, **answers)
    services.record_check_in(tenancy, years_after=1, done_on=TODAY, today=TODAY, **answers)
    with pytest.raises(DomainError, match="allerede registrert"):
        services.record_check_in(tenancy, years_after=1, done_on=TODAY, today=TODAY, **answers)
    rental = factories.tenancy_of(
        factories.household_with_members(municipality),
        factories.DwellingFactory(municipality=municipality),
        datetime.date(2020, 1, 1),
        datetime.date(2025, 1, 1),
        "private_rental",
    )
    with pytest.raises(DomainError, match="kjøpte egen bolig"):
        services.record_check_in(rental, years_after=1, done_on=TODAY, today=TODAY, **answers)
    assert PostMoveCheckIn.objects.count() == 1


# -- figures against hand counts -----------------------------------------------------------


def test_persons_assisted_by_hand_count_with_year_boundaries(municipality, caseworker_user):
    m = municipality
    # 2 adults + 1 child: a plan running across New Year 2025/2026 counts in both years.
    across = factories.household_with_members(m, adults=2, children=1)
    make_plan(across, caseworker_user, start=datetime.date(2025, 12, 1), end=datetime.date(2026, 1, 1))
    # 1 adult: a plan that ended on 31.12.2025 is not 2026's.
    ended = factories.household_with_members(m)
    make_plan(ended, caseworker_user, start=datetime.date(2025, 3, 1), end=datetime.date(2025, 12, 31))
    # 1 adult + 2 children: an open plan started on 1.1.2026.
    new_year = factories.household_with_members(m, children=2)
    make_plan(new_year, caseworker_user, start=datetime.date(2026, 1, 1))
    # 2 adults: § 6 help granted at 23:30 on 31.12.2025 (local time) counts in 2025.
    late = factories.household_with_members(m, adults=2)
    housing_help(late, "granted", local(2025, 12, 31, 23, 30))
    # 1 adult + 1 child: partly granted in 2026 and a plan in 2026 — counted once.
    both = factories.household_with_members(m, children=1)
    housing_help(both, "partly_granted", local(2026, 2, 1))
    make_plan(both, caseworker_user, start=datetime.date(2026, 2, 1))
    # Not assisted: a refusal, a draft, and another municipality's plan.
    housing_help(factories.household_with_members(m), "refused", local(2026, 3, 1))
    housing_help(factories.household_with_members(m), "granted", local(2026, 3, 1), decide=False)
    elsewhere = factories.household_with_members(factories.MunicipalityFactory(number="1508"))
    make_plan(elsewhere, factories.caseworker(elsewhere.municipality), start=datetime.date(2026, 1, 1))

    assert persons_assisted(m.pk, 2025) == {"persons_assisted": 3 + 1 + 2, "children_assisted": 1}
    assert persons_assisted(m.pk, 2026) == {"persons_assisted": 3 + 3 + 2, "children_assisted": 1 + 2 + 1}
    assert persons_assisted(m.pk, 2024) == {"persons_assisted": 0, "children_assisted": 0}
    # Part of a year: 1 January only.
    assert persons_assisted(m.pk, 2026, through=(1, 1))["persons_assisted"] == 3 + 3
    assert throughput_figures(m, 2026)["persons_assisted"] == 8


def test_check_in_figures_by_hand_count(municipality, caseworker_user):
    m = municipality
    answers = [("yes", "no", "no"), ("yes", "yes", "no"), ("no", "unknown", "yes")]
    for index, (owner, behind, help_) in enumerate(answers):
        tenancy = bought(factories.household_with_members(m), datetime.date(2024, 12, 31 - index))
        services.record_check_in(
            tenancy,
            years_after=1,
            done_on=datetime.date(2026, 1, 1) if index < 2 else datetime.date(2025, 12, 31),
            still_owner=owner,
            behind_on_loan=behind,
            needs_help=help_,
            note="",
            by=caseworker_user,
            today=TODAY,
        )
    figures = followup_figures(m.pk, 2026)
    assert figures["check_ins_done"] == 2
    assert figures["check_ins_still_owners"] == 2
    assert figures["check_ins_behind_on_loan"] == 1
    assert figures["check_ins_needing_help"] == 0
    last_year = followup_figures(m.pk, 2025)
    assert (
        last_year["check_ins_done"],
        last_year["check_ins_still_owners"],
        last_year["check_ins_needing_help"],
    ) == (
        1,
        0,
        1,
    )


def test_throughput_report_json_has_persons_assisted(municipality, caseworker_user):
    household = factories.household_with_members(municipality, adults=2, children=2)
    make_plan(household, caseworker_user, start=datetime.date(2025, 5, 1))
    out = StringIO()
    call_command("throughput_report", municipality="3807", year=2025, stdout=out)
    assert json.loads(out.getvalue())["persons_assisted"] == 4


# -- pages ---------------------------------------------------------------------------------


@pytest.fixture
def household(municipality):
    return factories.household_with_members(municipality, reference="H-7", children=1)


def test_caseworker_keeps_a_plan_from_the_household_page(caseworker_client, caseworker_user, household):
    page = caseworker_client.get(reverse("tenants:household-detail", args=[household.pk]))
    create_url = reverse("followup:plan-create", args=[household.pk])
    assert create_url in page.content.decode()
    response = caseworker_client.post(
        create_url,
        {
            "goals": "Kjøpe bolig",
            "adviser": caseworker_user.pk,
            "start_date": "2026-01-05",
            "nav_contact_name": "Nina NAV",
            "nav_contact_organisation": "NAV Skien",
            "nav_contact_phone": "55 55 33 33",
            "bank_contact_name": "Bjørn",
            "bank_contact_organisation": "Sparebanken",
            "bank_contact_email": "b@bank.no",
        },
    )
    plan = FollowUpPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "followup:plan-detail", args=[plan.pk]
    )
    assert plan.nav_contact_organisation == "NAV Skien" and plan.bank_contact_email == "b@bank.no"
    today = timezone.localdate()
    caseworker_client.post(
        reverse("followup:contact-add", args=[plan.pk]),
        {"date": today.isoformat(), "kind": "home_visit", "outcome": "Gikk gjennom budsjettet."},
    )
    caseworker_client.post(
        reverse("followup:action-add", args=[plan.pk]),
        {"description": "Be banken om møte", "responsible": "household", "due_on": today.isoformat()},
    )
    action = AgreedAction.objects.get()
    caseworker_client.post(reverse("followup:action-done", args=[action.pk]), {"done_on": today.isoformat()})
    action.refresh_from_db()
    assert action.done_on == today
    detail = caseworker_client.get(reverse("followup:plan-detail", args=[plan.pk])).content.decode()
    assert "Gikk gjennom budsjettet." in detail and "Nina NAV" in detail
    household_page = caseworker_client.get(
        reverse("tenants:household-detail", args=[household.pk])
    ).content.decode()
    assert reverse("followup:plan-detail", args=[plan.pk]) in household_page
    # One open plan at a time: no link to make another until this one ends.
    assert create_url not in household_page
    edit = caseworker_client.post(
        reverse("followup:plan-edit", args=[plan.pk]),
        {
            "goals": "Kjøpe bolig",
            "adviser": caseworker_user.pk,
            "start_date": "2026-01-05",
            "end_date": today.isoformat(),
        },
    )
    assert edit.status_code == 302
    plan.refresh_from_db()
    assert plan.end_date == today and plan.nav_contact_name == ""
    household_page = caseworker_client.get(
        reverse("tenants:household-detail", args=[household.pk])
    ).content.decode()
    assert create_url in household_page


def test_a_bad_contact_shows_a_norwegian_message_and_writes_nothing(
    caseworker_client, caseworker_user, household
):
    plan = make_plan(household, caseworker_user, start=timezone.localdate())
    tomorrow = timezone.localdate() + DAY
    response = caseworker_client.post(
        reverse("followup:contact-add", args=[plan.pk]),
        {"date": tomorrow.isoformat(), "kind": "phone", "outcome": "x"},
    )
    assert response.status_code == 400
    assert "fram i tid" in response.content.decode()
    assert not FollowUpContact.objects.exists()


def test_another_municipalitys_plan_is_404(client, caseworker_user, household, other_caseworker):
    plan = make_plan(household, caseworker_user)
    action = services.add_action(plan, description="x", responsible="nav", due_on=TODAY)
    tenancy = bought(household, datetime.date(2025, 1, 1))
    client.force_login(other_caseworker)
    for url in (
        reverse("followup:plan-detail", args=[plan.pk]),
        reverse("followup:plan-edit", args=[plan.pk]),
        reverse("followup:plan-create", args=[household.pk]),
        reverse("followup:check-in", args=[tenancy.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(reverse("followup:action-done", args=[action.pk]), {"done_on": "2026-01-01"}).status_code
        == 404
    )
    assert client.post(reverse("followup:contact-add", args=[plan.pk]), {}).status_code == 404
    assert "H-7" not in client.get(reverse("followup:worklist")).content.decode()


def test_only_the_leader_keeps_the_setting(client, caseworker_user, leader_user, municipality):
    url = reverse("followup:settings")
    client.force_login(caseworker_user)
    assert client.get(url).status_code == 403
    client.force_login(leader_user)
    leader_client = client
    assert leader_client.post(url, {"no_contact_days": "30"}).status_code == 302
    assert services.no_contact_days(municipality.pk) == 30
    response = leader_client.post(url, {"no_contact_days": "0"})
    assert response.status_code == 200 and services.no_contact_days(municipality.pk) == 30


def test_a_user_without_the_role_gets_403(client, municipality):
    client.force_login(factories.UserFactory(municipality=municipality))
    assert client.get(reverse("followup:worklist")).status_code == 403


def test_check_in_page_records_a_one_year_check_in(caseworker_client, household):
    end = timezone.localdate() - 400 * DAY
    tenancy = bought(household, end)
    url = reverse("followup:check-in", args=[tenancy.pk])
    assert caseworker_client.get(url + "?ar=1").status_code == 200
    response = caseworker_client.post(
        url,
        {
            "years_after": "1",
            "done_on": timezone.localdate().isoformat(),
            "still_owner": "yes",
            "behind_on_loan": "no",
            "needs_help": "no",
            "note": "Trives.",
        },
    )
    assert response.status_code == 302
    assert PostMoveCheckIn.objects.get().note == "Trives."


def test_worklist_query_count_does_not_grow(
    caseworker_client, municipality, caseworker_user, django_assert_max_num_queries
):
    url = reverse("followup:worklist")

    def grow(n):
        for _ in range(n):
            household = factories.household_with_members(municipality)
            plan = make_plan(household, caseworker_user, start=TODAY - 400 * DAY)
            services.add_action(plan, description="x", responsible="household", due_on=TODAY - 300 * DAY)
            bought(factories.household_with_members(municipality), timezone.localdate() - 370 * DAY)

    grow(1)
    with CaptureQueriesContext(connection) as small:
        page = caseworker_client.get(url)
    assert page.status_code == 200
    grow(6)
    # Sessions and permissions, the menu, the setting, three lists and a count.
    assert len(small) <= 16
    with django_assert_max_num_queries(len(small)):
        page = caseworker_client.get(url)
    body = page.content.decode()
    assert body.count("/oppfolging/etter-kjop/") == 7
    assert body.count("/oppfolging/plan/") >= 14


def test_every_follow_up_row_is_in_the_households_audit_trail(municipality, caseworker_user):
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from housing_office.audit import AUDITED

    household = factories.household_with_members(municipality)
    plan = make_plan(household, caseworker_user)
    contact = services.add_contact(
        plan, date=TODAY, kind="phone", outcome="Ringte.", by=caseworker_user, today=TODAY
    )
    action = services.add_action(plan, description="Søke", responsible="nav", due_on=TODAY)
    tenancy = bought(household, datetime.date(2025, 1, 1))
    check_in = services.record_check_in(
        tenancy,
        years_after=1,
        done_on=TODAY,
        still_owner="yes",
        behind_on_loan="no",
        needs_help="no",
        note="",
        by=caseworker_user,
        today=TODAY,
    )
    for obj in (plan, contact, action, check_in):
        assert obj._meta.label_lower in AUDITED
        [entry] = LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), object_pk=str(obj.pk)
        )
        assert entry.additional_data["household_id"] == household.pk


def test_dashboard_and_yearly_report_show_the_follow_up_figures(leader_client, municipality, caseworker_user):
    from reports.yearly_report import report_context

    year = timezone.localdate().year
    household = factories.household_with_members(municipality, adults=2, children=1)
    # 1 January: never after today, whatever today is.
    make_plan(household, caseworker_user, start=datetime.date(year, 1, 1))
    tenancy = bought(factories.household_with_members(municipality), datetime.date(year - 1, 1, 1))
    services.record_check_in(
        tenancy,
        years_after=1,
        done_on=datetime.date(year, 1, 1),
        still_owner="yes",
        behind_on_loan="no",
        needs_help="no",
        note="",
        by=caseworker_user,
        today=timezone.localdate(),
    )
    page = leader_client.get(reverse("reports:dashboard")).content.decode()
    assert 'data-figure="persons_assisted">3<' in page
    assert 'data-figure="check_ins_still_owners">1<' in page
    rows = {row["key"]: row["values"] for row in report_context(municipality, year)["followup"]}
    assert rows["persons_assisted"][-2:] == [0, 3]
    assert rows["check_ins_done"][-1] == 1
