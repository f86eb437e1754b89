"""The worktray and the case page. Views parse, call a service, render;
scoping is the managers' (another municipality's case is a 404)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from dwellings.models import Tenancy
from housing_office.errors import DomainError, user_municipality
from housing_office.files import Action, log_access

from . import services
from .figures import prevention_rows
from .forms import OpenCaseForm, StepForm
from .models import ArrearsCase, ArrearsImport
from .rules import months_behind
from .worktray import worktray

STEPS = {
    "purring": (services.send_reminder, _("Purringen er laget.")),
    "betalingsavtale": (services.make_agreement, _("Betalingsavtalen er registrert og bekreftelsen laget.")),
    "varsel-4-18": (services.send_notice_4_18, _("Varselet etter § 4-18 er laget.")),
    "varsel-mottatt": (services.record_notice_received, _("Mottaket av varselet er registrert.")),
    "varsel-nav": (
        services.send_nav_notice,
        _("Varselet til NAV-kontoret er laget, og kopien til leietakeren."),
    ),
    "begjaering": (services.request_eviction, _("Begjæringen om fravikelse er laget.")),
    "fravikelse": (
        services.record_eviction,
        _(
            "Fravikelsen er registrert: leieforholdet er avsluttet (utkastelse), boligen er ledig, "
            "og saken er avsluttet. Registrer husstandens nye adresse når den er kjent."
        ),
    ),
    "avslutt": (services.close_case, _("Saken er avsluttet.")),
    "kontakt": (services.record_contact, _("Kontakten er registrert.")),
    "reservasjon": (services.record_reservation, _("Reservasjonen mot varsel til NAV er registrert.")),
    "reservasjon-trukket": (services.withdraw_reservation, _("Reservasjonen er trukket tilbake.")),
}


@login_required
@permission_required("arrears.view_arrearscase", raise_exception=True)
def case_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = worktray(today)
    page = Paginator(rows, 50).get_page(request.GET.get("side"))
    latest = ArrearsImport.objects.order_by("-as_of", "-id").first()
    # This year's eviction prevention figures, so that the caseworker sees
    # the work count (the leader's dashboard shows them beside last year's).
    figures = prevention_rows(user_municipality(request).pk, [today.year])
    return render(
        request,
        "arrears/worktray.html",
        {"page": page, "count": len(rows), "latest": latest, "figures": figures, "year": today.year},
    )


@login_required
@permission_required("arrears.add_arrearscase", raise_exception=True)
def case_open(request: HttpRequest, tenancy_pk: int) -> HttpResponse:
    tenancy = get_object_or_404(Tenancy.objects.select_related("household", "dwelling"), pk=tenancy_pk)
    form = OpenCaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.open_case(
                tenancy,
                by=request.user,
                amount=form.cleaned_data["amount"],
                oldest_due_date=form.cleaned_data["oldest_due_date"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Restansesaken er åpnet."))
            return redirect("arrears:case-detail", pk=case.pk)
    status = 400 if form.errors else 200
    return render(request, "arrears/case_open.html", {"form": form, "tenancy": tenancy}, status=status)


@login_required
@permission_required("arrears.view_arrearscase", raise_exception=True)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(
        ArrearsCase.objects.select_related("tenancy__household", "tenancy__dwelling", "caseworker"), pk=pk
    )
    # The innsynslogg: who opened which household's arrears case, shown on
    # the household's own log (regjeringen.no, «Retningslinjer om innsynslogg»).
    household = case.tenancy.household
    log_access(
        user=request.user,
        municipality_id=case.municipality_id,
        action=Action.VIEW_ARREARS_CASE,
        household_id=household.pk,
        object_repr=f"{case} ({household.reference})",
    )
    return _render_case(request, case, StepForm())


def _render_case(request: HttpRequest, case: ArrearsCase, form: StepForm, status: int = 200) -> HttpResponse:
    today = timezone.localdate()
    household = case.tenancy.household
    events = list(case.events.select_related("recorded_by", "letter").order_by("date", "id"))
    label, deadline = services.next_deadline(case, events, today)
    context = {
        "case": case,
        "household": household,
        "events": events,
        "agreements": list(case.agreements.prefetch_related("instalments")),
        "reservations": list(case.tenancy.nav_reservations.order_by("-received_on")),
        "reserved_since": services.reserved_since(case.tenancy_id, today),
        "deadline_label": label,
        "deadline": deadline,
        "months": months_behind(case.oldest_due_date, today),
        "children": household.members.filter(role="child").count(),
        # Read through the household's own relations (tenants, startloan).
        "loan_applications": list(household.loan_applications.order_by("-created_at")[:3]),
        "journal": list(household.journal_notes.select_related("author").order_by("-created_at")[:10]),
        "form": form,
        "steps": STEPS,
    }
    return render(request, "arrears/case_detail.html", context, status=status)


@login_required
@permission_required("arrears.change_arrearscase", raise_exception=True)
@require_POST
def case_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    case = get_object_or_404(
        ArrearsCase.objects.select_related("tenancy__household", "tenancy__dwelling"), pk=pk
    )
    if step not in STEPS:
        raise Http404
    service, done = STEPS[step]
    form = StepForm(request.POST)
    if not form.is_valid():
        return _render_case(request, case, form, status=400)
    data, day, by = form.cleaned_data, form.day(), request.user
    try:
        if step in ("purring", "varsel-4-18"):
            service(case, by=by, on=day)
        elif step == "betalingsavtale":
            service(case, by=by, on=day, instalments=data["instalments"])
        elif step == "varsel-mottatt":
            service(case, by=by, received_on=day)
        elif step == "varsel-nav":
            service(
                case,
                by=by,
                on=day,
                nav_office=data["nav_office"],
                nav_address=data["nav_address"],
                nav_postal=data["nav_postal"],
            )
        elif step == "begjaering":
            service(case, by=by, on=day, bailiff=data["bailiff"])
        elif step == "fravikelse":
            service(case, by=by, on=day, note=data["note"])
        elif step == "avslutt":
            service(case, by=by, on=day, reason=data["reason"], note=data["note"])
        elif step == "kontakt":
            service(case, by=by, on=day, note=data["note"])
        elif step == "reservasjon":
            service(case, by=by, received_on=day)
        else:
            service(case, by=by, on=day)
    except DomainError as exc:
        form.add_error(None, exc.message)
        return _render_case(request, case, form, status=400)
    messages.success(request, done)
    return redirect("arrears:case-detail", pk=case.pk)
