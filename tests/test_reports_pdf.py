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
        response = leader_client.post(reverse("reports:report-create"), {"year": "2014", "action": "publish"})
    job = Job.objects.get(kind="yearly_report")
    assert response.status_code == 302 and response["Location"] == reverse(
        "reports:report-detail", args=[job.pk]
    )
    assert job.state == JobState.DONE, job.error
    assert job.params["year"] == 2014 and job.created_by == leader_user
    assert job.params["text"]["intro"] == ""
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


# -- the leader's text -------------------------------------------------------------

INTRO = "Vi hjalp 11 husstander til egen bolig.\n\nTakk til <b>NAV</b> & Husbanken."
COMMENTS = {
    "comment_key_figures": "Færre kjøpte enn i fjor.",
    "comment_trends": "Botiden før kjøp går ned.",
    "comment_stock": "Én bolig ble solgt.",
    "comment_follow_up": "Innkallingene startet i mars.",
}


def test_the_text_is_kept_with_the_published_report(
    leader_client, leader_user, skien, tmp_path, django_capture_on_commit_callbacks
):
    from reports.models import YearlyReportText
    from reports.tasks import build_yearly_report

    page = reverse("reports:report-list")
    # Saving a draft makes no report.
    response = leader_client.post(
        reverse("reports:report-create"), {"year": "2014", "intro": INTRO, **COMMENTS, "action": "save"}
    )
    assert response.status_code == 302 and response["Location"] == f"{page}?year=2014"
    assert not Job.objects.exists()
    draft = YearlyReportText.objects.get(year=2014)
    assert draft.intro == INTRO and draft.updated_by == leader_user
    html = leader_client.get(page, {"year": 2014}).content.decode()
    assert "Takk til &lt;b&gt;NAV&lt;/b&gt; &amp; Husbanken." in html
    # Publishing keeps the text as it is now.
    with django_capture_on_commit_callbacks(execute=True):
        leader_client.post(
            reverse("reports:report-create"),
            {"year": "2014", "intro": INTRO, **COMMENTS, "action": "publish"},
        )
    job = Job.objects.get(kind="yearly_report")
    assert job.state == JobState.DONE, job.error
    assert job.params["text"]["follow_up"] == COMMENTS["comment_follow_up"]
    # Later edits of the draft do not change the published report, even when its job runs again.
    YearlyReportText.objects.filter(pk=draft.pk).update(intro="Et helt annet utkast.")
    build_yearly_report.apply(args=(job.pk,))
    job.refresh_from_db()
    with job.result_file.open("rb") as published:
        text = pdf_text(published.read(), tmp_path)
    assert "Et helt annet utkast" not in text
    assert "Vi hjalp 11 husstander til egen bolig." in text
    # Plain text: the tags are printed as typed, never made into markup.
    assert "Takk til <b>NAV</b> & Husbanken." in text
    for comment in COMMENTS.values():
        assert comment in text
    # Each comment follows its own section.
    order = [text.index(c) for c in COMMENTS.values()]
    assert order == sorted(order)
    assert text.index("Hovedtall 2014") < order[0] < text.index("Utvikling")


def test_a_comment_never_starts_a_page(skien, tmp_path):
    """Wherever the page breaks fall (an introduction of one to eight
    paragraphs moves them), a section's comment is printed on the page of
    what it comments on, not alone at the top of the next one."""
    comments = {key.removeprefix("comment_"): value for key, value in COMMENTS.items()}
    path = tmp_path / "r.pdf"
    for n in range(1, 9):
        intro = "\n\n".join(["Et avsnitt i innledningen som tar en linje eller to i rapporten. " * 3] * n)
        path.write_bytes(render_yearly_report(skien, 2014, text={"intro": intro, **comments}))
        pages = subprocess.run(
            ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
        ).stdout.split("\f")
        for number, page in enumerate(pages, 1):
            lines = [line.strip() for line in page.splitlines() if line.strip()]
            assert not lines or lines[0] != "Kommentar fra boligkontoret", (n, number)


def test_a_report_made_without_text_has_no_comment_boxes(skien, tmp_path):
    text = pdf_text(render_yearly_report(skien, 2014, text={}), tmp_path)
    assert "Innledning" not in text and "Kommentar fra boligkontoret" not in text


def test_paragraphs_are_plain_text():
    from reports.yearly_report import paragraphs

    assert paragraphs("En\r\nlinje.\r\n\r\n\r\n  <p>To</p>  ") == ["En linje.", "<p>To</p>"]
    assert paragraphs("") == [] and paragraphs(None) == []


def test_no_row_is_printed_twice(skien, tmp_path):
    """Every figure has one row in one table: the follow-up and stock-change
    rows are no longer repeated after the key figures (the old last page)."""
    from reports.throughput import FIGURE_LABELS, KEY_FIGURES
    from reports.yearly_report import SECTION_FIGURES

    placed = [key for keys in SECTION_FIGURES.values() for key in keys]
    assert sorted(placed) == sorted(KEY_FIGURES)
    text = pdf_text(render_yearly_report(skien, 2014, text={}), tmp_path)
    lines = [line.strip() for line in text.splitlines()]
    for label in [*FIGURE_LABELS.values(), "Innkallingsbrev sendt", "Startlån innvilget"]:
        # A row is the label with figures after it (a chart's caption may share the words).
        starts = [
            line
            for line in lines
            if line.startswith(str(label)) and re.search(r"\d|–", line[len(str(label)) :])
        ]
        assert len(starts) == 1, (label, starts)
    assert row(text, "Innvilget startlån (kr)")[-1] == "0"


def test_the_four_cards_share_one_row(skien, tmp_path):
    """The key-figure cards use the width: all four values on one line."""
    text = pdf_text(render_yearly_report(skien, 2014, text={}), tmp_path)
    [line] = [line for line in text.splitlines() if re.fullmatch(r"\s*11\s+2\s+11\s+18\s*", line)]
    assert line


# -- the status says what the job is doing ---------------------------------------------


@pytest.mark.parametrize(
    ("state", "says", "polls"),
    [
        (JobState.WAITING, "Rapporten venter i køen", True),
        (JobState.RUNNING, "Rapporten lages nå", True),
        (JobState.DONE, "Rapporten er ferdig.", False),
        (JobState.FAILED, "Rapporten kunne ikke lages.", False),
    ],
)
def test_report_status_follows_the_job(leader_client, municipality, state, says, polls):
    job = create_job(
        municipality=municipality, kind="yearly_report", title="Årsrapport 2014", params={"year": 2014}
    )
    Job.objects.filter(pk=job.pk).update(state=state, message="Lagrer rapporten", error="")
    url = reverse("reports:report-detail", args=[job.pk])
    for response in (leader_client.get(url), leader_client.get(url, headers={"HX-Request": "true"})):
        html = response.content.decode()
        assert says in html
        assert ("hx-trigger" in html) is polls
        # A step's message only while the job is at it.
        assert ("Lagrer rapporten" in html) is polls
        if state != JobState.RUNNING:
            assert "lages nå" not in html


def test_a_finished_report_never_says_it_is_being_made(
    leader_client, skien, django_capture_on_commit_callbacks
):
    # In the demo the job runs as the request commits: done before the page shows.
    with django_capture_on_commit_callbacks(execute=True):
        response = leader_client.post(reverse("reports:report-create"), {"year": "2014", "action": "publish"})
    html = leader_client.get(response["Location"]).content.decode()
    assert "Rapporten er ferdig." in html and "lages nå" not in html


@pytest.mark.parametrize(
    ("kind", "state", "says"),
    [
        ("register_import_preview", JobState.WAITING, "Kontrollen av filene venter i køen"),
        ("register_import_preview", JobState.RUNNING, "Filene kontrolleres nå"),
        ("register_import_preview", JobState.DONE, "Kontrollen er ferdig."),
        ("register_import", JobState.RUNNING, "Importen pågår nå"),
        ("register_import", JobState.DONE, "Importen er ferdig."),
        ("register_import", JobState.FAILED, "Importen kunne ikke fullføres."),
    ],
)
def test_import_status_follows_the_job(leader_client, municipality, kind, state, says):
    job = create_job(municipality=municipality, kind=kind, title="Import")
    Job.objects.filter(pk=job.pk).update(state=state)
    html = leader_client.get(
        reverse("reports:import-detail", args=[job.pk]), headers={"HX-Request": "true"}
    ).content.decode()
    assert says in html
    assert ("hx-trigger" in html) is (state in (JobState.WAITING, JobState.RUNNING))
