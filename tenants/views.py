"""The caseworker's household pages: list, detail, create and edit, stage
changes, the logged national-id reveal and journal notes.

Every lookup goes through the scoping managers, so another municipality's
household, person or meeting is a 404 here without any filter by hand.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from housing_office.errors import add_to_form, constraint_errors, local_url, user_municipality

from .filters import HouseholdFilter
from .forms import (
    HouseholdForm,
    JournalNoteForm,
    MemberFormSet,
    StageChangeForm,
)
from .household_page import household_sections
from .models import (
    CLOSED_STAGES,
    Household,
    Person,
    PersonRole,
)
from .queries import botid_years, by_botid, overview_page
from .services import (
    DomainError,
    add_journal_note,
    change_stage,
    refresh_search_text,
    reveal_national_id,
)

HOUSEHOLDS_PER_PAGE = 50


# Households -----------------------------------------------------------------


@login_required
@permission_required("tenants.view_household", raise_exception=True)
def household_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    filterset = HouseholdFilter(
        request.GET or None, queryset=Household.objects.all(), request=request, today=today
    )
    households = filterset.qs
    if filterset.botid_sort:
        households = by_botid(households, today, longest_first=filterset.botid_sort == "-botid")
    page = overview_page(households, today, HOUSEHOLDS_PER_PAGE, request.GET.get("page"))
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
        .prefetch_related("arrears_cases")
        .order_by("-start_date", "-pk")
    )
    current = next(
        (t for t in tenancies if t.start_date <= today and (t.end_date is None or t.end_date > today)), None
    )
    # The household's arrears cases, open first, then the newest; read
    # through its tenancies (tenants imports neither dwellings nor arrears).
    arrears_cases = sorted(
        (case for tenancy in tenancies for case in tenancy.arrears_cases.all()),
        key=lambda c: (c.closed_on is not None, -c.opened_on.toordinal(), -c.pk),
    )
    context = {
        "household": household,
        "members": members,
        "adults": sum(1 for p in members if p.role != PersonRole.CHILD),
        "children": sum(1 for p in members if p.role == PersonRole.CHILD),
        "current_tenancy": current,
        "botid": current.years_on(today) if current else None,
        "tenancies": tenancies,
        "arrears_cases": arrears_cases,
        "open_arrears_total": sum((c.amount for c in arrears_cases if c.closed_on is None), start=0),
        "meetings": list(
            household.meetings.select_related("caseworker")
            .prefetch_related("barriers")
            .order_by("-starts_at")
        ),
        "letters": list(household.letters.order_by("-created_at", "-pk")),
        "loan_applications": list(household.loan_applications.order_by("-received_on", "-pk")),
        # Read through the household's own relation (decisions sits above tenants).
        "decisions": list(household.decisions.order_by("-drafted_at", "-pk")),
        "notes": list(household.journal_notes.select_related("author")),
        "note_form": JournalNoteForm(),
        "stage_changes": list(household.stage_changes.select_related("changed_by")),
        "stage_form": StageChangeForm(household=household),
        "can_view_national_id": request.user.has_perm("housing_office.view_full_national_id"),
        "closed_stages": CLOSED_STAGES,
        # What the apps above tenants show on the page (household_page).
        "sections": household_sections(request, household),
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
