"""`import_register --applications FILE` (DESIGN §5.1–5.2): the same promises
as the other files, and figures from imported rows equal a hand count."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command

from applications.figures import application_figures
from applications.models import Application, ApplicationStatus
from register_import.parse import SourceFile
from register_import.services import import_register

from . import factories

pytestmark = pytest.mark.django_db
D = datetime.date
BOM = "\ufeff"

DWELLINGS = 'dwelling_ref,address,postal_code,postal_place,rooms,area_m2\nB-1,Gate 1,3716,SKIEN,3,"60,5"\n'
HOUSEHOLDS = (
    "household_ref,first_name,last_name,adults,children\n"
    "H-1,Åse,Berg,1,1\nH-2,Per,Dahl,1,0\nH-3,Ola,Lie,2,0\n"
)
TENANCIES = (
    "household_ref,dwelling_ref,start_date,end_date,end_reason,monthly_rent\nH-1,B-1,2025-03-01,,,8000\n"
)
APPLICATIONS = (
    BOM + "application_ref;household_ref;received;decided;outcome\n"
    "S-1;H-1;05.01.2025;2025-02-01;granted\n"
    "S-2;H-2;2025-02-01;10.03.2025;refused\n"
    "S-3;H-3;2025-12-20;;\n"
    "S-4;h-3;2024-11-01;2025-01-15;withdrawn\n"
)


def _files(applications: str = APPLICATIONS) -> dict[str, SourceFile]:
    return {
        "dwellings": SourceFile("boliger.csv", DWELLINGS.encode()),
        "households": SourceFile("husstander.csv", HOUSEHOLDS.encode()),
        "tenancies": SourceFile("leieforhold.csv", TENANCIES.encode()),
        "applications": SourceFile("soknader.csv", applications.encode()),
    }


def test_import_creates_applications_and_reimport_changes_nothing():
    report = import_register("3807", **_files())
    assert report.ok, report.error_text()
    rows = {a.reference: a for a in Application.all_objects.select_related("household")}
    assert rows["S-1"].status == ApplicationStatus.GRANTED and rows["S-1"].decided_on == D(2025, 2, 1)
    assert rows["S-2"].status == ApplicationStatus.REFUSED and rows["S-2"].outcome == "refused"
    assert rows["S-3"].status == ApplicationStatus.RECEIVED and rows["S-3"].decided_on is None
    assert rows["S-4"].status == ApplicationStatus.WITHDRAWN and rows["S-4"].withdrawn_on == D(2025, 1, 15)
    assert rows["S-4"].household.reference == "H-3"
    assert report.counts["applications"].created == 4

    again = import_register("3807", **_files())
    assert again.ok
    assert again.counts["applications"].as_dict() == {"created": 0, "updated": 0, "unchanged": 4}


def test_an_application_housed_in_the_app_stays_housed_on_reimport():
    import_register("3807", **_files())
    Application.all_objects.filter(reference="S-1").update(status=ApplicationStatus.HOUSED)
    again = import_register("3807", **_files())
    assert again.counts["applications"].unchanged == 4
    assert Application.all_objects.get(reference="S-1").status == ApplicationStatus.HOUSED


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("S-9;H-9;2025-01-01;;", "soknader.csv:3: ukjent husstand «H-9»"),
        ("S-9;H-1;2025-01-01;2025-02-01;", "soknader.csv:3: «decided» skal være tom"),
        ("S-9;H-1;2025-01-01;;granted", "soknader.csv:3: «decided» må fylles ut"),
        ("S-9;H-1;2025-02-01;2025-01-01;refused", "soknader.csv:3: «decided» 01.01.2025 er før «received»"),
        ("S-9;H-1;2025-01-01;2025-02-01;maybe", "soknader.csv:3: «outcome»: ukjent utfall «maybe»"),
        ("S-9;H-1;31.02.2025;;", "soknader.csv:3: «received»: datoen «31.02.2025» finnes ikke"),
        ("s-1;H-1;2025-01-01;;", "soknader.csv:3: søknaden «s-1» står også på linje 2"),
    ],
)
def test_a_bad_row_stops_everything(row, message):
    text = "application_ref;household_ref;received;decided;outcome\nS-1;H-1;2025-01-01;;\n" + row + "\n"
    report = import_register("3807", **_files(text))
    assert not report.ok
    assert any(str(e).startswith(message) for e in report.errors), report.error_text()
    assert not Application.all_objects.exists()
    assert not factories.Household._meta.model.all_objects.exists()


def test_household_already_in_the_municipality_is_accepted(municipality):
    factories.HouseholdFactory(municipality=municipality, reference="H-OLD")
    text = "application_ref,household_ref,received,decided,outcome\nS-7,H-OLD,2025-01-01,2025-01-20,granted\n"
    report = import_register(municipality.number, **_files(text))
    assert report.ok, report.error_text()
    assert Application.all_objects.get(reference="S-7").household.reference == "H-OLD"


def test_command_line_and_figures_equal_a_hand_count(tmp_path):
    paths = {}
    for kind, source in _files().items():
        path = tmp_path / source.name
        path.write_bytes(source.data)
        paths[kind] = str(path)
    out = io.StringIO()
    call_command("import_register", municipality="3807", stdout=out, **paths)
    assert "Søknader om kommunal bolig: 4 nye" in out.getvalue()
    municipality_id = Application.all_objects.first().municipality_id
    figures = application_figures(municipality_id, 2025)
    # By hand: received in 2025: S-1, S-2, S-3 (S-4 was received in 2024).
    # Granted in 2025: S-1; refused: S-2. H-1's tenancy (1 March) follows its
    # grant (1 February): housed after 28 days. On 31 December no granted
    # application waits: S-1 is housed.
    assert figures["applications_received"] == 3
    assert figures["applications_granted"] == 1
    assert figures["applications_refused"] == 1
    assert figures["housed_from_waiting_list"] == 1
    assert figures["median_days_waiting_at_housing"] == 28.0
    assert figures["waiting_list_at_year_end"] == 0
    assert figures["median_days_vacant_before_reletting"] is None


def test_command_exit_status_one_on_a_bad_file(tmp_path):
    paths = {}
    for kind, source in _files("application_ref;household_ref;received\nS-1;H-X;2025-01-01\n").items():
        path = tmp_path / source.name
        path.write_bytes(source.data)
        paths[kind] = str(path)
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_register", municipality="3807", stderr=err, **paths)
    assert exit_info.value.code == 1
    assert "soknader.csv:2: ukjent husstand «H-X»" in err.getvalue()


# --- Through the leader's import page (the same parse, check, plan, write) -----------


def _uploads(files: dict[str, SourceFile]) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {kind: SimpleUploadedFile(s.name, s.data, content_type="text/csv") for kind, s in files.items()}


def test_the_import_page_takes_the_applications_file(
    leader_client, municipality, settings, tmp_path, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from housing_office.models import Job, JobState

    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        leader_client.post(reverse("reports:import"), _uploads(_files()))
    preview = Job.objects.get(kind="register_import_preview")
    assert preview.state == JobState.DONE, preview.error
    assert preview.params["names"]["applications"] == "soknader.csv"
    assert preview.result["counts"]["applications"] == {"created": 4, "updated": 0, "unchanged": 0}
    assert not Application.all_objects.exists()  # a preview writes nothing
    page = leader_client.get(reverse("reports:import-detail", args=[preview.pk])).content.decode()
    assert "Søknader om kommunal bolig" in page and "Bekreft og importer" in page

    with django_capture_on_commit_callbacks(execute=True):
        leader_client.post(reverse("reports:import-confirm", args=[preview.pk]))
    run = Job.objects.get(kind="register_import")
    assert run.state == JobState.DONE and run.result["written"], run.error
    statuses = dict(Application.all_objects.values_list("reference", "status"))
    assert statuses == {"S-1": "granted", "S-2": "refused", "S-3": "received", "S-4": "withdrawn"}
    # Without the optional file the page imports the three as before.
    files = _files()
    del files["applications"]
    with django_capture_on_commit_callbacks(execute=True):
        leader_client.post(reverse("reports:import"), _uploads(files))
    again = Job.objects.filter(kind="register_import_preview").latest("pk")
    assert again.state == JobState.DONE and "applications" not in again.result["counts"], again.error


def test_a_bad_applications_file_on_the_page_stops_everything(
    leader_client, municipality, settings, tmp_path, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from housing_office.models import Job

    settings.MEDIA_ROOT = tmp_path
    bad = "application_ref;household_ref;received;decided;outcome\nS-1;H-9;2025-01-01;;\n"
    with django_capture_on_commit_callbacks(execute=True):
        leader_client.post(reverse("reports:import"), _uploads(_files(bad)))
    preview = Job.objects.get(kind="register_import_preview")
    assert preview.result["error_count"] == 1
    page = leader_client.get(reverse("reports:import-detail", args=[preview.pk])).content.decode()
    assert "soknader.csv:2: ukjent husstand «H-9»" in page
    assert reverse("reports:import-confirm", args=[preview.pk]) not in page
    leader_client.post(reverse("reports:import-confirm", args=[preview.pk]))
    assert not Job.objects.filter(kind="register_import").exists()
    assert not Application.all_objects.exists()
    assert not factories.Household._meta.model.all_objects.exists()
