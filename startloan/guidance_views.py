"""Pages of economic guidance: a household's economy (budget, savings plan,
debts, progress), a new budget version, and the ownership-readiness watch."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from housing_office.errors import DomainError, add_to_form
from tenants.models import Household
from tenants.queries import main_person_name

from . import guidance, readiness, services
from .guidance_forms import BudgetForm
from .models import ReadinessStatus


@login_required
@permission_required("startloan.view_householdbudget", raise_exception=True)
def household_economy(request: HttpRequest, household_pk: int) -> HttpResponse:
    household = get_object_or_404(Household, pk=household_pk)
    budget = guidance.latest_budget(household)
    status = ReadinessStatus.objects.filter(household=household).first()
    return render(
        request,
        "startloan/economy.html",
        {
            "household": household,
            "budget": budget,
            "f": budget.figures if budget else None,
            "plan": guidance.plan_of(budget) if budget else None,
            "debts": guidance.debt_overview(budget) if budget else None,
            "history": guidance.history(household),
            "readiness": status,
        },
    )


@login_required
@permission_required("startloan.add_householdbudget", raise_exception=True)
def budget_create(request: HttpRequest, household_pk: int) -> HttpResponse:
    household = get_object_or_404(Household.objects.prefetch_related("members"), pk=household_pk)
    # The service checks it again for the budget's own date.
    required = guidance.electricity_needed({}, household)
    if request.method == "POST":
        form = BudgetForm(request.POST, electricity_required=required)
        if form.is_valid():
            try:
                guidance.save_budget(household, form.cleaned_data, by=request.user)
            except DomainError as exc:
                add_to_form(form, exc)
            else:
                messages.success(request, _("Budsjettet er lagret."))
                return redirect("startloan:household-economy", household_pk=household.pk)
    else:
        form = BudgetForm(initial=guidance.budget_initial(household), electricity_required=required)
    return render(
        request,
        "startloan/budget_form.html",
        {"form": form, "household": household, "composition": services.composition_for(household)},
    )


@login_required
@permission_required("startloan.view_readinessstatus", raise_exception=True)
def readiness_list(request: HttpRequest) -> HttpResponse:
    flagged = (
        ReadinessStatus.objects.filter(affordable=True)
        .select_related("household", "budget")
        .annotate(main_name=main_person_name("household_id"))
        .order_by("-flagged_on", "household__reference")
    )
    watched = ReadinessStatus.objects.count()
    return render(
        request,
        "startloan/readiness_list.html",
        {
            "flagged": flagged,
            "watched": watched,
            "job": readiness.latest_job(request.user.municipality_id)
            if request.user.municipality_id
            else None,
        },
    )


@login_required
@permission_required("startloan.add_householdbudget", raise_exception=True)
@require_POST
def readiness_run(request: HttpRequest) -> HttpResponse:
    job = readiness.start_watch(request.user.municipality, by=request.user)
    return redirect("job-detail", pk=job.pk)
