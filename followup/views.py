"""The follow-up pages: the worklist, a household's plan with its contacts
and agreed actions, the check-in after a purchase, and the leader's setting.

Every lookup goes through the scoping managers, so another municipality's
plan, action or tenancy is a 404 here without any filter by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from dwellings.models import EndReason, Tenancy
from housing_office.errors import DomainError, add_to_form, user_municipality
from housing_office.permissions import leader_required
from tenants.models import Household

from . import services
from .forms import ActionDoneForm, ActionForm, CheckInForm, ContactForm, PlanForm, SettingForm
from .models import CHECK_IN_YEARS, AgreedAction, FollowUpPlan, FollowUpSetting, PostMoveCheckIn
from .worklist import ACTIONS_AHEAD_DAYS, actions_due, check_ins_due, quiet_plans

# The lists of the worklist show at most this many rows each.
WORKLIST_LIMIT = 200


@login_required
@permission_required("followup.view_followupplan", raise_exception=True)
def worklist(request: HttpRequest) -> HttpResponse:
    municipality = user_municipality(request)
    today = timezone.localdate()
    mine = request.GET.get("mine") == "1"
    adviser = request.user if mine else None
    days = services.no_contact_days(municipality.pk)
    return render(
        request,
        "followup/worklist.html",
        {
            "today": today,
            "mine": mine,
            "days": days,
            "ahead": ACTIONS_AHEAD_DAYS,
            "actions": list(actions_due(today, adviser)[:WORKLIST_LIMIT]),
            "quiet": list(quiet_plans(today, days, adviser)[:WORKLIST_LIMIT]),
            "check_ins": check_ins_due(today)[:WORKLIST_LIMIT],
            "limit": WORKLIST_LIMIT,
            "plans_open": FollowUpPlan.objects.filter(end_date__isnull=True).count(),
        },
    )


@leader_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    municipality = user_municipality(request)
    setting = FollowUpSetting.objects.filter(municipality=municipality).first() or FollowUpSetting(
        municipality=municipality
    )
    form = SettingForm(request.POST or None, instance=setting)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Innstillingen er lagret."))
        return redirect("followup:worklist")
    return render(request, "followup/settings.html", {"form": form})


def _plan(pk: int) -> FollowUpPlan:
    return get_object_or_404(FollowUpPlan.objects.select_related("household", "adviser"), pk=pk)


def _detail(request: HttpRequest, plan: FollowUpPlan, status: int = 200, **forms: Any) -> HttpResponse:
    today = timezone.localdate()
    context = {
        "plan": plan,
        "household": plan.household,
        "today": today,
        "contacts": list(plan.contacts.select_related("by")),
        "actions": list(plan.actions.all()),
        "contact_form": forms.get("contact_form") or ContactForm(initial={"date": today}),
        "action_form": forms.get("action_form") or ActionForm(),
        "done_form": ActionDoneForm(initial={"done_on": today}),
    }
    return render(request, "followup/plan_detail.html", context, status=status)


@login_required
@permission_required("followup.view_followupplan", raise_exception=True)
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _plan(pk))


@login_required
@permission_required("followup.add_followupplan", raise_exception=True)
@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest, household_pk: int) -> HttpResponse:
    household = get_object_or_404(Household, pk=household_pk)
    municipality = user_municipality(request)
    initial = {
        "start_date": timezone.localdate(),
        "adviser": request.user.pk,
        "nav_contact_organisation": "NAV",
    }
    form = PlanForm(request.POST or None, municipality=municipality, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.create_plan(household, token=form.cleaned_data["token"], **form.plan_data())
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Oppfølgingsplanen er lagret."))
            return redirect("followup:plan-detail", pk=plan.pk)
    return render(request, "followup/plan_form.html", {"form": form, "household": household, "plan": None})


@login_required
@permission_required("followup.change_followupplan", raise_exception=True)
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(pk)
    form = PlanForm(request.POST or None, instance=plan, municipality=plan.household.municipality)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_plan(FollowUpPlan.objects.get(pk=plan.pk), **form.plan_data())
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Endringene er lagret."))
            return redirect("followup:plan-detail", pk=plan.pk)
    return render(
        request, "followup/plan_form.html", {"form": form, "household": plan.household, "plan": plan}
    )


def _add_to_plan(
    request: HttpRequest,
    pk: int,
    form_class: type[forms.Form],
    form_name: str,
    add: Callable[[FollowUpPlan, dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """Validate one of the plan page's small forms and add what it records;
    on a refusal the plan page again, with the form and its message."""
    plan = _plan(pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            add(plan, form.cleaned_data)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, done)
            return redirect("followup:plan-detail", pk=plan.pk)
    return _detail(request, plan, status=400, **{form_name: form})


@login_required
@permission_required("followup.add_followupcontact", raise_exception=True)
@require_POST
def contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    def add(plan: FollowUpPlan, data: dict[str, Any]) -> object:
        return services.add_contact(
            plan,
            date=data["date"],
            kind=data["kind"],
            outcome=data["outcome"],
            by=request.user,
            today=timezone.localdate(),
            token=data["token"],
        )

    return _add_to_plan(request, pk, ContactForm, "contact_form", add, _("Kontakten er registrert."))


@login_required
@permission_required("followup.add_agreedaction", raise_exception=True)
@require_POST
def action_add(request: HttpRequest, pk: int) -> HttpResponse:
    def add(plan: FollowUpPlan, data: dict[str, Any]) -> object:
        return services.add_action(
            plan,
            description=data["description"],
            responsible=data["responsible"],
            due_on=data["due_on"],
            token=data["token"],
        )

    return _add_to_plan(request, pk, ActionForm, "action_form", add, _("Tiltaket er lagt til."))


@login_required
@permission_required("followup.change_agreedaction", raise_exception=True)
@require_POST
def action_done(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(AgreedAction, pk=pk)
    form = ActionDoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Oppgi datoen tiltaket ble utført."))
    else:
        try:
            services.mark_action_done(
                action, done_on=form.cleaned_data["done_on"], today=timezone.localdate()
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Tiltaket er merket som utført."))
    return redirect("followup:plan-detail", pk=action.plan_id)


@login_required
@permission_required("followup.add_postmovecheckin", raise_exception=True)
@require_http_methods(["GET", "POST"])
def check_in(request: HttpRequest, tenancy_pk: int) -> HttpResponse:
    tenancy = get_object_or_404(
        Tenancy.objects.select_related("household", "dwelling"),
        pk=tenancy_pk,
        end_reason=EndReason.BOUGHT_OWN_HOME,
    )
    done = list(PostMoveCheckIn.objects.filter(tenancy=tenancy).select_related("by").order_by("years_after"))
    missing = [n for n in CHECK_IN_YEARS if n not in {c.years_after for c in done}]
    wanted = request.GET.get("ar")
    initial = {
        "done_on": timezone.localdate(),
        "years_after": int(wanted) if wanted in {str(n) for n in missing} else (missing[0] if missing else 1),
    }
    form = CheckInForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_check_in(
                tenancy, by=request.user, today=timezone.localdate(), **form.cleaned_data
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Oppfølgingen etter kjøp er registrert."))
            return redirect("tenants:household-detail", pk=tenancy.household_id)
    due = {n: services.check_in_due_on(tenancy, n) for n in CHECK_IN_YEARS}
    return render(
        request,
        "followup/check_in.html",
        {"tenancy": tenancy, "household": tenancy.household, "form": form, "done": done, "due": due},
    )


def household_section(request: HttpRequest, household: Household) -> dict[str, Any]:
    """The household page's follow-up section (tenants.household_page):
    its plans, and its check-ins after a purchase. Three queries."""
    plans = list(household.followup_plans.select_related("adviser").order_by("-start_date", "-pk"))
    return {
        "household": household,
        "plans": plans,
        "has_open_plan": any(p.end_date is None for p in plans),
        "check_ins": list(household.check_ins.order_by("-done_on", "-pk")),
        "bought": list(
            household.tenancies.filter(end_reason=EndReason.BOUGHT_OWN_HOME).order_by("-end_date", "-pk")
        ),
    }
