"""The leader's pages: dashboard with export, yearly reports. (The register
import's pages are in register_import.views, routed from reports/urls.py.)"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from housing_office.errors import user_municipality
from housing_office.files import Action, log_access
from housing_office.jobs import create_job, enqueue
from housing_office.models import Job, JobState
from housing_office.permissions import leader_required
from housing_office.spreadsheets import to_csv, to_xlsx

from . import tasks
from .apps import YEARLY_REPORT_JOB
from .charts import Series, bar_chart, hbar_chart, line_chart
from .dashboard import available_years, dashboard_data, export_rows
from .forms import ReportYearForm


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
    categories = [str(y) for y in trend]
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
    return render(request, "reports/dashboard.html", {"data": data, "charts": charts, "years": years})


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


@leader_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    municipality = user_municipality(request)
    reports = (
        Job.objects.filter(kind=YEARLY_REPORT_JOB).select_related("created_by").order_by("-created_at")[:100]
    )
    form = ReportYearForm(years=available_years(municipality, timezone.localdate()))
    return render(request, "reports/report_list.html", {"reports": reports, "form": form})


@leader_required
@require_POST
def report_create(request: HttpRequest) -> HttpResponse:
    municipality = user_municipality(request)
    form = ReportYearForm(request.POST, years=available_years(municipality, timezone.localdate()))
    if not form.is_valid():
        reports = Job.objects.filter(kind=YEARLY_REPORT_JOB).select_related("created_by")[:100]
        return render(request, "reports/report_list.html", {"reports": reports, "form": form}, status=400)
    year = form.cleaned_data["year"]
    job = create_job(
        municipality=municipality,
        kind=YEARLY_REPORT_JOB,
        title=_("Årsrapport %(year)s") % {"year": year},
        created_by=request.user,
        params={"year": year},
        total=2,
    )
    enqueue(tasks.build_yearly_report, job)
    messages.info(request, _("Rapporten lages nå. Siden viser når den er ferdig."))
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
