"""The caseworker's pages: households, candidates, the pathway board and meetings.

Every lookup goes through the scoping managers, so another municipality's
household, person or meeting is a 404 here without any filter by hand.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from housing_office.errors import add_to_form, constraint_errors, local_url, user_municipality
from housing_office.permissions import is_leader

from .candidates import candidate_for, candidate_queryset
from .filters import MINE, NONE, HouseholdFilter, caseworker_choices
from .forms import (
    CandidateSettingsForm,
    HouseholdForm,
    JournalNoteForm,
    MeetingPlanForm,
    MeetingRecordForm,
    MemberFormSet,
    StageChangeForm,
)
from .models import (
    CLOSED_STAGES,
    Household,
    MeetingStatus,
    OutreachMeeting,
    PathwayStage,
    Person,
    PersonRole,
)
from .queries import botid_years, main_person_name, with_overview
from .services import (
    DomainError,
    add_journal_note,
    change_stage,
    plan_meeting,
    record_meeting,
    refresh_search_text,
    reveal_national_id,
)

HOUSEHOLDS_PER_PAGE = 50
CANDIDATES_PER_PAGE = 100
CARDS_PER_COLUMN = 15
MEETINGS_LIMIT = 100


# Households -----------------------------------------------------------------


@login_required
@permission_required("tenants.view_household", raise_exception=True)
def household_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    queryset = with_overview(Household.objects.all(), today)
    filterset = HouseholdFilter(request.GET or None, queryset=queryset, request=request, today=today)
    page = Paginator(filterset.qs, HOUSEHOLDS_PER_PAGE).get_page(request.GET.get("page"))
    for household in page:
        household.botid = botid_years(household.current_start, today)
    context = {
        "filter": filterset,
        "page": page,
        "sort": request.GET.get("sort") or "reference",
    }
    if request.htmx and request.htmx.target == "household-results":
        return render(request, "tenants/_household_results.html", context)
    return render(request, "tenants/household_list.html", context)


def _detail_context(
    request: HttpRequest, household: Household, revealed: dict[int, str] | None = None, **extra: Any
) -> dict[str, Any]:
    today = timezone.localdate()
    role_order = {role.value: index for index, role in enumerate(PersonRole)}
    members = sorted(
        household.members.all(),
        key=lambda p: (role_order.get(p.role, 9), p.date_of_birth or datetime.date.max, p.pk),
    )
    for person in members:
        person.revealed_national_id = (revealed or {}).get(person.pk, "")
        person.age = person.age_on(today)
    tenancies = list(
        household.tenancies.select_related("dwelling")
        .prefetch_related("arrears")
        .order_by("-start_date", "-pk")
    )
    current = next(
        (t for t in tenancies if t.start_date <= today and (t.end_date is None or t.end_date > today)), None
    )
    # Open arrears first, then the newest; read through the household's
    # tenancies (tenants does not import the dwellings app).
    arrears = sorted(
        (item for tenancy in tenancies for item in tenancy.arrears.all()),
        key=lambda a: (
            a.settled_on is not None,
            -(a.settled_on or a.due_date).toordinal(),
            -a.due_date.toordinal(),
        ),
    )
    context = {
        "household": household,
        "members": members,
        "adults": sum(1 for p in members if p.role != PersonRole.CHILD),
        "children": sum(1 for p in members if p.role == PersonRole.CHILD),
        "current_tenancy": current,
        "botid": current.years_on(today) if current else None,
        "tenancies": tenancies,
        "arrears": arrears,
        "open_arrears_total": sum((a.amount for a in arrears if a.settled_on is None), start=0),
        "meetings": list(household.meetings.select_related("caseworker").order_by("-starts_at")),
        "letters": list(household.letters.order_by("-created_at", "-pk")),
        "loan_applications": list(household.loan_applications.order_by("-received_on", "-pk")),
        "notes": list(household.journal_notes.select_related("author")),
        "note_form": JournalNoteForm(),
        "stage_changes": list(household.stage_changes.select_related("changed_by")),
        "stage_form": StageChangeForm(household=household),
        "can_view_national_id": request.user.has_perm("housing_office.view_full_national_id"),
        "closed_stages": CLOSED_STAGES,
    }
    context.update(extra)
    return context


@login_required
@permission_required("tenants.view_household", raise_exception=True)
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_object_or_404(Household.objects.select_related("caseworker"), pk=pk)
    return render(request, "tenants/household_detail.html", _detail_context(request, household))


REFERENCE_CONSTRAINT = "household_reference_unique_per_municipality"


def _save_household(form: HouseholdForm, formset: Any, municipality: Any) -> Household | None:
    """Save the household, its main person and members as one unit; a
    reference taken in the meantime becomes a form error."""
    try:
        with constraint_errors(Household, fields={REFERENCE_CONSTRAINT: "reference"}):
            household = form.save(commit=False)
            household.municipality = municipality
            household.save()
            form.save_main_person(household)
            formset.instance = household
            formset.save()
            refresh_search_text(household)
    except DomainError as exc:
        add_to_form(form, exc)
        return None
    return household


@login_required
@permission_required("tenants.add_household", raise_exception=True)
@require_http_methods(["GET", "POST"])
def household_create(request: HttpRequest) -> HttpResponse:
    municipality = user_municipality(request)
    household = Household(municipality=municipality)
    form = HouseholdForm(request.POST or None, instance=household, municipality=municipality)
    if request.method == "GET":
        form.initial.setdefault("caseworker", request.user.pk)
    formset = MemberFormSet(request.POST or None, instance=household, prefix="members")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        saved = _save_household(form, formset, municipality)
        if saved is not None:
            messages.success(request, _("Husstanden %(ref)s er registrert.") % {"ref": saved.reference})
            return redirect("tenants:household-detail", pk=saved.pk)
    return render(
        request, "tenants/household_form.html", {"form": form, "formset": formset, "household": None}
    )


@login_required
@permission_required("tenants.change_household", raise_exception=True)
@require_http_methods(["GET", "POST"])
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_object_or_404(Household, pk=pk)
    municipality = household.municipality
    form = HouseholdForm(request.POST or None, instance=household, municipality=municipality)
    formset = MemberFormSet(request.POST or None, instance=household, prefix="members")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        saved = _save_household(form, formset, municipality)
        if saved is not None:
            messages.success(request, _("Endringene er lagret."))
            return redirect("tenants:household-detail", pk=saved.pk)
    return render(
        request, "tenants/household_form.html", {"form": form, "formset": formset, "household": household}
    )


@login_required
@permission_required("tenants.change_household", raise_exception=True)
@require_http_methods(["GET", "POST"])
def household_stage(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_object_or_404(Household, pk=pk)
    form = StageChangeForm(
        request.POST or None, household=household, initial={"next": request.GET.get("next", "")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            change = change_stage(
                household, form.cleaned_data["to_stage"], by=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            _stage_message(request, household, change)
            target = local_url(request, form.cleaned_data.get("next"))
            return HttpResponseRedirect(target or reverse("tenants:household-detail", args=[household.pk]))
    return _render_stage_page(request, household, form)


def _render_stage_page(request: HttpRequest, household: Household, form: StageChangeForm) -> HttpResponse:
    cancel_url = local_url(request, form["next"].value()) or reverse(
        "tenants:household-detail", args=[household.pk]
    )
    return render(
        request,
        "tenants/household_stage.html",
        {"household": household, "form": form, "cancel_url": cancel_url},
    )


def _stage_message(request: HttpRequest, household: Household, change: Any) -> None:
    if change is None:
        messages.info(
            request,
            _("%(ref)s er allerede i fasen «%(stage)s».")
            % {"ref": household.reference, "stage": household.get_pathway_stage_display()},
        )
    else:
        messages.success(
            request,
            _("%(ref)s er flyttet til «%(stage)s».")
            % {"ref": household.reference, "stage": household.get_pathway_stage_display()},
        )


@login_required
@require_POST
def person_national_id(request: HttpRequest, pk: int) -> HttpResponse:
    # Look the person up first: another municipality's person is a 404 even
    # for a user who may not see full numbers at all.
    person = get_object_or_404(Person.objects.select_related("household"), pk=pk)
    if not person.national_id:
        raise Http404
    number = reveal_national_id(person, by=request.user)
    if request.htmx:
        return render(request, "tenants/_national_id.html", {"person": person, "number": number})
    household = get_object_or_404(Household.objects.select_related("caseworker"), pk=person.household_id)
    context = _detail_context(request, household, revealed={person.pk: number})
    return render(request, "tenants/household_detail.html", context)


@login_required
@permission_required("tenants.add_journalnote", raise_exception=True)
@require_POST
def journal_note_create(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_object_or_404(Household, pk=pk)
    form = JournalNoteForm(request.POST)
    saved = False
    if form.is_valid():
        try:
            add_journal_note(
                household,
                author=request.user,
                text=form.cleaned_data["text"],
                token=form.cleaned_data["token"],
            )
        except DomainError as exc:
            form.add_error("text", str(exc))
        else:
            saved = True
    if request.htmx:
        context = {
            "household": household,
            "notes": list(household.journal_notes.select_related("author")),
            "note_form": JournalNoteForm() if saved else form,
            "note_saved": saved,
            "note_swap": True,
        }
        return render(request, "tenants/_journal_notes.html", context)
    if saved:
        messages.success(request, _("Notatet er lagret."))
        return redirect(reverse("tenants:household-detail", args=[household.pk]) + "#journal")
    household = get_object_or_404(Household.objects.select_related("caseworker"), pk=pk)
    return render(
        request, "tenants/household_detail.html", _detail_context(request, household, note_form=form)
    )


# Candidates -----------------------------------------------------------------


@login_required
@permission_required("tenants.view_household", raise_exception=True)
@require_http_methods(["GET", "POST"])
def candidate_list(request: HttpRequest) -> HttpResponse:
    municipality = request.user.municipality
    settings_form = None
    if is_leader(request.user) and municipality is not None:
        settings_form = CandidateSettingsForm(request.POST or None, instance=municipality, prefix="settings")
    if request.method == "POST":
        if settings_form is None:
            raise PermissionDenied(_("Bare lederen kan endre kommunens standard."))
        if settings_form.is_valid():
            settings_form.save()
            messages.success(
                request,
                _("Kandidatlisten bruker nå minst %(n)s års botid.")
                % {"n": settings_form.cleaned_data["candidate_min_years"]},
            )
            return redirect("tenants:candidate-list")

    default_years = municipality.candidate_min_years if municipality else settings.CANDIDATE_MIN_YEARS_DEFAULT
    years, years_error = default_years, ""
    raw_years = request.GET.get("years", "").strip()
    if raw_years:
        try:
            years = int(raw_years)
            if not 1 <= years <= 50:
                raise ValueError
        except ValueError:
            years = default_years
            years_error = _("Botid må være et helt antall år mellom 1 og 50.")

    today = timezone.localdate()
    page = Paginator(candidate_queryset(today, years), CANDIDATES_PER_PAGE).get_page(request.GET.get("page"))
    candidates = [candidate_for(household, today) for household in page]
    return render(
        request,
        "tenants/candidate_list.html",
        {
            "page": page,
            "candidates": candidates,
            "years": years,
            "raw_years": raw_years,
            "years_error": years_error,
            "default_years": default_years,
            "settings_form": settings_form,
        },
    )


# Pathway board --------------------------------------------------------------


def stage_options(selected: str) -> str:
    """The <option>s of a stage select with `selected` chosen, rendered once
    per board column rather than once per card."""
    return render_to_string(
        "tenants/_stage_options.html", {"choices": PathwayStage.choices, "selected": selected}
    )


def _board_caseworker(request: HttpRequest, value: str, choices: list[tuple[str, str]]) -> tuple[str, Any]:
    """The board's caseworker filter: its value and the filter to apply."""
    if value not in {v for v, _label in choices}:
        value = ""
    if value == MINE:
        return value, {"caseworker": request.user}
    if value == NONE:
        return value, {"caseworker__isnull": True}
    if value:
        return value, {"caseworker_id": int(value)}
    return value, {}


def _board_context(request: HttpRequest, caseworker: str, **extra: Any) -> dict[str, Any]:
    today = timezone.localdate()
    choices = caseworker_choices(request.user)
    caseworker, condition = _board_caseworker(request, caseworker, choices)
    households = Household.objects.filter(**condition)
    counts = dict(households.order_by().values_list("pathway_stage").annotate(n=Count("pk")))
    # One query for every column: number the households within each stage
    # and keep the first few, so the page stays small however many there are.
    cards = (
        households.select_related("caseworker")
        .annotate(
            main_name=main_person_name(),
            position=Window(
                RowNumber(),
                partition_by=[F("pathway_stage")],
                order_by=[F("stage_changed_at").asc(), F("pk").asc()],
            ),
        )
        .filter(position__lte=CARDS_PER_COLUMN)
        .order_by("pathway_stage", "position")
    )
    by_stage: dict[str, list[Household]] = {stage.value: [] for stage in PathwayStage}
    for household in cards:
        household.days_in_stage = (today - timezone.localdate(household.stage_changed_at)).days
        by_stage.setdefault(household.pathway_stage, []).append(household)
    list_url = reverse("tenants:household-list")
    columns = []
    for stage in PathwayStage:
        count = counts.get(stage.value, 0)
        query = f"?stage={stage.value}&sort=stage_changed" + (
            f"&caseworker={caseworker}" if caseworker else ""
        )
        columns.append(
            {
                "stage": stage,
                "count": count,
                "cards": by_stage[stage.value],
                "hidden": max(0, count - len(by_stage[stage.value])),
                "list_url": list_url + query,
                "closed": stage in CLOSED_STAGES,
                # Every card in a column has the same stage selected, so the
                # options are rendered once per column rather than per card.
                "options": stage_options(stage.value),
            }
        )
    board_url = reverse("tenants:pathway-board") + (f"?caseworker={caseworker}" if caseworker else "")
    context = {
        "can_move": request.user.has_perm("tenants.change_household"),
        "columns": columns,
        "caseworker": caseworker,
        "caseworker_choices": choices,
        "board_url": board_url,
        "total": sum(counts.values()),
        "cards_per_column": CARDS_PER_COLUMN,
    }
    context.update(extra)
    return context


@login_required
@permission_required("tenants.view_household", raise_exception=True)
def pathway_board(request: HttpRequest) -> HttpResponse:
    context = _board_context(request, request.GET.get("caseworker", ""))
    return render(request, "tenants/pathway_board.html", context)


@login_required
@permission_required("tenants.change_household", raise_exception=True)
@require_POST
def pathway_board_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a household from a card on the board. With htmx the board is
    swapped in place; without, the browser goes back to the board."""
    household = get_object_or_404(Household.objects.select_related("caseworker"), pk=pk)
    caseworker = request.POST.get("caseworker", "")
    form = StageChangeForm(request.POST, household=household)
    change = None
    if form.is_valid():
        try:
            change = change_stage(
                household, form.cleaned_data["to_stage"], by=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            add_to_form(form, exc)
    if form.is_valid():
        if request.htmx:
            if change is None:
                status = _("%(ref)s er allerede i fasen «%(stage)s».")
            else:
                status = _("%(ref)s er flyttet til «%(stage)s».")
            status = status % {"ref": household.reference, "stage": household.get_pathway_stage_display()}
            response = render(
                request, "tenants/_board.html", _board_context(request, caseworker, board_status=status)
            )
            return reswap(retarget(response, "#board"), "outerHTML")
        _stage_message(request, household, change)
        target = local_url(request, form.cleaned_data.get("next"))
        return HttpResponseRedirect(target or reverse("tenants:pathway-board"))
    if request.htmx:
        # Only the card comes back, with the errors next to its fields.
        household.main_name = _main_name_of(household)
        household.days_in_stage = (timezone.localdate() - timezone.localdate(household.stage_changed_at)).days
        context = {
            "household": household,
            "form": form,
            "caseworker": caseworker,
            "can_move": True,
            "options": stage_options(form["to_stage"].value() or household.pathway_stage),
            "board_url": local_url(request, request.POST.get("next")) or reverse("tenants:pathway-board"),
        }
        return render(request, "tenants/_board_card.html", context)
    # Without JavaScript the errors get the stage page; `next` in the form
    # brings the user back to the board once it is right.
    return _render_stage_page(request, household, form)


def _main_name_of(household: Household) -> str:
    names = household.members.filter(role=PersonRole.MAIN).values_list("first_name", "last_name").first()
    return " ".join(n for n in names if n) if names else ""


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
