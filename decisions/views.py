"""The decision pages: a household's decisions, the draft form, the
decision page with its decide button and letter, the complaints worklist
and the complaint forms, and the leader's settings per kind. Views parse,
call a service, render; scoping is the managers' (another municipality's
decision or complaint is a 404)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from housing_office.errors import DomainError, add_to_form, user_municipality
from housing_office.permissions import leader_required
from tenants.models import Household
from tenants.services import households_with_address_left_behind

from . import rules, services
from .forms import AppealOutcomeForm, ComplaintForm, DraftForm, KindSettingForm, ReviewForm
from .kinds import registered_decision_kinds
from .models import Complaint, Decision, DecisionStatus, ReviewResult


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


@login_required
@permission_required("decisions.view_decision", raise_exception=True)
def decision_list(request: HttpRequest) -> HttpResponse:
    """Drafts waiting for a decision, and the latest decisions."""
    user_municipality(request)
    base = Decision.objects.select_related("household", "drafted_by", "decided_by")
    drafts = list(base.filter(status=DecisionStatus.DRAFT).order_by("drafted_at", "id")[:200])
    latest = list(base.exclude(status=DecisionStatus.DRAFT).order_by("-decided_at", "-id")[:50])
    return render(request, "decisions/decision_list.html", {"drafts": drafts, "latest": latest})


@login_required
@permission_required("decisions.view_decision", raise_exception=True)
def household_decisions(request: HttpRequest, household_pk: int) -> HttpResponse:
    household = get_object_or_404(Household.objects, pk=household_pk)
    decisions = list(
        household.decisions.select_related("drafted_by", "decided_by", "letter").order_by(
            "-drafted_at", "-id"
        )
    )
    return render(
        request, "decisions/household_decisions.html", {"household": household, "decisions": decisions}
    )


@login_required
def draft_create(request: HttpRequest, household_pk: int) -> HttpResponse:
    _require(request, "decisions.add_decision")
    household = get_object_or_404(Household.objects, pk=household_pk)
    form = DraftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            decision = services.draft_decision(
                household=household, drafted_by=request.user, **form.cleaned_data
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Utkastet er lagret. En annen saksbehandler kan nå fatte vedtaket."))
            return redirect("decisions:decision-detail", decision.pk)
    return render(
        request,
        "decisions/draft_form.html",
        {"household": household, "form": form},
        status=400 if form.is_bound else 200,
    )


def _decision(pk: int) -> Decision:
    return get_object_or_404(
        Decision.objects.select_related(
            "household", "drafted_by", "decided_by", "letter", "replaces", "replaced_by"
        ),
        pk=pk,
    )


@login_required
@permission_required("decisions.view_decision", raise_exception=True)
def decision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    decision = _decision(pk)
    form = None
    if decision.is_draft:
        if request.method == "POST":
            _require(request, "decisions.change_decision")
            form = DraftForm(request.POST, fixed_kind=decision.kind)
            if form.is_valid():
                try:
                    services.update_draft(decision, by=request.user, **form.cleaned_data)
                except DomainError as exc:
                    add_to_form(form, exc)
                else:
                    messages.success(request, _("Utkastet er endret."))
                    return redirect("decisions:decision-detail", decision.pk)
        else:
            form = DraftForm(
                fixed_kind=decision.kind,
                initial={
                    "outcome": decision.outcome,
                    "legal_basis": decision.legal_basis,
                    "facts": decision.facts,
                    "considerations": decision.considerations,
                },
            )
    elif request.method == "POST":
        return redirect("decisions:decision-detail", decision.pk)
    return _render_decision(
        request, decision, form, status=400 if form is not None and form.is_bound else 200
    )


def _render_decision(
    request: HttpRequest, decision: Decision, form: DraftForm | None, status: int = 200, **extra
) -> HttpResponse:
    complaints = list(
        decision.complaints.select_related("registered_by", "new_decision").order_by("received_on")
    )
    context = {
        "decision": decision,
        "form": form,
        "decide_refusal": services.decide_refusal(decision, request.user) if decision.is_draft else None,
        # The letter goes to the household's address (fvl. § 27): warn when
        # it would not reach the household (tenants.services.address_left_behind).
        "address_left_behind": decision.is_draft
        and bool(households_with_address_left_behind([decision.household_id])),
        "setting": services.kind_setting(decision.municipality_id, decision.kind),
        "complaints": complaints,
        "may_complain": decision.status == DecisionStatus.DECIDED
        and not any(c.review_result == "" for c in complaints),
        "complaint_form": ComplaintForm(),
        "assumed_receipt": rules.assumed_receipt(timezone.localdate(decision.decided_at))
        if decision.decided_at
        else None,
        **extra,
    }
    return render(request, "decisions/decision_detail.html", context, status=status)


@login_required
@require_POST
def decision_decide(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "decisions.change_decision")
    decision = _decision(pk)
    try:
        services.decide(decision, decided_by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Vedtaket er fattet, og vedtaksbrevet er laget."))
    return redirect("decisions:decision-detail", decision.pk)


@login_required
def complaint_create(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "decisions.add_complaint")
    decision = _decision(pk)
    form = ComplaintForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            complaint = services.register_complaint(decision, registered_by=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Klagen er registrert."))
            return redirect("decisions:complaint-detail", complaint.pk)
    return render(
        request,
        "decisions/complaint_form.html",
        {"decision": decision, "form": form},
        status=400 if form.is_bound else 200,
    )


@login_required
@permission_required("decisions.view_complaint", raise_exception=True)
def complaint_list(request: HttpRequest) -> HttpResponse:
    """Open complaints with their deadlines: the office's target for the
    first-instance review (fvl. § 33; `rules.review_due`), then the appeal
    body's answer. A constant number of queries at any size."""
    user_municipality(request)
    today = timezone.localdate()
    complaints = list(
        Complaint.objects.filter(final_outcome="")
        .exclude(review_result=ReviewResult.CHANGED)
        .select_related("decision__household", "registered_by")
        .order_by("received_on", "id")[:500]
    )
    rows = [
        {
            "complaint": c,
            "review_due": rules.review_due(c.received_on) if not c.review_result else None,
            "overdue": not c.review_result and rules.review_due(c.received_on) < today,
        }
        for c in complaints
    ]
    return render(request, "decisions/complaint_list.html", {"rows": rows, "today": today})


def _complaint(pk: int) -> Complaint:
    return get_object_or_404(
        Complaint.objects.select_related(
            "decision__household",
            "decision__letter",
            "registered_by",
            "reviewed_by",
            "new_decision",
            "forwarding_letter",
            "final_recorded_by",
        ),
        pk=pk,
    )


def _render_complaint(request: HttpRequest, complaint: Complaint, status: int = 200, **forms) -> HttpResponse:
    context = {
        "complaint": complaint,
        "decision": complaint.decision,
        "review_due": rules.review_due(complaint.received_on),
        "review_form": forms.get("review_form") or ReviewForm(),
        "appeal_form": forms.get("appeal_form")
        or AppealOutcomeForm(initial={"decided_on": timezone.localdate()}),
    }
    return render(request, "decisions/complaint_detail.html", context, status=status)


@login_required
@permission_required("decisions.view_complaint", raise_exception=True)
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_complaint(request, _complaint(pk))


@login_required
@require_POST
def complaint_review(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "decisions.change_complaint")
    complaint = _complaint(pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        changed = data["result"] == "changed"
        kwargs = {}
        if changed:
            kwargs["new_outcome"] = data["new_outcome"] or None
            if data["new_facts"].strip():
                kwargs["new_facts"] = data["new_facts"]
            if data["new_considerations"].strip():
                kwargs["new_considerations"] = data["new_considerations"]
        try:
            services.review_complaint(complaint, upheld=not changed, reviewed_by=request.user, **kwargs)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            complaint.refresh_from_db()
            if changed and complaint.new_decision.is_draft:
                messages.success(
                    request,
                    _("Det nye vedtaket er lagret som utkast. En annen saksbehandler må fatte det."),
                )
                return redirect("decisions:decision-detail", complaint.new_decision_id)
            messages.success(
                request,
                _("Vedtaket er endret, og nytt vedtaksbrev er laget.")
                if changed
                else _("Klagen er sendt klageinstansen, og parten får brev om det."),
            )
            return redirect("decisions:complaint-detail", complaint.pk)
    return _render_complaint(request, complaint, status=400, review_form=form)


@login_required
@require_POST
def complaint_appeal_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "decisions.change_complaint")
    complaint = _complaint(pk)
    form = AppealOutcomeForm(request.POST)
    if form.is_valid():
        try:
            services.record_appeal_outcome(complaint, recorded_by=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Klageinstansens avgjørelse er registrert."))
            return redirect("decisions:complaint-detail", complaint.pk)
    return _render_complaint(request, complaint, status=400, appeal_form=form)


@leader_required
def kind_settings(request: HttpRequest) -> HttpResponse:
    """The leader's settings per kind: the appeal body (fvl. § 28) and the
    two-person rule."""
    municipality = user_municipality(request)
    kinds = registered_decision_kinds()
    rows = []
    saved = False
    for kind in kinds:
        setting = services.kind_setting(municipality.pk, kind.code)
        bound = request.method == "POST" and request.POST.get("kind") == kind.code
        form = KindSettingForm(
            request.POST if bound else None,
            prefix=kind.code,
            initial={"appeal_body": setting.appeal_body, "two_person_rule": setting.two_person_rule},
        )
        if bound and form.is_valid():
            try:
                services.save_kind_setting(municipality.pk, kind.code, **form.cleaned_data)
            except DomainError as exc:
                add_to_form(form, exc)
            else:
                saved = True
        rows.append({"kind": kind, "form": form})
    if saved:
        messages.success(request, _("Innstillingen er lagret."))
        return redirect("decisions:kind-settings")
    status = 400 if request.method == "POST" else 200
    return render(request, "decisions/kind_settings.html", {"rows": rows}, status=status)
