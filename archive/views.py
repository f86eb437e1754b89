"""The archive's pages: a household's case file, registering an incoming
document, the public journal, the extraction."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from housing_office.errors import user_municipality
from housing_office.files import Action, file_response, serve_logged
from housing_office.jobs import create_job, enqueue
from housing_office.models import Job
from housing_office.permissions import leader_required
from housing_office.spreadsheets import to_csv
from letters.models import LetterStatus
from letters.tasks import render_now
from tenants.models import Household

from . import tasks
from .apps import EXTRACTION_JOB
from .extraction import creator_of
from .forms import ExtractionForm, IncomingDocumentForm, PeriodForm
from .models import CaseFile, RegistryEntry
from .noark import journals
from .services import entries_in_period, journal_missing_letters, letters_not_journaled, register_incoming


@login_required
@require_http_methods(["GET", "POST"])
def case_file(request: HttpRequest, pk: int) -> HttpResponse:
    """A household's case file: its registry entries and the form that
    registers an incoming document."""
    household = get_object_or_404(Household, pk=pk)
    municipality = user_municipality(request)
    form = IncomingDocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        entry = register_incoming(
            household,
            title=form.cleaned_data["title"],
            received_on=form.cleaned_data["received_on"],
            sender=form.cleaned_data["sender"],
            public_title=form.cleaned_data["public_title"],
            screened=form.cleaned_data["screened"],
            upload=form.cleaned_data["document"],
            by=request.user,
            token=form.cleaned_data["token"],
        )
        messages.success(request, _("Dokumentet er journalført som %(ref)s.") % {"ref": entry.reference})
        return redirect("archive:case-file", pk=household.pk)
    found = CaseFile.objects.filter(household_id=household.pk).first()
    entries = found.entries.select_related("letter", "registered_by").order_by("number") if found else []
    return render(
        request,
        "archive/case_file.html",
        {
            "household": household,
            "case_file": found,
            "entries": entries,
            "form": form,
            "municipality": municipality,
            "failed": LetterStatus.FAILED,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def document_download(request: HttpRequest, pk: int) -> HttpResponse:
    """An entry's document, checked against its checksum and logged."""
    entry = get_object_or_404(RegistryEntry.objects.select_related("case_file", "letter"), pk=pk)
    if entry.letter_id:
        letter = entry.letter
        if letter.status == LetterStatus.PENDING:
            # Made and journaled, not rendered yet (a batch no worker has
            # reached, the demo's older history): rendered from its snapshot
            # now, as the letter's own download does.
            letter = render_now(letter.pk)
        if letter.status != LetterStatus.RENDERED:
            raise Http404
        stored, sha256 = letter.pdf, letter.sha256
    else:
        stored, sha256 = entry.document, entry.document_sha256
    return serve_logged(
        stored,
        user=request.user,
        municipality_id=entry.municipality_id,
        action=Action.DOWNLOAD_LETTER,
        object_repr=f"{entry.reference} {entry.title}",
        filename=f"dokument-{entry.reference.replace('/', '-')}.pdf",
        household_id=entry.case_file.household_id,
        sha256=sha256,
    )


def _journal_rows(entries) -> list[list[object]]:
    return [
        [
            e.journal_date,
            e.journal_number,
            e.reference,
            e.get_entry_type_display(),
            e.case_file.public_title,
            e.shown_title,
            e.shown_party,
            e.document_date,
            _("offl. § 13 jf. fvl. § 13") if e.screened else "",
        ]
        for e in entries
    ]


JOURNAL_COLUMNS = [
    "Journaldato",
    "Journalnummer",
    "Saksnummer og dokumentnummer",
    "Type",
    "Sak",
    "Tittel",
    "Avsender/mottaker",
    "Dokumentdato",
    "Unntatt offentlighet",
]


@leader_required
@require_http_methods(["GET", "POST"])
def public_journal_page(request: HttpRequest) -> HttpResponse:
    """The public journal for a period, with screened names masked; as a page,
    as CSV or as offentligJournal.xml.

    Reading it writes nothing. Letters are journaled as they are made; the
    ones that are not (made before the archive existed) are counted, and the
    leader journals them with the page's button (a POST), or the year's
    extraction job does."""
    municipality = user_municipality(request)
    if request.method == "POST":
        count = journal_missing_letters(municipality)
        messages.success(
            request,
            ngettext("%(n)s brev er journalført.", "%(n)s brev er journalført.", count) % {"n": count},
        )
        return redirect(f"{request.path}?{request.GET.urlencode()}" if request.GET else request.path)
    today = timezone.localdate()
    data = (
        request.GET if "start" in request.GET else {"start": today - datetime.timedelta(days=7), "end": today}
    )
    form = PeriodForm(data)
    entries: list[RegistryEntry] = []
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        entries = list(entries_in_period(municipality.pk, start, end))
        fmt = request.GET.get("format")
        if fmt == "csv":
            sheet = {
                f"Offentlig journal {start:%d.%m.%Y}–{end:%d.%m.%Y}": [
                    JOURNAL_COLUMNS,
                    *_journal_rows(entries),
                ]
            }
            return file_response(
                to_csv(sheet),
                f"offentlig-journal-{start}-{end}.csv",
                content_type="text/csv; charset=utf-8",
                inline=False,
            )
        if fmt == "xml":
            return file_response(
                journals.write(entries, start, end, creator_of(municipality), public=True),
                "offentligJournal.xml",
                content_type="application/xml",
                inline=False,
            )
    return render(
        request,
        "archive/public_journal.html",
        {
            "form": form,
            "entries": entries,
            # The period shown, also on the first visit (the last seven days,
            # no query string), for the page's download links.
            "query": urlencode({"start": start, "end": end}) if form.is_valid() else "",
            "not_journaled": letters_not_journaled(municipality).count(),
        },
        status=200 if form.is_valid() else 400,
    )


@leader_required
@require_http_methods(["GET", "POST"])
def extraction_page(request: HttpRequest) -> HttpResponse:
    """Order an extraction of a year as a job; list the ones made."""
    municipality = user_municipality(request)
    form = ExtractionForm(request.POST or None, initial={"year": timezone.localdate().year - 1})
    if request.method == "POST" and form.is_valid():
        year = form.cleaned_data["year"]
        job = create_job(
            municipality=municipality,
            kind=EXTRACTION_JOB,
            title=_("Arkivuttrekk %(year)s") % {"year": year},
            created_by=request.user,
            params={"year": year},
            total=2,
        )
        enqueue(tasks.build_extraction, job)
        return redirect("job-detail", pk=job.pk)
    jobs = Job.objects.filter(kind=EXTRACTION_JOB).select_related("created_by").order_by("-created_at")[:50]
    return render(
        request,
        "archive/extraction.html",
        {"form": form, "jobs": jobs},
        status=400 if request.method == "POST" else 200,
    )
