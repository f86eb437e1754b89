"""Caseworker and leader pages of the way in. Views parse, call a service,
render; scoping is the managers' (another municipality's record is a 404)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dwellings.models import Dwelling
from housing_office.errors import DomainError, add_to_form, user_municipality
from housing_office.permissions import leader_required

from . import allocation, services, worklist
from .forms import (
    AcceptOfferForm,
    AllocationDraftForm,
    ApplicationForm,
    CriterionForm,
    DeclineOfferForm,
    DocumentRequirementForm,
    OfferForm,
    ProvisionalReplyForm,
    WithdrawForm,
)
from .models import AllocationCriterion, Application, DocumentRequirement, Offer
from .waiting_list import fits_for, waiting_list

PAGE_SIZE = 50


def _page(request: HttpRequest, rows):
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("side"))


@login_required
@permission_required("applications.view_application", raise_exception=True)
def application_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    user_municipality(request)
    page = _page(request, worklist.undecided(today))
    offers = list(worklist.open_offers()[:PAGE_SIZE])
    context = {
        "page": page,
        "today": today,
        "reply_due_before": worklist.reply_due_before(today),
        "offers": offers,
        "expired_offers": [o for o in offers if o.answer_deadline < today],
    }
    return render(request, "applications/worklist.html", context)


@login_required
@permission_required("applications.add_application", raise_exception=True)
def application_create(request: HttpRequest) -> HttpResponse:
    user_municipality(request)
    today = timezone.localdate()
    initial = {}
    if reference := request.GET.get("husstand"):
        initial["household_reference"] = reference
    form = ApplicationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.register_application(
                household=form.household,
                received_on=form.cleaned_data["received_on"],
                today=today,
                by=request.user,
                reference=form.cleaned_data["reference"] or "",
                criteria=form.cleaned_data["criteria"],
                documents=form.cleaned_data["documents_received"],
                **form.needs(),
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Søknaden %(r)s er registrert.") % {"r": application.reference})
            return redirect("applications:detail", application.pk)
    return render(request, "applications/application_form.html", {"form": form})


@login_required
@permission_required("applications.change_application", raise_exception=True)
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(Application.objects.select_related("household"), pk=pk)
    form = ApplicationForm(request.POST or None, instance=application)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_application(
                Application.objects.get(pk=pk),
                received_on=form.cleaned_data["received_on"],
                today=timezone.localdate(),
                criteria=form.cleaned_data["criteria"],
                documents=form.cleaned_data["documents_received"],
                **form.needs(),
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Søknaden er endret."))
            return redirect("applications:detail", pk)
    return render(request, "applications/application_form.html", {"form": form, "application": application})


def _detail_context(request: HttpRequest, application: Application, **forms) -> dict:
    today = timezone.localdate()
    context = {
        "application": application,
        "today": today,
        "reply_due": services.provisional_reply_is_due(application, today),
        "reply_due_on": services.provisional_reply_due_on(application.received_on),
        "criteria": list(application.criteria.all()),
        "documents": list(application.documents_received.all()),
        "missing_documents": list(
            DocumentRequirement.objects.filter(active=True).exclude(applications=application)
        ),
        "offers": list(application.offers.select_related("dwelling", "letter", "tenancy")),
        "letters": list(
            application.household.letters.filter(kind__in=["provisional_reply", "housing_offer"]).order_by(
                "-created_at"
            )[:10]
        ),
        "reply_form": forms.get("reply_form") or ProvisionalReplyForm(today=today),
        "withdraw_form": forms.get("withdraw_form") or WithdrawForm(initial={"withdrawn_on": today}),
        "offer_form": forms.get("offer_form")
        or OfferForm(dwellings=worklist.vacant_dwellings(today), today=today),
    }
    context.update(decision_context(application))
    return context


def decision_context(application: Application, form: AllocationDraftForm | None = None) -> dict:
    """The decision part of the page: the draft form, or the decision."""
    initial = {"legal_basis": allocation.LEGAL_BASIS, "facts": services.facts_text(application)}
    return {"decision": application.decision, "draft_form": form or AllocationDraftForm(initial=initial)}


@login_required
@permission_required("applications.view_application", raise_exception=True)
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(
        Application.objects.select_related("household", "municipality", "decision__drafted_by"), pk=pk
    )
    return render(request, "applications/application_detail.html", _detail_context(request, application))


def _render_detail(
    request: HttpRequest, application: Application, status: int = 400, **forms
) -> HttpResponse:
    return render(
        request,
        "applications/application_detail.html",
        _detail_context(request, application, **forms),
        status=status,
    )


@login_required
@permission_required("applications.change_application", raise_exception=True)
@require_POST
def provisional_reply(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(Application.objects.select_related("household", "municipality"), pk=pk)
    today = timezone.localdate()
    form = ProvisionalReplyForm(request.POST, today=today)
    if form.is_valid():
        try:
            services.send_provisional_reply(
                application,
                by=request.user,
                on=today,
                reason=form.cleaned_data["reason"],
                expected_by=form.cleaned_data["expected_by"],
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Det foreløpige svaret er laget og arkivert."))
            return redirect("applications:detail", pk)
    return _render_detail(request, application, reply_form=form)


@login_required
@permission_required("applications.change_application", raise_exception=True)
@require_POST
def quick_provisional_reply(request: HttpRequest, pk: int) -> HttpResponse:
    """The worklist's one click: the standard reason, a decision within four weeks."""
    application = get_object_or_404(Application.objects.select_related("household", "municipality"), pk=pk)
    today = timezone.localdate()
    form = ProvisionalReplyForm(today=today)
    try:
        services.send_provisional_reply(
            application,
            by=request.user,
            on=today,
            reason=str(form.fields["reason"].initial),
            expected_by=form.fields["expected_by"].initial,
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Foreløpig svar er sendt for søknad %(r)s.") % {"r": application.reference}
        )
    return redirect("applications:list")


@login_required
@permission_required("applications.change_application", raise_exception=True)
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(Application.objects.select_related("household", "municipality"), pk=pk)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.withdraw_application(application, on=form.cleaned_data["withdrawn_on"], by=request.user)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Søknaden er registrert som trukket."))
            return redirect("applications:detail", pk)
    return _render_detail(request, application, withdraw_form=form)


@login_required
@permission_required("applications.view_application", raise_exception=True)
def waiting_list_page(request: HttpRequest) -> HttpResponse:
    user_municipality(request)
    today = timezone.localdate()
    page = _page(request, waiting_list().prefetch_related("criteria"))
    return render(request, "applications/waiting_list.html", {"page": page, "today": today})


@login_required
@permission_required("applications.view_application", raise_exception=True)
def dwelling_fit(request: HttpRequest, dwelling_pk: int) -> HttpResponse:
    dwelling = get_object_or_404(Dwelling.objects, pk=dwelling_pk)
    today = timezone.localdate()
    context = {"dwelling": dwelling, "fits": fits_for(dwelling, today), "today": today}
    return render(request, "applications/dwelling_fit.html", context)


@login_required
@permission_required("applications.add_offer", raise_exception=True)
@require_POST
def make_offer(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(Application.objects.select_related("household", "municipality"), pk=pk)
    today = timezone.localdate()
    form = OfferForm(request.POST, dwellings=worklist.vacant_dwellings(today), today=today)
    if form.is_valid():
        try:
            services.make_offer(
                application,
                dwelling=form.cleaned_data["dwelling"],
                on=today,
                answer_deadline=form.cleaned_data["answer_deadline"],
                by=request.user,
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Tilbudet er gitt, og tilbudsbrevet er laget."))
            return redirect("applications:detail", pk)
    return _render_detail(request, application, offer_form=form)


@login_required
@permission_required("applications.change_offer", raise_exception=True)
def offer_answer(request: HttpRequest, pk: int) -> HttpResponse:
    offer = get_object_or_404(Offer.objects.select_related("application__household", "dwelling"), pk=pk)
    today = timezone.localdate()
    accept = AcceptOfferForm(
        request.POST if request.POST.get("answer") == "accept" else None,
        initial={"answered_on": today, "start_date": today},
    )
    decline = DeclineOfferForm(
        request.POST if request.POST.get("answer") == "decline" else None, initial={"answered_on": today}
    )
    if request.method == "POST":
        answer = request.POST.get("answer")
        try:
            with transaction.atomic():
                if answer == "accept" and accept.is_valid():
                    services.accept_offer(offer, by=request.user, **accept.cleaned_data)
                    messages.success(request, _("Tilbudet er akseptert, og leieforholdet er registrert."))
                    if offer.application.is_transfer:
                        messages.info(
                            request,
                            _(
                                "Søknaden var et bytte: det gamle leieforholdet er avsluttet samme dag "
                                "som det nye starter, og husstandens adresse er den nye boligen."
                            ),
                        )
                    return redirect("applications:detail", offer.application_id)
                if answer == "decline" and decline.is_valid():
                    services.decline_offer(offer, by=request.user, **decline.cleaned_data)
                    messages.success(
                        request, _("Avslaget er registrert. Husstanden står fortsatt på ventelisten.")
                    )
                    return redirect("applications:detail", offer.application_id)
                if answer == "expire":
                    services.expire_offer(offer, today=today)
                    messages.success(request, _("Tilbudet er registrert som ikke besvart innen fristen."))
                    return redirect("applications:detail", offer.application_id)
        except DomainError as exc:
            add_to_form(accept if answer == "accept" else decline, exc)
            if answer == "expire":
                messages.error(request, str(exc))
    status = 400 if request.method == "POST" else 200
    context = {"offer": offer, "accept": accept, "decline": decline, "today": today}
    return render(request, "applications/offer_answer.html", context, status=status)


# --- Leader pages ----------------------------------------------------------------


def _kept_list(request: HttpRequest, model, form_class, template: str, pk: int | None = None) -> HttpResponse:
    municipality = user_municipality(request)
    instance = get_object_or_404(model.objects, pk=pk) if pk else model(municipality=municipality)
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            with services.constraint_errors():
                form.save()
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Lagret."))
            return redirect(request.path if pk is None else f"{request.path.rsplit('/', 2)[0]}/")
    rows = list(model.objects.all())
    return render(request, template, {"form": form, "rows": rows, "editing": instance if pk else None})


@leader_required
def criteria(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    return _kept_list(request, AllocationCriterion, CriterionForm, "applications/criteria.html", pk)


@leader_required
def documents(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    return _kept_list(
        request, DocumentRequirement, DocumentRequirementForm, "applications/documents.html", pk
    )
