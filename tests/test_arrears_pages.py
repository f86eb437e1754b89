"""Rent arrears in the browser's back end: the list import as check and
import jobs, the roles, scoping and audit of the arrears records, the
eviction that ends the tenancy, and the NAV notice's rules (husleieloven
§ 9-11) as a caseworker meets them on the case page."""

from __future__ import annotations

import datetime

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from arrears import services
from arrears.importing import SourceFile, import_arrears
from arrears.models import ArrearsCase, ArrearsImport, CloseReason, EventKind, NavReservation, Stage
from dwellings.models import EndReason
from dwellings.services import vacancies
from housing_office.errors import DomainError
from housing_office.models import Job, PersonalDataAccess
from housing_office.roles import CASEWORKER, LEADER, role_permissions

from . import factories

pytestmark = pytest.mark.django_db
D = datetime.date

HEADER = "dwelling_ref;household_ref;amount;oldest_due_date;as_of\n"
JAN = HEADER + "B-1;H-1;9500,00;01.01.2025;10.01.2025\nB-2;H-2;4000;01.01.2025;10.01.2025\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def register(municipality):
    h1 = factories.household_with_members(municipality, reference="H-1", children=2)
    h2 = factories.household_with_members(municipality, reference="H-2")
    d1 = factories.DwellingFactory(municipality=municipality, reference="B-1", acquired_on=D(2010, 1, 1))
    d2 = factories.DwellingFactory(municipality=municipality, reference="B-2", acquired_on=D(2010, 1, 1))
    return factories.tenancy_of(h1, d1, D(2020, 1, 1)), factories.tenancy_of(h2, d2, D(2021, 1, 1))


def upload(client, text: str, name: str = "restanser-jan.csv"):
    """Upload → check (a job, run at once in tests) → the check's page."""
    response = client.post(
        reverse("arrears:import"),
        {"file": SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")},
    )
    assert response.status_code == 302
    return Job.all_objects.latest("pk")


# --- The import page -------------------------------------------------------------


def test_upload_check_import_and_a_repeat_that_changes_nothing(
    caseworker_client, caseworker_user, register, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        preview = upload(caseworker_client, JAN)
    preview.refresh_from_db()
    assert preview.state == "done" and preview.result["counts"]["opened"] == 2
    assert not ArrearsCase.all_objects.exists()  # the check writes nothing
    page = caseworker_client.get(reverse("arrears:import-detail", args=[preview.pk])).content.decode()
    assert "Bekreft og importer" in page and "Nye restansesaker" in page

    with django_capture_on_commit_callbacks(execute=True):
        caseworker_client.post(reverse("arrears:import-confirm", args=[preview.pk]))
    job = Job.all_objects.latest("pk")
    assert job.kind == "arrears_import" and job.state == "done" and job.result["written"]
    assert ArrearsCase.all_objects.count() == 2
    assert ArrearsImport.all_objects.get().imported_by == caseworker_user
    opened = ArrearsCase.all_objects.get(tenancy=register[0]).events.get(kind=EventKind.OPENED)
    assert opened.recorded_by == caseworker_user

    with django_capture_on_commit_callbacks(execute=True):
        again = upload(caseworker_client, JAN)
    again.refresh_from_db()
    assert again.result["already_imported"] and again.result["counts"]["opened"] == 0
    assert (
        "importert før"
        in caseworker_client.get(reverse("arrears:import-detail", args=[again.pk])).content.decode()
    )


def test_bad_rows_show_file_line_message_in_norwegian_and_nothing_is_written(
    caseworker_client, register, django_capture_on_commit_callbacks
):
    bad = HEADER + "B-1;H-1;9500;01.01.2025;10.01.2025\nB-9;H-2;abc;01.01.2025;10.01.2025\n"
    with django_capture_on_commit_callbacks(execute=True):
        preview = upload(caseworker_client, bad, name="feil.csv")
    preview.refresh_from_db()
    assert preview.result["error_count"] == 1
    [error] = preview.result["errors"]
    assert error.startswith("feil.csv:3: ")
    page = caseworker_client.get(reverse("arrears:import-detail", args=[preview.pk])).content.decode()
    assert "feil.csv:3:" in page and "Ingenting er lagret" in page and "Bekreft og importer" not in page
    # The check cannot be confirmed, and nothing was written.
    with django_capture_on_commit_callbacks(execute=True):
        caseworker_client.post(reverse("arrears:import-confirm", args=[preview.pk]))
    assert Job.all_objects.filter(kind="arrears_import").count() == 0
    assert not ArrearsCase.all_objects.exists() and not ArrearsImport.all_objects.exists()
    # The error list downloads through the job view, into the innsynslogg.
    file = caseworker_client.get(reverse("job-download", args=[preview.pk]))
    assert b"".join(file.streaming_content).decode().startswith("feil.csv:3: ")
    assert PersonalDataAccess.all_objects.filter(object_repr="Kontroll av restanseliste").exists()


def test_the_import_is_refused_to_users_without_the_role_and_scoped(
    client, caseworker_client, register, other_caseworker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        preview = upload(caseworker_client, JAN)
    nobody = factories.UserFactory(municipality=register[0].municipality)  # no role
    client.force_login(nobody)
    assert client.get(reverse("arrears:import")).status_code == 403
    assert client.get(reverse("arrears:case-list")).status_code == 403
    client.force_login(other_caseworker)
    assert client.get(reverse("arrears:import-detail", args=[preview.pk])).status_code == 404
    assert client.post(reverse("arrears:import-confirm", args=[preview.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("arrears:import")).status_code == 302


# --- Roles, scoping, audit -------------------------------------------------------


def test_the_caseworker_role_works_arrears_and_nobody_deletes_them():
    roles = role_permissions()
    for role in (CASEWORKER, LEADER):
        for codename in ("view_arrearscase", "change_arrearscase", "add_arrearsimport", "add_navreservation"):
            assert ("arrears", codename) in roles[role]
        assert not any(app == "arrears" and code.startswith("delete_") for app, code in roles[role])


def test_another_municipalitys_arrears_are_invisible(client, municipality, register, other_caseworker):
    import_arrears("3807", SourceFile("r.csv", JAN.encode()))
    case = ArrearsCase.all_objects.get(tenancy=register[0])
    client.force_login(other_caseworker)
    for step in ("varsel-nav", "fravikelse", "reservasjon"):
        assert client.post(reverse("arrears:case-step", args=[case.pk, step]), {}).status_code == 404
    text = client.get(reverse("arrears:case-list")).content.decode()
    assert "H-1" not in text and "H-2" not in text
    assert client.get(reverse("arrears:import")).content.decode().count("r.csv") == 0


def test_steps_are_in_the_audit_trail_with_who(caseworker_client, caseworker_user, register):
    import_arrears("3807", SourceFile("r.csv", JAN.encode()))
    case = ArrearsCase.all_objects.get(tenancy=register[0])
    caseworker_client.post(
        reverse("arrears:case-step", args=[case.pk, "reservasjon"]), {"date": "2025-01-11"}
    )
    reservation = NavReservation.all_objects.get()
    [entry] = LogEntry.objects.get_for_object(reservation)
    assert entry.actor == caseworker_user
    assert entry.additional_data["household_id"] == register[0].household_id


# --- Eviction carried out ends the tenancy ---------------------------------------


def _requested(case, by):
    services.send_notice_4_18(case, by=by, on=D(2025, 1, 15))
    services.request_eviction(case, by=by, bailiff="Namsfogden i Telemark", on=D(2025, 2, 20))


def test_an_eviction_carried_out_ends_the_tenancy_and_leaves_the_dwelling_vacant(
    caseworker_client, caseworker_user, register
):
    import_arrears("3807", SourceFile("r.csv", JAN.encode()))
    tenancy = register[0]
    case = ArrearsCase.all_objects.get(tenancy=tenancy)
    _requested(case, caseworker_user)
    response = caseworker_client.post(
        reverse("arrears:case-step", args=[case.pk, "fravikelse"]),
        {"date": "2025-04-02", "note": "Namsfogden gjennomførte"},
    )
    assert response.status_code == 302
    tenancy.refresh_from_db()
    case.refresh_from_db()
    assert (tenancy.end_date, tenancy.end_reason) == (D(2025, 4, 2), EndReason.EVICTION)
    assert (case.closed_on, case.close_reason, case.stage) == (
        D(2025, 4, 2),
        CloseReason.EVICTED,
        Stage.CLOSED,
    )
    assert tenancy.household.address_unknown
    assert tenancy.dwelling_id in set(vacancies(D(2025, 4, 3)).values_list("pk", flat=True))


def test_an_eviction_the_tenancy_cannot_take_leaves_the_case_open(caseworker_user, register):
    import_arrears("3807", SourceFile("r.csv", JAN.encode()))
    tenancy = register[0]
    case = ArrearsCase.all_objects.get(tenancy=tenancy)
    _requested(case, caseworker_user)
    with pytest.raises(DomainError, match="før den ble begjært"):
        services.record_eviction(case, by=caseworker_user, on=D(2025, 2, 19))
    # The tenancy refuses (it has already ended another way): nothing is written.
    type(tenancy).all_objects.filter(pk=tenancy.pk).update(
        end_date=D(2025, 3, 31), end_reason=EndReason.OTHER
    )
    with pytest.raises(DomainError, match="allerede avsluttet"):
        services.record_eviction(case, by=caseworker_user, on=D(2025, 4, 2))
    case.refresh_from_db()
    tenancy.refresh_from_db()
    assert case.closed_on is None and (tenancy.end_date, tenancy.end_reason) == (
        D(2025, 3, 31),
        EndReason.OTHER,
    )
    assert not case.events.filter(kind=EventKind.EVICTED).exists()


# --- The NAV notice (husleieloven § 9-11) on the case page -------------------------


def test_nav_notice_needs_nav_address_is_blocked_by_a_reservation_and_holds_back_the_request(
    caseworker_client, caseworker_user, register
):
    import_arrears("3807", SourceFile("r.csv", JAN.encode()))
    case = ArrearsCase.all_objects.get(tenancy=register[0])
    step = lambda name, data: caseworker_client.post(  # noqa: E731
        reverse("arrears:case-step", args=[case.pk, name]), data
    )
    services.send_notice_4_18(case, by=caseworker_user, on=D(2025, 1, 15))
    services.record_notice_received(case, by=caseworker_user, received_on=D(2025, 1, 16))
    missing = step("varsel-nav", {"date": "2025-01-20", "nav_office": "NAV Skien"})
    assert missing.status_code == 400 and "postadressen til NAV-kontoret" in missing.content.decode()
    step("reservasjon", {"date": "2025-01-18"})
    refused = step(
        "varsel-nav", {"date": "2025-01-20", "nav_office": "NAV Skien", "nav_address": "Postboks 2000"}
    )
    assert refused.status_code == 400 and "reservert seg skriftlig" in refused.content.decode()
    step("reservasjon-trukket", {"date": "2025-01-21"})
    sent = step(
        "varsel-nav",
        {
            "date": "2025-01-22",
            "nav_office": "NAV Skien",
            "nav_address": "Postboks 2000",
            "nav_postal": "3702 Skien",
        },
    )
    assert sent.status_code == 302
    assert [e.kind for e in case.events.filter(date=D(2025, 1, 22))] == [
        EventKind.NAV_NOTICE,
        EventKind.NAV_COPY,
    ]
    # § 4-18: receipt 16.01 → 01.02 at the earliest; the NAV notice holds it to 05.02.
    early = step("begjaering", {"date": "2025-02-04", "bailiff": "Namsfogden"})
    assert early.status_code == 400 and "05.02.2025" in early.content.decode()
    assert step("begjaering", {"date": "2025-02-05", "bailiff": "Namsfogden"}).status_code == 302


# --- Eviction prevention figures on the dashboard and in the yearly report ---------


def test_prevention_figures_on_the_dashboard_and_in_the_yearly_report(
    leader_client, municipality, caseworker_user, register
):
    from reports.yearly_report import report_context

    import_arrears("3807", SourceFile("r.csv", JAN.encode()))
    case = ArrearsCase.all_objects.get(tenancy=register[0])
    services.make_agreement(case, by=caseworker_user, on=D(2025, 1, 12), instalments=[(D(2025, 3, 1), 100)])
    services.send_notice_4_18(case, by=caseworker_user, on=D(2025, 1, 15))
    services.send_nav_notice(
        case, by=caseworker_user, nav_office="NAV Skien", nav_address="Postboks 2000", on=D(2025, 1, 16)
    )
    services.request_eviction(case, by=caseworker_user, bailiff="Namsfogden", on=D(2025, 2, 20))
    services.record_eviction(case, by=caseworker_user, on=D(2025, 4, 2))
    expected = {
        "arrears_cases_opened": 2,
        "payment_agreements_made": 1,
        "payment_agreements_kept": 0,
        "notices_4_18": 1,
        "nav_notices": 1,  # the copy to the tenant is not a second notice
        "eviction_requests": 1,
        "evictions_carried_out": 1,
        "evictions_avoided": 0,
        "children_affected": 2,
    }
    response = leader_client.get(reverse("reports:dashboard"), {"year": "2025"})
    data = response.context["data"]
    assert data.year == 2025
    assert {row["key"]: row["values"][-1] for row in data.prevention} == expected
    assert "Forebygging av utkastelser" in response.content.decode()
    rows = report_context(municipality, 2025)["prevention"]
    assert {row["key"]: row["values"][-1] for row in rows} == expected
    assert all(row["values"][:-1] == [0, 0, 0, 0] for row in rows)
