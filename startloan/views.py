from __future__ import annotations

from typing import Any

from auditlog.models import LogEntry
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import CharField, Count, OuterRef, Subquery, Value
from django.db.models.functions import Concat
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from housing_office.errors import DomainError, add_to_form
from housing_office.jobs import create_job, enqueue
from housing_office.permissions import leader_required
from housing_office.request_hygiene import parse_id
from housing_office.text import fold
from tenants.models import Household, Person, PersonRole
from tenants.queries import main_person_name

from . import guidance, readiness, services
from .apps import ASSESSMENT_PDF_JOB
from .forms import (
    ApplicationForm,
    DecisionForm,
    FollowUpForm,
    NewYearForm,
    ParametersForm,
    RateFormSet,
    RecommendForm,
    StatusForm,
)
from .models import ApplicationStatus, LivingCostBasis, LoanParameters, StartLoanApplication
from .sifo_forms import SifoHouseholdFormSet, SifoPersonFormSet

PAGE_SIZE = 50
# Households shown at most for one search in the household picker.
PICK_LIMIT = 25
# The fields the assessment cannot do without.
_NEEDED = ("purchase_price", "amount_applied", "monthly_net_income", "annual_gross_income", "term_years")


def _form_errors_from(form: Any, exc: DomainError | ValidationError) -> None:
    """A domain error, or the loan rules' `ValidationError` (field → messages), on the form."""
    if isinstance(exc, DomainError):
        add_to_form(form, exc)
    elif hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


# --------------------------------------------------------------------------
# Applications
# --------------------------------------------------------------------------


@login_required
@permission_required("startloan.view_startloanapplication", raise_exception=True)
def application_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in ApplicationStatus.values:
        status = ""
    applications = StartLoanApplication.objects.select_related(
        "household", "recommended_by", "decided_by"
    ).annotate(
        main_name=main_person_name("household_id"), co_applicant_name=co_applicant_name("household_id")
    )
    if status:
        applications = applications.filter(status=status)
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = {
        row["status"]: row["n"]
        for row in StartLoanApplication.objects.order_by().values("status").annotate(n=Count("id"))
    }
    filters = [("", _("Alle"), sum(counts.values()))] + [
        (value, label, counts.get(value, 0)) for value, label in ApplicationStatus.choices
    ]
    # The worklist: financing certificates about to run out (or run out)
    # with no purchase recorded.
    expiring = (
        services.certificates_expiring()
        .select_related("household")
        .annotate(main_name=main_person_name("household_id"))
    )
    return render(
        request,
        "startloan/application_list.html",
        {
            "page": page,
            "status": status,
            "filters": filters,
            "expiring": expiring,
            "today": timezone.localdate(),
            "warning_days": services.CERTIFICATE_WARNING_DAYS,
        },
    )


def _assessment_context(form: ApplicationForm, household: Household) -> dict[str, Any]:
    """The figures for the results partial, computed from whatever in the
    form is valid so far, and the form's errors to show beside them."""
    valid = form.is_valid()
    data = form.cleaned_data
    context: dict[str, Any] = {"a": None, "errors": [], "missing": False}
    if not valid:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            context["errors"] += [f"{label}: {e}" if label else e for e in errors]
    if all(data.get(name) is not None for name in _NEEDED):
        try:
            assessment, parameters = services.assess_values(data, household)
        except ValueError:
            pass
        else:
            context["a"] = assessment.as_dict()
            context["parameters"] = parameters
    if context["a"] is None and any(data.get(name) is None for name in _NEEDED):
        context["missing"] = True
    return context


def _household_summary(household: Household) -> dict[str, Any]:
    return {"household": household, "composition": services.composition_for(household)}


def co_applicant_name(household: str = "pk") -> Subquery:
    """The co-applicant's full name (as `tenants.queries.main_person_name`)."""
    co = Person.objects.filter(household=OuterRef(household), role=PersonRole.CO_APPLICANT).annotate(
        name=Concat("first_name", Value(" "), "last_name", output_field=CharField())
    )
    return Subquery(co.order_by("pk").values("name")[:1], output_field=CharField())


def _pick_household(request: HttpRequest) -> HttpResponse:
    """Find the household by reference, a member's name or the address; each
    hit names its main person and co-applicant, so that five households of
    the same family name can be told apart."""
    query = request.GET.get("q", "").strip()
    households: list[Household] = []
    more = False
    if query:
        found = (
            Household.objects.filter(search_text__contains=fold(query))
            .annotate(main_name=main_person_name(), co_applicant_name=co_applicant_name())
            .order_by("reference")
        )
        households = list(found[: PICK_LIMIT + 1])
        more = len(households) > PICK_LIMIT
        households = households[:PICK_LIMIT]
    return render(
        request,
        "startloan/household_pick.html",
        {"query": query, "households": households, "more": more, "limit": PICK_LIMIT},
    )


@login_required
@permission_required("startloan.add_startloanapplication", raise_exception=True)
def application_create(request: HttpRequest) -> HttpResponse:
    household_pk = parse_id(request.POST.get("household") or request.GET.get("household"))
    if household_pk is None:
        return _pick_household(request)
    household = get_object_or_404(Household.objects.prefetch_related("members"), pk=household_pk)
    from_budget = None
    if request.method == "POST":
        form = ApplicationForm(request.POST)
        if "calculate" not in request.POST and form.is_valid():
            try:
                application = services.create_application(household, form.cleaned_data, by=request.user)
            except (DomainError, ValidationError) as exc:
                _form_errors_from(form, exc)
            else:
                messages.success(request, _("Søknaden er registrert."))
                return redirect("startloan:application-detail", pk=application.pk)
        assessment = _assessment_context(form, household)
    else:
        # A re-assessment starts from the household's saved application: only
        # the new figures are typed.
        source_pk = parse_id(request.GET.get("fra"))
        initial: dict[str, Any] = {"household": household.pk}
        if source_pk is not None:
            source = get_object_or_404(StartLoanApplication, pk=source_pk, household=household)
            initial = services.reassessment_initial(source)
        else:
            # A first application starts from the household's latest budget
            # (economic guidance): the figures are typed once.
            from_budget = guidance.latest_budget(household)
            if from_budget is not None:
                initial = guidance.application_initial(from_budget)
        form = ApplicationForm(initial=initial)
        assessment = {"a": None, "errors": [], "missing": True}
    return render(
        request,
        "startloan/application_form.html",
        {
            "form": form,
            "application": None,
            "from_budget": from_budget,
            **assessment,
            **_household_summary(household),
        },
    )


@login_required
@permission_required("startloan.change_startloanapplication", raise_exception=True)
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(StartLoanApplication.objects.select_related("household"), pk=pk)
    household = application.household
    if application.decided_by_id is not None:
        return _follow_up_edit(request, application)
    if request.method == "POST":
        form = ApplicationForm(request.POST, instance=application)
        if "calculate" not in request.POST and form.is_valid():
            if form.cleaned_data["household"].pk != household.pk:
                form.add_error(None, _("Husstanden kan ikke byttes på en søknad."))
            else:
                try:
                    services.update_application(application, form.cleaned_data, by=request.user)
                except (DomainError, ValidationError) as exc:
                    _form_errors_from(form, exc)
                else:
                    messages.success(request, _("Søknaden er lagret."))
                    return redirect("startloan:application-detail", pk=application.pk)
        assessment = _assessment_context(form, household)
    else:
        form = ApplicationForm(instance=application, initial={"household": household.pk})
        # The saved assessment until the caseworker changes something.
        assessment = {
            "a": application.assessment or None,
            "errors": [],
            "missing": not application.assessment,
        }
    return render(
        request,
        "startloan/application_form.html",
        {"form": form, "application": application, **assessment, **_household_summary(household)},
    )


def _follow_up_edit(request: HttpRequest, application: StartLoanApplication) -> HttpResponse:
    if request.method == "POST":
        form = FollowUpForm(request.POST, instance=application)
        if form.is_valid():
            try:
                services.update_follow_up(application, form.cleaned_data, by=request.user)
            except (DomainError, ValidationError) as exc:
                _form_errors_from(form, exc)
            else:
                messages.success(request, _("Søknaden er lagret."))
                return redirect("startloan:application-detail", pk=application.pk)
    else:
        form = FollowUpForm(instance=application, initial=services.follow_up_initial(application))
    return render(request, "startloan/follow_up_form.html", {"form": form, "application": application})


@login_required
@permission_required("startloan.view_startloanapplication", raise_exception=True)
@require_POST
def assessment_preview(request: HttpRequest) -> HttpResponse:
    """The results partial for the live assessment on the application form."""
    household_pk = parse_id(request.POST.get("household"))
    if household_pk is None:
        return HttpResponse(status=400)
    household = get_object_or_404(Household.objects.prefetch_related("members"), pk=household_pk)
    application = None
    application_pk = parse_id(request.POST.get("application"))
    if application_pk is not None:
        application = get_object_or_404(StartLoanApplication, pk=application_pk, household=household)
    form = ApplicationForm(request.POST, instance=application)
    context = {**_assessment_context(form, household), "live": True}
    return render(request, "startloan/_assessment.html", context)


def _registration(application: StartLoanApplication) -> dict[str, Any]:
    """The history's first row for an application registered before the
    history had one: its creation time and, from the audit trail, who
    registered it (unknown for rows the demo or an import wrote)."""
    entry = (
        LogEntry.objects.get_for_object(application)
        .filter(action=LogEntry.Action.CREATE)
        .select_related("actor")
        .order_by("timestamp")
        .first()
    )
    return {"changed_at": application.created_at, "changed_by": entry.actor if entry else None}


@login_required
@permission_required("startloan.view_startloanapplication", raise_exception=True)
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(
        StartLoanApplication.objects.select_related("household", "recommended_by", "decided_by"), pk=pk
    )
    changes = list(application.status_changes.select_related("changed_by"))
    lines = services.checklist(application)
    return render(
        request,
        "startloan/application_detail.html",
        {
            "application": application,
            "eligibility_problems": services.eligibility_problems(application),
            "checklist": lines,
            "missing_documents": services.missing_documents(lines),
            "records": application.assessment_records.select_related("made_by"),
            "a": application.assessment or services.assess_application(application) or None,
            "fresh": not application.assessment,
            "changes": changes,
            "registration": None if any(c.is_registration for c in changes) else _registration(application),
            "status_form": StatusForm(application=application),
            "can_decide": application.can_be_decided(request.user),
            "decision_refusal": application.decision_refusal(request.user),
            **_household_summary(application.household),
        },
    )


@login_required
@permission_required("startloan.change_startloanapplication", raise_exception=True)
@require_POST
def application_status(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(StartLoanApplication, pk=pk)
    form = StatusForm(request.POST, application=application)
    if not form.is_valid():
        messages.error(request, _("Velg en status søknaden kan gå til."))
    else:
        try:
            services.change_status(
                application,
                form.cleaned_data["to_status"],
                by=request.user,
                comment=form.cleaned_data["comment"],
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("Status er endret til «%(status)s».") % {"status": application.get_status_display()},
            )
    return redirect("startloan:application-detail", pk=application.pk)


@login_required
@permission_required("startloan.change_startloanapplication", raise_exception=True)
def application_recommend(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(StartLoanApplication.objects.select_related("household"), pk=pk)
    if request.method == "POST":
        form = RecommendForm(request.POST)
        if form.is_valid():
            try:
                services.recommend(application, by=request.user, text=form.cleaned_data["recommendation"])
            except DomainError as exc:
                add_to_form(form, exc)
            else:
                messages.success(
                    request, _("Innstillingen er lagret. En annen saksbehandler må fatte vedtaket.")
                )
                return redirect("startloan:application-detail", pk=application.pk)
    else:
        form = RecommendForm(initial={"recommendation": application.recommendation})
    return render(request, "startloan/recommend_form.html", {"form": form, "application": application})


@login_required
@permission_required("startloan.change_startloanapplication", raise_exception=True)
def application_decide(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(
        StartLoanApplication.objects.select_related("household", "recommended_by"), pk=pk
    )
    blocked = application.decision_refusal(request.user) or ""
    if request.method == "POST":
        form = DecisionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.decide(
                    application,
                    by=request.user,
                    grant=data["outcome"] == "grant",
                    reasons=data["reasons"],
                    loan_granted=data["loan_granted"],
                    grant_granted=data["grant_granted"],
                    decided_on=data["decided_on"],
                    startskudd_case_number=data["startskudd_case_number"],
                    terms={
                        **{
                            name: data[name]
                            for name in ("term_years", "interest_only_years", "repayment_type")
                            if data.get(name) not in (None, "")
                        },
                        # Blank: a floating rate was decided.
                        "fixed_rate_years": data.get("fixed_rate_years"),
                    },
                )
            except DomainError as exc:
                add_to_form(form, exc)
            else:
                messages.success(request, _("Vedtaket er registrert."))
                return redirect("startloan:application-detail", pk=application.pk)
    else:
        # What the case already holds, so nothing is typed twice.
        form = DecisionForm(
            initial={
                "startskudd_case_number": application.startskudd_case_number,
                "loan_granted": application.amount_applied,
                "grant_granted": application.grant_applied,
                "term_years": application.term_years,
                "interest_only_years": application.interest_only_years,
                "fixed_rate_years": application.fixed_rate_years or "",
                "repayment_type": application.repayment_type,
            }
        )
    return render(
        request,
        "startloan/decide_form.html",
        {"form": form, "application": application, "blocked": blocked},
    )


@login_required
@permission_required("startloan.view_startloanapplication", raise_exception=True)
@require_POST
def application_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from .tasks import render_assessment_pdf

    application = get_object_or_404(
        StartLoanApplication.objects.select_related("household", "municipality"), pk=pk
    )
    job = create_job(
        municipality=application.municipality,
        kind=ASSESSMENT_PDF_JOB,
        title=_("Vurdering av betjeningsevne – %(ref)s") % {"ref": application.household.reference},
        created_by=request.user,
        params={"application_id": application.pk},
        total=1,
    )
    enqueue(render_assessment_pdf, job)
    return redirect("job-detail", pk=job.pk)


# --------------------------------------------------------------------------
# Parameters (the leader's)
# --------------------------------------------------------------------------


@login_required
def parameters_list(request: HttpRequest) -> HttpResponse:
    if request.user.municipality_id and not LoanParameters.objects.exists():
        services.ensure_default_parameters(request.user.municipality)
    # How many SIFO rows each year keeps: SIFO chosen with none is shown as
    # such (the guideline rates are used then, never an empty SIFO).
    years = LoanParameters.objects.select_related("updated_by").annotate(
        sifo_person_rows=Count("sifo_persons", distinct=True),
        sifo_household_rows=Count("sifo_households", distinct=True),
    )
    return render(
        request,
        "startloan/parameters_list.html",
        {
            "years": years,
            "new_year_form": NewYearForm(),
        },
    )


@leader_required
@require_POST
def parameters_create(request: HttpRequest) -> HttpResponse:
    form = NewYearForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Oppgi et år mellom 2000 og 2100."))
        return redirect("startloan:parameters-list")
    year = form.cleaned_data["year"]
    source = LoanParameters.objects.filter(year__lt=year).order_by("-year").first()
    source = source or LoanParameters.objects.order_by("year").first()
    try:
        if source is None:
            services.ensure_default_parameters(request.user.municipality, year)
        else:
            services.copy_parameters(source, year)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("startloan:parameters-list")
    messages.success(request, _("Satser for %(year)s er laget. Kontroller dem og lagre.") % {"year": year})
    return redirect("startloan:parameters-edit", year=year)


@leader_required
def parameters_edit(request: HttpRequest, year: int) -> HttpResponse:
    parameters = get_object_or_404(LoanParameters, year=year)
    data = request.POST if request.method == "POST" else None
    form = ParametersForm(data, instance=parameters)
    formset = RateFormSet(data, instance=parameters, prefix="rates")
    persons = SifoPersonFormSet(data, instance=parameters, prefix="sifo_persons")
    households = SifoHouseholdFormSet(data, instance=parameters, prefix="sifo_households")
    sifo_errors: list[str] = []
    if data is not None:
        valid = all([form.is_valid(), formset.is_valid(), persons.is_valid(), households.is_valid()])
        if valid and form.cleaned_data["living_cost_basis"] == LivingCostBasis.SIFO:
            # SIFO's budget as the basis needs complete tables (DOMAIN §9).
            sifo_errors = services.sifo_table_errors(persons.rows(), households.rows())
        if valid and not sifo_errors:
            with transaction.atomic():
                saved = form.save(commit=False)
                saved.updated_by = request.user
                saved.save()
                formset.save()
                persons.save()
                households.save()
                # New rates may make a start loan affordable for households
                # in guidance: the readiness watch runs again.
                readiness.start_watch(
                    request.user.municipality,
                    by=request.user,
                    reason=_("Eierskapsvakt: satsene for %(year)s er endret") % {"year": year},
                )
            messages.success(
                request,
                _(
                    "Satsene for %(year)s er lagret. "
                    "Eierskapsvakten vurderer husstandene i veiledning på nytt."
                )
                % {"year": year},
            )
            return redirect("startloan:parameters-list")
    return render(
        request,
        "startloan/parameters_form.html",
        {
            "form": form,
            "formset": formset,
            "sifo_persons": persons,
            "sifo_households": households,
            "sifo_errors": sifo_errors,
            "parameters": parameters,
            "basis": services.basis_in_use(parameters),
        },
    )
