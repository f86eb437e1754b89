"""The caseworker's meeting pages: the list, planning and recording.

Every lookup goes through the scoping managers, so another municipality's
household, person or meeting is a 404 here without any filter by hand.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from housing_office.errors import add_to_form, local_url

from .filters import MINE, NONE, caseworker_choices
from .forms import (
    MeetingPlanForm,
    MeetingRecordForm,
)
from .models import (
    Household,
    MeetingStatus,
    OutreachMeeting,
)
from .queries import main_person_name
from .services import (
    DomainError,
    plan_meeting,
    record_meeting,
)

MEETINGS_LIMIT = 100


# Meetings -------------------------------------------------------------------


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@login_required
@permission_required("tenants.view_outreachmeeting", raise_exception=True)
def meeting_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    value = request.GET.get("caseworker", MINE)
    # "Without caseworker" means nothing for meetings, which always have one.
    choices = [("all", _("Alle saksbehandlere"))]
    choices += [c for c in caseworker_choices(request.user) if c[0] != NONE]
    if value not in {v for v, _label in choices}:
        value = MINE
    meetings = OutreachMeeting.objects.filter(status=MeetingStatus.PLANNED).select_related(
        "household", "caseworker"
    )
    if value == MINE:
        meetings = meetings.filter(caseworker=request.user)
    elif value != "all":
        meetings = meetings.filter(caseworker_id=int(value))
    meetings = meetings.annotate(main_name=main_person_name("household"))
    start_today = _start_of(today)
    start_tomorrow = _start_of(today + datetime.timedelta(days=1))
    next_monday = _start_of(today + datetime.timedelta(days=7 - today.weekday()))
    upcoming = list(meetings.filter(starts_at__gte=start_today).order_by("starts_at")[: MEETINGS_LIMIT + 1])
    overdue = list(meetings.filter(starts_at__lt=start_today).order_by("-starts_at")[:MEETINGS_LIMIT])
    more = len(upcoming) > MEETINGS_LIMIT
    upcoming = upcoming[:MEETINGS_LIMIT]
    groups = [
        ("today", _("I dag"), [m for m in upcoming if m.starts_at < start_tomorrow]),
        (
            "week",
            _("Resten av uken"),
            [m for m in upcoming if start_tomorrow <= m.starts_at < next_monday],
        ),
        ("later", _("Senere"), [m for m in upcoming if m.starts_at >= max(next_monday, start_tomorrow)]),
    ]
    return render(
        request,
        "tenants/meeting_list.html",
        {
            "groups": groups,
            "overdue": overdue,
            "more": more,
            "limit": MEETINGS_LIMIT,
            "caseworker": value,
            "caseworker_choices": choices,
        },
    )


@login_required
@permission_required("tenants.change_outreachmeeting", raise_exception=True)
@require_http_methods(["GET", "POST"])
def meeting_record(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(OutreachMeeting.objects.select_related("household", "caseworker"), pk=pk)
    form = MeetingRecordForm(request.POST or None, instance=meeting)
    if request.method == "POST" and form.is_valid():
        stage_before = meeting.household.pathway_stage
        try:
            with transaction.atomic():
                record_meeting(
                    meeting,
                    status=form.cleaned_data["status"],
                    outcome_notes=form.cleaned_data["outcome_notes"],
                    next_steps=form.cleaned_data["next_steps"],
                    by=request.user,
                )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Samtalen er registrert."))
            household = Household.objects.get(pk=meeting.household_id)
            if household.pathway_stage != stage_before:
                messages.info(
                    request,
                    _("%(ref)s er flyttet til «%(stage)s».")
                    % {"ref": household.reference, "stage": household.get_pathway_stage_display()},
                )
            target = local_url(request, request.POST.get("next"))
            return HttpResponseRedirect(target or reverse("tenants:household-detail", args=[household.pk]))
    return render(
        request,
        "tenants/meeting_record.html",
        {"meeting": meeting, "form": form, "next": local_url(request, request.GET.get("next")) or ""},
    )


@login_required
@permission_required("tenants.add_outreachmeeting", raise_exception=True)
@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest) -> HttpResponse:
    try:
        household_pk = int(request.GET.get("household", ""))
    except ValueError:
        raise Http404 from None
    household = get_object_or_404(Household, pk=household_pk)
    municipality = household.municipality
    form = MeetingPlanForm(
        request.POST or None, municipality=municipality, initial={"caseworker": request.user.pk}
    )
    if request.method == "POST" and form.is_valid():
        try:
            meeting = plan_meeting(
                household,
                caseworker=form.cleaned_data["caseworker"],
                starts_at=form.starts_at,
                place=form.cleaned_data["place"],
                duration_minutes=form.cleaned_data["duration_minutes"],
                token=form.cleaned_data["token"],
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(
                request,
                _("Samtalen med %(ref)s er planlagt %(when)s.")
                % {
                    "ref": household.reference,
                    "when": date_format(timezone.localtime(meeting.starts_at), "SHORT_DATETIME_FORMAT"),
                },
            )
            return redirect(reverse("tenants:household-detail", args=[household.pk]) + "#meetings")
    return render(request, "tenants/meeting_form.html", {"household": household, "form": form})
