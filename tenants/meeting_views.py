"""The caseworker's meeting pages: the list, planning and recording.

Every lookup goes through the scoping managers, so another municipality's
household, person or meeting is a 404 here without any filter by hand.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from housing_office.errors import add_to_form, local_url, user_municipality
from housing_office.permissions import leader_required

from .barrier_forms import BarrierFormSet
from .filters import MINE, NONE, apply_search, caseworker_choices, search_words
from .forms import HELD, PLAN, MeetingForm, MeetingRecordForm
from .models import (
    Barrier,
    Household,
    MeetingStatus,
    OutreachMeeting,
)
from .pathway import STAGES_BEFORE_MAPPING
from .queries import main_person_name
from .services import (
    DomainError,
    has_started,
    plan_meeting,
    record_meeting,
    register_held_meeting,
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


def _household_moved_message(request: HttpRequest, household_pk: int, stage_before: str) -> Household:
    household = Household.objects.get(pk=household_pk)
    if household.pathway_stage != stage_before:
        messages.info(
            request,
            _("%(ref)s er flyttet til «%(stage)s».")
            % {"ref": household.reference, "stage": household.get_pathway_stage_display()},
        )
    return household


def _then(request: HttpRequest) -> str | None:
    """Where the caseworker goes straight on from a held meeting: the
    "Lagre og lag budsjett" button posts the household's budget page (the
    template finds it by URL name, so tenants never imports the app that
    owns it), since the meeting is where the income and debts are first
    heard. Only a path on this site is followed."""
    return local_url(request, request.POST.get("then"))


@login_required
@permission_required("tenants.change_outreachmeeting", raise_exception=True)
@require_http_methods(["GET", "POST"])
def meeting_record(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(
        OutreachMeeting.objects.select_related("household", "caseworker").annotate(
            main_name=main_person_name("household")
        ),
        pk=pk,
    )
    form = MeetingRecordForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        stage_before = meeting.household.pathway_stage
        try:
            with transaction.atomic():
                record_meeting(
                    meeting,
                    status=form.cleaned_data["status"],
                    outcome_notes=form.cleaned_data["outcome_notes"],
                    next_steps=form.cleaned_data["next_steps"],
                    barriers=form.cleaned_data["barriers"],
                    household_goal=form.cleaned_data["household_goal"],
                    by=request.user,
                )
        except DomainError as exc:
            add_to_form(form, exc)
            # The page shows the meeting as it is stored, not as it was posted.
            meeting.refresh_from_db(fields=["status", "outcome_notes", "next_steps"])
        else:
            messages.success(request, _("Samtalen er registrert."))
            household = _household_moved_message(request, meeting.household_id, stage_before)
            held = form.cleaned_data["status"] == MeetingStatus.HELD
            target = (_then(request) if held else None) or local_url(request, request.POST.get("next"))
            return HttpResponseRedirect(target or reverse("tenants:household-detail", args=[household.pk]))
    return render(
        request,
        "tenants/meeting_record.html",
        {
            "meeting": meeting,
            "form": form,
            "started": has_started(meeting),
            "moves_to_mapped": meeting.household.pathway_stage in STAGES_BEFORE_MAPPING,
            "next": local_url(request, request.POST.get("next") or request.GET.get("next")) or "",
        },
    )


CHOOSER_LIMIT = 20


def _choose_household(request: HttpRequest, kind: str) -> HttpResponse:
    """The first step of a new meeting from the meetings page: find the
    household by name, reference or address."""
    query = request.GET.get("q", "").strip()
    results, more = [], False
    if search_words(query):
        found = apply_search(Household.objects.all(), query).annotate(main_name=main_person_name())
        results = list(found.order_by("reference")[: CHOOSER_LIMIT + 1])
        more = len(results) > CHOOSER_LIMIT
        results = results[:CHOOSER_LIMIT]
    return render(
        request,
        "tenants/meeting_choose_household.html",
        {"query": query, "results": results, "more": more, "limit": CHOOSER_LIMIT, "kind": kind},
    )


@login_required
@permission_required("tenants.add_outreachmeeting", raise_exception=True)
@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest) -> HttpResponse:
    """Plan a meeting, or register one that has already taken place as held.
    Without a household the page first helps to find one."""
    kind = request.GET.get("kind") if request.GET.get("kind") in {PLAN, HELD} else PLAN
    if "household" not in request.GET and request.method == "GET":
        return _choose_household(request, kind)
    try:
        household_pk = int(request.GET.get("household", ""))
    except ValueError:
        raise Http404 from None
    household = get_object_or_404(Household.objects.annotate(main_name=main_person_name()), pk=household_pk)
    municipality = household.municipality
    form = MeetingForm(
        request.POST or None, municipality=municipality, initial={"caseworker": request.user.pk, "kind": kind}
    )
    if request.method == "POST" and form.is_valid():
        stage_before = household.pathway_stage
        common = {
            "caseworker": form.cleaned_data["caseworker"],
            "starts_at": form.starts_at,
            "place": form.cleaned_data["place"],
            "duration_minutes": form.cleaned_data["duration_minutes"],
            "token": form.cleaned_data["token"],
        }
        try:
            if form.is_held:
                meeting = register_held_meeting(
                    household,
                    outcome_notes=form.cleaned_data["outcome_notes"],
                    next_steps=form.cleaned_data["next_steps"],
                    barriers=form.cleaned_data["barriers"],
                    household_goal=form.cleaned_data["household_goal"],
                    by=request.user,
                    **common,
                )
            else:
                meeting = plan_meeting(household, **common)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            when = date_format(timezone.localtime(meeting.starts_at), "SHORT_DATETIME_FORMAT")
            if meeting.status == MeetingStatus.HELD:
                text = _("Samtalen med %(ref)s %(when)s er registrert som gjennomført.")
            else:
                text = _("Samtalen med %(ref)s er planlagt %(when)s.")
            messages.success(request, text % {"ref": household.reference, "when": when})
            _household_moved_message(request, household.pk, stage_before)
            target = _then(request)
            if target and meeting.status == MeetingStatus.HELD:
                return HttpResponseRedirect(target)
            return redirect(reverse("tenants:household-detail", args=[household.pk]) + "#meetings")
    return render(request, "tenants/meeting_form.html", {"household": household, "form": form})


@leader_required
@require_http_methods(["GET", "POST"])
def barrier_settings(request: HttpRequest) -> HttpResponse:
    """The leader keeps the municipality's list of barriers: rename, add,
    reorder, and retire (a retired barrier stays on the meetings that named
    it, and on the dashboard as «ikke i bruk»)."""
    municipality = user_municipality(request)
    queryset = Barrier.objects.filter(municipality=municipality).order_by("order", "name")
    formset = BarrierFormSet(request.POST or None, queryset=queryset)
    if request.method == "POST" and formset.is_valid():
        try:
            with transaction.atomic():
                for barrier in formset.save(commit=False):
                    barrier.municipality = municipality
                    barrier.save()
        except IntegrityError:
            messages.error(request, _("To hindringer kan ikke ha samme navn."))
        else:
            messages.success(request, _("Listen over hindringer er lagret."))
            return redirect("tenants:barrier-settings")
    return render(
        request,
        "tenants/barrier_settings.html",
        {"formset": formset},
        status=400 if request.method == "POST" else 200,
    )
