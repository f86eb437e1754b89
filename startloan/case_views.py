"""Views for the case beside the figures: eligibility, the documentation
checklist, the Startskudd hand-off summary and the leader's checklist.
Thin: the rules are in `startloan.casework` (through `services`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from housing_office.errors import DomainError, add_to_form
from housing_office.permissions import leader_required

from . import services
from .case_forms import ChecklistForm, DocumentKindFormSet, EligibilityForm
from .handoff import handoff_sections
from .models import DocumentKind, StartLoanApplication

_VIEW = "startloan.view_startloanapplication"
_CHANGE = "startloan.change_startloanapplication"


@login_required
@permission_required(_CHANGE, raise_exception=True)
def application_eligibility(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(StartLoanApplication.objects.select_related("household"), pk=pk)
    if request.method == "POST":
        form = EligibilityForm(request.POST, instance=application)
        if form.is_valid():
            try:
                services.save_eligibility(application, form.cleaned_data, by=request.user)
            except DomainError as exc:
                add_to_form(form, exc)
            else:
                messages.success(request, _("Vilkårene er lagret."))
                return redirect("startloan:application-detail", pk=application.pk)
    else:
        form = EligibilityForm(instance=application)
    return render(
        request,
        "startloan/eligibility_form.html",
        {"form": form, "application": application, "problems": services.eligibility_problems(application)},
    )


@login_required
@permission_required(_CHANGE, raise_exception=True)
def application_documents(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(StartLoanApplication.objects.select_related("household"), pk=pk)
    lines = services.checklist(application)
    form = ChecklistForm(request.POST or None, lines=lines)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_checklist(application, form.rows(), by=request.user)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Sjekklisten er lagret."))
            return redirect("startloan:application-detail", pk=application.pk)
    return render(request, "startloan/documents_form.html", {"form": form, "application": application})


@login_required
@permission_required(_VIEW, raise_exception=True)
def application_handoff(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(
        StartLoanApplication.objects.select_related("household", "recommended_by", "decided_by"), pk=pk
    )
    lines = services.checklist(application)
    return render(
        request,
        "startloan/handoff.html",
        {
            "application": application,
            "sections": handoff_sections(application, lines),
            "problems": services.eligibility_problems(application),
            "missing": services.missing_documents(lines),
        },
    )


@leader_required
def document_kinds(request: HttpRequest) -> HttpResponse:
    services.ensure_document_kinds(request.user.municipality)
    queryset = DocumentKind.objects.all()
    formset = DocumentKindFormSet(request.POST or None, queryset=queryset, prefix="kinds")
    if request.method == "POST" and formset.is_valid():
        names = [
            f.cleaned_data["name"].strip().casefold() for f in formset.forms if f.cleaned_data.get("name")
        ]
        if len(names) != len(set(names)):
            messages.error(request, _("To dokumenter i sjekklisten kan ikke ha samme navn."))
        else:
            with transaction.atomic():
                for form in formset.forms:
                    if form.has_changed() and form.cleaned_data.get("name"):
                        kind = form.save(commit=False)
                        kind.municipality = request.user.municipality
                        kind.save()
            messages.success(request, _("Sjekklisten er lagret."))
            return redirect("startloan:document-kinds")
    return render(request, "startloan/document_kinds.html", {"formset": formset})
