"""The leader's stock-plan page: the reinvestment ledger, needs against
stock and next year's forecast with its back-test."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from housing_office.errors import user_municipality
from housing_office.jobs import create_job, enqueue
from housing_office.permissions import leader_required

from . import tasks
from .apps import STOCK_PLAN_JOB
from .stock_plan_pdf import stock_plan_context

# Planned purchases or sales beyond this in one year are a typing error.
MAX_PLANNED = 500


class AssumptionsForm(forms.Form):
    kjop = forms.IntegerField(
        label=gettext_lazy("Planlagte kjøp neste år (boliger)"),
        min_value=0,
        max_value=MAX_PLANNED,
        required=False,
    )
    salg = forms.IntegerField(
        label=gettext_lazy("Planlagte salg av ledige boliger neste år"),
        min_value=0,
        max_value=MAX_PLANNED,
        required=False,
    )


class PublishForm(AssumptionsForm):
    text = forms.CharField(
        label=gettext_lazy("Lederens tekst i boligplanen"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("Vanlig tekst. La en tom linje skille avsnittene."),
    )


@leader_required
@require_GET
def stock_plan(request: HttpRequest) -> HttpResponse:
    municipality = user_municipality(request)
    form = AssumptionsForm(request.GET or None)
    assumptions = form.cleaned_data if form.is_valid() else {}
    context = stock_plan_context(
        municipality,
        timezone.localdate(),
        planned_purchases=assumptions.get("kjop") or 0,
        planned_sales=assumptions.get("salg") or 0,
    )
    context.update(active="stock", form=form, publish_form=PublishForm(initial=assumptions))
    return render(request, "reports/stock_plan.html", context)


@leader_required
@require_POST
def stock_plan_publish(request: HttpRequest) -> HttpResponse:
    """Order the stock plan PDF with the assumptions and the leader's text
    as they are now; the job page follows it."""
    municipality = user_municipality(request)
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Kontroller forutsetningene og teksten."))
        return redirect("reports:stock-plan")
    today = timezone.localdate()
    job = create_job(
        municipality=municipality,
        kind=STOCK_PLAN_JOB,
        title=_("Boligplan per %(date)s") % {"date": formats.date_format(today, "d.m.Y")},
        created_by=request.user,
        params={
            "day": today.isoformat(),
            "planned_purchases": form.cleaned_data.get("kjop") or 0,
            "planned_sales": form.cleaned_data.get("salg") or 0,
            "text": form.cleaned_data.get("text") or "",
        },
        total=2,
    )
    enqueue(tasks.build_stock_plan, job)
    return redirect("job-detail", pk=job.pk)
