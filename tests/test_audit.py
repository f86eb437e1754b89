"""The audit trail: every create, change and delete of the office's records
is logged with who, when and what; the log is append-only; the leader sees
a household's trail and exports its access log (innsynslogg)."""

from __future__ import annotations

import csv
import io

import pytest
from auditlog.models import LogEntry
from django.contrib.admin.sites import site as admin_site
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from housing_office.audit import AUDITED, AppendOnlyError, log_bulk_created
from housing_office.models import PersonalDataAccess
from housing_office.national_id import mask
from tenants.audit_trail import describe_entries, household_log_entries
from tenants.models import Household, OutreachMeeting, PathwayStage, Person, PersonRole
from tenants.services import change_stage

from . import factories
from .test_households import _form_data, valid_national_id

pytestmark = pytest.mark.django_db


def entries_for(obj) -> list[LogEntry]:
    return list(LogEntry.objects.get_for_object(obj).order_by("pk"))


# What is recorded -------------------------------------------------------------


def test_creating_a_household_through_the_form_is_logged_with_who_and_what(
    caseworker_client, caseworker_user, municipality
):
    number = valid_national_id()
    response = caseworker_client.post(
        reverse("tenants:household-create"),
        _form_data(main_national_id=number, caseworker=str(caseworker_user.pk)),
        REMOTE_ADDR="10.20.30.40",
    )
    assert response.status_code == 302
    household = Household.objects.get(reference="H-NY-1")
    [created] = entries_for(household)
    assert created.action == LogEntry.Action.CREATE
    assert created.actor == caseworker_user
    assert created.remote_addr == "10.20.30.40"
    assert created.changes_dict["reference"] == ["None", "H-NY-1"]
    assert created.changes_dict["address"] == ["None", "Ibsens gate 3"]
    assert "search_text" not in created.changes_dict and "updated_at" not in created.changes_dict
    assert created.additional_data == {"household_id": household.pk, "municipality_id": municipality.pk}

    person = household.members.get(role=PersonRole.MAIN)
    [person_created] = entries_for(person)
    assert person_created.actor == caseworker_user
    assert person_created.additional_data["household_id"] == household.pk
    # The number is stored masked, as the lists show it: never in full.
    assert person_created.changes_dict["national_id"] == ["None", mask(number)]
    assert not LogEntry.objects.filter(changes__icontains=number).exists()
    assert not LogEntry.objects.filter(changes__icontains=number[6:]).exists()


def test_changes_and_deletes_are_logged_with_old_and_new_values(
    caseworker_client, caseworker_user, municipality
):
    household = factories.HouseholdFactory(municipality=municipality, reference="H-1", address="Gata 1")
    main = factories.PersonFactory(household=household, first_name="Pål", last_name="Ødegård")
    child = factories.PersonFactory(
        household=household, role=PersonRole.CHILD, first_name="Ola", last_name="Li"
    )
    data = _form_data(
        reference="H-1",
        address="Gata 2",
        postal_code="3715",
        main_first_name="Pål",
        main_last_name="Ødegård",
        main_date_of_birth="1985-05-17",
        **{
            "members-TOTAL_FORMS": "1",
            "members-INITIAL_FORMS": "1",
            "members-0-id": str(child.pk),
            "members-0-household": str(household.pk),
            "members-0-role": "child",
            "members-0-first_name": "Ola",
            "members-0-last_name": "Li",
            "members-0-DELETE": "on",
        },
    )
    response = caseworker_client.post(reverse("tenants:household-edit", args=[household.pk]), data)
    assert response.status_code == 302

    changed = entries_for(household)[-1]
    assert changed.action == LogEntry.Action.UPDATE and changed.actor == caseworker_user
    assert changed.changes_dict == {"address": ["Gata 1", "Gata 2"]}
    deleted = entries_for(child)[-1]
    assert deleted.action == LogEntry.Action.DELETE and deleted.actor == caseworker_user
    assert deleted.object_repr == "Ola Li"
    # The main person was saved unchanged: no entry.
    assert [e.action for e in entries_for(main)] == [LogEntry.Action.CREATE]

    change_stage(household, PathwayStage.SUMMONED, by=caseworker_user, reason="Ringt")
    stage = entries_for(household)[-1]
    assert stage.changes_dict["pathway_stage"] == ["not_assessed", "summoned"]


@pytest.mark.parametrize(
    "factory",
    [
        "HouseholdFactory",
        "PersonFactory",
        "DwellingFactory",
        "TenancyFactory",
        "RentArrearsFactory",
        "StockChangeFactory",
        "JournalNoteFactory",
        "OutreachMeetingFactory",
        "LetterTemplateFactory",
        "LetterFactory",
        "StartLoanApplicationFactory",
    ],
)
def test_every_record_of_the_office_is_audited(factory, municipality):
    obj = getattr(factories, factory)()
    assert obj._meta.label_lower in AUDITED
    [entry] = entries_for(obj)
    assert entry.action == LogEntry.Action.CREATE
    household_id = getattr(obj, "household_id", None)
    if obj._meta.label_lower == "tenants.household":
        household_id = obj.pk
    elif obj._meta.label_lower == "dwellings.rentarrears":
        household_id = obj.tenancy.household_id
    assert entry.additional_data["household_id"] == household_id
    assert (
        entry.additional_data["municipality_id"] == obj.municipality_id
        if hasattr(obj, "municipality_id")
        else True
    )


def test_rows_made_in_bulk_can_be_logged(municipality, caseworker_user):
    household = factories.HouseholdFactory(municipality=municipality)
    meetings = OutreachMeeting.all_objects.bulk_create(
        [
            factories.OutreachMeetingFactory.build(household=household, caseworker=caseworker_user)
            for _ in range(3)
        ]
    )
    log_bulk_created(meetings, actor=caseworker_user)
    entries = LogEntry.objects.filter(
        additional_data__household_id=household.pk, action=LogEntry.Action.CREATE
    )
    assert entries.count() == 4  # the household and three meetings
    assert {e.actor for e in entries.exclude(object_id=household.pk)} == {caseworker_user}


# Append-only ------------------------------------------------------------------


def test_log_entries_cannot_be_changed_or_deleted(municipality):
    household = factories.HouseholdFactory(municipality=municipality)
    entry = entries_for(household)[0]
    entry.object_repr = "forfalsket"
    # Each attempt in its own savepoint: the refusal aborts the transaction.
    with pytest.raises(AppendOnlyError), transaction.atomic():
        entry.save()
    with pytest.raises(AppendOnlyError), transaction.atomic():
        entry.delete()
    with pytest.raises(AppendOnlyError), transaction.atomic():
        LogEntry.objects.filter(pk=entry.pk).delete()
    assert LogEntry.objects.get(pk=entry.pk).object_repr == household.reference


def test_access_log_rows_cannot_be_changed_or_deleted(municipality, leader_user):
    row = PersonalDataAccess.objects.create(
        municipality=municipality, user=leader_user, action="view_national_id", object_repr="x"
    )
    row.object_repr = "y"
    with pytest.raises(AppendOnlyError), transaction.atomic():
        row.save()
    with pytest.raises(AppendOnlyError), transaction.atomic():
        PersonalDataAccess.objects.filter(pk=row.pk).delete()
    assert PersonalDataAccess.objects.get(pk=row.pk).object_repr == "x"


def test_admin_never_deletes_log_entries_and_shows_them_only_to_superusers(rf, municipality, leader_user):
    from django.contrib.auth.models import AnonymousUser

    admin = admin_site._registry[LogEntry]
    superuser = factories.UserFactory(municipality=None, is_superuser=True, is_staff=True)
    for user, may_view in ((superuser, True), (leader_user, False), (AnonymousUser(), False)):
        request = rf.get("/admin/auditlog/logentry/")
        request.user = user
        assert admin.has_view_permission(request) is may_view
        assert not admin.has_delete_permission(request)
        assert not admin.has_change_permission(request)
        assert not admin.has_add_permission(request)


# The leader's pages -----------------------------------------------------------


def make_history(municipality, user, *, persons: int = 2) -> Household:
    household = factories.HouseholdFactory(municipality=municipality, reference="H-77")
    tenancy = factories.TenancyFactory(household=household)
    factories.RentArrearsFactory(tenancy=tenancy)
    for i in range(persons):
        factories.PersonFactory(
            household=household,
            role=PersonRole.MAIN if i == 0 else PersonRole.ADULT,
            national_id=valid_national_id(),
            first_name=f"Åse{i}",
        )
    factories.OutreachMeetingFactory(household=household, caseworker=user)
    factories.LetterFactory(household=household)
    factories.JournalNoteFactory(household=household, author=user)
    factories.StartLoanApplicationFactory(household=household)
    change_stage(household, PathwayStage.SUMMONED, by=user, reason="Innkalt")
    household.caseworker = user
    household.save()
    return household


def test_leader_sees_the_households_trail_and_accesses(
    leader_client, leader_user, caseworker_user, municipality
):
    household = make_history(municipality, caseworker_user)
    person = household.members.get(role=PersonRole.MAIN)
    assert leader_client.post(reverse("tenants:person-national-id", args=[person.pk])).status_code == 200
    other = factories.HouseholdFactory(municipality=municipality, reference="H-ANNEN")

    response = leader_client.get(reverse("tenants:household-audit", args=[household.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Logg for husstand H-77" in page
    for text in (
        "Opprettet",
        "Endret",
        "Person",
        "Leieforhold",
        "Kartleggingssamtale",
        "Brev",
        "Journalnotat",
    ):
        assert text in page, text
    assert "Søknad om startlån".lower() in page.lower() or "startlån" in page
    # Field names, choice labels and related rows in words.
    assert "Ikke vurdert" in page and "Innkalt" in page
    assert str(caseworker_user.get_full_name()) in page
    assert "H-ANNEN" not in page and other.reference not in page
    # The access log: the leader saw the number.
    assert "Så hele fødselsnummeret" in page and leader_user.username in page
    # Numbers only masked on the page.
    assert person.national_id not in page
    assert mask(person.national_id) in page

    entries = describe_entries(list(household_log_entries(household)))
    caseworker_change = next(c for e in entries for c in e.changes if c.field == "Saksbehandler")
    assert (caseworker_change.old, caseworker_change.new) == ("–", str(caseworker_user))


def test_trail_runs_a_constant_number_of_queries(client, municipality, caseworker_user):
    leader = factories.leader(municipality)
    client.force_login(leader)
    small = make_history(municipality, caseworker_user, persons=1)
    large = factories.HouseholdFactory(municipality=municipality, reference="H-STOR")
    for i in range(30):
        factories.PersonFactory(household=large, role=PersonRole.ADULT, first_name=f"P{i}")
        factories.OutreachMeetingFactory(household=large, caseworker=factories.caseworker(municipality))
        PersonalDataAccess.objects.create(
            municipality=municipality, user=leader, household=large, action="download_letter", object_repr="b"
        )
    counts = []
    for household in (small, large):
        client.get(reverse("tenants:household-audit", args=[household.pk]))  # warm caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("tenants:household-audit", args=[household.pk])).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] or counts[1] <= counts[0] + 1, counts
    assert counts[1] <= 20, counts


def test_caseworker_may_not_see_the_trail(caseworker_client, municipality):
    household = factories.HouseholdFactory(municipality=municipality)
    assert caseworker_client.get(reverse("tenants:household-audit", args=[household.pk])).status_code == 403
    assert (
        caseworker_client.get(reverse("tenants:household-access-log", args=[household.pk])).status_code == 403
    )


def test_other_municipality_gets_404(client, municipality, other_municipality):
    household = factories.HouseholdFactory(municipality=municipality)
    client.force_login(factories.leader(other_municipality))
    assert client.get(reverse("tenants:household-audit", args=[household.pk])).status_code == 404
    assert client.get(reverse("tenants:household-access-log", args=[household.pk])).status_code == 404


def test_household_page_links_leaders_to_the_trail(client, municipality):
    household = factories.HouseholdFactory(municipality=municipality)
    url = reverse("tenants:household-audit", args=[household.pk])
    client.force_login(factories.leader(municipality))
    assert url in client.get(reverse("tenants:household-detail", args=[household.pk])).content.decode()
    client.force_login(factories.caseworker(municipality))
    assert url not in client.get(reverse("tenants:household-detail", args=[household.pk])).content.decode()


def test_access_log_exports_as_a_spreadsheet_file(leader_client, leader_user, municipality):
    household = factories.HouseholdFactory(municipality=municipality, reference="H-Ø1")
    person = factories.PersonFactory(household=household, national_id=valid_national_id())
    leader_client.post(reverse("tenants:person-national-id", args=[person.pk]))
    PersonalDataAccess.objects.create(
        municipality=municipality,
        user=leader_user,
        household=household,
        action=PersonalDataAccess.Action.DOWNLOAD_LETTER,
        object_repr='=HYPERLINK("http://x","klikk")',
    )
    other = factories.HouseholdFactory(municipality=municipality)
    PersonalDataAccess.objects.create(
        municipality=municipality,
        user=leader_user,
        household=other,
        action="download_letter",
        object_repr="annen",
    )
    response = leader_client.get(reverse("tenants:household-access-log", args=[household.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="innsynslogg-H-_1-' in response["Content-Disposition"]
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["Innsynslogg for husstand H-Ø1"]
    header = rows.index(["Tidspunkt", "Bruker", "Brukernavn", "Handling", "Gjelder"])
    data = rows[header + 1 :]
    assert len(data) == 2
    assert [r[3] for r in data] == ["Lastet ned brev", "Så hele fødselsnummeret"]
    assert all(r[2] == leader_user.username for r in data)
    # A formula stays text in Excel.
    assert data[0][4].startswith("'=HYPERLINK")
    assert "annen" not in body
    assert person.national_id not in body


def test_person_survives_in_the_trail_after_deletion(leader_client, municipality, caseworker_user):
    household = factories.HouseholdFactory(municipality=municipality)
    person = factories.PersonFactory(household=household, first_name="Borte", last_name="Vekk")
    Person.objects.filter(pk=person.pk).delete()
    page = leader_client.get(reverse("tenants:household-audit", args=[household.pk])).content.decode()
    assert "Slettet" in page and "Borte Vekk" in page


def test_downloading_a_households_pdf_summary_goes_into_its_access_log(
    leader_client, leader_user, municipality, settings, tmp_path
):
    from django.core.files.base import ContentFile

    from housing_office.jobs import create_job

    settings.MEDIA_ROOT = tmp_path
    application = factories.StartLoanApplicationFactory(household__municipality=municipality)
    job = create_job(
        municipality=municipality,
        kind="startloan_assessment_pdf",
        title="Vurdering av betjeningsevne",
        params={"application_id": application.pk},
    )
    job.result_file.save("vurdering.pdf", ContentFile(b"%PDF-1.7"), save=True)
    response = leader_client.get(reverse("job-download", args=[job.pk]))
    assert response.status_code == 200
    b"".join(response.streaming_content)
    access = PersonalDataAccess.objects.get()
    assert access.household_id == application.household_id and access.user == leader_user
    body = leader_client.get(reverse("tenants:household-access-log", args=[application.household_id]))
    assert "Lastet ned rapport" in body.content.decode()


def test_access_log_file_neutralises_formulas_in_every_column(client, municipality):
    """A user named like a formula, and a subject that starts with a tab:
    the innsynslogg goes through the one spreadsheet writer."""
    household = factories.HouseholdFactory(municipality=municipality, reference="H-2")
    leader = factories.leader(municipality, first_name='=HYPERLINK("http://x","y")', last_name="")
    PersonalDataAccess.objects.create(
        municipality=municipality,
        user=leader,
        household=household,
        action=PersonalDataAccess.Action.DOWNLOAD_REPORT,
        object_repr="\t=1+1",
    )
    client.force_login(leader)
    response = client.get(reverse("tenants:household-access-log", args=[household.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8").lstrip("\ufeff")), delimiter=";"))
    [row] = [r for r in rows if len(r) == 5 and r[2] == leader.username]
    assert row[1] == "'" + '=HYPERLINK("http://x","y")'
    assert row[4] == "'\t=1+1"
