"""The leader's pages: dashboard with export, yearly reports. (The register
import's pages are in register_import.views, routed from reports/urls.py.)"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from housing_office.errors import user_municipality
from housing_office.files import Action, log_access
from housing_office.jobs import create_job, enqueue
from housing_office.models import Job, JobState
from housing_office.permissions import leader_required
from housing_office.spreadsheets import to_csv, to_xlsx
from tenants.barriers import barrier_counts

from . import tasks
from .apps import YEARLY_REPORT_JOB
from .charts import Series, bar_chart, hbar_chart, line_chart
from .dashboard import available_years, dashboard_data, export_rows, period_labels
from .forms import ReportYearForm, YearlyReportTextForm
from .models import YearlyReportText


def _year(request: HttpRequest, years: list[int]) -> int:
    default = timezone.localdate().year
    try:
        year = int(request.GET.get("year", default))
    except ValueError:
        return default
    return year if year in years else default


# -- dashboard ------------------------------------------------------------------


@leader_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    municipality = user_municipality(request)
    today = timezone.localdate()
    years = available_years(municipality, today)
    data = dashboard_data(municipality, _year(request, years), today, years)
    trend = data.trend_years
    # The running year is only part of one: its bar says so.
    categories = [
        _("%(y)s (hittil)") % {"y": y} if data.period.partial and y == data.year else str(y) for y in trend
    ]
    charts = {
        "exits": bar_chart(
            "chart-exits",
            _("Utflyttinger til eie og privat leie per år"),
            categories,
            [
                Series(_("Kjøpt egen bolig"), [data.trends[y]["moved_to_ownership"] for y in trend]),
                Series(_("Privat leie"), [data.trends[y]["moved_to_private_rental"] for y in trend]),
            ],
        ),
        "freed": bar_chart(
            "chart-freed",
            _("Boliger frigjort per år"),
            categories,
            [Series(_("Boliger frigjort"), [data.trends[y]["dwellings_freed"] for y in trend])],
        ),
        "median": line_chart(
            "chart-median",
            _("Median botid ved utflytting (år)"),
            categories,
            [data.trends[y]["median_tenancy_years_at_exit"] for y in trend],
            unit=_("år"),
        ),
        "funnel": hbar_chart(
            "chart-funnel",
            _("Husstander i hver fase"),
            [s.label for s in data.funnel],
            [s.count for s in data.funnel],
        ),
    }
    this_label, last_label = period_labels(data.period)
    context = {
        "data": data,
        "charts": charts,
        "years": years,
        "this_label": this_label,
        "last_label": last_label,
        "barriers": barrier_counts(municipality.pk),
        "ledger": data.ledger,
    }
    return render(request, "reports/dashboard.html", context)


@leader_required
@require_GET
def dashboard_export(request: HttpRequest, fmt: str) -> HttpResponse:
    municipality = user_municipality(request)
    today = timezone.localdate()
    years = available_years(municipality, today)
    data = dashboard_data(municipality, _year(request, years), today, years)
    sheets = export_rows(data)
    name = f"nokkeltall-{municipality.number}-{data.year}"
    if fmt == "csv":
        response = HttpResponse(to_csv(sheets), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    else:
        response = HttpResponse(
            to_xlsx(sheets), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


# -- yearly reports -----------------------------------------------------------------


def _report_page(
    request: HttpRequest,
    year_form: ReportYearForm,
    text_form: YearlyReportTextForm,
    year: int,
    status: int = 200,
) -> HttpResponse:
    reports = (
        Job.objects.filter(kind=YEARLY_REPORT_JOB).select_related("created_by").order_by("-created_at")[:100]
    )
    context = {"reports": reports, "form": year_form, "text_form": text_form, "year": year}
    return render(request, "reports/report_list.html", context, status=status)


def _chosen_year(request: HttpRequest, years: list[int]) -> int:
    """The year asked for (?year=), else last year: the one a report is
    normally written for."""
    default = timezone.localdate().year - 1
    default = default if default in years else years[0]
    try:
        year = int(request.GET.get("year", default))
    except (TypeError, ValueError, OverflowError):
        return default
    return year if year in years else default


@leader_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    """The yearly reports made, and the chosen year's introduction and
    comments, to write before the report is made."""
    municipality = user_municipality(request)
    years = available_years(municipality, timezone.localdate())
    year = _chosen_year(request, years)
    year_form = ReportYearForm(years=years, initial={"year": year})
    text = YearlyReportText.objects.filter(year=year).first()
    return _report_page(request, year_form, YearlyReportTextForm(instance=text), year)


@leader_required
@require_POST
def report_create(request: HttpRequest) -> HttpResponse:
    """Save the year's text; with "publish", also order the report, which
    keeps a copy of the text as it is now."""
    municipality = user_municipality(request)
    years = available_years(municipality, timezone.localdate())
    year_form = ReportYearForm(request.POST, years=years)
    if not year_form.is_valid():
        return _report_page(request, year_form, YearlyReportTextForm(request.POST), years[0], status=400)
    year = year_form.cleaned_data["year"]
    text = YearlyReportText.objects.filter(year=year).first() or YearlyReportText(
        municipality=municipality, year=year
    )
    text_form = YearlyReportTextForm(request.POST, instance=text)
    if not text_form.is_valid():
        return _report_page(request, year_form, text_form, year, status=400)
    text = text_form.save(commit=False)
    text.updated_by = request.user
    text.save()
    if request.POST.get("action") != "publish":
        messages.success(
            request,
            _("Teksten til årsrapporten for %(year)s er lagret. Rapporten er ikke laget ennå.")
            % {"year": year},
        )
        return redirect(f"{reverse('reports:report-list')}?year={year}")
    job = create_job(
        municipality=municipality,
        kind=YEARLY_REPORT_JOB,
        title=_("Årsrapport %(year)s") % {"year": year},
        created_by=request.user,
        # The text as it is now: the published PDF keeps it, whatever is
        # written in the draft afterwards.
        params={"year": year, "text": text.snapshot()},
        total=2,
    )
    enqueue(tasks.build_yearly_report, job)
    # No "being made" message here: the page below says what the job's state
    # really is (in the demo the report is already finished).
    return redirect("reports:report-detail", pk=job.pk)


@leader_required
@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(Job, pk=pk, kind=YEARLY_REPORT_JOB)
    template = (
        "reports/_report_status.html" if request.headers.get("HX-Request") else "reports/report_detail.html"
    )
    return render(request, template, {"job": job})


@leader_required
@require_GET
def report_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(Job, pk=pk, kind=YEARLY_REPORT_JOB, state=JobState.DONE)
    if not job.result_file:
        raise Http404
    log_access(
        user=request.user,
        municipality_id=job.municipality_id,
        action=Action.DOWNLOAD_REPORT,
        object_repr=job.title,
    )
    year = job.params.get("year", "")
    return FileResponse(
        job.result_file.open("rb"),
        as_attachment=True,
        filename=f"arsrapport-{job.municipality.number}-{year}.pdf",
        content_type="application/pdf",
    )
