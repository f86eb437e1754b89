"""The yearly report PDF: its figures, the job that makes it, keeping and downloading."""

from __future__ import annotations

import datetime
import re
import subprocess

import pytest
from django.core.management import call_command
from django.urls import reverse

from dwellings.models import DwellingCategory, EndReason, Ownership
from housing_office.jobs import create_job
from housing_office.models import Job, JobState, PersonalDataAccess
from reports.yearly_report import render_yearly_report, report_context

from . import factories
from .factories import household_with_members as household
from .factories import tenancy_of as tenancy

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "rapport.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def row(text: str, label: str) -> list[str]:
    """The figures on the line that starts with `label` in pdftotext's layout."""
    for line in text.splitlines():
        if line.strip().startswith(label):
            return re.findall(r"–|\d+(?:[ \u00a0]\d{3})*(?:,\d)?", line.strip()[len(label) :])
    raise AssertionError(f"{label!r} not in the report")


@pytest.fixture
def skien(municipality):
    """Skien's published figures, as a register: 11, 17 and 10 households
    bought their own home in 2012, 2013 and 2014; a care-dwelling exit, a
    dwelling with two exits in one year, and a change in the stock."""
    m = municipality
    bought = {2012: 11, 2013: 17, 2014: 10}
    for year, count in bought.items():
        for i in range(count):
            h = household(m, children=1 if i < 3 else 0)
            month = 3 + i % 10 if year == 2012 else 1 + i % 12
            tenancy(h, factories.DwellingFactory(municipality=m), D(year - 4, 5, 1), D(year, month, 10),
                    EndReason.BOUGHT_OWN_HOME)  # fmt: skip
    # 2014: one of the ten from a care dwelling; one dwelling freed twice.
    care = factories.DwellingFactory(
        municipality=m, category=DwellingCategory.CARE, wheelchair_accessible=True
    )
    tenancy(household(m), care, D(2010, 1, 1), D(2014, 3, 1), EndReason.BOUGHT_OWN_HOME)
    twice = factories.DwellingFactory(municipality=m, ownership=Ownership.LEASED)
    tenancy(household(m, children=2), twice, D(2011, 1, 1), D(2014, 2, 1), EndReason.PRIVATE_RENTAL)
    tenancy(household(m), twice, D(2014, 3, 1), D(2014, 10, 1), EndReason.PRIVATE_RENTAL)
    tenancy(household(m), twice, D(2014, 11, 1))
    factories.DwellingFactory(municipality=m, acquired_on=D(2014, 5, 5))
    factories.DwellingFactory(municipality=m, acquired_on=D(2000, 1, 1), disposed_on=D(2014, 8, 8))
    return m


def test_context_reproduces_skien(skien):
    context = report_context(skien, 2014)
    assert context["years"] == [2010, 2011, 2012, 2013, 2014]
    rows = {r["key"]: r["values"] for r in context["rows"]}
    assert rows["moved_to_ownership"] == [0, 0, 11, 17, 11]  # 10 + the care dwelling's
    assert rows["dwellings_freed"] == [0, 0, 11, 17, 11]  # 10 + one dwelling freed twice
    assert rows["moved_to_private_rental"][-1] == 2
    # 38 dwellings of the buyers, the care dwelling, the one freed twice and
    # the one bought in 2014; the one sold in 2014 is gone.
    assert context["kostra"]["total"] == 41
    assert context["kostra"]["let"] == 1
    assert context["kostra"]["leased"] == 1
    assert context["kostra"]["wheelchair_accessible"] == 1


def test_pdf_text_carries_the_figures(skien, tmp_path):
    pdf = render_yearly_report(skien, 2014)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf, tmp_path)
    assert "Årsrapport 2014" in text
    assert "Skien kommune" in text
    assert row(text, "Husstander som kjøpte egen bolig") == ["0", "0", "11", "17", "11"]
    assert row(text, "Boliger frigjort (uten omsorgsboliger)") == ["0", "0", "11", "17", "11"]
    assert row(text, "Husstander som flyttet til privat leie") == ["0", "0", "0", "0", "2"]
    # 2014: ten bought (three with a child: 13 persons), one from the care
    # dwelling (1), two private rentals (3 with 2 children, and 1): 18, 5 children.
    assert row(text, "Personer som flyttet ut") == ["0", "0", "14", "20", "18"]
    assert row(text, "Barn som flyttet ut") == ["0", "0", "3", "3", "5"]
    assert row(text, "Boliger kjøpt eller anskaffet")[-1] == "1"
    assert row(text, "Boliger solgt eller avhendet")[-1] == "1"
    assert row(text, "Kommunalt disponerte boliger i alt") == ["41"]
    assert row(text, "Utleid per 31.12.") == ["1"]
    # The charts carry their values as text too.
    assert "Utflyttinger etter årsak per år" in text


def test_pdf_is_tagged(skien, tmp_path):
    path = tmp_path / "r.pdf"
    path.write_bytes(render_yearly_report(skien, 2014))
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    assert re.search(r"^Tagged:\s+yes", info, re.M)
    assert re.search(r"^Title:\s+Årsrapport 2014", info, re.M)


def test_command_writes_pdf(skien, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    call_command("throughput_report", "--municipality", "3807", "--year", "2014", "--format", "pdf")
    assert (tmp_path / "arsrapport-3807-2014.pdf").read_bytes().startswith(b"%PDF")
    target = tmp_path / "egen.pdf"
    call_command(
        "throughput_report",
        "--municipality",
        "3807",
        "--year",
        "2014",
        "--format",
        "pdf",
        "--output",
        str(target),
    )
    assert row(pdf_text(target.read_bytes(), tmp_path), "Husstander som kjøpte egen bolig")[-1] == "11"


def test_leader_orders_watches_and_downloads(
    leader_client, leader_user, skien, django_capture_on_commit_callbacks
):
    list_url = reverse("reports:report-list")
    assert leader_client.get(list_url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = leader_client.post(reverse("reports:report-create"), {"year": "2014"})
    job = Job.objects.get(kind="yearly_report")
    assert response.status_code == 302 and response["Location"] == reverse(
        "reports:report-detail", args=[job.pk]
    )
    assert job.state == JobState.DONE, job.error
    assert job.params == {"year": 2014} and job.created_by == leader_user
    assert job.result_file.name.endswith(".pdf")

    detail = leader_client.get(reverse("reports:report-detail", args=[job.pk]))
    download_url = reverse("reports:report-download", args=[job.pk])
    assert download_url in detail.content.decode()
    partial = leader_client.get(
        reverse("reports:report-detail", args=[job.pk]), headers={"HX-Request": "true"}
    )
    assert "hx-trigger" not in partial.content.decode()  # done: it stops polling
    listing = leader_client.get(list_url).content.decode()
    assert "Årsrapport 2014" in listing and download_url in listing

    response = leader_client.get(download_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="arsrapport-3807-2014.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    log = PersonalDataAccess.objects.get()
    assert (log.user, log.action, log.object_repr) == (leader_user, "download_report", "Årsrapport 2014")

    # Running the job again replaces the file, never adds one.
    from reports.tasks import build_yearly_report

    first = job.result_file.name
    build_yearly_report.apply(args=(job.pk,))
    job.refresh_from_db()
    assert job.state == JobState.DONE and Job.objects.filter(kind="yearly_report").count() == 1
    assert job.result_file.storage.exists(job.result_file.name)
    assert first == job.result_file.name or not job.result_file.storage.exists(first)


def test_caseworker_is_refused(caseworker_client, municipality):
    job = create_job(
        municipality=municipality, kind="yearly_report", title="Årsrapport 2014", params={"year": 2014}
    )
    assert caseworker_client.get(reverse("reports:report-list")).status_code == 403
    assert caseworker_client.post(reverse("reports:report-create"), {"year": "2014"}).status_code == 403
    assert caseworker_client.get(reverse("reports:report-download", args=[job.pk])).status_code == 403
    assert not PersonalDataAccess.objects.exists()


def test_other_municipalitys_report_is_404(leader_client, other_municipality):
    theirs = create_job(
        municipality=other_municipality, kind="yearly_report", title="Årsrapport 2014", params={"year": 2014}
    )
    Job.objects.filter(pk=theirs.pk).update(state=JobState.DONE, result_file="jobs/x.pdf")
    assert leader_client.get(reverse("reports:report-detail", args=[theirs.pk])).status_code == 404
    assert leader_client.get(reverse("reports:report-download", args=[theirs.pk])).status_code == 404


def test_bad_year_is_a_form_error(leader_client, municipality):
    response = leader_client.post(reverse("reports:report-create"), {"year": "1492"})
    assert response.status_code == 400
    assert not Job.objects.exists()
