"""Pages for dwellings, tenancies, stock changes and rent arrears.

Thin views: they parse the request, call `dwellings.services` and render.
The scoped managers make another municipality's rows a 404.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Page
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from housing_office.errors import DomainError, add_to_form, safe_next_url
from housing_office.paging import ids_first_page
from housing_office.request_hygiene import parse_id
from tenants.models import Household, PersonRole
from tenants.queries import main_person_name

from . import services, stock
from .filters import DwellingFilter, VacancyFilter
from .forms import (
    DwellingForm,
    ForSaleForm,
    SaleToTenantForm,
    StockChangeForm,
    TenancyEndForm,
    TenancyForm,
)
from .models import EXIT_REASONS, Dwelling, DwellingStatus, EndReason, StockChange, Tenancy

PAGE_SIZE = 50


def _page(request: HttpRequest, queryset: QuerySet, one_query: bool = False) -> Page:
    """The page's ids from the filter and the order, then the status and
    tenant columns for those rows only (`housing_office.paging`)."""

    def rows(ids: Sequence[int]) -> QuerySet:
        # The annotations are the filtered queryset's own; only the page's rows.
        return queryset.order_by().filter(pk__in=ids)

    return ids_first_page(queryset, PAGE_SIZE, request.GET.get("side"), rows, one_query=one_query)


def _render_list(request: HttpRequest, template: str, results_template: str, context: dict) -> HttpResponse:
    """The whole page, or for htmx only the results and the count."""
    if getattr(request, "htmx", False) and not request.htmx.boosted:
        context["results_template"] = results_template
        return render(request, "dwellings/_results_htmx.html", context)
    return render(request, template, context)


def _date(value) -> str:
    return formats.date_format(value, "d.m.Y") if value else ""


def _int_param(request: HttpRequest, name: str) -> int | None:
    return parse_id(request.GET.get(name))


# --- Dwellings ---------------------------------------------------------------


@login_required
def dwelling_list(request: HttpRequest) -> HttpResponse:
    filterset = DwellingFilter(request.GET, queryset=services.dwellings_with_tenant())
    # The unlet are a few in a hundred: their ids in one pass (see vacancy_list).
    unlet = request.GET.get("status") in (DwellingStatus.VACANT, DwellingStatus.BEING_SOLD)
    context = {"filter": filterset, "page": _page(request, filterset.qs, one_query=unlet)}
    return _render_list(request, "dwellings/dwelling_list.html", "dwellings/_dwelling_results.html", context)


@login_required
def vacancy_list(request: HttpRequest) -> HttpResponse:
    filterset = VacancyFilter(request.GET, queryset=services.vacancies())
    # The vacant are a few in a hundred: their ids in one pass, counted here.
    context = {"filter": filterset, "page": _page(request, filterset.qs, one_query=True), "vacancies": True}
    return _render_list(request, "dwellings/vacancy_list.html", "dwellings/_vacancy_results.html", context)


@login_required
def dwelling_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dwelling = get_object_or_404(Dwelling.objects.with_status(), pk=pk)
    today = timezone.localdate()
    tenancies = list(dwelling.tenancies.select_related("household").order_by("-start_date", "-id"))
    current = (
        dwelling.tenancies.running(on=today)
        .select_related("household")
        .order_by("-start_date", "-id")
        .first()
    )
    upcoming = [t for t in tenancies if t.start_date > today]
    # The current tenancy's arrears cases (the arrears app's record, read
    # through the tenancy's relation: dwellings does not import arrears).
    arrears_cases = list(current.arrears_cases.order_by("-opened_on", "-id")) if current else []
    stock_changes = list(
        dwelling.stock_changes.select_related("recorded_by", "buyer_household").order_by("date")
    )
    recorded = {c.kind for c in stock_changes}
    return render(
        request,
        "dwellings/dwelling_detail.html",
        {
            "dwelling": dwelling,
            "status_label": DwellingStatus(dwelling.status).label,
            "current": current,
            "upcoming": upcoming,
            "tenancies": tenancies,
            "arrears_cases": arrears_cases,
            "open_arrears_case": next((c for c in arrears_cases if c.closed_on is None), None),
            "stock_changes": stock_changes,
            "can_record_purchase": StockChange.Kind.ACQUIRED not in recorded,
            "can_record_sale": StockChange.Kind.DISPOSED not in recorded and dwelling.disposed_on is None,
            "can_let": dwelling.status == DwellingStatus.VACANT and not upcoming,
            "today": today,
        },
    )


@login_required
@permission_required("dwellings.add_dwelling", raise_exception=True)
def dwelling_create(request: HttpRequest) -> HttpResponse:
    if request.user.municipality_id is None:
        messages.error(request, _("Brukeren din er ikke knyttet til en kommune."))
        return redirect("dwellings:dwelling-list")
    form = DwellingForm(request.POST or None, instance=Dwelling(municipality=request.user.municipality))
    if request.method == "POST" and form.is_valid():
        try:
            with services.constraint_errors():
                dwelling = form.save()
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Boligen %(ref)s er registrert.") % {"ref": dwelling.reference})
            return redirect("dwellings:dwelling-detail", pk=dwelling.pk)
    return render(request, "dwellings/dwelling_form.html", {"form": form, "dwelling": None})


@login_required
@permission_required("dwellings.change_dwelling", raise_exception=True)
def dwelling_edit(request: HttpRequest, pk: int) -> HttpResponse:
    dwelling = get_object_or_404(Dwelling, pk=pk)
    form = DwellingForm(request.POST or None, instance=dwelling)
    if request.method == "POST" and form.is_valid():
        try:
            with services.constraint_errors():
                form.save()
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Endringene er lagret."))
            return redirect("dwellings:dwelling-detail", pk=dwelling.pk)
    return render(request, "dwellings/dwelling_form.html", {"form": form, "dwelling": dwelling})


@login_required
@permission_required("dwellings.add_stockchange", raise_exception=True)
def stock_change(request: HttpRequest, pk: int) -> HttpResponse:
    dwelling = get_object_or_404(Dwelling.objects.with_status(), pk=pk)
    recorded = list(dwelling.stock_changes.select_related("recorded_by").order_by("date"))
    kind = request.GET.get("kind")
    if kind not in StockChange.Kind.values:
        missing = [k for k in StockChange.Kind.values if k not in {c.kind for c in recorded}]
        kind = missing[0] if missing else StockChange.Kind.ACQUIRED
    form = StockChangeForm(request.POST or None, initial={"kind": kind, "date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            change = services.record_stock_change(
                dwelling,
                kind=form.cleaned_data["kind"],
                date=form.cleaned_data["date"],
                price=form.cleaned_data["price"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            text = (
                _("Kjøpet av %(ref)s den %(date)s er registrert.")
                if change.kind == StockChange.Kind.ACQUIRED
                else _("Salget av %(ref)s den %(date)s er registrert.")
            )
            messages.success(request, text % {"ref": dwelling.reference, "date": _date(change.date)})
            return redirect("dwellings:dwelling-detail", pk=dwelling.pk)
    return render(
        request,
        "dwellings/stock_change_form.html",
        {"form": form, "dwelling": dwelling, "recorded": recorded},
    )


@login_required
@permission_required("dwellings.change_dwelling", raise_exception=True)
@require_POST
def dwelling_for_sale(request: HttpRequest, pk: int) -> HttpResponse:
    dwelling = get_object_or_404(Dwelling, pk=pk)
    form = ForSaleForm(request.POST)
    form.is_valid()
    for_sale = bool(form.cleaned_data.get("for_sale"))
    try:
        services.set_for_sale(dwelling, for_sale)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Boligen er lagt ut for salg.") if for_sale else _("Boligen er tatt av salg."),
        )
    return redirect("dwellings:dwelling-detail", pk=dwelling.pk)


# --- Tenancies ---------------------------------------------------------------


@login_required
@permission_required("dwellings.add_tenancy", raise_exception=True)
def tenancy_create(request: HttpRequest) -> HttpResponse:
    initial = {"start_date": timezone.localdate()}
    household_id, dwelling_id = _int_param(request, "household"), _int_param(request, "dwelling")
    household = Household.objects.filter(pk=household_id).first() if household_id else None
    dwelling = Dwelling.objects.filter(pk=dwelling_id).first() if dwelling_id else None
    if household:
        initial["household"] = household.pk
    if dwelling:
        initial["dwelling"] = dwelling.pk
    form = TenancyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            tenancy = services.let_dwelling(
                dwelling=data["dwelling"],
                household=data["household"],
                start_date=data["start_date"],
                monthly_rent=data["monthly_rent"],
                contract_type=data["contract_type"],
                contract_end=data["contract_end"],
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(
                request,
                _("Bolig %(dwelling)s er leid ut til husstand %(household)s fra %(start)s.")
                % {
                    "dwelling": tenancy.dwelling.reference,
                    "household": tenancy.household.reference,
                    "start": _date(tenancy.start_date),
                },
            )
            default = reverse("dwellings:dwelling-detail", args=[tenancy.dwelling_id])
            return HttpResponseRedirect(safe_next_url(request, default))
    return render(
        request,
        "dwellings/tenancy_form.html",
        {"form": form, "household": household, "dwelling": dwelling, "next": safe_next_url(request, "")},
    )


@login_required
@permission_required("dwellings.change_tenancy", raise_exception=True)
def tenancy_end(request: HttpRequest, pk: int) -> HttpResponse:
    tenancy = get_object_or_404(Tenancy.objects.select_related("household", "dwelling"), pk=pk)
    household = tenancy.household
    # The new address is always typed in: one filled in from the register
    # could be the very address the household is leaving.
    form = TenancyEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ended = services.end_tenancy(
                tenancy,
                end_date=data["end_date"],
                end_reason=data["end_reason"],
                new_address=services.NewAddress(
                    address=data["address"],
                    postal_code=data["postal_code"],
                    postal_place=data["postal_place"],
                    unknown=data["address_unknown"],
                ),
                by=request.user,
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            tenancy = ended.tenancy
            text = _("Leieforholdet til husstand %(household)s i %(dwelling)s er avsluttet %(date)s.") % {
                "household": tenancy.household.reference,
                "dwelling": tenancy.dwelling.reference,
                "date": _date(tenancy.end_date),
            }
            if ended.new_stage is not None:
                text += " " + _("Husstanden er flyttet til fasen «%(stage)s».") % {
                    "stage": ended.new_stage_label
                }
            moved = tenancy.household
            if moved.address_unknown:
                text += " " + _(
                    "Ny adresse er ukjent: husstanden får ikke brev før en ny adresse er registrert."
                )
            else:
                text += " " + _("Ny adresse: %(address)s, %(postal_code)s %(postal_place)s.") % {
                    "address": moved.address,
                    "postal_code": moved.postal_code,
                    "postal_place": moved.postal_place,
                }
            messages.success(request, text)
            default = reverse("dwellings:dwelling-detail", args=[tenancy.dwelling_id])
            return HttpResponseRedirect(safe_next_url(request, default))
    return render(
        request,
        "dwellings/tenancy_end_form.html",
        {
            "form": form,
            "tenancy": tenancy,
            "applicants": sorted(
                household.members.filter(role__in=[PersonRole.MAIN, PersonRole.CO_APPLICANT]),
                key=lambda person: person.role != PersonRole.MAIN,
            ),
            "exit_reasons": [EndReason(r).label for r in EXIT_REASONS],
            "next": safe_next_url(request, ""),
        },
    )


@login_required
@permission_required("dwellings.add_stockchange", raise_exception=True)
@permission_required("dwellings.change_tenancy", raise_exception=True)
def sale_to_tenant(request: HttpRequest, pk: int) -> HttpResponse:
    """The tenant buys the dwelling they rent: one form, one transaction."""
    tenancy = get_object_or_404(
        Tenancy.objects.select_related("household", "dwelling").annotate(
            buyer_name=main_person_name("household")
        ),
        pk=pk,
    )
    buyer = " – ".join(filter(None, [tenancy.household.reference, tenancy.buyer_name]))
    form = SaleToTenantForm(request.POST or None, initial={"completion_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            done = stock.sell_to_tenant(
                tenancy,
                completion_date=data["completion_date"],
                price=data["price"],
                valuation=data["valuation"],
                note=data["note"],
                by=request.user,
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            text = _(
                "Husstand %(household)s har kjøpt %(dwelling)s. Leieforholdet er avsluttet %(date)s, "
                "og boligen er tatt ut av boligmassen."
            ) % {
                "household": buyer,
                "dwelling": tenancy.dwelling.reference,
                "date": _date(done.sale.date),
            }
            messages.success(request, text)
            return redirect("dwellings:dwelling-detail", pk=tenancy.dwelling_id)
    return render(
        request, "dwellings/sale_to_tenant_form.html", {"form": form, "tenancy": tenancy, "buyer": buyer}
    )
